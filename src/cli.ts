// Command line: the same pure core as the service, driven by file adapters.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CalibrateOptions } from './cli/calibrate-command.ts';
import type { ExplainOptions } from './cli/explain-command.ts';
import { filterOptions } from './cli/filters.ts';
import type { GateOptions } from './cli/gate-command.ts';
import type { IncidentsOptions } from './cli/incidents-command.ts';
import type { NotifyOptions } from './cli/notify-command.ts';
import { type CliIo, EXIT, type ScoreOptions, scoreCommand } from './cli/score-command.ts';
import { type TopicsOptions, topicsCommand } from './cli/topics-command.ts';
import { ConfigError } from './config.ts';
import { INPUT_FORMATS } from './core/inputs/index.ts';

export { EXIT } from './cli/score-command.ts';

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

/** `--at`: epoch milliseconds or an RFC 3339 time. */
function eventTime(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be epoch milliseconds or an RFC 3339 time');
  return n;
}

/** The gate's exit code when it cannot judge (1 is `regressed` there). */
const GATE_UNUSABLE = 2;

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const FORMATS_HELP =
  '\nInput formats (--input-format; docs/INPUTS.md has the field mapping of each):\n' +
  '  alerttriage   AnomalyAlert records, one JSON object per line (the default)\n' +
  '  alertmanager  Prometheus Alertmanager webhook bodies (version 4)\n' +
  '  grafana       Grafana unified alerting webhook bodies\n' +
  '  evidently     Evidently test results (TestSuite.json() or a snapshot) with timestamp and metadata.model_id\n' +
  '  whylabs       WhyLabs monitor notifications (digest or every-anomaly)\n' +
  '  arize         Arize monitor alerts\n' +
  '  cloudevents   CloudEvents 1.0 structured JSON (one event or a batch) whose data is an AnomalyAlert\n' +
  'A native-format file holds one payload per line (NDJSON), or is one JSON document (pretty-printed is fine).\n';

function inputOptions(cmd: Command, alertsRequired: boolean): Command {
  const alerts = new Option(
    '--alerts <file>',
    'the alerts: AnomalyAlert records (NDJSON), or payloads of --input-format',
  );
  if (alertsRequired) alerts.makeOptionMandatory();
  return cmd
    .addOption(alerts)
    .addOption(
      new Option('--input-format <format>', 'how the alerts file is written (see below)')
        .choices(INPUT_FORMATS)
        .default('alerttriage'),
    )
    .option('--deploys <file>', 'DeployEvent records (NDJSON): the change context joined to each alert')
    .option(
      '--feedback <file>',
      'AlertFeedback records (NDJSON): teaches each source its false-positive rate',
    )
    .option('--config <file>', 'config file (YAML or JSON): model catalog, weights, tiers, windows, SLAs')
    .option(
      '--silences <file>',
      'silences in force (NDJSON, as `alert-triage silence` writes them); default: incidents.silence_file of the config',
    )
    .option(
      '--sort-memory <MiB>',
      'an input not in event-time order is sorted in memory up to this size, on disk beyond it',
      positiveNumber,
      128,
    )
    .addHelpText('after', FORMATS_HELP);
}

export function buildProgram(io: CliIo): {
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
    // Root options only before the subcommand: `gate --version v7` names a model version, not ours.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  filterOptions(
    inputOptions(
      program
        .command('score')
        .summary(
          'score alert files offline (no Kafka) and write ScoredAlert NDJSON, CSV or a table of incidents',
        )
        .description(
          'Merges the input files in event-time order through the same step function as the Kafka service ' +
            'and writes one ScoredAlert per valid alert, grouped into incidents (incident_id, page, silenced_by; ' +
            'docs/INCIDENTS.md): the table shows one row per incident. A file not in event-time order is sorted first (and ' +
            'stderr says so). Bad lines are reported on stderr with file and line, written to the rejects ' +
            'file, and the run goes on. The filters choose what is written and shown, never what is ' +
            'processed: every alert is scored as without them.',
        )
        .addHelpText(
          'after',
          '\nExit codes: 0 all records valid, 1 usage/config/file error, 2 some records rejected.\n\n' +
            'Examples:\n  alert-triage score --alerts alerts.ndjson --deploys deploys.ndjson --config catalog.yaml --out scored.ndjson\n' +
            '  alert-triage score --input-format alertmanager --alerts webhooks.ndjson --format csv --tier P1,P2 > p1p2.csv\n',
        ),
      true,
    ),
  )
    .option('--out <file>', 'write ScoredAlert NDJSON here (default: stdout when --format is ndjson)')
    .option('--actions <file>', 'write recommended actions (rollback, containment, diagnostics) as NDJSON')
    .option(
      '--incidents-out <file>',
      'write the incident records (NDJSON, the latest state of each, as ml.incidents holds it)',
    )
    .option(
      '--pages-out <file>',
      "write the tier topics' records (NDJSON): each page (action trigger) and each resolve, as the stream writes them (`notify --from-file` delivers them)",
    )
    .option('--rejects <file>', 'where rejected lines go (default: <out>.rejects.ndjson or ./rejects.ndjson)')
    .addOption(
      new Option(
        '--format <format>',
        'stdout format (default: table on a terminal, ndjson otherwise); csv: one row per alert, see the README',
      ).choices(['ndjson', 'table', 'csv']),
    )
    .option('--top <n>', 'rows in the ranked table', positiveInt, 15)
    .option('--no-progress', 'no progress on stderr (a live line on a terminal, a line every 5 s otherwise)')
    .action(async (opts: ScoreOptions) => {
      exitCode = await scoreCommand(opts, io);
    });

  filterOptions(
    inputOptions(
      program
        .command('explain')
        .summary("alerts' scores taken apart: dimensions, weights, reasons, context, actions")
        .argument(
          '[alert_id]',
          'the alert to explain; without it, the top --top alerts that match the filters',
        )
        .description(
          'Explains one alert, or the highest-priority routed alerts that match the filters, either from a ' +
            'scored NDJSON file (--scored) or by scoring the input files (--alerts, --deploys, --feedback, ' +
            '--config) exactly as `score` would.',
        ),
      false,
    ),
  )
    .option('--scored <file>', 'a ScoredAlert NDJSON file written by `score`')
    .option('--top <n>', 'without an alert id: how many alerts to explain', positiveInt, 5)
    .option('--json', 'print the ScoredAlert (an array of them without an id) as JSON instead of text')
    .action(async (alertId: string | undefined, opts: ExplainOptions) => {
      const { explainCommand } = await import('./cli/explain-command.ts');
      exitCode = await explainCommand(alertId, opts, io);
    });

  filterOptions(
    inputOptions(
      program
        .command('incidents')
        .summary('the incidents of alert files: one row per incident with its models, pages and owner')
        .description(
          'Scores the input files as `score` does and lists the incidents their alerts were grouped into ' +
            '(the latest state of each, as ml.incidents holds it), highest tier and priority first. The filters ' +
            'keep incidents of these tiers, with a member of these models, product areas, regions or segments, ' +
            'whose first to last alert overlaps --since/--until.',
        ),
      true,
    ),
  )
    .addOption(
      new Option('--format <format>', 'table (default) or json (one incident record a line)').choices([
        'table',
        'json',
      ]),
    )
    .option('--top <n>', 'at most this many incidents (default: all)', positiveInt)
    .action(async (opts: IncidentsOptions) => {
      const { incidentsCommand } = await import('./cli/incidents-command.ts');
      exitCode = await incidentsCommand(opts, io);
    });

  inputOptions(
    program
      .command('console')
      .summary('the triage console in the browser, over alert files (offline)')
      .description(
        'Scores the input files as `score` does and serves the triage console on --host:--port: open ' +
          'incidents ranked by priority, the explain view of each, business and technical side by side, ' +
          'filters as URL query parameters (tier, product_area, region, segment, model, signal, since, until, ' +
          'status). Read-only unless ALERT_TRIAGE_CONSOLE_TOKEN is set: then a silence can be created from an ' +
          'incident (with the token), written to --silence-file (default incidents.silence_file, else ' +
          './silences.ndjson). Runs until SIGINT/SIGTERM. See docs/CONSOLE.md.',
      ),
    true,
  )
    .option(
      '--port <port>',
      'port to listen on (0: any free port)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new InvalidArgumentError('must be a port, 0..65535');
        return n;
      },
      8080,
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--silence-file <file>', 'where silences created from the page are written')
    .action(async (opts: import('./cli/console-command.ts').ConsoleOptions) => {
      const { consoleCommand } = await import('./cli/console-command.ts');
      exitCode = await consoleCommand(opts, io);
    });

  program
    .command('silence')
    .summary(
      'add, list or expire silences: on the topic the service reads (--kafka: topics.silences), else in a file',
    )
    .description(
      'alert-triage silence add|list|expire … (see `alert-triage silence --help`). With --kafka the silences are ' +
        'on the compacted topic topics.silences (ml.silences) of the cluster of --config, which the running ' +
        'service reads with kafka.incident_stage; otherwise in an NDJSON file shaped like that topic, which score, ' +
        'incidents and explain apply (--silences). --file names the file (default incidents.silence_file); ' +
        '--config also gives the longest silence accepted (incidents.max_silence).',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runSilenceCommand } = await import('./cli/silence-file-command.ts');
      exitCode = await runSilenceCommand(args, io);
    });

  program
    .command('gate')
    .summary(
      'is this version of a model safe to keep? its alert rate against the version it replaced (a CI/CD step)',
    )
    .description(
      'Scores the files as `score` does, fills the version ledger (who served when, from model_deploy and ' +
        "rollback events; what each version's alerts were per serving hour) and tests the version's alert " +
        'rate per serving hour against its baseline (the version it replaced, or --baseline): the exact ' +
        'conditional test of the Poisson rate ratio on the total and on each signal (docs/GATE.md). Prints the ' +
        'verdict and its evidence; the last line is one JSON object, the answer of GET /v1/gate.',
    )
    .requiredOption('--model <id>', 'the model')
    .requiredOption('--version <v>', 'the version to judge (as model_version and deploy events name it)')
    .option('--baseline <v>', 'the version to compare with (default: the one it replaced)')
    .requiredOption('--alerts <file>', 'AnomalyAlert records (NDJSON), or payloads of --input-format')
    .addOption(
      new Option('--input-format <format>', 'how the alerts file is written (see `score --help`)')
        .choices(INPUT_FORMATS)
        .default('alerttriage'),
    )
    .requiredOption('--deploys <file>', 'DeployEvent records (NDJSON): who served when')
    .option('--feedback <file>', 'AlertFeedback records (NDJSON), as for score')
    .option('--config <file>', 'config file (YAML or JSON): the catalog, and the test (gate.*)')
    .option(
      '--at <time>',
      'judge as of this event time (epoch ms or RFC 3339; default: the latest alert)',
      eventTime,
    )
    .option(
      '--sort-memory <MiB>',
      'an input not in event-time order is sorted in memory up to this size, on disk beyond it',
      positiveNumber,
      128,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 regressed, 3 insufficient evidence, 2 cannot judge (bad option, file or config; ' +
        'unknown model or version).\n\nExample:\n  alert-triage gate --model fraud-scorer --version v43 --alerts alerts.ndjson ' +
        '--deploys deploys.ndjson --config catalog.yaml\n',
    )
    .action(async (opts: GateOptions) => {
      const { gateCommand } = await import('./cli/gate-command.ts');
      exitCode = await gateCommand(opts, io);
    });

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
    .option(
      '--pages-per-day <n>',
      "paging budget: P1+P2 alerts a day the P2 threshold is set to on the training days (default: the starting config's rate there)",
      positiveNumber,
    )
    .option(
      '--p1-per-week <n>',
      "paging budget: P1 alerts a week the P1 threshold is set to on the training days (default: the starting config's rate there)",
      positiveNumber,
    )
    .option(
      '--fit-source-precision',
      'also fit the per-source false-positive term (default: it is set to 0, so the tuned config pages the same whether feedback flows or not)',
    )
    .option(
      '--force',
      'write the tuned config even when it is worse than the starting one on the held-out days',
    )
    .option('--seed <n>', 'seed of the bootstrap intervals', positiveInt, 1)
    .option('--no-progress', 'no progress on stderr')
    .action(async (opts: CalibrateOptions) => {
      const { calibrateCommand } = await import('./cli/calibrate-command.ts');
      const run = await calibrateCommand(opts, io.stdout, io.stderr);
      exitCode = run.written ? EXIT.ok : EXIT.failure;
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
    .option(
      '--timeout <seconds>',
      'give up reaching the broker (and creating the topics) after this long',
      positiveNumber,
      10,
    )
    .action(async (opts: TopicsOptions) => {
      try {
        exitCode = await topicsCommand(opts, io);
      } finally {
        // Done or given up: do not wait for a kafkajs connect that is still retrying in the background.
        setTimeout(() => process.exit(), 200).unref();
      }
    });

  program
    .command('notify')
    .summary(
      "deliver the tier topics' pages to PagerDuty, Opsgenie, Slack or a webhook (retries, rate limits, no duplicates)",
    )
    .description(
      'Consumes the tier topics (notify.tiers of the config; group <kafka.group_id>.notify, read_committed) and ' +
        'delivers each page and resolve to the receivers its route names (notify.routes, else notify.default): ' +
        'PagerDuty Events v2 with the routing key, Opsgenie create / close by alias, a Slack incoming webhook, or ' +
        'the record as it is to a webhook. 429, 5xx and network errors are retried with backoff (Retry-After ' +
        "honoured), other 4xx are not; a record's offset is committed once every delivery is over. The delivery " +
        'log (topics.notify_log, compacted, key <receiver>/<page_id>) is read back at start, so a restart sends ' +
        'nothing twice. Secrets come from the environment variables the receivers name (secret_env, url_env). ' +
        '--from-file delivers the records of an NDJSON file instead (no Kafka), e.g. `score --pages-out`. ' +
        'docs/NOTIFY.md has the details.',
    )
    .option(
      '--config <file>',
      'config file (YAML or JSON) with the notify: block; the environment overrides it as for `run`',
    )
    .option('--from-file <pages.ndjson>', 'deliver the page records of this NDJSON file, not the tier topics')
    .option(
      '--delivery-log <file>',
      'with --from-file: the delivery log (NDJSON), read at start and appended to, so a rerun sends nothing twice',
    )
    .option(
      '--deliver-drills',
      'deliver the records of drills ([DRILL] pages) too; by default they are withheld and counted (drills.deliver)',
    )
    .addHelpText(
      'after',
      '\nExit codes (--from-file): 0 every delivery done, 1 usage/config error, 2 some deliveries failed or records invalid.\n\n' +
        'Examples:\n  PD_KEY_RISK=… alert-triage notify --config notify.yaml\n' +
        '  alert-triage notify --config notify.yaml --from-file pages.ndjson --delivery-log delivered.ndjson\n',
    )
    .action(async (opts: NotifyOptions) => {
      if (opts.deliveryLog && !opts.fromFile) {
        io.stderr.write(
          'alert-triage notify: --delivery-log goes with --from-file (the service keeps its log in topics.notify_log)\n',
        );
        exitCode = EXIT.failure;
        return;
      }
      const { notifyCommand } = await import('./cli/notify-command.ts');
      exitCode = await notifyCommand(opts, io);
      // Stopped (and, on Kafka, out of the group): exit even if a client left a timer behind, as `run` does.
      const code = exitCode;
      if (!opts.fromFile) setTimeout(() => process.exit(code), 2_000).unref();
    });

  program
    .command('drill')
    .summary(
      "produce a labelled drill (one incident's alerts and change events) to a running drill-enabled service",
    )
    .description(
      "Builds one incident's worth of alerts and change events from the sample world's scenarios, on a model " +
        "of the config's catalog, starting now and squeezed --speed times, and produces them to the service's " +
        'input topics (topics.alerts, topics.deployments). Every record carries a `drill` header and label (the ' +
        'drill id) and a drill-… id, so its pages go out marked [DRILL], `notify` withholds them from real ' +
        'pagers (unless --deliver-drills), and the service exports the time to page, to ack (feedback with ' +
        "acked_at on a drill alert) and to resolve against the tier's SLA (alert_triage_drill_* metrics). " +
        'Refused unless the cluster has a service reading those topics that started with drills.enabled: true ' +
        '(it says so on topics.status). The last line on stdout is one JSON object: the drill, and the feedback ' +
        'record that acknowledges it. docs/DRILLS.md has the details.',
    )
    .requiredOption('--scenario <name>', 'bad-deploy, cascade, regression or seasonal-drift')
    .option(
      '--model <id>',
      "the model to drill on, from the config's catalog (default: the scenario's choice, e.g. the most valuable)",
    )
    .option(
      '--config <file>',
      "the service's config (YAML or JSON): catalog, topics, brokers; the environment overrides it",
    )
    .option(
      '--brokers <list>',
      'Kafka bootstrap servers, comma-separated (default: kafka.brokers / KAFKA_BROKERS)',
    )
    .option(
      '--speed <x>',
      "how many times faster than the scenario's own pace (60: an hour in a minute; 1: real time)",
      positiveNumber,
      60,
    )
    .option('--seed <n>', 'seed of the scenario (default: from the clock)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number >= 0');
      return n;
    })
    .option('--dry-run', 'print the records (NDJSON, with topic, key, headers and when) and produce nothing')
    .option('--timeout <seconds>', 'give up reading topics.status after this long', positiveNumber, 15)
    .addHelpText(
      'after',
      '\nScenarios:\n' +
        '  bad-deploy      a model_deploy that degrades the model: performance and prediction-drift alerts (a P1 on a valuable model)\n' +
        '  cascade         a data_pipeline_change on a shared upstream service breaking up to four models at once\n' +
        '  regression      a version raising a trickle of low-severity alerts (P3/P4: a ticket, not a page)\n' +
        '  seasonal-drift  a weekend traffic-mix shift: population-wide drift, no regression (P4 noise; should not page)\n' +
        '\nExit codes: 0 produced (or --dry-run), 1 usage/config error (DRILL_UNKNOWN_SCENARIO, DRILL_UNKNOWN_MODEL, …), ' +
        '3 refused (DRILL_NO_SERVICE, DRILL_NOT_ENABLED, DRILL_NO_INCIDENT_STAGE).\n\n' +
        'Examples:\n  alert-triage drill --scenario bad-deploy --config catalog.yaml\n' +
        '  alert-triage drill --scenario cascade --model fraud-scorer --speed 120 --brokers kafka-1:9092\n' +
        '  alert-triage drill --scenario seasonal-drift --dry-run --seed 7\n',
    )
    .action(async (opts: import('./cli/drill-command.ts').DrillOptions) => {
      const { drillCommand } = await import('./cli/drill-command.ts');
      try {
        exitCode = await drillCommand(opts, io);
      } finally {
        // Done or refused: do not wait for a kafkajs client still winding down.
        if (!opts.dryRun) setTimeout(() => process.exit(), 500).unref();
      }
    });

  return { program, exitCode: () => exitCode };
}

/** Entry point for bin/alert-triage.js; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  io.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok); // the reader went away (e.g. `| head`): not an error
    throw e;
  });
  const { program, exitCode } = buildProgram(io);
  // For the gate, 1 means regressed: its usage, file and config errors exit 2, so a CI step tells them apart.
  const failure = argv[2] === 'gate' ? GATE_UNUSABLE : EXIT.failure;
  try {
    await program.parseAsync(argv);
    return exitCode();
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code?.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : failure;
    }
    if (e instanceof ConfigError || (err.code && err.message)) {
      io.stderr.write(`alert-triage: ${err.message}\n`);
      return failure;
    }
    throw e;
  }
}
