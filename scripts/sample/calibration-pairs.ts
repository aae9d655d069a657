// Does a calibration hold on a new week? For each pair of seeds: generate two fresh weeks, calibrate on
// the first (the CLI, with --force so every pair is measured; "refused" says when it would not write),
// score the second with the default and with the tuned config (no feedback fed to the scorer, or with
// --online-feedback fed at its event time as calibrate itself scores), and
// report per scored week: P1 alerts paged, P1 precision, mean NDCG@10 against the detectors' severity,
// and the share of the top tenth of real impact (actionable alerts by postmortem impact) routed P1/P2.
//
//   node scripts/sample/calibration-pairs.ts [--profile sample] [--seeds 201:202,203:204] [--start 2026-12-07]
//        [--work /tmp/calibration-pairs] [--bin bin/alert-triage.js] [--args "--p1-per-week 20"] [--online-feedback]
//
// --bin / --args choose the calibrate being measured (e.g. another checkout's bin, which may not know
// the budget flags: then pass --args "").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { readNdjson } from '../../src/adapters/file/ndjson-source.ts';
import { type LabelledAlert, rankingQuality, severityBaseline } from '../../src/core/calibrate.ts';
import type { AlertFeedback } from '../../src/core/events.ts';
import { parseFeedback } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'sample' },
    seeds: { type: 'string', default: '201:202,203:204,205:206,207:208,209:210' },
    start: { type: 'string', default: '2026-12-07' },
    work: { type: 'string', default: '/tmp/calibration-pairs' },
    bin: { type: 'string', default: join(ROOT, 'bin', 'alert-triage.js') },
    args: { type: 'string', default: '--p1-per-week 20' },
    'online-feedback': { type: 'boolean', default: false },
  },
});

function week(seed: number): string {
  const dir = join(values.work, `${values.profile}-${seed}`);
  if (!existsSync(join(dir, 'feedback.ndjson'))) {
    mkdirSync(dir, { recursive: true });
    const g = spawnSync(
      process.execPath,
      [
        join(ROOT, 'scripts/sample/generate-world.ts'),
        ...['--profile', values.profile, '--seed', String(seed), '--start', values.start, '--days', '7'],
        ...['--out', dir],
      ],
      { encoding: 'utf8' },
    );
    if (g.status !== 0) throw new Error(`generate-world --seed ${seed}: ${g.stderr}`);
  }
  return dir;
}

async function measure(dir: string, configFile: string) {
  const truth = new Map<string, AlertFeedback>();
  for await (const line of readNdjson(join(dir, 'feedback.ndjson'))) {
    const f = parseFeedback(JSON.parse(line.text));
    if (f.ok) truth.set(f.value.alert_id, f.value);
  }
  const scored: ScoredAlert[] = [];
  await runOffline(
    loadConfigFile(configFile),
    {
      alerts: join(dir, 'alerts.ndjson'),
      deploys: join(dir, 'deploys.ndjson'),
      ...(values['online-feedback'] ? { feedback: join(dir, 'feedback.ndjson') } : {}),
    },
    { scored: (a) => void scored.push(a), rejected: () => undefined },
    { clock: () => 0 },
  );
  const labelled: LabelledAlert[] = scored.map((alert) => ({ alert, feedback: truth.get(alert.alert_id) }));
  const q = rankingQuality(labelled, (a) => ({
    priority: a.alert.priority,
    tier: a.alert.tier,
    paged: !a.alert.dedup.suppressed,
  }));
  const severity = rankingQuality(labelled, severityBaseline);
  const real = labelled
    .filter((a) => a.feedback?.outcome === 'actionable' && (a.feedback.impact ?? 0) > 0)
    .sort((a, b) => b.feedback!.impact! - a.feedback!.impact!);
  const top = real.slice(0, Math.max(1, Math.ceil(real.length / 10)));
  const topPaged = top.filter((a) => a.alert.tier === 'P1' || a.alert.tier === 'P2').length / top.length;
  return { p1: q.p1Paged, p1Precision: q.p1Precision, ndcg: q.ndcg, severity: severity.ndcg, topPaged };
}

const f = (x: number) => x.toFixed(2);
console.log(
  `profile ${values.profile}, calibrate: ${values.bin} ${values.args} --force; scored week: ${values['online-feedback'] ? 'feedback fed online' : 'no feedback fed'}\n`,
);
console.log(
  '| fit on → scored | refused | P1 default | P1 tuned | P1 precision default / tuned | NDCG@10 severity / default / tuned | top tenth of impact in P1/P2 default / tuned |',
);
console.log('|---|---|---|---|---|---|---|');
for (const pair of values.seeds.split(',')) {
  const [a, b] = pair.split(':').map(Number) as [number, number];
  const fit = week(a);
  const scoredWeek = week(b);
  const tuned = join(values.work, `tuned-${values.profile}-${a}.yaml`);
  const args = values.args.split(' ').filter((x) => x !== '');
  const c = spawnSync(
    process.execPath,
    [
      values.bin,
      'calibrate',
      ...['--alerts', join(fit, 'alerts.ndjson'), '--deploys', join(fit, 'deploys.ndjson')],
      ...['--feedback', join(fit, 'feedback.ndjson'), '--config', join(fit, 'catalog.yaml')],
      ...['--out', tuned, ...args],
      ...(values.args.includes('--') ? ['--force', '--no-progress'] : []),
    ],
    { encoding: 'utf8' },
  );
  if (c.status !== 0) throw new Error(`calibrate on seed ${a}: ${c.stderr}`);
  const refused = /is worse on the held-out days/.test(c.stdout) ? 'yes' : 'no';
  const d = await measure(scoredWeek, join(scoredWeek, 'catalog.yaml'));
  const t = await measure(scoredWeek, tuned);
  console.log(
    `| ${a} → ${b} | ${refused} | ${d.p1} | ${t.p1} | ${f(d.p1Precision)} / ${f(t.p1Precision)} | ${f(d.severity)} / ${f(d.ndcg)} / ${f(t.ndcg)} | ${f(d.topPaged)} / ${f(t.topPaged)} |`,
  );
}
