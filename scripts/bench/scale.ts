// Benchmark of scale-out on one machine (issue 5, part 5): the same backlog of --alerts alerts drained by
// `alert-triage run` as 1 instance on 1 partition, 2 on 2, 4 on 4 (separate processes, one consumer
// group), and 1 instance on 4 partitions, so the partition count and the instance count are seen apart.
// The 1 × 1 figure is the baseline; the shapes are interleaved (one of each per run), medians of --runs.
//
// Per partition count, the alert backlog and the deploy history are produced once (alerts keyed by
// model, so the partitions get the skew of the models); every trial reads them with a fresh group, and
// writes to fresh output, DLQ, feedback and dedup-changelog topics (the changelog is read back whole at
// start, so a trial must not inherit the last one's).
//
// Rates: "steady" counts from the last rebalance (the last 'joined the alert consumer group' log line of
// any instance, every instance then holding its final partitions) to every partition committed to its
// end; "overall" counts from the first spawn. CPU per instance and of the broker come from /proc.
//
//   KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/scale.ts [--alerts 100000] [--models 1000]
//        [--deploys 20000] [--runs 2] [--shapes 1x1,2x2,4x4,1x4] [--profile <dir>]
//        [--dir <tmp>/alert-triage-scale-bench]
//
// --profile runs the first instance of every trial under `node --cpu-prof` (scripts/bench/profile-summary.ts).
//
// The broker's CPU is that of the process listening on the first broker's port (found through
// /proc/net/tcp; n/a if it is not on this machine). The last line of stdout is one JSON object.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';
import { stringify as toYaml } from 'yaml';
import { ensureTopics } from '../../src/adapters/kafka/admin.ts';
import { parseConfig } from '../../src/config.ts';
import { Rng } from '../../src/sample/prng.ts';
import { uniqueTopics } from '../../test/integration/harness.ts';
import { childConfigDoc, freePort } from '../../test/reliability/support.ts';
import { codeVersion, exitWithUsageIfAsked, median, parseArgsOrExit, produceBatched } from './common.ts';
import { alertLine, buildCatalog, deployLine } from './core.ts';

const DEFAULT_DIR = join(tmpdir(), 'alert-triage-scale-bench');
const USAGE = `
Usage: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… npm run bench:scale -- [options]
       KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/scale.ts [options]

Scale-out on one machine: the same backlog of --alerts alerts drained by \`alert-triage run\` as
INSTANCES processes (one consumer group) on PARTITIONS partitions, per shape; 1x1 is the baseline.
Shapes interleaved once per run, medians of --runs: alerts/s from the last rebalance ("steady") and
from the first spawn ("overall"), CPU per instance and of the broker. Last line of stdout: one JSON object.

Options (positive whole numbers unless noted):
  --alerts N      alerts in the backlog (default 100000)
  --models N      models in the generated catalog (default 1000)
  --deploys N     deploy events in the deploy history (default 20000)
  --runs N        runs of every shape, medians reported (default 2)
  --shapes S,…    INSTANCESxPARTITIONS list (default 1x1,2x2,4x4,1x4)
  --profile DIR   run each trial's first instance under node --cpu-prof, profiles into DIR (default off)
  --dir DIR       configs and child logs (default ${DEFAULT_DIR})
  -h, --help      print this text and exit

Environment (required): KAFKA_BROKERS, SCHEMA_REGISTRY_URL of a Kafka and a registry of your own
(bash scripts/infra/infra.sh up; export $(bash scripts/infra/infra.sh env)).
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.execPath;
const HOUR = 3_600_000;
const TICK = 100; // USER_HZ

interface Shape {
  instances: number;
  partitions: number;
}
interface Args {
  alerts: number;
  models: number;
  deploys: number;
  runs: number;
  shapes: Shape[];
  dir: string;
  /** Run instance 0 of each trial under `node --cpu-prof`, profiles written here. */
  profile: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    alerts: 100_000,
    models: 1_000,
    deploys: 20_000,
    runs: 2,
    shapes: parseShapes('1x1,2x2,4x4,1x4'),
    dir: DEFAULT_DIR,
    profile: undefined,
  };
  const flags = ['--alerts', '--models', '--deploys', '--runs', '--shapes', '--profile', '--dir'];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flags.includes(flag)) throw new Error(`unknown argument ${flag}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--shapes') a.shapes = parseShapes(v);
    else if (flag === '--dir') a.dir = resolve(v);
    else if (flag === '--profile') a.profile = resolve(v);
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${v}`);
      if (flag === '--alerts') a.alerts = n;
      else if (flag === '--models') a.models = n;
      else if (flag === '--deploys') a.deploys = n;
      else if (flag === '--runs') a.runs = n;
      else throw new Error(`unknown argument ${flag}`);
    }
  }
  return a;
}

function parseShapes(v: string): Shape[] {
  return v.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--shapes: INSTANCESxPARTITIONS, e.g. 2x2; got ${s}`);
    return { instances: Number(m[1]), partitions: Number(m[2]) };
  });
}
const shapeName = (s: Shape) => `${s.instances}x${s.partitions}`;

const BROKERS = process.env.KAFKA_BROKERS;
const REGISTRY = process.env.SCHEMA_REGISTRY_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`${s}\n`);
const kafka = () =>
  new Kafka({ clientId: 'bench-scale', brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING });
const r2 = (x: number) => Math.round(x * 100) / 100;

// ── CPU accounting from /proc ────────────────────────────────────────────────────────────────────

function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}
const NCPU = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1;
function processTicks(pid: number | undefined): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
/** The process listening on the first broker's port (several brokers may run on this machine). */
function brokerPid(): number | undefined {
  const port = Number(BROKERS?.split(',')[0]?.split(':').at(-1));
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the tenth field.
      if (f[3] === '0A' && Number.parseInt(f[1]?.split(':')[1] ?? '', 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        // gone
      }
    }
  }
  return undefined;
}

// ── inputs, shared per partition count ───────────────────────────────────────────────────────────

/** Topic creation on a busy broker: kafkajs' wait for leaders can give up early; try again. */
async function retried<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log(`retrying after: ${(err as Error).message}`);
      await sleep(1_000 * i);
    }
  }
}

interface Inputs {
  catalog: Record<string, unknown>;
  deploys: Message[];
  alerts: Message[];
  meanAlertBytes: number;
}

/** Deploys over [now − 23 h, now − 1.5 h], alerts over the last 1.5 h: all inside the 24 h default. */
function makeInputs(a: Args): Inputs {
  const rng = new Rng(3);
  const catalog = buildCatalog(rng.fork('catalog'), a.models);
  const now = Date.now();
  const dRng = rng.fork('deploys');
  const deploys: Message[] = [];
  for (let i = 0; i < a.deploys; i++) {
    const t = Math.floor(now - 23 * HOUR + (i * 21.5 * HOUR) / a.deploys);
    const value = deployLine(dRng, i, t, a.models);
    deploys.push({ key: (JSON.parse(value) as { model_id?: string }).model_id ?? null, value });
  }
  const aRng = rng.fork('alerts');
  const alerts: Message[] = [];
  let bytes = 0;
  for (let i = 0; i < a.alerts; i++) {
    const t = Math.floor(now - 1.5 * HOUR + (i * 1.5 * HOUR - 60_000) / a.alerts);
    const value = alertLine(aRng, i, t, a.models);
    bytes += value.length;
    alerts.push({ key: (JSON.parse(value) as { model_id: string }).model_id, value });
  }
  return { catalog, deploys, alerts, meanAlertBytes: Math.round(bytes / a.alerts) };
}

interface Shared {
  prefix: string;
  partitions: number;
  alerts: string;
  deployments: string;
  perPartition: number[];
}

async function sharedTopics(admin: Admin, inputs: Inputs, partitions: number): Promise<Shared> {
  const prefix = `sc-${randomBytes(3).toString('hex')}-p${partitions}`;
  const alerts = `${prefix}.anomalies`;
  const deployments = `${prefix}.deployments`;
  await retried(async () => {
    const have = new Set(await admin.listTopics());
    const topics = [
      { topic: alerts, numPartitions: partitions, replicationFactor: 1 },
      { topic: deployments, numPartitions: 1, replicationFactor: 1 },
    ].filter((t) => !have.has(t.topic));
    if (topics.length) await admin.createTopics({ topics, waitForLeaders: true });
  });
  await produceBatched(kafka(), deployments, inputs.deploys);
  await produceBatched(kafka(), alerts, inputs.alerts);
  const highs = await admin.fetchTopicOffsets(alerts);
  const perPartition = highs.sort((x, y) => x.partition - y.partition).map((h) => Number(h.high));
  return { prefix, partitions, alerts, deployments, perPartition };
}

// ── one trial ────────────────────────────────────────────────────────────────────────────────────

interface Trial {
  shape: string;
  alerts: number;
  steadyAlertsPerSec: number;
  overallAlertsPerSec: number;
  /** Seconds from the first spawn to the last rebalance, and to drained. */
  lastJoinSeconds: number;
  drainedSeconds: number;
  /** Alerts committed before the last rebalance (processed by fewer members than the shape). */
  committedBeforeLastJoin: number;
  instanceCores: number[];
  /** Alerts per CPU-second of the instances together: the cost per alert, whatever share they got. */
  alertsPerInstanceCpuSecond: number;
  brokerCores: number | null;
  machineCores: number;
  loadavg1: number;
  dlq: number;
}

async function committed(admin: Admin, group: string, topic: string): Promise<number> {
  const c = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (c[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

async function trial(a: Args, admin: Admin, inputs: Inputs, shared: Shared, shape: Shape): Promise<Trial> {
  const id = `${shared.prefix}-${shapeName(shape)}-${randomBytes(3).toString('hex')}`;
  const topics: Record<string, string> = {
    ...uniqueTopics(id),
    alerts: shared.alerts,
    deployments: shared.deployments,
  };
  const p = shared.partitions;
  const base = childConfigDoc(
    id,
    { models: inputs.catalog },
    {
      topics,
      partitions: { alerts: p, deployments: 1, outputs: p },
      sessionTimeout: '10s',
    },
  );
  await retried(() => ensureTopics(admin, parseConfig(base)));
  const end = shared.perPartition.reduce((s, x) => s + x, 0);
  const children: { proc: ChildProcess; log: string; exited: Promise<unknown> }[] = [];
  const m0 = machineTicks();
  const broker = brokerPid();
  const b0 = processTicks(broker);
  const started = performance.now();
  const startedAt = Date.now();
  for (let i = 0; i < shape.instances; i++) {
    const port = await freePort();
    const configPath = join(a.dir, `${id}-${i}.yaml`);
    writeFileSync(
      configPath,
      toYaml({ ...base, kafka: { ...base.kafka, instance_id: `${id}-${i}` }, http: { port } }),
    );
    const logFile = join(a.dir, `${id}-${i}.log`);
    const out = openSync(logFile, 'a');
    const prof =
      a.profile && i === 0
        ? ['--cpu-prof', '--cpu-prof-dir', a.profile, '--cpu-prof-name', `${id}-${i}.cpuprofile`]
        : [];
    const proc = spawn(NODE, [...prof, join(ROOT, 'bin/alert-triage.js'), 'run', '--config', configPath], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_BROKERS: BROKERS, SCHEMA_REGISTRY_URL: REGISTRY },
      stdio: ['ignore', out, out],
    });
    children.push({ proc, log: logFile, exited: new Promise((r) => proc.once('exit', r)) });
  }
  const c0 = children.map((c) => processTicks(c.proc.pid));
  // Progress every 200 ms until every partition is committed to its end.
  const samples: { t: number; done: number }[] = [];
  let cpu: number[] = c0.map(() => 0);
  for (;;) {
    const done = await committed(admin, id, shared.alerts).catch(() => -1);
    const t = (performance.now() - started) / 1000;
    if (done >= 0) samples.push({ t, done });
    cpu = children.map((c, i) => processTicks(c.proc.pid) - c0[i]!);
    if (done >= end) break;
    if (children.some((c) => c.proc.exitCode !== null))
      throw new Error(`an instance exited; logs ${id}-*.log`);
    if (t > 900) throw new Error(`not drained after 900 s (${done}/${end})`);
    await sleep(200);
  }
  const drainedSeconds = (performance.now() - started) / 1000;
  const machine = machineTicks();
  const brokerTicks = broker ? processTicks(broker) - b0 : null;
  // The last rebalance, from the instances' logs (pino epoch ms).
  let lastJoin = 0;
  for (const c of children) {
    for (const line of readFileSync(c.log, 'utf8').split('\n')) {
      if (!line.includes('joined the alert consumer group')) continue;
      try {
        lastJoin = Math.max(lastJoin, (JSON.parse(line) as { time: number }).time);
      } catch {
        // not a log record
      }
    }
  }
  const lastJoinSeconds = lastJoin ? (lastJoin - startedAt) / 1000 : 0;
  // Committed at the last join: the last sample at or before it.
  const before = samples.filter((s) => s.t <= lastJoinSeconds).at(-1)?.done ?? 0;
  await Promise.all(
    children.map(async (c) => {
      c.proc.kill('SIGTERM');
      const k = setTimeout(() => c.proc.kill('SIGKILL'), 30_000);
      await c.exited;
      clearTimeout(k);
    }),
  );
  const dlq = (await admin.fetchTopicOffsets(topics.dlq!)).reduce((s, h) => s + Number(h.high), 0);
  await admin
    .deleteTopics({
      topics: Object.entries(topics)
        .filter(([k]) => k !== 'alerts' && k !== 'deployments')
        .map(([, v]) => v),
    })
    .catch(() => undefined);
  return {
    shape: shapeName(shape),
    alerts: end,
    steadyAlertsPerSec: Math.round((end - before) / Math.max(0.001, drainedSeconds - lastJoinSeconds)),
    overallAlertsPerSec: Math.round(end / drainedSeconds),
    lastJoinSeconds: r2(lastJoinSeconds),
    drainedSeconds: r2(drainedSeconds),
    committedBeforeLastJoin: before,
    instanceCores: cpu.map((t) => r2(t / TICK / drainedSeconds)),
    alertsPerInstanceCpuSecond: Math.round(end / Math.max(0.01, cpu.reduce((x, t) => x + t, 0) / TICK)),
    brokerCores: brokerTicks === null ? null : r2(brokerTicks / TICK / drainedSeconds),
    machineCores: r2(((machine.busy - m0.busy) / Math.max(1, machine.total - m0.total)) * NCPU),
    loadavg1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    dlq,
  };
}

async function main(): Promise<void> {
  const a = parseArgsOrExit('bench:scale', () => parseArgs(process.argv.slice(2)));
  if (!BROKERS || !REGISTRY) throw new Error('KAFKA_BROKERS and SCHEMA_REGISTRY_URL must be set');
  mkdirSync(a.dir, { recursive: true });
  if (a.profile) mkdirSync(a.profile, { recursive: true });
  const admin = kafka().admin();
  await admin.connect();
  const inputs = makeInputs(a);
  const shared = new Map<number, Shared>();
  for (const p of new Set(a.shapes.map((s) => s.partitions))) {
    const s = await sharedTopics(admin, inputs, p);
    shared.set(p, s);
    log(`inputs for ${p} partition(s): ${s.prefix}.* — alerts per partition ${s.perPartition.join(' / ')}`);
  }
  log(
    `scale bench: node ${process.version}, ${a.alerts} alerts (${inputs.meanAlertBytes} B each), ${a.deploys} deploys, ` +
      `${a.models} models, ${NCPU} cores, broker pid ${brokerPid() ?? 'unknown'}, ${a.runs} run(s) of ${a.shapes.map(shapeName).join(', ')}`,
  );
  const trials: Trial[] = [];
  for (let r = 1; r <= a.runs; r++) {
    for (const shape of a.shapes) {
      const t = await trial(a, admin, inputs, shared.get(shape.partitions)!, shape);
      trials.push(t);
      log(
        `run ${r}: ${t.shape.padEnd(4)} steady ${String(t.steadyAlertsPerSec).padStart(6)} alerts/s, overall ${String(t.overallAlertsPerSec).padStart(6)}/s ` +
          `(last join ${t.lastJoinSeconds} s with ${t.committedBeforeLastJoin} done, drained ${t.drainedSeconds} s) | ` +
          `cores: instances ${t.instanceCores.join('+')} (${t.alertsPerInstanceCpuSecond} alerts/cpu-s), broker ${t.brokerCores ?? 'n/a'}, machine ${t.machineCores}; loadavg ${t.loadavg1}; dlq ${t.dlq}`,
      );
    }
  }
  const shapes = a.shapes.map((shape) => {
    const ts = trials.filter((t) => t.shape === shapeName(shape));
    return {
      shape: shapeName(shape),
      instances: shape.instances,
      partitions: shape.partitions,
      steady_alerts_per_sec: Math.round(median(ts.map((t) => t.steadyAlertsPerSec))),
      overall_alerts_per_sec: Math.round(median(ts.map((t) => t.overallAlertsPerSec))),
      drained_seconds: r2(median(ts.map((t) => t.drainedSeconds))),
      instance_cores_total: r2(median(ts.map((t) => t.instanceCores.reduce((s, x) => s + x, 0)))),
      alerts_per_instance_cpu_second: Math.round(median(ts.map((t) => t.alertsPerInstanceCpuSecond))),
      broker_cores: ts.every((t) => t.brokerCores !== null)
        ? r2(median(ts.map((t) => t.brokerCores!)))
        : null,
      machine_cores: r2(median(ts.map((t) => t.machineCores))),
      loadavg1: r2(median(ts.map((t) => t.loadavg1))),
    };
  });
  const baseline = shapes.find((s) => s.shape === '1x1');
  const table = shapes.map((s) => ({
    ...s,
    ratio_to_1x1: baseline ? r2(s.steady_alerts_per_sec / baseline.steady_alerts_per_sec) : null,
  }));
  for (const s of table)
    log(
      `median ${s.shape.padEnd(4)} steady ${s.steady_alerts_per_sec} alerts/s (${s.ratio_to_1x1 ?? '?'}× 1x1), overall ${s.overall_alerts_per_sec}/s, ` +
        `instances ${s.instance_cores_total} cores (${s.alerts_per_instance_cpu_second} alerts/cpu-s), broker ${s.broker_cores ?? 'n/a'}, machine ${s.machine_cores} of ${NCPU}`,
    );
  for (const s of shared.values())
    await admin.deleteTopics({ topics: [s.alerts, s.deployments] }).catch(() => undefined);
  await admin.disconnect();
  const result = {
    bench: 'scale',
    ...codeVersion(),
    node: process.version,
    cores: NCPU,
    alerts: a.alerts,
    mean_alert_bytes: inputs.meanAlertBytes,
    deploys: a.deploys,
    models: a.models,
    runs: a.runs,
    alerts_per_partition: Object.fromEntries([...shared].map(([p, s]) => [p, s.perPartition])),
    shapes: table,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
