// How alert-triage's ranking compares with ranking by the detectors' own severity, on a generated
// world whose feedback file is the ground truth. The feedback is fed to the scorer only with
// --online-feedback: then each record reaches it at its own event time, after the alert it is about,
// as on a live stream (it teaches per-source false-positive rates; it never labels the alert itself).
//   node scripts/sample/compare-ranking.ts [examples/sample-week] [--config file] [--k 10] [--online-feedback]
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { readNdjson } from '../../src/adapters/file/ndjson-source.ts';
import type { AlertFeedback, Severity } from '../../src/core/events.ts';
import { parseFeedback } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { feedbackGain, mean, ndcgAtK, precisionAtK, rankIds } from '../../src/core/ranking-quality.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    k: { type: 'string', default: '10' },
    'online-feedback': { type: 'boolean', default: false },
  },
});
const dir = positionals[0] ?? 'examples/sample-week';
const k = Number(values.k);
const config = loadConfigFile(values.config ?? `${dir}/catalog.yaml`);

const truth = new Map<string, AlertFeedback>();
for await (const line of readNdjson(`${dir}/feedback.ndjson`)) {
  const f = parseFeedback(JSON.parse(line.text));
  if (f.ok) truth.set(f.value.alert_id, f.value);
}

const scored: ScoredAlert[] = [];
await runOffline(
  config,
  {
    alerts: `${dir}/alerts.ndjson`,
    deploys: `${dir}/deploys.ndjson`,
    ...(values['online-feedback'] ? { feedback: `${dir}/feedback.ndjson` } : {}),
  },
  { scored: (a) => void scored.push(a), rejected: () => undefined },
  { clock: () => 0 },
);

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
const gain = (id: string) => feedbackGain(truth.get(id));
const actionable = (id: string) => truth.get(id)?.outcome === 'actionable';

const days = new Map<string, ScoredAlert[]>();
for (const a of scored) {
  const day = new Date(a.event_time).toISOString().slice(0, 10);
  days.set(day, [...(days.get(day) ?? []), a]);
}

type Row = {
  day: string;
  triageNdcg: number | null;
  severityNdcg: number | null;
  triageP: number;
  severityP: number;
};
const rows: Row[] = [];
for (const [day, alerts] of [...days].sort()) {
  // A suppressed repeat is not shown to anyone: it ranks last. The detectors have no such notion.
  const triage = rankIds(
    alerts.map((a) => ({
      id: a.alert_id,
      score: a.dedup.suppressed ? -1 : a.priority,
      tiebreak: a.event_time,
    })),
  ).map(gain);
  const severity = rankIds(
    alerts.map((a) => ({ id: a.alert_id, score: SEVERITY_RANK[a.alert.severity], tiebreak: a.event_time })),
  ).map(gain);
  rows.push({
    day,
    triageNdcg: ndcgAtK(triage, k),
    severityNdcg: ndcgAtK(severity, k),
    triageP: precisionAtK(triage, k),
    severityP: precisionAtK(severity, k),
  });
}

const pagedTriage = scored.filter((a) => !a.dedup.suppressed && (a.tier === 'P1' || a.tier === 'P2'));
const pagedSeverity = scored.filter((a) => a.alert.severity === 'critical' || a.alert.severity === 'high');
const p1Triage = scored.filter((a) => !a.dedup.suppressed && a.tier === 'P1');
const trueP1 = scored.filter((a) => actionable(a.alert_id) && truth.get(a.alert_id)?.true_tier === 'P1');
const share = (xs: ScoredAlert[], pred: (a: ScoredAlert) => boolean) =>
  xs.length === 0 ? 0 : xs.filter(pred).length / xs.length;
const f2 = (x: number | null) => (x === null ? '  n/a' : x.toFixed(2));
const pc = (x: number) => `${Math.round(x * 100)}%`;

console.log(
  `${dir}: ${scored.length} alerts, ${truth.size} feedback records (ground truth), config ${config.version}, ` +
    `${values['online-feedback'] ? 'feedback fed online' : 'no feedback fed to the scorer'}\n`,
);
console.log(`| day | NDCG@${k} alert-triage | NDCG@${k} severity | P@${k} alert-triage | P@${k} severity |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.day} | ${f2(r.triageNdcg)} | ${f2(r.severityNdcg)} | ${f2(r.triageP)} | ${f2(r.severityP)} |`,
  );
}
const defined = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
console.log(
  `| **mean** | **${f2(mean(defined(rows.map((r) => r.triageNdcg))))}** | **${f2(mean(defined(rows.map((r) => r.severityNdcg))))}** | **${f2(mean(rows.map((r) => r.triageP)))}** | **${f2(mean(rows.map((r) => r.severityP)))}** |`,
);
console.log('');
console.log('| paging | alert-triage (P1+P2, not suppressed) | severity (critical+high) |');
console.log('|---|---|---|');
console.log(`| alerts paged | ${pagedTriage.length} | ${pagedSeverity.length} |`);
console.log(
  `| paged alerts that were noise / false positive / duplicate | ${pc(share(pagedTriage, (a) => !actionable(a.alert_id)))} | ${pc(share(pagedSeverity, (a) => !actionable(a.alert_id)))} |`,
);
console.log(
  `| true-P1 alerts paged | ${pc(share(trueP1, (a) => pagedTriage.includes(a)))} | ${pc(share(trueP1, (a) => pagedSeverity.includes(a)))} |`,
);
console.log(
  `| precision of P1 (actionable share) | ${pc(share(p1Triage, (a) => actionable(a.alert_id)))} (${p1Triage.length} paged) | — |`,
);
