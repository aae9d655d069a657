// The gate's verdict on one version of a model: its alert rate per serving hour against the version it
// replaced, by the exact conditional test of a Poisson rate ratio (rate-test.ts), on the total and on each
// signal, Bonferroni-split so one look has a false-alarm rate of at most `alpha`. `insufficient_evidence`
// until both have served long enough, or while a rise of the minimum effect is below `alpha` but not yet
// below its share; `regressed` when a test is significant and the increase at least the minimum effect;
// `ok` otherwise. docs/GATE.md states the test and what its false-alarm rate is.
import { SIGNALS, type Signal } from '../events.ts';
import type { GateSettings } from '../settings.ts';
import { HOUR_MS, type VersionLedger } from './ledger.ts';
import { rateRatioTest } from './rate-test.ts';
import { h1, iso, okSentence, regressedSentence, risingSentence, round } from './sentences.ts';
import { hours, pooledBaseline, replacedBy, skewOf, statsOf, type VersionStats } from './version-stats.ts';

export type { VersionStats } from './version-stats.ts';

export type GateOutcome = 'regressed' | 'ok' | 'insufficient_evidence';

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
