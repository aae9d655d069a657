// Sanity check of a generated world against PRODUCT.md and its own ground truth (feedback.ndjson and,
// when present, truth.ndjson), plus how badly the detector's own severity ranks it.
//   node scripts/sample/check-world.ts [examples/sample-week]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { TruthLine } from '../../src/sample/truth.ts';
import { checkTruth } from './truth-checks.ts';

const dir = process.argv[2] ?? 'examples/sample-week';
const problems: string[] = [];
const fail = (msg: string): void => {
  if (problems.length < 30) problems.push(msg);
};

const ALERT_FIELDS = new Set([
  'alert_id',
  'event_time',
  'model_id',
  'signal',
  'source',
  'model_version',
  'feature',
  'metric',
  'value',
  'threshold',
  'severity',
  'confidence',
  'affected_entities',
  'product_area',
  'region',
  'customer_segment',
  'labels',
]);
const DEPLOY_FIELDS = new Set([
  'event_id',
  'event_time',
  'kind',
  'model_id',
  'service',
  'version',
  'previous_version',
  'actor',
  'commit',
  'description',
  'region',
]);
const FEEDBACK_FIELDS = new Set([
  'alert_id',
  'event_time',
  'outcome',
  'true_tier',
  'root_cause',
  'impact',
  'acked_at',
  'resolved_at',
]);
const SIGNALS = new Set([
  'data_drift',
  'prediction_drift',
  'performance_degradation',
  'data_quality',
  'feature_shift',
  'latency',
  'error_rate',
  'other',
]);
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const KINDS = new Set([
  'model_deploy',
  'code_deploy',
  'feature_flag',
  'config_change',
  'data_pipeline_change',
  'schema_change',
  'rollback',
]);
const OUTCOMES = new Set(['actionable', 'false_positive', 'duplicate', 'noise']);
const ROOT_CAUSES = new Set([
  'deployment_regression',
  'data_pipeline',
  'upstream_schema_change',
  'seasonal_drift',
  'infrastructure',
  'unknown',
]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function time(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && RFC3339.test(v)) return Date.parse(v);
  fail(`${where}: bad timestamp ${JSON.stringify(v)}`);
  return Number.NaN;
}

function readNdjson(name: string, known: Set<string>): Record<string, unknown>[] {
  const lines = readFileSync(join(dir, name), 'utf8').split('\n');
  if (lines.pop() !== '') fail(`${name}: no trailing newline`);
  const out: Record<string, unknown>[] = [];
  let prev = Number.NEGATIVE_INFINITY;
  const extras = new Map<string, number>();
  lines.forEach((line, i) => {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      fail(`${name}:${i + 1}: not JSON`);
      return;
    }
    for (const k of Object.keys(rec)) if (!known.has(k)) extras.set(k, (extras.get(k) ?? 0) + 1);
    const t = time(rec.event_time, `${name}:${i + 1}`);
    if (t < prev) fail(`${name}:${i + 1}: event_time goes backwards`);
    prev = t;
    rec.__t = t;
    out.push(rec);
  });
  process.stderr.write(
    `${name}: ${out.length} records, sorted, extra fields: ${[...extras].map(([k, n]) => `${k}x${n}`).join(' ') || 'none'}\n`,
  );
  return out;
}

const catalog = parse(readFileSync(join(dir, 'catalog.yaml'), 'utf8')) as {
  models: Record<string, { revenue_per_hour: number; traffic_per_hour: number }>;
};
const alerts = readNdjson('alerts.ndjson', ALERT_FIELDS);
const deploys = readNdjson('deploys.ndjson', DEPLOY_FIELDS);
const feedback = readNdjson('feedback.ndjson', FEEDBACK_FIELDS);

const ids = new Set<string>();
for (const a of alerts) {
  if (typeof a.alert_id !== 'string' || ids.has(a.alert_id))
    fail(`alert_id missing or repeated: ${a.alert_id}`);
  ids.add(a.alert_id as string);
  if (typeof a.model_id !== 'string') fail(`${a.alert_id}: model_id`);
  if (!SIGNALS.has(a.signal as string)) fail(`${a.alert_id}: signal ${a.signal}`);
  if (a.severity !== undefined && !SEVERITIES.includes(a.severity as string)) fail(`${a.alert_id}: severity`);
  if (a.confidence !== undefined && !((a.confidence as number) >= 0 && (a.confidence as number) <= 1))
    fail(`${a.alert_id}: confidence`);
}
const versionAt = new Map<string, string>();
const deployIds = new Set<string>();
for (const d of deploys) {
  if (deployIds.has(d.event_id as string)) fail(`event_id repeated ${d.event_id}`);
  deployIds.add(d.event_id as string);
  if (!KINDS.has(d.kind as string)) fail(`${d.event_id}: kind`);
  if ((d.model_id === undefined) === (d.service === undefined))
    fail(`${d.event_id}: needs exactly one of model_id/service`);
}
// serving versions replayed from deploys must match what monitors report
{
  let di = 0;
  const initial = new Map<string, string>();
  for (const d of deploys)
    if (typeof d.previous_version === 'string' && !initial.has(d.model_id as string))
      initial.set(d.model_id as string, d.previous_version);
  for (const [m, v] of initial) versionAt.set(m, v);
  let mismatches = 0;
  for (const a of alerts) {
    while (di < deploys.length && (deploys[di]?.__t as number) <= (a.__t as number)) {
      const d = deploys[di++] as Record<string, unknown>;
      if (typeof d.version === 'string') {
        if (versionAt.has(d.model_id as string) && versionAt.get(d.model_id as string) !== d.previous_version)
          fail(
            `${d.event_id}: previous_version ${d.previous_version} but serving ${versionAt.get(d.model_id as string)}`,
          );
        versionAt.set(d.model_id as string, d.version);
      }
    }
    if (
      typeof a.model_version === 'string' &&
      versionAt.has(a.model_id as string) &&
      versionAt.get(a.model_id as string) !== a.model_version
    )
      mismatches++;
  }
  if (mismatches > 0) fail(`${mismatches} alerts report a model_version that is not serving`);
}
const fbById = new Map<string, Record<string, unknown>>();
for (const f of feedback) {
  if (!OUTCOMES.has(f.outcome as string)) fail(`${f.alert_id}: outcome`);
  if (f.root_cause !== undefined && !ROOT_CAUSES.has(f.root_cause as string))
    fail(`${f.alert_id}: root_cause`);
  if (
    f.outcome === 'actionable' &&
    (f.impact === undefined ||
      f.acked_at === undefined ||
      f.resolved_at === undefined ||
      f.root_cause === undefined)
  )
    fail(`${f.alert_id}: actionable without impact/ack/resolve/root_cause`);
  fbById.set(f.alert_id as string, f);
}
if (fbById.size !== ids.size || [...ids].some((id) => !fbById.has(id)))
  fail('feedback does not cover every alert exactly once');

// incidents of truth.ndjson: every alert once, one cause per incident, recorded causes in deploys.ndjson
if (existsSync(join(dir, 'truth.ndjson'))) {
  const truth = readFileSync(join(dir, 'truth.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TruthLine);
  const upstream = new Map(
    Object.entries(catalog.models).map(([id, m]) => [id, (m as { upstream?: string[] }).upstream ?? []]),
  );
  for (const p of checkTruth({
    alerts: alerts.map((a) => ({
      alert_id: a.alert_id as string,
      model_id: a.model_id as string,
      t: a.__t as number,
    })),
    deploys: deploys.map((d) => ({ ...(d as { event_id: string; kind: string }), t: d.__t as number })),
    feedback: fbById as Map<string, { outcome: string; true_tier?: string }>,
    upstream,
    truth,
  }))
    fail(`truth.ndjson: ${p}`);
  const real = new Map(truth.filter((t) => t.incident_id !== null).map((t) => [t.incident_id, t]));
  const multi = [...real.values()].filter((t) => t.multi_model);
  process.stderr.write(
    `truth.ndjson: ${truth.length} lines, ${real.size} real incidents, ${multi.length} multi-model (${multi.filter((t) => t.cause_event_id !== null).length} caused by a change), ${[...real.values()].filter((t) => t.cause_recorded === false).length} caused by a silent change\n`,
  );
}

// ranking quality of naive orderings (gain: actionable P1=3, P2=2, P3=1)
const gain = (a: Record<string, unknown>): number => {
  const f = fbById.get(a.alert_id as string);
  if (f?.outcome !== 'actionable') return 0;
  return { P1: 3, P2: 2, P3: 1, P4: 0 }[f.true_tier as 'P1'] ?? 0;
};
function ndcg(order: Record<string, unknown>[], k: number): number {
  const dcg = (xs: number[]): number =>
    xs.slice(0, k).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg(alerts.map(gain).sort((x, y) => y - x));
  return ideal === 0 ? 0 : dcg(order.map(gain)) / ideal;
}
const p1p2At = (order: Record<string, unknown>[], k: number): number =>
  order.slice(0, k).filter((a) => gain(a) >= 2).length / k;
const sevRank = (a: Record<string, unknown>): number =>
  SEVERITIES.indexOf((a.severity as string) ?? 'medium');
const bySeverity = alerts
  .slice()
  .sort(
    (x, y) =>
      sevRank(x) - sevRank(y) || ((y.confidence as number) ?? 0.5) - ((x.confidence as number) ?? 0.5),
  );
const exposure = (a: Record<string, unknown>): number => {
  const m = catalog.models[a.model_id as string];
  if (!m) return 0;
  return m.revenue_per_hour * Math.min(1, ((a.affected_entities as number) ?? 0) / m.traffic_per_hour);
};
const byExposure = alerts.slice().sort((x, y) => exposure(y) - exposure(x));
// a simple business-aware heuristic, to show the signal is there to be learned
const cat = catalog.models as unknown as Record<
  string,
  {
    revenue_per_hour: number;
    traffic_per_hour: number;
    upstream?: string[];
    compliance?: string[];
    safety?: boolean;
  }
>;
const lastSeen = new Map<string, number>();
const heuristic = new Map<unknown, number>();
{
  let lo = 0;
  for (const a of alerts) {
    const t = a.__t as number;
    const m = cat[a.model_id as string];
    const fp = `${a.model_id}|${a.signal}|${a.feature}|${a.metric}`;
    const repeat = (lastSeen.get(fp) ?? Number.NEGATIVE_INFINITY) > t - 2 * 3_600_000;
    lastSeen.set(fp, t);
    while (lo < deploys.length && (deploys[lo]?.__t as number) < t - 4 * 3_600_000) lo++;
    let correlated = false;
    for (let i = lo; i < deploys.length && (deploys[i]?.__t as number) <= t; i++) {
      const d = deploys[i] as Record<string, unknown>;
      if (d.model_id === a.model_id || (m?.upstream ?? []).includes(d.service as string)) correlated = true;
    }
    const share = m
      ? Math.min(1, ((a.affected_entities as number) ?? 0.1 * m.traffic_per_hour) / m.traffic_per_hour)
      : 0;
    const regulated = m && (m.safety || (m.compliance ?? []).some((c) => c !== 'pci'));
    let score = (m?.revenue_per_hour ?? 0) * share * ((a.confidence as number) ?? 0.5) * (correlated ? 3 : 1);
    if (regulated && correlated) score += 20000;
    if (repeat) score *= 0.05;
    heuristic.set(a, score);
  }
}
const byHeuristic = alerts.slice().sort((x, y) => (heuristic.get(y) ?? 0) - (heuristic.get(x) ?? 0));
for (const [name, order] of [
  ['detector severity', bySeverity],
  ['naive revenue x affected share', byExposure],
  ['heuristic (exposure x confidence x deploy-correlation, dedup)', byHeuristic],
] as const) {
  process.stderr.write(
    `ranking by ${name}: NDCG@50=${ndcg(order, 50).toFixed(3)} precision@50(P1/P2 actionable)=${p1p2At(order, 50).toFixed(2)} top-10 outcomes: ${order
      .slice(0, 10)
      .map((a) => fbById.get(a.alert_id as string)?.outcome)
      .join(',')}\n`,
  );
}

if (problems.length > 0) {
  process.stderr.write(`PROBLEMS:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stderr.write('ok\n');
