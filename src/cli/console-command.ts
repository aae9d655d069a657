// `alert-triage console`: the triage console over alert files, offline. The files run through the same
// core as `score` (runtime/offline-pipeline.ts) into the console's read model; the page is served on
// --host:--port until SIGINT/SIGTERM. Silences created from the page (with ALERT_TRIAGE_CONSOLE_TOKEN) go
// to the silence file, as `alert-triage silence add` writes them.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { silenceFileStore } from '../adapters/file/silence-file.ts';
import { handleConsole } from '../adapters/http/console-routes.ts';
import { ConsoleReadModel } from '../console/read-model.ts';
import { toEpochMillis } from '../core/parse-record.ts';
import { runOffline } from '../runtime/offline-pipeline.ts';
import { consoleSilences } from './console-silences.ts';
import { type CliIo, EXIT, filesOf, type InputOptions, silencesOf, sortOf } from './score-command.ts';
import { DEFAULT_SILENCE_FILE } from './silence-file-command.ts';
import { fmtInt, runSummary } from './triage-table.ts';

export interface ConsoleOptions extends InputOptions {
  port: number;
  host: string;
  /** Where silences created from the page go; default incidents.silence_file, else ./silences.ndjson. */
  silenceFile?: string;
}

async function feedbackTimes(path: string, model: ConsoleReadModel): Promise<void> {
  const text = await readFile(path, 'utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const f = JSON.parse(line) as Record<string, unknown>;
      if (typeof f.alert_id !== 'string') continue;
      model.feedbackTimes({
        alert_id: f.alert_id,
        acked_at: toEpochMillis(f.acked_at) ?? null,
        resolved_at: toEpochMillis(f.resolved_at) ?? null,
      });
    } catch {
      // score reports bad feedback lines; the console only reads the lifecycle times of good ones.
    }
  }
}

export async function consoleCommand(
  opts: ConsoleOptions,
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const files = filesOf(opts);
  const config = loadConfigFile(opts.config);
  const silences = await silencesOf(opts, config);
  const model = new ConsoleReadModel(Number.POSITIVE_INFINITY);
  let lastEventTime = 0;
  const stats = await runOffline(
    config,
    files,
    {
      scored: (a) => {
        model.scored(a);
        if (a.event_time > lastEventTime) lastEventTime = a.event_time;
        return undefined;
      },
      rejected: () => undefined,
      action: (x) => void model.action(x),
      incident: (i) => void model.incident(i),
    },
    { sort: sortOf(opts), silences },
  );
  if (opts.feedback) await feedbackTimes(opts.feedback, model);
  const token = env.ALERT_TRIAGE_CONSOLE_TOKEN?.trim() || undefined;
  const limits = { maxDurationMs: config.incidents.max_silence };
  const silencePath = opts.silenceFile ?? config.silence_file ?? DEFAULT_SILENCE_FILE;
  const store = silenceFileStore(silencePath, limits);
  const server = createServer((req, res) => {
    handleConsole(req, res, {
      model,
      // Offline, "now" is the end of the run's event time: the countdowns read as they did then.
      now: () => lastEventTime,
      defaultStatus: 'all',
      token,
      ...consoleSilences({ store, now: () => lastEventTime, user: userInfo().username, limits }),
    })
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('not found\n');
        }
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  io.stderr.write(`${runSummary(stats)}\n`);
  io.stderr.write(
    `console: http://${opts.host}:${port}/ (${fmtInt(model.incidentList().length)} incidents, ${token ? `writes on: silences to ${silencePath}` : 'read-only'})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}
