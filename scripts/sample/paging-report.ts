// How many pages a generated world makes, against its ground truth of incidents (truth.ndjson): the
// before/after figures of issue 9. The definitions are in USAGE and paging-figures.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { readNdjson } from '../../src/adapters/file/ndjson-source.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { TruthLine } from '../../src/sample/truth.ts';
import { exitWithUsageIfAsked, parseArgsOrExit } from '../bench/common.ts';
import {
  coveredIncidents,
  falsePages,
  isPage,
  type MeanMax,
  type PagedAlert,
  type PagingFigures,
  pagedIncidents,
  pagingFigures,
  repeatPages,
} from './paging-figures.ts';

const USAGE = `
Usage: npm run sample:paging -- <dir> [--config C] [--scored S.ndjson]
       node scripts/sample/paging-report.ts <dir> [--config C] [--scored S.ndjson]

How many pages a generated world makes, measured against the world's ground truth of incidents
(<dir>/truth.ndjson, written by scripts/sample/generate-world.ts). By default it scores <dir>/alerts.ndjson
and <dir>/deploys.ndjson with the offline pipeline (the service's own step function) and <dir>/catalog.yaml.
feedback.ndjson is not fed to the scorer, because it is the ground truth.

A page is the scored record's boolean \`page\` field when it has one (incident paging). Without that field,
a page is an alert that is not a dedup repeat (dedup.suppressed false) at tier P1 or P2.

Figures:
  days                            UTC calendar days from the first alert to the last
  pages per day                   pages / days
  pages per real incident         mean and max, over real incidents (an incident_id in truth.ndjson)
                                  that paged at least once
  pages per multi-model incident  the same, over incidents that span several models; "cascades" are
                                  the ones a change caused (recorded or silent)
  repeat pages by why             with incident paging: each page of a real incident after its first, by
                                  what made it another page (a tier rise within one of our incidents, a
                                  different change blamed, the same model past the gap, another model
                                  with no recorded cause linking them)
  false pages per day             pages whose alert is in no real incident or is not actionable
  P1 incidents paged              share of real incidents of true tier P1 (best tier of their alerts)
                                  with at least one page
  incidents never paged           real incidents with no page at all, by true tier
  P1 incidents covered            (before/after only) P1 incidents paged, or with an alert that joined an
                                  incident of ours another alert paged — the recorded change's incident
                                  when the real one has a recorded change: the pager heard of it; one
                                  joined to an incident blamed on another change is not covered
The last line of stdout is one JSON object with the figures.

Options:
  --config C      scoring config (default <dir>/catalog.yaml)
  --scored S      read already scored records (NDJSON, one ScoredAlert a line) instead of scoring
  -h, --help      print this text and exit
`;

interface Args {
  dir: string;
  config: string | undefined;
  scored: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '--scored') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a file`);
      args[a === '--config' ? 'config' : 'scored'] = v;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (args.dir === undefined) args.dir = a;
    else throw new Error(`one world directory only, got ${args.dir} and ${a}`);
  }
  if (args.dir === undefined) throw new Error('which world? give its directory, e.g. examples/cascade-week');
  if (args.config !== undefined && args.scored !== undefined)
    throw new Error('--config and --scored exclude each other: a scored file was scored already');
  return { dir: args.dir, config: args.config, scored: args.scored };
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const line of readNdjson(file)) {
    if (line.text.trim() === '') continue;
    try {
      out.push(JSON.parse(line.text) as T);
    } catch {
      throw new Error(`${file}:${line.line}: not JSON`);
    }
  }
  return out;
}

function pagedAlert(r: Record<string, unknown>, where: string): PagedAlert {
  if (typeof r.alert_id !== 'string' || typeof r.event_time !== 'number')
    throw new Error(`${where}: not a scored alert (needs alert_id and a numeric event_time)`);
  const out: PagedAlert = { alert_id: r.alert_id, event_time: r.event_time, page: isPage(r) };
  if (typeof r.tier === 'string') out.tier = r.tier;
  const note = r.incident as { key?: unknown; how?: unknown } | undefined;
  if (typeof r.incident_id === 'string' && typeof note?.key === 'string' && typeof note.how === 'string')
    out.incident = { id: r.incident_id, key: note.key, how: note.how, model_id: String(r.model_id) };
  return out;
}

async function scoredAlerts(
  a: Args,
  incidents: 'inline' | 'off' = 'inline',
): Promise<{ alerts: PagedAlert[]; source: string }> {
  if (a.scored !== undefined) {
    const records = await readJsonLines<Record<string, unknown>>(a.scored);
    return { alerts: records.map((r, i) => pagedAlert(r, `${a.scored}:${i + 1}`)), source: a.scored };
  }
  const configFile = a.config ?? join(a.dir, 'catalog.yaml');
  const config = loadConfigFile(configFile);
  const alerts: PagedAlert[] = [];
  const deploys = join(a.dir, 'deploys.ndjson');
  await runOffline(
    config,
    { alerts: join(a.dir, 'alerts.ndjson'), ...(existsSync(deploys) ? { deploys } : {}) },
    {
      scored: (s) => void alerts.push(pagedAlert(s as unknown as Record<string, unknown>, s.alert_id)),
      rejected: () => undefined,
    },
    { clock: () => 0, incidents },
  );
  return { alerts, source: `scored by runOffline with ${configFile} (${config.version})` };
}

const mm = (x: MeanMax): string => (x.mean === null ? '-' : `${x.mean.toFixed(2)} (max ${x.max})`);

function table(f: PagingFigures): string {
  const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);
  const rows: [string, string][] = [
    ['alerts', `${f.alerts}${f.unscored > 0 ? ` (${f.unscored} not scored: rejected)` : ''}`],
    ['days covered', String(f.days)],
    ['pages', String(f.pages)],
    ['pages per day', f.pages_per_day.toFixed(2)],
    ['real incidents (paged)', `${f.real_incidents} (${f.real_incidents_paged})`],
    ['pages per real incident', mm(f.pages_per_real_incident)],
    ['multi-model incidents', `${f.multi_model_incidents} (${f.cascades} caused by a change)`],
    ['pages per multi-model incident', mm(f.pages_per_multi_model_incident)],
    ['pages per cascade (multi-model, one change)', mm(f.pages_per_cascade)],
    [
      'false pages per day',
      `${f.false_pages_per_day.toFixed(2)} (${f.false_pages} in all: ${f.false_pages_noise} noise, ${f.false_pages - f.false_pages_noise} repeats within real incidents)`,
    ],
    [
      'real P1 incidents paged',
      `${pct(f.p1_incidents_paged_share)} (${f.p1_incidents_paged} of ${f.p1_incidents})`,
    ],
    [
      'real incidents never paged',
      Object.entries(f.real_incidents_without_page)
        .map(([t, n]) => `${t} ${n}`)
        .join(', '),
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
  lines.push('', '  multi-model incidents: id, true tier, models, cause, alerts, pages');
  for (const i of f.multi_model)
    lines.push(
      `    ${i.incident_id}  ${i.tier}  ${i.models} models  ${i.cause.padEnd(9)}  ${i.alerts} alerts  ${i.pages} pages`,
    );
  return lines.join('\n');
}

/** The issue's figures before (alert by alert) and after (incidents), and its floors. */
function beforeAfter(
  b: PagingFigures,
  f: PagingFigures,
  lostP1: readonly string[],
  uncovered: readonly string[],
  covered: number,
): string {
  const m = (x: MeanMax) => (x.mean === null ? '-' : x.mean.toFixed(2));
  const ok = (yes: boolean) => (yes ? 'met' : 'MISSED');
  const lost = lostP1.length > 0;
  return [
    '  before (alert by alert) -> after (incidents), and the floors of issue 9:',
    `    pages per day                   ${b.pages_per_day.toFixed(2)} -> ${f.pages_per_day.toFixed(2)}`,
    `    pages per real incident         ${m(b.pages_per_real_incident)} -> ${m(f.pages_per_real_incident)}   <= 1.3: ${ok((f.pages_per_real_incident.mean ?? 0) <= 1.3)}`,
    `    pages per multi-model incident  ${m(b.pages_per_multi_model_incident)} -> ${m(f.pages_per_multi_model_incident)}   <= 1.5: ${ok((f.pages_per_multi_model_incident.mean ?? 0) <= 1.5)}`,
    `    false pages per day             ${b.false_pages_per_day.toFixed(2)} -> ${f.false_pages_per_day.toFixed(2)} (${b.false_pages_per_day === 0 ? '-' : Math.round((f.false_pages_per_day / b.false_pages_per_day) * 100)}% of before)   <= half: ${ok(f.false_pages_per_day <= b.false_pages_per_day / 2)}`,
    `    real P1 incidents paged         ${b.p1_incidents_paged} -> ${f.p1_incidents_paged} of ${f.p1_incidents}   none lost: ${ok(!lost)}${lost ? ` (${lostP1.join(', ')})` : ''}`,
    `      ... or covered (joined the right incident, paged by another alert): ${covered} of ${f.p1_incidents}   none lost: ${ok(uncovered.length === 0)}${uncovered.length > 0 ? ` (${uncovered.join(', ')})` : ''}`,
    `    real P2 incidents never paged   ${b.real_incidents_without_page.P2} -> ${f.real_incidents_without_page.P2}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  exitWithUsageIfAsked(argv, USAGE);
  const a = parseArgsOrExit('paging-report', () => parseArgs(argv));
  const truthFile = join(a.dir, 'truth.ndjson');
  if (!existsSync(truthFile))
    throw new Error(`${truthFile} not found: regenerate the world with scripts/sample/generate-world.ts`);
  const truth = await readJsonLines<TruthLine>(truthFile);
  const { alerts, source } = await scoredAlerts(a);
  const f = pagingFigures(truth, alerts);
  process.stdout.write(`${a.dir}: ${source}\n${table(f)}\n`);
  const incidentPaging = alerts.some((x) => x.incident !== undefined);
  let repeats: Record<string, number> | null = null;
  if (incidentPaging) {
    repeats = repeatPages(truth, alerts);
    process.stdout.write('\n  pages of a real incident after its first, by why (incident paging):\n');
    for (const [reason, n] of Object.entries(repeats))
      process.stdout.write(`    ${String(n).padStart(4)}  ${reason}\n`);
  }
  const falseWhy = falsePages(truth, alerts);
  process.stdout.write('\n  false pages, by what paged and how:\n');
  for (const [reason, n] of Object.entries(falseWhy))
    process.stdout.write(`    ${String(n).padStart(4)}  ${reason}\n`);
  // Before: the same alerts paged alert by alert (incidents off), the issue's "today".
  let before: PagingFigures | null = null;
  let lostP1: string[] = [];
  let uncoveredP1: string[] = [];
  let coveredP1: number | null = null;
  if (incidentPaging && a.scored === undefined) {
    const was = (await scoredAlerts(a, 'off')).alerts;
    before = pagingFigures(truth, was);
    const now = pagedIncidents(truth, alerts, 'P1');
    lostP1 = [...pagedIncidents(truth, was, 'P1')].filter((i) => !now.has(i)).sort();
    const covered = coveredIncidents(truth, alerts, 'P1');
    uncoveredP1 = [...pagedIncidents(truth, was, 'P1')].filter((i) => !covered.has(i)).sort();
    coveredP1 = covered.size;
    process.stdout.write(`\n${beforeAfter(before, f, lostP1, uncoveredP1, coveredP1)}\n`);
  }
  // the per-incident list stays in the table; the JSON keeps the largest cascade (the one-change, many-pages case)
  const { multi_model: multi, ...figures } = f;
  const largest = multi.find((i) => i.cause !== 'none') ?? null;
  const summary = { world: a.dir, source, ...figures, largest_cascade: largest, repeat_pages: repeats };
  const then = before === null ? null : (({ multi_model: _, ...rest }) => rest)(before);
  process.stdout.write(
    `${JSON.stringify({
      ...summary,
      false_pages_by_why: falseWhy,
      lost_p1_incidents: lostP1,
      p1_incidents_covered: coveredP1,
      lost_p1_incidents_uncovered: uncoveredP1,
      before: then,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`paging-report: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
