// What feedback teaches: per (source, signal), how often alerts turned out to be false positives.
// Rates are shrunk towards a prior, so a new source is neither punished nor trusted blindly.
import type { AlertFeedback, AnomalyAlert, Signal, Tier } from './events.ts';
import type { Journal } from './journal.ts';

export interface SourceRate {
  /** Shrunk false-positive rate, 0..1. */
  rate: number;
  /** Feedback records behind it (actionable plus false positives). */
  observations: number;
}

export interface FeedbackPrior {
  false_positive_rate: number;
  strength: number;
}

interface Counts {
  actionable: number;
  falsePositive: number;
}

export const sourceKey = (source: string | undefined, signal: Signal): string =>
  `${source ?? '(none)'}|${signal}`;

export class SourceReliability {
  /**
   * source → signal → counts. Two lookups by strings the alert already holds: the step asks for a
   * rate on every alert, and a joined key was a new string (and a new hash) each time.
   */
  private readonly counts = new Map<string, Map<Signal, Counts>>();
  private pairs = 0;
  private readonly journal: Journal | undefined;

  constructor(journal?: Journal) {
    this.journal = journal;
  }

  record(source: string | undefined, signal: Signal, outcome: AlertFeedback['outcome']): void {
    if (outcome === 'duplicate') return; // a duplicate of a real alert says nothing about the source
    const s = source ?? NO_SOURCE;
    let bySignal = this.counts.get(s);
    if (bySignal === undefined) {
      bySignal = new Map();
      this.counts.set(s, bySignal);
    }
    let c = bySignal.get(signal);
    if (c === undefined) {
      c = { actionable: 0, falsePositive: 0 };
      bySignal.set(signal, c);
      this.pairs++;
    }
    const field = outcome === 'actionable' ? 'actionable' : 'falsePositive';
    c[field]++;
    if (this.journal?.active) {
      const counts = c;
      this.journal.record(() => {
        counts[field]--;
      });
    }
  }

  rate(source: string | undefined, signal: Signal, prior: FeedbackPrior): SourceRate {
    const c = this.counts.get(source ?? NO_SOURCE)?.get(signal);
    const n = c ? c.actionable + c.falsePositive : 0;
    const fp = c ? c.falsePositive : 0;
    return {
      rate: (fp + prior.false_positive_rate * prior.strength) / (n + prior.strength),
      observations: n,
    };
  }

  get sources(): number {
    return this.pairs;
  }
}

/** How an alert without a source is counted (as `sourceKey` names it). */
const NO_SOURCE = '(none)';

export interface RememberedAlert {
  source?: string;
  signal: Signal;
  event_time: number;
  /** The tier it was given, for SLIs when its feedback says when it was acked and resolved. */
  tier?: Tier;
  /** Its root-cause features, for the learned classifier when its feedback confirms a cause. */
  features?: readonly string[];
}

/**
 * alert_id → what feedback needs to know about it; bounded by count (oldest out first) and by
 * event-time age. A ring of ids decides eviction: evicting a Map's first key over and over makes
 * V8 skip an ever longer run of deleted slots.
 */
export class AlertMemory {
  private readonly byId = new Map<string, RememberedAlert>();
  private readonly ring: (string | undefined)[];
  private next = 0;
  readonly maxAlerts: number;
  readonly ttlMs: number;
  private readonly journal: Journal | undefined;

  constructor(maxAlerts: number, ttlMs: number, journal?: Journal) {
    this.maxAlerts = maxAlerts;
    this.ttlMs = ttlMs;
    this.journal = journal;
    this.ring = new Array<string | undefined>(maxAlerts);
  }

  get size(): number {
    return this.byId.size;
  }

  remember(alert: AnomalyAlert, extra: { tier?: Tier; features?: readonly string[] } = {}): void {
    // Fields set one by one (no spread of `extra`, a generic copy per alert); absent ones stay absent.
    const r: RememberedAlert = { signal: alert.signal, event_time: alert.event_time };
    if (extra.tier !== undefined) r.tier = extra.tier;
    if (extra.features !== undefined) r.features = extra.features;
    if (alert.source !== undefined) r.source = alert.source;
    if (this.journal?.active) this.recordUndo(alert.alert_id);
    // One lookup, not has() then set(): a redelivered alert replaces its entry, so the size stays.
    const before = this.byId.size;
    this.byId.set(alert.alert_id, r);
    if (this.byId.size === before) return; // a redelivered alert keeps its place in the ring
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.byId.delete(evicted);
    this.ring[this.next] = alert.alert_id;
    this.next = (this.next + 1) % this.maxAlerts;
  }

  /** How to undo `remember(id)`: the entry it replaces, or the ring slot and the entry it evicts. */
  private recordUndo(id: string): void {
    const previous = this.byId.get(id);
    if (previous !== undefined) {
      this.journal!.record(() => void this.byId.set(id, previous));
      return;
    }
    const slot = this.next;
    const evicted = this.ring[slot];
    const evictedEntry = evicted === undefined ? undefined : this.byId.get(evicted);
    this.journal!.record(() => {
      this.byId.delete(id);
      this.ring[slot] = evicted;
      if (evicted !== undefined && evictedEntry !== undefined) this.byId.set(evicted, evictedEntry);
      this.next = slot;
    });
  }

  find(alertId: string, streamTime: number): RememberedAlert | undefined {
    const r = this.byId.get(alertId);
    return r && r.event_time >= streamTime - this.ttlMs ? r : undefined;
  }
}

/**
 * Feedback waits here until the alert stream time passes its event time, so what the scores learn
 * from it never depends on how far the feedback input has run ahead of the alerts.
 */
export class PendingFeedback {
  private readonly queue: AlertFeedback[] = [];
  readonly max: number;
  private readonly journal: Journal | undefined;

  constructor(max: number, journal?: Journal) {
    this.max = max;
    this.journal = journal;
  }

  get size(): number {
    return this.queue.length;
  }

  /** False when the queue is full and the record is dropped. */
  add(f: AlertFeedback): boolean {
    if (this.queue.length >= this.max) return false;
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.event_time > f.event_time) at--;
    this.queue.splice(at, 0, f);
    return true;
  }

  /** Removes and returns the feedback with event_time <= t, oldest first. */
  due(t: number): AlertFeedback[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.event_time <= t) n++;
    if (n === 0) return NO_FEEDBACK;
    const due = this.queue.splice(0, n);
    if (this.journal?.active) this.journal.record(() => void this.queue.unshift(...due));
    return due;
  }
}

const NO_FEEDBACK: AlertFeedback[] = [];
