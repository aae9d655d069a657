// Accumulated impact (issue 13, item 2): a fingerprint whose alerts keep coming has been costing its
// expected impact per hour all along, so the impact accrued since its run began (impact per hour ×
// the time it held, in event time) raises the priority of its next alert. A two-day trickle of `low`
// alerts then reaches the pager although each alert alone is small. The boost saturates: at most
// `max_boost` points, half of it at `reference` accrued.
import type { DedupEntry } from './dedup.ts';
import { money } from './score.ts';

export interface AccrualSettings {
  enabled: boolean;
  /** Accrued impact (currency) at which the boost is half of `max_boost`. */
  reference: number;
  /** Priority points the boost tends to (0..100). */
  max_boost: number;
  /** A run continues while its alerts come within this of each other; each alert's impact holds at most this long. */
  gap: number;
  /** The highest tier accrual alone can lift an alert to (P1, P2 or P3). */
  max_tier: 'P1' | 'P2' | 'P3';
}

/** What a fingerprint has accrued in its current run, kept on its dedup entry (and its changelog). */
export interface AccrualRun {
  /** Event time of the run's first alert. */
  since: number;
  /** Event time of its latest alert (the integral runs up to here). */
  at: number;
  /** Expected impact per hour of its latest alert: what accrues from `at` on. */
  rate: number;
  /** Impact accrued from `since` to `at` (currency units). */
  impact: number;
}

export interface Accrued {
  run: AccrualRun;
  /** Priority points added (0 when the run has just begun). */
  boost: number;
  /** `accrued 31,000 over 19 h of repeats: +12.3 priority`, or null when nothing accrued. */
  reason: string | null;
}

const HOUR = 3_600_000;

/**
 * The run after an alert at `t` of `impactPerHour`, given what the fingerprint held. A gap longer than
 * `gap` starts a new run; a late alert (before `at`) adds nothing and does not move the run back.
 */
export function accrue(
  held: AccrualRun | undefined,
  t: number,
  impactPerHour: number,
  s: AccrualSettings,
): Accrued {
  if (held === undefined || t - held.at > s.gap || t < held.since) {
    return { run: { since: t, at: t, rate: impactPerHour, impact: 0 }, boost: 0, reason: null };
  }
  const dt = Math.max(0, t - held.at);
  const impact = Math.round((held.impact + (held.rate * Math.min(dt, s.gap)) / HOUR) * 100) / 100;
  const run: AccrualRun =
    t >= held.at ? { since: held.since, at: t, rate: impactPerHour, impact } : { ...held, impact };
  const boost = accrualBoost(impact, s);
  // A boost under a tenth of a point changes nothing a reader could see: no sentence for it.
  if (boost < 0.1) return { run, boost, reason: null };
  const hours = (t - held.since) / HOUR;
  return {
    run,
    boost,
    reason: `accrued ${money(impact)} over ${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h of this fingerprint's alerts (scoring.accrual): +${boost.toFixed(1)} priority`,
  };
}

/** The sentence when `max_tier` let only `applied` of the boost through (none when it let nothing through). */
export function cappedReason(
  a: Accrued,
  applied: number,
  maxTier: AccrualSettings['max_tier'],
): string | null {
  if (a.reason === null || applied >= a.boost - 0.005) return a.reason;
  // Already above the ceiling: accrual changed nothing.
  if (applied < 0.05) return null;
  const head = a.reason.slice(0, a.reason.lastIndexOf(': +'));
  return `${head}: +${applied.toFixed(1)} priority of +${a.boost.toFixed(1)} (accrual alone lifts an alert at most to ${maxTier})`;
}

/** Saturating: `max_boost × x / (x + reference)`, rounded to 0.01 so replays print the same. */
export function accrualBoost(impact: number, s: AccrualSettings): number {
  if (!s.enabled || impact <= 0 || s.max_boost <= 0) return 0;
  return Math.round(((s.max_boost * impact) / (impact + s.reference)) * 100) / 100;
}

/** The run an entry read back carries, if any (entries written before accrual have none). */
export function runOf(entry: DedupEntry | undefined): AccrualRun | undefined {
  return entry?.accrual;
}
