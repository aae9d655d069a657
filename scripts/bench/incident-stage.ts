// The incident stage's cost: `alert-triage run` (a child process) drains the same backlog with
// kafka.incident_stage off and on, interleaved A/B, on the real broker. Timed from the alert group's
// first committed offset to the last alert on ml.alerts.scored (read read_committed by this process),
// with the child's CPU time per alert. With the stage on, the last members wait for the partitions to
// be idle (kafka.max_partition_idle, 10 s): the time to 99% is shown beside the time to 100%.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ensureTopics } from '../../src/adapters/kafka/admin.ts';
import { parseConfig } from '../../src/config.ts';
import { childConfigDoc, freePort } from '../../test/reliability/support.ts';
import { codeVersion, exitWithUsageIfAsked, median, parseArgsOrExit, produceBatched } from './common.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.execPath;
const USAGE = `
Usage: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… npm run bench:incident-stage -- [options]
       KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/incident-stage.ts [options]

What the incident stage (kafka.incident_stage) costs the stream: \`alert-triage run\` drains one generated
backlog with the stage off, on, and on with incidents.upstream_window: null (rule 5's upstream lanes off),
interleaved (medians of --runs): alerts/s from the first commit to the
last scored record (and to 99% of them), and the child's CPU time per alert. Last line: one JSON object.

Options:
  --alerts N        alerts in the backlog (default 50000)
  --partitions N    partitions of the alert topic (default 4)
  --runs N          off/on pairs (default 2)
  --dir DIR         the generated world, configs and child logs (default ${join(tmpdir(), 'alert-triage-incident-bench')})
  -h, --help        print this text and exit

Environment (required): KAFKA_BROKERS, SCHEMA_REGISTRY_URL (bash scripts/infra/infra.sh up).
`;

interface Args {
  alerts: number;
  partitions: number;
  runs: number;
  dir: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    alerts: 50_000,
    partitions: 4,
    runs: 2,
    dir: join(tmpdir(), 'alert-triage-incident-bench'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dir') a.dir = value;
    else if (flag === '--alerts' || flag === '--partitions' || flag === '--runs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not ${value}`);
      a[flag.slice(2) as 'alerts' | 'partitions' | 'runs'] = n;
    } else throw new Error(`unknown flag ${flag}`);
  }
  return a;
}

const TICK = 100; // USER_HZ
function processTicks(pid: number | undefined): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** off: alert by alert; on: the incident stage with the defaults; on-no-upstream: with incidents.upstream_window: null. */
type Stage = 'off' | 'on' | 'on-no-upstream';
const STAGES: readonly Stage[] = ['off', 'on', 'on-no-upstream'];

interface Trial {
  stage: Stage;
  alertsPerSec: number;
  alertsPerSecTo99: number;
  secondsTo99: number;
  secondsTo100: number;
  cpuUsPerAlert: number;
}

async function trial(a: Args, stage: Stage, catalog: Record<string, unknown>, kafka: Kafka): Promise<Trial> {
  const name = `ib-${stage}-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const base = childConfigDoc(name, catalog, {
    partitions: { alerts: a.partitions, deployments: 2, outputs: 2 },
    sessionTimeout: '10s',
    port,
  });
  const doc = {
    ...base,
    kafka: { ...base.kafka, incident_stage: stage !== 'off' },
    ...(stage === 'on-no-upstream'
      ? {
          incidents: { ...(catalog.incidents as Record<string, unknown> | undefined), upstream_window: null },
        }
      : {}),
    log: { level: 'warn' },
  };
  const config = parseConfig(doc);
  const configPath = join(a.dir, `${name}.yaml`);
  writeFileSync(configPath, toYaml(doc));
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  const lines = (f: string) => readFileSync(join(a.dir, f), 'utf8').split('\n').filter(Boolean);
  await produceBatched(
    kafka,
    config.topics.deployments,
    lines('deploys.ndjson').map((l) => ({ key: null, value: Buffer.from(l) })),
  );
  await produceBatched(
    kafka,
    config.topics.alerts,
    lines('alerts.ndjson').map((l) => ({
      key: (JSON.parse(l) as { model_id: string }).model_id,
      value: Buffer.from(l),
    })),
  );
  // The scored topic, read as a pager would read it.
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: `${name}-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topics.scored, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value?.toString('utf8');
      if (v) seen.add((JSON.parse(v) as { alert_id: string }).alert_id);
    },
  });
  const out = openSync(join(a.dir, `${name}.log`), 'a');
  const child: ChildProcess = spawn(
    NODE,
    [join(ROOT, 'bin/alert-triage.js'), 'run', '--config', configPath],
    {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', out, out],
    },
  );
  try {
    let first: { t: number; ticks: number } | undefined;
    let at99: number | undefined;
    const deadline = Date.now() + 900_000;
    for (;;) {
      if (!first) {
        const offsets = await admin.fetchOffsets({ groupId: name, topics: [config.topics.alerts] });
        const committed = offsets[0]?.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) ?? 0;
        if (committed > 0) first = { t: Date.now(), ticks: processTicks(child.pid) };
      }
      if (first && at99 === undefined && seen.size >= a.alerts * 0.99) at99 = Date.now();
      if (first && seen.size >= a.alerts) break;
      if (child.exitCode !== null) throw new Error(`${name}: the service exited (see ${a.dir}/${name}.log)`);
      if (Date.now() > deadline) throw new Error(`${name}: ${seen.size} of ${a.alerts} scored in 15 min`);
      await sleep(100);
    }
    const end = Date.now();
    const cpu = (processTicks(child.pid) - first.ticks) / TICK;
    const s100 = (end - first.t) / 1000;
    const s99 = ((at99 ?? end) - first.t) / 1000;
    return {
      stage,
      alertsPerSec: Math.round(a.alerts / s100),
      alertsPerSecTo99: Math.round((a.alerts * 0.99) / s99),
      secondsTo99: Math.round(s99 * 10) / 10,
      secondsTo100: Math.round(s100 * 10) / 10,
      cpuUsPerAlert: Math.round((cpu * 1e6) / a.alerts),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await consumer.disconnect();
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  exitWithUsageIfAsked(process.argv.slice(2), USAGE);
  const a = parseArgsOrExit('bench:incident-stage', () => parseArgs(process.argv.slice(2)));
  if (!process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
    console.error('bench:incident-stage: KAFKA_BROKERS and SCHEMA_REGISTRY_URL are required (see --help)');
    process.exit(2);
  }
  mkdirSync(a.dir, { recursive: true });
  const gen = spawnSync(
    NODE,
    [join(ROOT, 'scripts/sample/generate-world.ts'), '--alerts-only-count', String(a.alerts), '--out', a.dir],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`generate-world failed: ${gen.stderr}`);
  const catalog = parseYaml(readFileSync(join(a.dir, 'catalog.yaml'), 'utf8')) as Record<string, unknown>;
  const kafka = new Kafka({
    clientId: 'bench-incident-stage',
    brokers: process.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const trials: Trial[] = [];
  for (let r = 0; r < a.runs; r++) {
    // Interleaved, the order rotated each run: no arm always runs first (or last) on a warming machine.
    for (let k = 0; k < STAGES.length; k++) {
      const stage = STAGES[(k + r) % STAGES.length]!;
      const t = await trial(a, stage, catalog, kafka);
      console.log(`bench:incident-stage run ${r + 1} ${JSON.stringify(t)}`);
      trials.push(t);
    }
  }
  const of = (stage: Stage, k: keyof Omit<Trial, 'stage'>) =>
    median(trials.filter((t) => t.stage === stage).map((t) => t[k]));
  const summary = Object.fromEntries(
    STAGES.map((s) => [
      s,
      {
        alerts_per_s: of(s, 'alertsPerSec'),
        alerts_per_s_to_99: of(s, 'alertsPerSecTo99'),
        seconds_to_99: of(s, 'secondsTo99'),
        seconds_to_100: of(s, 'secondsTo100'),
        cpu_us_per_alert: of(s, 'cpuUsPerAlert'),
      },
    ]),
  );
  console.log(
    JSON.stringify({
      bench: 'incident-stage',
      alerts: a.alerts,
      partitions: a.partitions,
      runs: a.runs,
      ...summary,
      ...codeVersion(),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
