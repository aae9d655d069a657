// Accumulated impact (issue 13, item 2), before/after in one run: each generated world is scored twice
// by the offline pipeline with its catalog, `scoring.accrual` off and on (the defaults, or the values
// given), and measured against its ground truth (feedback.ndjson, truth.ndjson): the share of the top
// tenth of real impact (actionable alerts by postmortem impact) at P1/P2, P1 precision (alerts at P1
// that are not dedup repeats, as calibrate counts it), NDCG@10, pages and false pages per day.
//
//   node scripts/sample/accrual-report.ts <world>... [--reference 20000] [--max-boost 20] [--gap 6h]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { readNdjson } from '../../src/adapters/file/ndjson-source.ts';
import { parseConfig } from '../../src/config.ts';
import { type LabelledAlert, rankingQuality } from '../../src/core/calibrate.ts';
import type { AlertFeedback } from '../../src/core/events.ts';
import { parseFeedback } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { TruthLine } from '../../src/sample/truth.ts';
import { isPage, type PagedAlert, pagingFigures } from './paging-figures.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reference: { type: 'string' },
    'max-boost': { type: 'string' },
    gap: { type: 'string' },
    'max-tier': { type: 'string' },
  },
});
if (positionals.length === 0) {
  console.error(
    'usage: node scripts/sample/accrual-report.ts <world>... [--reference N] [--max-boost N] [--gap 6h]',
  );
  process.exit(2);
}

async function lines<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const line of readNdjson(file))
    if (line.text.trim() !== '') out.push(JSON.parse(line.text) as T);
  return out;
}

function configOf(dir: string, accrual: Record<string, unknown>) {
  type Doc = { scoring?: { accrual?: Record<string, unknown> } & Record<string, unknown> };
  const doc = (parse(readFileSync(join(dir, 'catalog.yaml'), 'utf8')) ?? {}) as Doc;
  doc.scoring = { ...(doc.scoring ?? {}), accrual: { ...(doc.scoring?.accrual ?? {}), ...accrual } };
  return parseConfig(doc, `${dir}/catalog.yaml`);
}

async function measure(dir: string, accrual: Record<string, unknown>) {
  const truth = await lines<TruthLine>(join(dir, 'truth.ndjson'));
  const feedback = new Map<string, AlertFeedback>();
  for (const r of await lines<unknown>(join(dir, 'feedback.ndjson'))) {
    const f = parseFeedback(r);
    if (f.ok) feedback.set(f.value.alert_id, f.value);
  }
  const scored: ScoredAlert[] = [];
  await runOffline(
    configOf(dir, accrual),
    { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
    { scored: (a) => void scored.push(a), rejected: () => undefined },
    { clock: () => 0, incidents: 'inline' },
  );
  const labelled: LabelledAlert[] = scored.map((alert) => ({
    alert,
    feedback: feedback.get(alert.alert_id),
  }));
  const q = rankingQuality(labelled, (a) => ({
    priority: a.alert.priority,
    tier: a.alert.tier,
    paged: !a.alert.dedup.suppressed,
  }));
  const real = labelled
    .filter((a) => a.feedback?.outcome === 'actionable' && (a.feedback.impact ?? 0) > 0)
    .sort((a, b) => b.feedback!.impact! - a.feedback!.impact!);
  const top = real.slice(0, Math.max(1, Math.ceil(real.length / 10)));
  const topHigh = top.filter((a) => a.alert.tier === 'P1' || a.alert.tier === 'P2').length / top.length;
  // The same by real incident (truth.ndjson): impact summed over its alerts; reached = any alert at P1/P2.
  const byIncident = new Map<string, { impact: number; high: boolean; paged: boolean }>();
  const truthOf = new Map(truth.map((t) => [t.alert_id, t]));
  for (const a of labelled) {
    const id = truthOf.get(a.alert.alert_id)?.incident_id;
    if (id == null || a.feedback?.outcome !== 'actionable') continue;
    const i = byIncident.get(id) ?? { impact: 0, high: false, paged: false };
    i.impact += a.feedback.impact ?? 0;
    i.high ||= a.alert.tier === 'P1' || a.alert.tier === 'P2';
    i.paged ||= isPage(a.alert as unknown as Record<string, unknown>);
    byIncident.set(id, i);
  }
  const incs = [...byIncident.values()].sort((a, b) => b.impact - a.impact);
  const topInc = incs.slice(0, Math.max(1, Math.ceil(incs.length / 10)));
  const topIncHigh = topInc.filter((i) => i.high).length / topInc.length;
  const topIncPaged = topInc.filter((i) => i.paged).length / topInc.length;
  // Slow regressions (versions.ndjson, the versions profile): the real incident of each planted version,
  // found by its deploy; paged at all, and the serving hours from the deploy to its first page.
  const slow = { n: 0, paged: 0, hours: [] as number[] };
  if (existsSync(join(dir, 'versions.ndjson'))) {
    const truthById = new Map(truth.map((t) => [t.alert_id, t]));
    for (const v of await lines<{ model: string; kind: string; deployed_at: number; signal?: string }>(
      join(dir, 'versions.ndjson'),
    )) {
      if (v.kind !== 'slow_regression') continue;
      // Its real incident: the one its model's alerts of its signal after the deploy belong to.
      const mine = scored.filter(
        (a) =>
          a.model_id === v.model &&
          a.alert.signal === v.signal &&
          a.event_time >= v.deployed_at &&
          truthById.get(a.alert_id)?.incident_id != null,
      );
      if (mine.length === 0) continue;
      const id = truthById.get(mine[0]!.alert_id)!.incident_id;
      const members = mine.filter((a) => truthById.get(a.alert_id)!.incident_id === id);
      slow.n++;
      const first = members.find((a) => isPage(a as unknown as Record<string, unknown>));
      if (first === undefined) continue;
      slow.paged++;
      slow.hours.push((first.event_time - v.deployed_at) / 3_600_000);
    }
  }
  const paged: PagedAlert[] = scored.map((s) => ({
    alert_id: s.alert_id,
    event_time: s.event_time,
    page: isPage(s as unknown as Record<string, unknown>),
    tier: s.tier,
  }));
  const f = pagingFigures(truth, paged);
  const boosted = scored.filter((s) => s.reasons.some((r) => r.startsWith('accrued '))).length;
  return {
    topHigh,
    topIncHigh,
    topIncPaged,
    slow,
    p1: q.p1Paged,
    p1Precision: q.p1Precision,
    ndcg: q.ndcg,
    pagesPerDay: f.pages_per_day,
    falsePerDay: f.false_pages_per_day,
    p1IncidentsPaged: `${f.p1_incidents_paged} of ${f.p1_incidents}`,
    boosted,
  };
}

const on: Record<string, unknown> = { enabled: true };
if (values.reference !== undefined) on.reference = Number(values.reference);
if (values['max-boost'] !== undefined) on.max_boost = Number(values['max-boost']);
if (values.gap !== undefined) on.gap = values.gap;
if (values['max-tier'] !== undefined) on.max_tier = values['max-tier'];
const x = (n: number) => n.toFixed(2);
const slowOf = (s: { n: number; paged: number; hours: number[] }) =>
  s.n === 0 ? '—' : `${s.paged} of ${s.n} (${s.hours.map((h) => Math.round(h)).join(', ') || '—'})`;
console.log(`scoring.accrual off → on ${JSON.stringify(on)}\n`);
console.log(
  '| world | top tenth of impact at P1/P2: alerts | incidents (paged) | P1 alerts | P1 precision | NDCG@10 | pages/day | false pages/day | real P1 incidents paged | slow regressions paged (h to first page) | alerts boosted |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const dir of positionals) {
  const b = await measure(dir, { enabled: false });
  const a = await measure(dir, on);
  console.log(
    `| ${dir} | ${x(b.topHigh)} → **${x(a.topHigh)}** | ${x(b.topIncHigh)} (${x(b.topIncPaged)}) → **${x(a.topIncHigh)} (${x(a.topIncPaged)})** | ${b.p1} → ${a.p1} | ${x(b.p1Precision)} → ${x(a.p1Precision)} | ${x(b.ndcg)} → ${x(a.ndcg)} | ${x(b.pagesPerDay)} → ${x(a.pagesPerDay)} | ${x(b.falsePerDay)} → ${x(a.falsePerDay)} | ${b.p1IncidentsPaged} → ${a.p1IncidentsPaged} | ${slowOf(b.slow)} → ${slowOf(a.slow)} | ${a.boosted} |`,
  );
}
