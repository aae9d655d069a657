// What a version's serving hours add up to, from the ledger: its exposure, its alerts (those naming it in
// its hours, and those naming none in hours it served), a pooled baseline, alerts timed before it served.
import type { Signal } from '../events.ts';
import { HOUR_MS, type ServingInterval, type VersionLedger } from './ledger.ts';
import { round } from './sentences.ts';

export interface VersionStats {
  /** The version; for a pooled baseline, its versions joined by `+`, latest first. */
  version: string;
  serving_hours: number;
  /** Every alert of its serving hours, dedup repeats included. */
  alerts: number;
  /** Alerts less dedup repeats: what the rate is of. */
  counted: number;
  alerts_per_hour: number;
  /** Mean expected_impact_per_hour of its alerts. */
  mean_expected_impact_per_hour: number;
  mean_priority: number;
  by_signal: Partial<Record<Signal, number>>;
  /** Of `counted`: alerts that named no version, taken as this one's by when they came. */
  unversioned: number;
  first_serving: number | null;
}

/** The version serving just before `version` first did: what it replaced. */
export function replacedBy(intervals: readonly ServingInterval[], version: string): string | null {
  const i = intervals.findIndex((x) => x.version === version);
  if (i < 0) return null;
  const named = intervals[i]!.started_by?.previous_version;
  if (named && named !== version) return named;
  for (let j = i - 1; j >= 0; j--) {
    const v = intervals[j]!.version;
    if (v !== null && v !== version) return v;
  }
  return null;
}

export function hours(list: readonly ServingInterval[]): number {
  let ms = 0;
  for (const i of list) ms += i.to - i.from;
  return ms / HOUR_MS;
}

const overlaps = (h: number, list: readonly ServingInterval[]) =>
  list.some((i) => h * HOUR_MS < i.to && (h + 1) * HOUR_MS > i.from);

/**
 * Who each hour was served by, per list of intervals: one verdict asks it of the same unversioned hours
 * for every version it pools, so it is worked out once per hour and list, not once per version.
 */
const servingMemo = new WeakMap<readonly ServingInterval[], Map<number, string | null | undefined>>();

function servingAtMemo(h: number, intervals: readonly ServingInterval[]): string | null | undefined {
  let memo = servingMemo.get(intervals);
  if (!memo) {
    memo = new Map();
    servingMemo.set(intervals, memo);
  }
  if (memo.has(h)) return memo.get(h);
  const v = servingAt(h, intervals);
  memo.set(h, v);
  return v;
}

/** The version serving at an hour's middle (clipped to the intervals): who an unversioned alert was of. */
function servingAt(h: number, intervals: readonly ServingInterval[]): string | null | undefined {
  const mid = h * HOUR_MS + HOUR_MS / 2;
  let best: ServingInterval | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const i of intervals) {
    const d = mid < i.from ? i.from - mid : mid >= i.to ? mid - i.to + 1 : 0;
    if (d < bestDistance && d < HOUR_MS) {
      best = i;
      bestDistance = d;
    }
  }
  return best?.version;
}

/** Every version serving before the candidate first did, as one baseline (null if there is only one). */
export function pooledBaseline(
  ledger: VersionLedger,
  model: string,
  candidate: string,
  intervals: readonly ServingInterval[],
  at: number,
): VersionStats | null {
  const first = intervals.find((i) => i.version === candidate)?.from ?? at;
  const versions: string[] = [];
  for (const i of intervals)
    if (i.from < first && i.version !== null && i.version !== candidate && !versions.includes(i.version))
      versions.unshift(i.version);
  if (versions.length < 2) return null;
  const parts = versions.map((v) => statsOf(ledger, model, v, intervals, at));
  const pooled: VersionStats = {
    version: versions.join('+'),
    serving_hours: 0,
    alerts: 0,
    counted: 0,
    alerts_per_hour: 0,
    mean_expected_impact_per_hour: 0,
    mean_priority: 0,
    by_signal: {},
    unversioned: 0,
    first_serving: null,
  };
  let impact = 0;
  let priority = 0;
  for (const p of parts) {
    pooled.serving_hours += p.serving_hours;
    pooled.alerts += p.alerts;
    pooled.counted += p.counted;
    pooled.unversioned += p.unversioned;
    impact += p.mean_expected_impact_per_hour * p.alerts;
    priority += p.mean_priority * p.alerts;
    for (const [sig, n] of Object.entries(p.by_signal) as [Signal, number][])
      pooled.by_signal[sig] = (pooled.by_signal[sig] ?? 0) + n;
    if (p.first_serving !== null && (pooled.first_serving === null || p.first_serving < pooled.first_serving))
      pooled.first_serving = p.first_serving;
  }
  pooled.serving_hours = round(pooled.serving_hours, 3);
  pooled.alerts_per_hour = pooled.serving_hours > 0 ? round(pooled.counted / pooled.serving_hours, 4) : 0;
  pooled.mean_expected_impact_per_hour = pooled.alerts > 0 ? round(impact / pooled.alerts, 2) : 0;
  pooled.mean_priority = pooled.alerts > 0 ? round(priority / pooled.alerts, 2) : 0;
  return pooled;
}

export function statsOf(
  ledger: VersionLedger,
  model: string,
  version: string,
  intervals: readonly ServingInterval[],
  at: number,
): VersionStats {
  const own = intervals.filter((i) => i.version === version);
  const st: VersionStats = {
    version,
    serving_hours: 0,
    alerts: 0,
    counted: 0,
    alerts_per_hour: 0,
    mean_expected_impact_per_hour: 0,
    mean_priority: 0,
    by_signal: {},
    unversioned: 0,
    first_serving: own[0]?.from ?? null,
  };
  let impact = 0;
  let priority = 0;
  const add = (t: ReturnType<VersionLedger['hoursOf']>[number][1], unversioned: boolean) => {
    st.alerts += t.alerts;
    st.counted += t.counted;
    if (unversioned) st.unversioned += t.counted;
    impact += t.impact;
    priority += t.priority;
    for (const [sig, n] of Object.entries(t.signals) as [Signal, number][])
      st.by_signal[sig] = (st.by_signal[sig] ?? 0) + n;
  };
  for (const [h, t] of ledger.hoursOf(model, version, at)) if (overlaps(h, own)) add(t, false);
  for (const [h, t] of ledger.hoursOf(model, '', at))
    if (servingAtMemo(h, intervals) === version) add(t, true);
  const servingHours = hours(own);
  st.serving_hours = round(servingHours, 3);
  st.alerts_per_hour = servingHours > 0 ? round(st.counted / servingHours, 4) : 0;
  st.mean_expected_impact_per_hour = st.alerts > 0 ? round(impact / st.alerts, 2) : 0;
  st.mean_priority = st.alerts > 0 ? round(priority / st.alerts, 2) : 0;
  return st;
}

export function skewOf(
  ledger: VersionLedger,
  model: string,
  version: string,
  firstServing: number | null,
  at: number,
): { alerts_before_deploy: number; earliest: number } | null {
  if (firstServing === null) return null;
  // Whole hours before the first serving: an hour that straddles the deploy is the deploy's own.
  let n = 0;
  for (const [h, t] of ledger.hoursOf(model, version, at)) {
    if ((h + 1) * HOUR_MS > firstServing) break;
    n += t.alerts;
  }
  const earliest = ledger.earliestOf(model, version);
  return n > 0 && earliest !== undefined ? { alerts_before_deploy: n, earliest } : null;
}
