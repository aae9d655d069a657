// The gate's verdict on one version of a model: its alert rate per serving hour against the version it
// replaced, by the exact conditional test of a Poisson rate ratio (rate-test.ts), on the total and on each
// signal, Bonferroni-split so one look has a false-alarm rate of at most `alpha`. `insufficient_evidence`
// until both have served long enough, or while a rise of the minimum effect is below `alpha` but not yet
// below its share; `regressed` when a test is significant and the increase at least the minimum effect;
// `ok` otherwise. docs/GATE.md states the test and what its false-alarm rate is.
import { SIGNALS, type Signal } from '../events.ts';
import type { GateSettings } from '../settings.ts';
import { HOUR_MS, type ServingInterval, type VersionLedger } from './ledger.ts';
import { rateRatioTest } from './rate-test.ts';

export type GateOutcome = 'regressed' | 'ok' | 'insufficient_evidence';

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

export interface SignalTest {
  /** `all` for the total. */
  signal: Signal | 'all';
  candidate: number;
  baseline: number;
  rate_ratio: number | null;
  p_value: number;
}

export interface GateVerdict {
  model: string;
  version: string;
  baseline: string | null;
  verdict: GateOutcome;
  at: number;
  candidate: VersionStats;
  baseline_stats: VersionStats | null;
  test: {
    method: 'exact conditional test of the Poisson rate ratio (one-sided), Bonferroni over the total and each signal';
    alpha: number;
    alpha_per_test: number;
    min_rate_ratio: number;
    /** The test that decided (the flagging one, or the smallest p). */
    decisive: SignalTest | null;
    tests: SignalTest[];
  };
  /** Serving hours of the model under a deploy that named no version. */
  unknown_version_hours: number;
  /** Alerts naming this version timed before it first served: clock skew or a deploy event missing. */
  clock_skew: { alerts_before_deploy: number; earliest: number } | null;
  /** Regressed, the model's rollback allowed and a version to go back to: where to roll back. */
  rollback: { to_version: string } | null;
  reasons: string[];
}

export type GateQueryError =
  | { code: 'UNKNOWN_MODEL'; message: string }
  | { code: 'UNKNOWN_VERSION'; message: string };

export interface GateQuery {
  model: string;
  version: string;
  baseline?: string;
  /** Event time to judge at (default: the ledger's latest record). */
  at?: number;
  /** The catalog's `rollback_allowed` for the model: a regressed verdict then names the version to go back to. */
  rollbackAllowed?: boolean;
}

export function gateVerdict(
  ledger: VersionLedger,
  q: GateQuery,
  s: GateSettings,
): { ok: true; verdict: GateVerdict } | { ok: false; error: GateQueryError } {
  if (!ledger.hasModel(q.model))
    return {
      ok: false,
      error: {
        code: 'UNKNOWN_MODEL',
        message: `unknown model ${JSON.stringify(q.model)}: no alert or deploy of it`,
      },
    };
  const known = ledger.versionsOf(q.model);
  for (const v of [q.version, q.baseline]) {
    if (v !== undefined && !known.includes(v))
      return {
        ok: false,
        error: {
          code: 'UNKNOWN_VERSION',
          message: `unknown version ${JSON.stringify(v)} of ${q.model}: known ${known.length ? known.join(', ') : 'none (no record names a version)'}`,
        },
      };
  }
  const at = q.at ?? ledger.latest;
  const intervals = ledger.intervals(q.model, at);
  const baseline = q.baseline ?? replacedBy(intervals, q.version);
  const candidate = statsOf(ledger, q.model, q.version, intervals, at);
  const minBaseHours = s.min_baseline_serving / HOUR_MS;
  let base = baseline === null ? null : statsOf(ledger, q.model, baseline, intervals, at);
  // The version it replaced served too briefly (a bad deploy rolled back, a quick hotfix): the model's
  // longer baseline, every version that served before the candidate, pooled.
  if (q.baseline === undefined && base !== null && base.serving_hours < minBaseHours)
    base = pooledBaseline(ledger, q.model, q.version, intervals, at) ?? base;
  const unknownHours = hours(intervals.filter((i) => i.version === null));
  const skew = skewOf(ledger, q.model, q.version, candidate.first_serving, at);
  const tests: SignalTest[] = [];
  const perTest = s.alpha / (SIGNALS.length + 1);
  const minHours = s.min_serving / HOUR_MS;
  let verdict: GateOutcome = 'insufficient_evidence';
  let decisive: SignalTest | null = null;
  const reasons: string[] = [];
  const name = `${q.model} ${q.version}`;
  if (candidate.serving_hours < minHours) {
    reasons.push(
      `${name} has served ${h1(candidate.serving_hours)} h; the gate needs ${h1(minHours)} h (gate.min_serving)`,
    );
  } else if (base === null) {
    reasons.push(`${name}: no version it replaced is known; give one with --baseline (or baseline=)`);
  } else if (base.serving_hours < minBaseHours) {
    reasons.push(
      `${q.model} ${base.version}, the baseline, has served ${h1(base.serving_hours)} h; the gate needs ${h1(minBaseHours)} h (gate.min_baseline_serving)`,
    );
  } else {
    const run = (signal: Signal | 'all', x1: number, x0: number) => {
      const r = rateRatioTest(x1, candidate.serving_hours, x0, base.serving_hours);
      tests.push({
        signal,
        candidate: x1,
        baseline: x0,
        rate_ratio: Number.isFinite(r.ratio) ? round(r.ratio, 3) : null,
        p_value: r.p,
      });
    };
    run('all', candidate.counted, base.counted);
    for (const sig of SIGNALS) {
      const x1 = candidate.by_signal[sig] ?? 0;
      const x0 = base.by_signal[sig] ?? 0;
      if (x1 + x0 > 0) run(sig, x1, x0);
    }
    const flags = tests.filter(
      (t) =>
        t.p_value <= perTest &&
        (t.rate_ratio ?? Number.POSITIVE_INFINITY) >= s.min_rate_ratio &&
        t.candidate >= s.min_alerts,
    );
    const smallest = (list: SignalTest[]) =>
      list.reduce<SignalTest | null>((b, t) => (b === null || t.p_value < b.p_value ? t : b), null);
    if (flags.length > 0) {
      verdict = 'regressed';
      decisive = smallest(flags);
      reasons.push(regressedSentence(candidate, base, decisive!, q.model));
    } else {
      // A rise of the minimum effect whose p is below alpha but not yet below its Bonferroni share is
      // no `ok`: a rollout step should wait for more serving time, not pass.
      const rising = smallest(
        tests.filter(
          (t) => t.p_value <= s.alpha && (t.rate_ratio ?? Number.POSITIVE_INFINITY) >= s.min_rate_ratio,
        ),
      );
      decisive = rising ?? smallest(tests);
      if (rising) {
        reasons.push(risingSentence(candidate, base, rising, perTest, q.model));
      } else {
        verdict = 'ok';
        reasons.push(okSentence(candidate, base, decisive, perTest, s, q.model));
      }
    }
  }
  if (unknownHours > 0)
    reasons.push(
      `${h1(unknownHours)} serving hours of ${q.model} were under a deploy that named no version (unknown-version time, in no version's exposure)`,
    );
  const rollback =
    verdict === 'regressed' && q.rollbackAllowed && baseline !== null && baseline !== q.version
      ? { to_version: baseline }
      : null;
  if (rollback) reasons.push(`rollback ${q.model} to ${rollback.to_version} (the catalog allows it)`);
  if (skew)
    reasons.push(
      `${skew.alerts_before_deploy} alert(s) naming ${q.version} are timed before it first served (earliest ${iso(skew.earliest)}): clock skew or a missing deploy event`,
    );
  return {
    ok: true,
    verdict: {
      model: q.model,
      version: q.version,
      baseline,
      verdict,
      at,
      candidate,
      baseline_stats: base,
      test: {
        method:
          'exact conditional test of the Poisson rate ratio (one-sided), Bonferroni over the total and each signal',
        alpha: s.alpha,
        alpha_per_test: perTest,
        min_rate_ratio: s.min_rate_ratio,
        decisive,
        tests,
      },
      unknown_version_hours: round(unknownHours, 2),
      clock_skew: skew,
      rollback,
      reasons,
    },
  };
}

/** The version serving just before `version` first did: what it replaced. */
function replacedBy(intervals: readonly ServingInterval[], version: string): string | null {
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

function hours(list: readonly ServingInterval[]): number {
  let ms = 0;
  for (const i of list) ms += i.to - i.from;
  return ms / HOUR_MS;
}

const overlaps = (h: number, list: readonly ServingInterval[]) =>
  list.some((i) => h * HOUR_MS < i.to && (h + 1) * HOUR_MS > i.from);

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
function pooledBaseline(
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

function statsOf(
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
  for (const [h, t] of ledger.hoursOf(model, '', at)) if (servingAt(h, intervals) === version) add(t, true);
  const servingHours = hours(own);
  st.serving_hours = round(servingHours, 3);
  st.alerts_per_hour = servingHours > 0 ? round(st.counted / servingHours, 4) : 0;
  st.mean_expected_impact_per_hour = st.alerts > 0 ? round(impact / st.alerts, 2) : 0;
  st.mean_priority = st.alerts > 0 ? round(priority / st.alerts, 2) : 0;
  return st;
}

function skewOf(
  ledger: VersionLedger,
  model: string,
  version: string,
  firstServing: number | null,
  at: number,
): GateVerdict['clock_skew'] {
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

function regressedSentence(c: VersionStats, b: VersionStats, t: SignalTest, model: string): string {
  const what = t.signal === 'all' ? 'the alert rate' : `the ${t.signal} alert rate`;
  const ratio = t.rate_ratio === null ? `${t.candidate} alerts where` : `${t.rate_ratio.toFixed(1)}×`;
  const rates =
    t.signal === 'all'
      ? `${rate(c.alerts_per_hour)}/h against ${rate(b.alerts_per_hour)}/h over ${h1(b.serving_hours)} h`
      : `${t.candidate} against ${t.baseline} alerts over ${h1(b.serving_hours)} h`;
  const of = t.rate_ratio === null ? `${b.version} had none` : `${what} of ${b.version}`;
  return `${model} ${c.version} raised ${ratio} ${of} over ${h1(c.serving_hours)} serving hours (${rates}), ${int(c.mean_expected_impact_per_hour)}/h expected impact per alert (${b.version}: ${int(b.mean_expected_impact_per_hour)}/h); p = ${p(t.p_value)}`;
}

function risingSentence(
  c: VersionStats,
  b: VersionStats,
  t: SignalTest,
  perTest: number,
  model: string,
): string {
  const what = t.signal === 'all' ? 'alerts' : `${t.signal} alerts`;
  const ratio =
    t.rate_ratio === null
      ? `${t.candidate} where ${b.version} had none`
      : `${t.rate_ratio.toFixed(1)}× the rate of ${b.version}`;
  return `${model} ${c.version}: ${what} at ${ratio} over ${h1(c.serving_hours)} serving hours, p = ${p(t.p_value)}: not yet significant (a regression needs p ≤ ${p(perTest)}); wait for more serving time`;
}

function okSentence(
  c: VersionStats,
  b: VersionStats,
  t: SignalTest | null,
  perTest: number,
  s: GateSettings,
  model: string,
): string {
  const ratio =
    c.counted === 0 && b.counted === 0
      ? 1
      : b.alerts_per_hour > 0
        ? c.alerts_per_hour / b.alerts_per_hour
        : null;
  const head = `${model} ${c.version}: ${rate(c.alerts_per_hour)} alerts/h over ${h1(c.serving_hours)} serving hours against ${rate(b.alerts_per_hour)}/h of ${b.version} over ${h1(b.serving_hours)} h${ratio === null ? '' : ` (${ratio.toFixed(2)}×)`}`;
  const tail = t
    ? `; no rate raised significantly: smallest p = ${p(t.p_value)} (${t.signal === 'all' ? 'all alerts' : t.signal}), a regression needs p ≤ ${p(perTest)} and ${s.min_rate_ratio}× or more`
    : '; neither had an alert';
  return head + tail;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const h1 = (x: number) => (Math.round(x * 10) / 10).toLocaleString('en-US');
const rate = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const iso = (t: number) => new Date(t).toISOString();
function p(x: number): string {
  if (x < 0.0001) return x.toExponential(1);
  return x < 0.01 ? x.toFixed(4) : x.toFixed(3);
}
