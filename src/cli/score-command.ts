// `alert-triage score`: the files through the offline pipeline, out as ScoredAlert NDJSON, CSV or the
// ranked table; bad records to the rejects file; what was sorted, late, rejected and shown on stderr.

import { existsSync } from 'node:fs';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { checkInputFile } from '../adapters/file/input-file.ts';
import { lazyNdjsonSink, lineSink, type NdjsonSink, ndjsonSink } from '../adapters/file/ndjson-sink.ts';
import { readSilenceFile } from '../adapters/file/silence-file.ts';
import type { Config } from '../config.ts';
import type { IncidentRecord } from '../core/incidents/types.ts';
import type { InputFormat } from '../core/inputs/index.ts';
import type { Silence } from '../core/silences.ts';
import {
  type InputOrder,
  type OfflineFiles,
  type OfflineStats,
  runOffline,
} from '../runtime/offline-pipeline.ts';
import { csvHeader, csvRow } from './csv.ts';
import { alertFilter, type FilterOptions, incidentFilter } from './filters.ts';
import { incidentOutranks, TopIncidents } from './incident-table.ts';
import { type Progress, progressReporter } from './progress.ts';
import { TopAlerts } from './top-alerts.ts';
import { fmtInt, renderTriageTable, runSummary } from './triage-table.ts';

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
  /** A silence file (alert-triage silence writes it); default the config's incidents.silence_file. */
  silences?: string;
}

export interface ScoreOptions extends InputOptions, FilterOptions {
  out?: string;
  incidentsOut?: string;
  /** The tier topics' records: pages (action trigger) and resolves, in the order the stream writes them. */
  pagesOut?: string;
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

/**
 * The silences of the run besides the config's: --silences (which must exist), else the config's
 * incidents.silence_file when it exists (it is where `alert-triage silence add` writes).
 */
export async function silencesOf(o: Pick<InputOptions, 'silences'>, config: Config): Promise<Silence[]> {
  const path = o.silences ?? config.silence_file;
  if (path === undefined) return [];
  if (o.silences !== undefined) checkInputFile('--silences', o.silences);
  else if (!existsSync(path)) return [];
  return readSilenceFile(path, { maxDurationMs: config.incidents.max_silence });
}

/** The latest record of every incident, as the compacted `ml.incidents` holds it, in order of opening. */
export class IncidentLog {
  private readonly byId = new Map<string, IncidentRecord>();

  offer(r: IncidentRecord): void {
    this.byId.set(r.incident_id, r);
  }

  get size(): number {
    return this.byId.size;
  }

  /** By first event time, then id. */
  records(): IncidentRecord[] {
    return [...this.byId.values()].sort(
      (a, b) => a.first_event_time - b.first_event_time || (a.incident_id < b.incident_id ? -1 : 1),
    );
  }

  /** Highest rank first (incident-table.ts). */
  ranked(): IncidentRecord[] {
    return [...this.byId.values()].sort((a, b) =>
      incidentOutranks(a, b) ? -1 : incidentOutranks(b, a) ? 1 : 0,
    );
  }
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
  const incidentsShown = incidentFilter(opts);
  const silences = await silencesOf(opts, config);
  const out: NdjsonSink | undefined = opts.out
    ? ndjsonSink(opts.out)
    : format === 'ndjson'
      ? ndjsonSink(io.stdout)
      : undefined;
  const csv = format === 'csv' ? lineSink(io.stdout, csvRow) : undefined;
  if (csv) io.stdout.write(`${csvHeader()}\n`);
  const actions = opts.actions ? ndjsonSink(opts.actions) : undefined;
  const pages = opts.pagesOut ? ndjsonSink(opts.pagesOut) : undefined;
  const rejectsPath = opts.rejects ?? (opts.out ? `${opts.out}.rejects.ndjson` : 'rejects.ndjson');
  const rejects = lazyNdjsonSink(rejectsPath);
  const top = new TopAlerts(opts.top);
  const topIncidents = new TopIncidents(opts.top);
  const incidentLog = opts.incidentsOut ? new IncidentLog() : undefined;
  const progress: Progress | undefined = opts.progress
    ? progressReporter(io.stderr, { tty: Boolean(io.stderr.isTTY) })
    : undefined;
  // Actions come right after their alert's scored record: they are kept when it was.
  let lastKept: string | undefined;
  let lastIncidentKept: string | undefined;
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
        // A version regression's action names its incident (it comes right after it): kept when that is.
        action: (a) =>
          a.alert_id === lastKept || a.alert_id === lastIncidentKept ? actions?.write(a) : undefined,
        // Every tier record, unfiltered: a resolve must follow its page wherever the filter would drop one.
        page: (p) => pages?.write(p),
        resolve: (r) => pages?.write(r),
        acknowledge: (r) => pages?.write(r),
        incident: (i) => {
          lastIncidentKept = incidentsShown.matches(i) ? i.incident_id : undefined;
          incidentLog?.offer(i);
          if (format === 'table' && incidentsShown.matches(i)) topIncidents.offer(i);
          return undefined;
        },
      },
      { sort: sortOf(opts), silences },
    );
    if (incidentLog && opts.incidentsOut) {
      const sink = ndjsonSink(opts.incidentsOut);
      for (const r of incidentLog.records()) {
        const wait = sink.write(r);
        if (wait) await wait;
      }
      await sink.close();
    }
  } finally {
    progress?.done();
    await Promise.all([out?.close(), csv?.close(), actions?.close(), pages?.close(), rejects.close()]);
  }
  const shownNote = filter.active ? { shown, filter: filter.description } : undefined;
  if (format === 'table')
    io.stdout.write(`${renderTriageTable(stats, top.ranked, 120, shownNote, topIncidents.ranked)}\n`);
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

/** The run in one line (stderr, when stdout carries the records): alerts, incidents, pages, repeats, late, rejected. */
export function summaryLine(stats: OfflineStats, shown?: { shown: number; filter: string }): string {
  const filtered = shown ? `; ${fmtInt(shown.shown)} written after ${shown.filter}` : '';
  return `${runSummary(stats)}${filtered}`;
}
