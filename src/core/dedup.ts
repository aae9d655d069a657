// Noise control: repeats of one fingerprint (model, signal, feature, metric) inside the dedup
// window are scored but not paged again, unless their tier rises or `renotify_after` has passed.
import type { AccrualRun } from './accrual.ts';
import type { AnomalyAlert, Tier } from './events.ts';
import type { Journal } from './journal.ts';
import { tierRank } from './tier.ts';

export interface DedupEntry {
  first_seen: number;
  last_seen: number;
  /** Occurrences in the current episode (a gap longer than the window starts a new one). */
  occurrences: number;
  /** Highest tier paged in this episode, and when. */
  routed_tier?: Tier;
  routed_at?: number;
  /** Impact accrued by this fingerprint's current run (accrual.ts); absent in entries written before it. */
  accrual?: AccrualRun;
}

export interface DedupWindows {
  windowMs: number;
  renotifyMs: number;
  /**
   * Entries are kept this much longer than the window, so an alert of a lane (partition) running up
   * to this far behind the stream time still finds its episode. The allowed lateness.
   */
  graceMs?: number;
  /** Entries are kept at least this long after their last occurrence: an accrual run's gap (accrual.ts). */
  holdMs?: number;
}

export function fingerprintOf(alert: AnomalyAlert): string {
  return `fp-${hash64(`${alert.model_id}\u0000${alert.signal}\u0000${alert.feature ?? ''}\u0000${alert.metric ?? ''}`)}`;
}

/** The entry after one more occurrence at time t. Occurrences inside the window extend the episode. */
export function noteOccurrence(entry: DedupEntry | undefined, t: number, w: DedupWindows): DedupEntry {
  if (!entry || Math.abs(t - entry.last_seen) > w.windowMs) {
    return { first_seen: t, last_seen: t, occurrences: 1 };
  }
  return {
    ...entry,
    first_seen: Math.min(entry.first_seen, t),
    last_seen: Math.max(entry.last_seen, t),
    occurrences: entry.occurrences + 1,
  };
}

export interface RoutingDecision {
  suppressed: boolean;
  entry: DedupEntry;
  /** Why it pages or stays quiet, for the reasons list. */
  reason?: string;
}

/** Whether an alert of `tier` pages, given what its episode already paged. P4 never pages. */
export function routingDecision(entry: DedupEntry, tier: Tier, t: number, w: DedupWindows): RoutingDecision {
  const routed = entry.routed_tier;
  if (routed !== undefined && entry.routed_at !== undefined) {
    const rises = tierRank(tier) < tierRank(routed);
    const stale = t - entry.routed_at >= w.renotifyMs;
    if (!rises && !stale) {
      return {
        suppressed: true,
        entry,
        reason: `repeat #${entry.occurrences} of this fingerprint, already routed at ${routed}: suppressed`,
      };
    }
    const reason = rises
      ? `tier rose from ${routed} to ${tier}: routed again`
      : `still firing after ${Math.round((t - entry.routed_at) / 3_600_000)} h: routed again`;
    return { suppressed: false, entry: { ...entry, routed_tier: tier, routed_at: t }, reason };
  }
  return { suppressed: false, entry: { ...entry, routed_tier: tier, routed_at: t } };
}

/**
 * The dedup episodes of one lane (an input partition): its fingerprints live only there, since an
 * alert's partition follows its model. Every change is recorded in the journal while a transaction
 * is open, so an aborted chunk leaves no episode behind.
 */
export class DedupStore {
  private readonly entries = new Map<string, DedupEntry>();
  readonly windows: DedupWindows;
  private sweptAt = Number.NEGATIVE_INFINITY;
  private readonly journal: Journal | undefined;

  constructor(windows: DedupWindows, journal?: Journal) {
    this.windows = windows;
    this.journal = journal;
  }

  get size(): number {
    return this.entries.size;
  }

  get(fingerprint: string): DedupEntry | undefined {
    return this.entries.get(fingerprint);
  }

  set(fingerprint: string, entry: DedupEntry): void {
    if (this.journal?.active) this.remember(fingerprint);
    this.entries.set(fingerprint, entry);
  }

  /**
   * Takes an entry read back from the changelog (after a restart or a rebalance), or forgets one
   * (a tombstone: `null`), unless what is held is newer: the changelog also echoes this instance's
   * own writes, later than it made them.
   */
  restore(fingerprint: string, entry: DedupEntry | null): boolean {
    const held = this.entries.get(fingerprint);
    if (entry === null) {
      if (held === undefined) return false;
      if (this.journal?.active) this.remember(fingerprint);
      this.entries.delete(fingerprint);
      return true;
    }
    if (
      held &&
      (held.last_seen > entry.last_seen ||
        (held.last_seen === entry.last_seen && held.occurrences > entry.occurrences))
    ) {
      return false;
    }
    if (this.journal?.active) this.remember(fingerprint);
    this.entries.set(fingerprint, entry);
    return true;
  }

  /**
   * Forgets episodes whose last occurrence is more than a window (plus the grace) before `time`, the
   * lane's own time; returns their fingerprints (the changelog gets a tombstone for each).
   */
  expire(time: number): string[] {
    if (time - this.sweptAt < this.windows.windowMs / 4) return NONE;
    const sweptAt = this.sweptAt;
    this.sweptAt = time;
    const keep = Math.max(this.windows.windowMs, this.windows.holdMs ?? 0);
    const horizon = time - keep - (this.windows.graceMs ?? 0);
    const gone: string[] = [];
    for (const [fp, e] of this.entries) if (e.last_seen < horizon) gone.push(fp);
    if (this.journal?.active) {
      this.journal.record(() => {
        this.sweptAt = sweptAt;
      });
      for (const fp of gone) this.remember(fp);
    }
    for (const fp of gone) this.entries.delete(fp);
    return gone;
  }

  private remember(fingerprint: string): void {
    const previous = this.entries.get(fingerprint);
    this.journal!.record(() => {
      if (previous) this.entries.set(fingerprint, previous);
      else this.entries.delete(fingerprint);
    });
  }
}

const NONE: string[] = [];

/** A 64-bit string hash (two 32-bit FNV-1a lanes) as 16 hex digits: short, stable dedup keys. */
export function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
