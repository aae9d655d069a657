// `alert-triage score`: the files through the offline pipeline, out as ScoredAlert NDJSON, CSV or the
// ranked table; bad records to the rejects file; what was sorted, late, rejected and shown on stderr.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { checkInputFile } from '../adapters/file/input-file.ts';
import { lazyNdjsonSink, lineSink, type NdjsonSink, ndjsonSink } from '../adapters/file/ndjson-sink.ts';
import type { InputFormat } from '../core/inputs/index.ts';
import {
  type InputOrder,
  type OfflineFiles,
  type OfflineStats,
  runOffline,
} from '../runtime/offline-pipeline.ts';
import { csvHeader, csvRow } from './csv.ts';
import { alertFilter, type FilterOptions } from './filters.ts';
import { type Progress, progressReporter } from './progress.ts';
import { TopAlerts } from './top-alerts.ts';
import { fmtInt, renderTriageTable } from './triage-table.ts';

export const EXIT = { ok: 0, failure: 1, rejected: 2 } as const;

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface InputOptions {
  alerts: string;
  deploys?: string;
  feedback?: string;
  config?: string;
  inputFormat: InputFormat;
  /** MiB of an unsorted input sorted in memory; a bigger one is sorted on disk. */
  sortMemory: number;
}

export interface ScoreOptions extends InputOptions, FilterOptions {
  out?: string;
  actions?: string;
  rejects?: string;
  format?: 'ndjson' | 'table' | 'csv';
  top: number;
  progress: boolean;
}

const MAX_REJECT_LINES = 20;

export function filesOf(
  o: Pick<InputOptions, 'alerts' | 'deploys' | 'feedback' | 'inputFormat'>,
): OfflineFiles {
  checkInputFile('--alerts', o.alerts);
  if (o.deploys) checkInputFile('--deploys', o.deploys);
  if (o.feedback) checkInputFile('--feedback', o.feedback);
  const files: OfflineFiles = { alerts: o.alerts, alertFormat: o.inputFormat };
  if (o.deploys) files.deploys = o.deploys;
  if (o.feedback) files.feedback = o.feedback;
  return files;
}

export const sortOf = (o: Pick<InputOptions, 'sortMemory'>) => ({
  memoryBytes: Math.round(o.sortMemory * 2 ** 20),
});

/** Says on stderr which inputs were out of event-time order and how they were sorted: never silently. */
export function reportOrder(inputs: readonly InputOrder[], stderr: NodeJS.WritableStream): void {
  for (const i of inputs) {
    if (i.order === 'in-order') continue;
    const how =
      i.order === 'sorted-in-memory' ? 'sorted it in memory' : `sorted it on disk (${i.runs} temporary runs)`;
    stderr.write(
      `alert-triage: ${i.kind}s file ${i.file} is not in event-time order (${fmtInt(i.outOfOrder)} of ` +
        `${fmtInt(i.records)} records are earlier than one before them); ${how} before scoring\n`,
    );
  }
}

export async function scoreCommand(opts: ScoreOptions, io: CliIo): Promise<number> {
  const files = filesOf(opts);
  const config = loadConfigFile(opts.config);
  const format = opts.format ?? (io.stdout.isTTY ? 'table' : 'ndjson');
  const filter = alertFilter(opts);
  const out: NdjsonSink | undefined = opts.out
    ? ndjsonSink(opts.out)
    : format === 'ndjson'
      ? ndjsonSink(io.stdout)
      : undefined;
  const csv = format === 'csv' ? lineSink(io.stdout, csvRow) : undefined;
  if (csv) io.stdout.write(`${csvHeader()}\n`);
  const actions = opts.actions ? ndjsonSink(opts.actions) : undefined;
  const rejectsPath = opts.rejects ?? (opts.out ? `${opts.out}.rejects.ndjson` : 'rejects.ndjson');
  const rejects = lazyNdjsonSink(rejectsPath);
  const top = new TopAlerts(opts.top);
  const progress: Progress | undefined = opts.progress
    ? progressReporter(io.stderr, { tty: Boolean(io.stderr.isTTY) })
    : undefined;
  // Actions come right after their alert's scored record: they are kept when it was.
  let lastKept: string | undefined;
  let shown = 0;
  let stats: OfflineStats;
  try {
    stats = await runOffline(
      config,
      files,
      {
        started: (inputs) => {
          reportOrder(inputs, io.stderr);
          progress?.start(inputs.find((i) => i.kind === 'alert')?.records ?? 0);
        },
        scored: (a) => {
          progress?.tick();
          if (!filter.matches(a)) {
            lastKept = undefined;
            return undefined;
          }
          lastKept = a.alert_id;
          shown++;
          top.offer(a);
          const wrote = out?.write(a);
          const wroteCsv = csv?.write(a);
          return wrote && wroteCsv
            ? Promise.all([wrote, wroteCsv]).then(() => undefined)
            : (wrote ?? wroteCsv);
        },
        rejected: (r) => {
          if (r.input === 'alert') progress?.tick();
          if (rejects.count < MAX_REJECT_LINES)
            io.stderr.write(`${r.file}:${r.line}: ${r.error.code}: ${r.error.message}\n`);
          return rejects.write(r);
        },
        action: (a) => (a.alert_id === lastKept ? actions?.write(a) : undefined),
      },
      { sort: sortOf(opts) },
    );
  } finally {
    progress?.done();
    await Promise.all([out?.close(), csv?.close(), actions?.close(), rejects.close()]);
  }
  const shownNote = filter.active ? { shown, filter: filter.description } : undefined;
  if (format === 'table') io.stdout.write(`${renderTriageTable(stats, top.ranked, 120, shownNote)}\n`);
  else io.stderr.write(`${summaryLine(stats, shownNote)}${opts.out ? ` → ${opts.out}` : ''}\n`);
  if (stats.rejected > 0) {
    const more = stats.rejected > MAX_REJECT_LINES ? ` (first ${MAX_REJECT_LINES} shown above)` : '';
    io.stderr.write(
      `${fmtInt(stats.rejected)} record(s) rejected${more}; all of them are in ${rejectsPath}\n`,
    );
    return EXIT.rejected;
  }
  return EXIT.ok;
}

/** The run in one line (stderr, when stdout carries the records): counts, tiers, repeats, late, rejected. */
export function summaryLine(stats: OfflineStats, shown?: { shown: number; filter: string }): string {
  const tiers = (['P1', 'P2', 'P3', 'P4'] as const).map((t) => `${t} ${fmtInt(stats.paged[t])}`).join(' · ');
  const routed = stats.paged.P1 + stats.paged.P2 + stats.paged.P3 + stats.paged.P4;
  const filtered = shown ? `; ${fmtInt(shown.shown)} written after ${shown.filter}` : '';
  return (
    `alert-triage: ${fmtInt(stats.scored)} alerts scored with ${stats.configVersion}: ${fmtInt(routed)} routed ` +
    `(${tiers}), ${fmtInt(stats.suppressed)} suppressed as repeats, ${fmtInt(stats.late)} late, ` +
    `${fmtInt(stats.rejected)} rejected${filtered}`
  );
}
