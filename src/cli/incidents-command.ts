// `alert-triage incidents`: the incidents of alert files, after the same run `score` makes — one row per
// incident with its models beneath, or one incident record a line (--format json).
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { lineSink } from '../adapters/file/ndjson-sink.ts';
import { runOffline } from '../runtime/offline-pipeline.ts';
import { type FilterOptions, incidentFilter } from './filters.ts';
import { renderIncidentRows } from './incident-table.ts';
import {
  type CliIo,
  EXIT,
  filesOf,
  IncidentLog,
  type InputOptions,
  reportOrder,
  silencesOf,
  sortOf,
} from './score-command.ts';
import { fmtInt, runSummary } from './triage-table.ts';

export interface IncidentsOptions extends InputOptions, FilterOptions {
  format?: 'table' | 'json';
  top?: number;
}

export async function incidentsCommand(opts: IncidentsOptions, io: CliIo): Promise<number> {
  const files = filesOf(opts);
  const config = loadConfigFile(opts.config);
  const filter = incidentFilter(opts);
  const silences = await silencesOf(opts, config);
  const log = new IncidentLog();
  const stats = await runOffline(
    config,
    files,
    {
      started: (inputs) => reportOrder(inputs, io.stderr),
      scored: () => undefined,
      rejected: () => undefined,
      incident: (i) => void log.offer(i),
    },
    { sort: sortOf(opts), silences },
  );
  const kept = log.ranked().filter((i) => filter.matches(i));
  const shown = opts.top === undefined ? kept : kept.slice(0, opts.top);
  const note = `${fmtInt(kept.length)} of ${fmtInt(log.size)} incidents${filter.active ? ` match ${filter.description}` : ''}${shown.length < kept.length ? `, the top ${fmtInt(shown.length)} shown` : ''}`;
  if (opts.format === 'json') {
    const sink = lineSink(io.stdout, JSON.stringify);
    for (const r of shown) {
      const wait = sink.write(r);
      if (wait) await wait;
    }
    await sink.close();
    io.stderr.write(`${runSummary(stats)}; ${note}\n`);
  } else {
    io.stdout.write(`${runSummary(stats)}\n${note}\n\n${renderIncidentRows(shown).join('\n')}\n`);
  }
  if (stats.rejected > 0) {
    io.stderr.write(`${fmtInt(stats.rejected)} record(s) rejected (run score to see them)\n`);
    return EXIT.rejected;
  }
  return EXIT.ok;
}
