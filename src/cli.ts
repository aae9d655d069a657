// Command line: the same pure core as the service, driven by file adapters.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfigFile } from './adapters/file/config-file.ts';
import { lazyNdjsonSink, type NdjsonSink, ndjsonSink } from './adapters/file/ndjson-sink.ts';
import { readNdjson } from './adapters/file/ndjson-source.ts';
import type { CalibrateOptions } from './cli/calibrate-command.ts';
import { renderExplanation } from './cli/explain-view.ts';
import { TopAlerts } from './cli/top-alerts.ts';
import { fmtInt, renderTriageTable } from './cli/triage-table.ts';
import { ConfigError } from './config.ts';
import type { Action } from './core/actions.ts';
import type { ScoredAlert } from './core/processor.ts';
import { type OfflineFiles, type OfflineStats, runOffline } from './runtime/offline-pipeline.ts';

export const EXIT = { ok: 0, failure: 1, rejected: 2 } as const;

interface ScoreOptions {
  alerts: string;
  deploys?: string;
  feedback?: string;
  config?: string;
  out?: string;
  actions?: string;
  rejects?: string;
  format?: 'ndjson' | 'table';
  top: number;
  progress: boolean;
}

const MAX_REJECT_LINES = 20;

function parseShare(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function inputOptions(cmd: Command, alertsRequired: boolean): Command {
  const alerts = new Option('--alerts <file>', 'AnomalyAlert records, one JSON object per line');
  if (alertsRequired) alerts.makeOptionMandatory();
  return cmd
    .addOption(alerts)
    .option('--deploys <file>', 'DeployEvent records (NDJSON): the change context joined to each alert')
    .option(
      '--feedback <file>',
      'AlertFeedback records (NDJSON): teaches each source its false-positive rate',
    )
    .option('--config <file>', 'config file (YAML or JSON): model catalog, weights, tiers, windows, SLAs');
}

export function buildProgram(io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): {
  program: Command;
  exitCode: () => number;
} {
  let exitCode: number = EXIT.ok;
  const program = new Command('alert-triage')
    .description(
      'Scores ML anomaly alerts by expected business impact, joins them with recent deploys, and assigns ' +
        'a tier (P1..P4) with owner, escalation path, playbook and SLA deadlines.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  inputOptions(
    program
      .command('score')
      .summary('score alert files offline (no Kafka) and write ScoredAlert NDJSON or a ranked table')
      .description(
        'Merges the input files in event-time order through the same step function as the Kafka service ' +
          'and writes one ScoredAlert per valid alert. Bad lines are reported on stderr with file and line, ' +
          'written to the rejects file, and the run goes on.',
      )
      .addHelpText(
        'after',
        '\nExit codes: 0 all records valid, 1 usage/config/file error, 2 some records rejected.\n\n' +
          'Example:\n  alert-triage score --alerts alerts.ndjson --deploys deploys.ndjson --config catalog.yaml --out scored.ndjson',
      ),
    true,
  )
    .option('--out <file>', 'write ScoredAlert NDJSON here (default: stdout when --format is ndjson)')
    .option('--actions <file>', 'write recommended actions (rollback, containment, diagnostics) as NDJSON')
    .option('--rejects <file>', 'where rejected lines go (default: <out>.rejects.ndjson or ./rejects.ndjson)')
    .addOption(
      new Option(
        '--format <format>',
        'stdout format (default: table on a terminal, ndjson otherwise)',
      ).choices(['ndjson', 'table']),
    )
    .option('--top <n>', 'rows in the ranked table', positiveInt, 15)
    .option('--no-progress', 'no progress line on a terminal')
    .action(async (opts: ScoreOptions) => {
      exitCode = await scoreCommand(opts, io);
    });

  inputOptions(
    program
      .command('explain')
      .summary("one alert's score taken apart: dimensions, weights, reasons, context, actions")
      .argument('<alert_id>', 'the alert to explain')
      .description(
        'Explains one alert, either from a scored NDJSON file (--scored) or by scoring the input files ' +
          '(--alerts, --deploys, --feedback, --config) exactly as `score` would.',
      ),
    false,
  )
    .option('--scored <file>', 'a ScoredAlert NDJSON file written by `score`')
    .option('--json', 'print the ScoredAlert as JSON instead of text')
    .action(
      async (
        alertId: string,
        opts: Omit<ScoreOptions, 'alerts'> & { alerts?: string; scored?: string; json?: boolean },
      ) => {
        exitCode = await explainCommand(alertId, opts, io);
      },
    );

  program
    .command('calibrate')
    .summary('fit weights and the likelihood model to feedback; report ranking quality before and after')
    .description(
      'Scores the files as `score` does (feedback fed in at its event time), fits the likelihood model and ' +
        'the dimension weights to the feedback on the first days, reports ranking quality (NDCG@10, P1 ' +
        "precision, noise share of pages) before and after on the held-out days against the detectors' " +
        'severity, and writes the input config with the new values (and the fit summary as comments) to --out.',
    )
    .requiredOption('--alerts <file>', 'AnomalyAlert records (NDJSON)')
    .option('--deploys <file>', 'DeployEvent records (NDJSON)')
    .requiredOption('--feedback <file>', 'AlertFeedback records (NDJSON): the outcomes to fit')
    .option('--config <file>', 'the config to start from (YAML or JSON); its comments are kept')
    .requiredOption('--out <file>', 'where the tuned config goes (YAML)')
    .option(
      '--train-share <x>',
      'share of the days (earliest first) to fit on; the rest are held out',
      parseShare,
      0.7,
    )
    .action(async (opts: CalibrateOptions) => {
      const { calibrateCommand } = await import('./cli/calibrate-command.ts');
      await calibrateCommand(opts, io.stdout);
      exitCode = EXIT.ok;
    });

  program
    .command('run')
    .summary('the Kafka stream processor: consume alerts and deploys, publish scored and tiered alerts')
    .description(
      'Runs the stream processor. Configuration comes from the file, overridden by the environment ' +
        '(KAFKA_BROKERS, SCHEMA_REGISTRY_URL, HTTP_PORT, KAFKA_GROUP_ID, KAFKA_SASL_*, … — see the README). ' +
        'Serves /metrics, /healthz and /readyz; SIGTERM finishes the batch in hand, commits and leaves the group.',
    )
    .option('--config <file>', 'config file (YAML or JSON)')
    .action(async (opts: { config?: string }) => {
      const { runService } = await import('./main.ts');
      exitCode = await runService({ ...(opts.config ? { config: opts.config } : {}), env: process.env });
      // Stopped and committed: exit even if a client left a timer or a socket behind (kafkajs can, after
      // a broker outage, keep a consumer-restart timer alive), or an orchestrator waits for nothing.
      const code = exitCode;
      setTimeout(() => process.exit(code), 2_000).unref();
    });

  program
    .command('topics')
    .summary('create every topic the service uses, with partitions, retention and compaction')
    .description(
      'Creates the input, output, DLQ and dedup-changelog topics that do not exist yet (existing ones are ' +
        'left as they are). --dry-run prints the plan without a broker.',
    )
    .option('--config <file>', 'config file (YAML or JSON); the environment overrides it as for `run`')
    .option('--dry-run', 'print the topics and their settings, create nothing')
    .action(async (opts: { config?: string; dryRun?: boolean }) => {
      exitCode = await topicsCommand(opts, io);
    });

  return { program, exitCode: () => exitCode };
}

async function topicsCommand(
  opts: { config?: string; dryRun?: boolean },
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
) {
  // Loaded here, not at the top: the offline commands never pay for kafkajs.
  const { ensureTopics, topicSpecs } = await import('./adapters/kafka/admin.ts');
  const config = loadConfigFile(opts.config, process.env);
  const specs = topicSpecs(config);
  for (const s of specs) {
    const settings = Object.entries(s.configs)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    io.stdout.write(`${s.topic.padEnd(32)} partitions=${s.partitions} ${settings}\n`);
  }
  if (opts.dryRun) return EXIT.ok;
  const { createKafka } = await import('./adapters/kafka/client.ts');
  const { createLogger } = await import('./telemetry.ts');
  const admin = createKafka(config, createLogger({ level: 'warn' })).admin();
  await admin.connect();
  try {
    const r = await ensureTopics(admin, config);
    io.stdout.write(
      `created ${r.created.length} topic(s)${r.created.length ? `: ${r.created.join(', ')}` : ''}; ${r.existing.length} already existed\n`,
    );
  } finally {
    await admin.disconnect();
  }
  return EXIT.ok;
}

async function scoreCommand(
  opts: ScoreOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
) {
  const config = loadConfigFile(opts.config);
  const format = opts.format ?? (io.stdout.isTTY ? 'table' : 'ndjson');
  const out: NdjsonSink | undefined = opts.out
    ? ndjsonSink(opts.out)
    : format === 'ndjson'
      ? ndjsonSink(io.stdout)
      : undefined;
  const actions = opts.actions ? ndjsonSink(opts.actions) : undefined;
  const rejectsPath = opts.rejects ?? (opts.out ? `${opts.out}.rejects.ndjson` : 'rejects.ndjson');
  const rejects = lazyNdjsonSink(rejectsPath);
  const top = new TopAlerts(opts.top);
  const progress = opts.progress && io.stderr.isTTY ? progressLine(io.stderr) : undefined;
  let stats: OfflineStats;
  try {
    stats = await runOffline(config, filesOf(opts), {
      scored: (a) => {
        top.offer(a);
        progress?.tick();
        return out?.write(a);
      },
      rejected: (r) => {
        if (rejects.count < MAX_REJECT_LINES)
          io.stderr.write(`${r.file}:${r.line}: ${r.error.code}: ${r.error.message}\n`);
        return rejects.write(r);
      },
      action: (a) => actions?.write(a),
    });
  } finally {
    progress?.done();
    await Promise.all([out?.close(), actions?.close(), rejects.close()]);
  }
  if (format === 'table') io.stdout.write(`${renderTriageTable(stats, top.ranked)}\n`);
  if (stats.rejected > 0) {
    const more = stats.rejected > MAX_REJECT_LINES ? ` (first ${MAX_REJECT_LINES} shown above)` : '';
    io.stderr.write(
      `${fmtInt(stats.rejected)} record(s) rejected${more}; all of them are in ${rejectsPath}\n`,
    );
    return EXIT.rejected;
  }
  if (format !== 'table' && io.stderr.isTTY) {
    io.stderr.write(
      `${fmtInt(stats.scored)} alerts scored (${stats.configVersion})${opts.out ? ` → ${opts.out}` : ''}\n`,
    );
  }
  return EXIT.ok;
}

async function explainCommand(
  alertId: string,
  opts: {
    alerts?: string;
    deploys?: string;
    feedback?: string;
    config?: string;
    scored?: string;
    json?: boolean;
  },
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
) {
  let found: ScoredAlert | undefined;
  const actions: Action[] = [];
  if (opts.scored) {
    for await (const line of readNdjson(opts.scored)) {
      if (!line.text.includes(alertId)) continue;
      const a = JSON.parse(line.text) as ScoredAlert;
      if (a.alert_id === alertId) found = a;
    }
  } else if (opts.alerts) {
    const config = loadConfigFile(opts.config);
    await runOffline(config, filesOf({ ...opts, alerts: opts.alerts }), {
      scored: (a) => {
        if (a.alert_id === alertId) found = a;
        return undefined;
      },
      rejected: () => undefined,
      action: (a) => {
        if (a.alert_id === alertId) actions.push(a);
        return undefined;
      },
    });
  } else {
    io.stderr.write(
      'explain needs --scored <file>, or --alerts <file> (with --deploys/--feedback/--config)\n',
    );
    return EXIT.failure;
  }
  if (!found) {
    io.stderr.write(`alert ${alertId} not found in ${opts.scored ?? opts.alerts}\n`);
    return EXIT.failure;
  }
  io.stdout.write(
    opts.json ? `${JSON.stringify(found, null, 2)}\n` : `${renderExplanation(found, actions)}\n`,
  );
  return EXIT.ok;
}

function filesOf(o: { alerts: string; deploys?: string; feedback?: string }): OfflineFiles {
  const files: OfflineFiles = { alerts: o.alerts };
  if (o.deploys) files.deploys = o.deploys;
  if (o.feedback) files.feedback = o.feedback;
  return files;
}

function progressLine(stderr: NodeJS.WriteStream) {
  const started = Date.now();
  let n = 0;
  let last = started;
  return {
    tick() {
      n++;
      if ((n & 1023) !== 0) return;
      const now = Date.now();
      if (now - last < 500) return;
      last = now;
      const rate = Math.round((n * 1000) / Math.max(1, now - started));
      stderr.write(`\r\x1b[2Kscored ${fmtInt(n)} alerts (${fmtInt(rate)}/s)`);
    },
    done() {
      if (last !== started) stderr.write('\r\x1b[2K');
    },
  };
}

/** Entry point for bin/alert-triage.js; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  io.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok); // the reader went away (e.g. `| head`): not an error
    throw e;
  });
  const { program, exitCode } = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return exitCode();
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code?.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? EXIT.ok
        : EXIT.failure;
    }
    if (e instanceof ConfigError || (err.code && err.message)) {
      io.stderr.write(`alert-triage: ${err.message}\n`);
      return EXIT.failure;
    }
    throw e;
  }
}
