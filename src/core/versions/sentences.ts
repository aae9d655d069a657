// The verdict's sentences: what a regression, a rise not yet significant and an ok say, and the formats.
import type { GateSettings } from '../settings.ts';
import type { SignalTest } from './verdict.ts';
import type { VersionStats } from './version-stats.ts';

export function regressedSentence(c: VersionStats, b: VersionStats, t: SignalTest, model: string): string {
  const what = t.signal === 'all' ? 'the alert rate' : `the ${t.signal} alert rate`;
  const ratio = t.rate_ratio === null ? `${t.candidate} alerts where` : `${t.rate_ratio.toFixed(1)}×`;
  const rates =
    t.signal === 'all'
      ? `${rate(c.alerts_per_hour)}/h against ${rate(b.alerts_per_hour)}/h over ${h1(b.serving_hours)} h`
      : `${t.candidate} against ${t.baseline} alerts over ${h1(b.serving_hours)} h`;
  const of = t.rate_ratio === null ? `${b.version} had none` : `${what} of ${b.version}`;
  return `${model} ${c.version} raised ${ratio} ${of} over ${h1(c.serving_hours)} serving hours (${rates}), ${int(c.mean_expected_impact_per_hour)}/h expected impact per alert (${b.version}: ${int(b.mean_expected_impact_per_hour)}/h); p = ${p(t.p_value)}`;
}

export function risingSentence(
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

export function okSentence(
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

export const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
export const h1 = (x: number) => (Math.round(x * 10) / 10).toLocaleString('en-US');
export const rate = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const int = (x: number) => Math.round(x).toLocaleString('en-US');
export const iso = (t: number) => new Date(t).toISOString();
function p(x: number): string {
  if (x < 0.0001) return x.toExponential(1);
  return x < 0.01 ? x.toFixed(4) : x.toFixed(3);
}
