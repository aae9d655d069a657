// Benchmark of the stream service's start-up (issue 5, part 4): time from spawning
// `alert-triage run` to its /readyz answering 200, with --deploys deploy events (100,000 by default)
// spread over the last 24 h in the deployments topic, to be read back into the deploy window. The
// event times and the record timestamps lie within the default deploy_retention (24 h), so the
// service's by-timestamp start finds all of them.
//
// In the same run, interleaved, medians of --runs:
//   - node alone: `alert-triage --help` (node start-up and the CLI's imports), spawn to exit;
//   - baseline: a plain kafkajs consumer (scripts/bench/plain-consumer.ts) reading the same records of
//     the same topic, spawn to exit;
//   - the service on an empty deployments topic (the fixed part: registry, groups, producers);
//   - the service with the --deploys records to rebuild, its config as YAML and (the same) as JSON.
//
//   KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/startup.ts [--deploys 100000]
//        [--models 10000] [--partitions 1] [--runs 3] [--changelog 0] [--profile <dir>] [--keep]
//        [--dir <tmp>/alert-triage-startup-bench]
//
// --changelog N also times a start (deployments empty) whose dedup changelog holds N entries to restore.
// --passed N also times a start whose changelog has seen N fingerprints come and go (each entry, then
// the tombstone the service writes when it expires), once the broker has compacted it: the restart
// after a long history, to set beside the start on a fresh (empty) changelog.
// --keep leaves the topics in place.
//
// --profile runs the service child under `node --cpu-prof` (once more, after the timed runs;
// summarize with scripts/bench/profile-summary.ts). The last line of stdout is one JSON object.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';
import { stringify as toYaml } from 'yaml';
import { ensureTopics } from '../../src/adapters/kafka/admin.ts';
import { parseConfig } from '../../src/config.ts';
import { Rng } from '../../src/sample/prng.ts';
import { uniqueTopics } from '../../test/integration/harness.ts';
import { freePort } from '../../test/reliability/support.ts';
import { codeVersion, exitWithUsageIfAsked, median, parseArgsOrExit } from './common.ts';
import { buildCatalog, deployLine } from './core.ts';

const DEFAULT_DIR = join(tmpdir(), 'alert-triage-startup-bench');
const USAGE = `
Usage: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… npm run bench:startup -- [options]
       KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/startup.ts [options]

The stream service's start-up: spawn of \`alert-triage run\` to /readyz answering 200, with --deploys
deploy events of the last 24 h to read back into the deploy window, its config as YAML and as JSON.
Interleaved in the same run (medians of --runs): \`alert-triage --help\`, \`topics --dry-run\`, a plain
kafkajs consumer reading the same records (scripts/bench/plain-consumer.ts), and the service on an
empty deployments topic. Last line of stdout: one JSON object.

Options (positive whole numbers unless noted):
  --deploys N     deploy events to rebuild the window from (default 100000)
  --models N      models in the generated catalog (default 10000)
  --partitions N  partitions of the deployments topic (default 1)
  --runs N        runs of each measurement, medians reported (default 3)
  --changelog N   also time a start restoring N dedup-changelog entries (default: not timed)
  --passed N      also time a start after N fingerprints were written and tombstoned, compacted
  --profile DIR   one more, profiled start under node --cpu-prof, profile into DIR (default off)
  --keep          leave the bench's topics in place (default: deleted at the end)
  --dir DIR       configs and child logs (default ${DEFAULT_DIR})
  -h, --help      print this text and exit

Environment (required): KAFKA_BROKERS, SCHEMA_REGISTRY_URL of a Kafka and a registry of your own
(bash scripts/infra/infra.sh up; export $(bash scripts/infra/infra.sh env)).
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.execPath;
const FLOOR_SECONDS = 10;
const HOUR = 3_600_000;

interface Args {
  deploys: number;
  models: number;
  partitions: number;
  runs: number;
  /** Also time a start with this many dedup-changelog records to restore (0: skipped). */
  changelog: number;
  /** Also time a start after this many fingerprints passed through the changelog, compacted (0: skipped). */
  passed: number;
  profile: string | undefined;
  keep: boolean;
  dir: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    deploys: 100_000,
    models: 10_000,
    partitions: 1,
    runs: 3,
    changelog: 0,
    passed: 0,
    profile: undefined,
    keep: false,
    dir: DEFAULT_DIR,
  };
  const valued = [
    '--deploys',
    '--models',
    '--partitions',
    '--runs',
    '--changelog',
    '--passed',
    '--profile',
    '--dir',
  ];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--keep') {
      a.keep = true;
      continue;
    }
    if (!valued.includes(flag)) throw new Error(`unknown argument ${flag}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--profile') a.profile = resolve(v);
    else if (flag === '--dir') a.dir = resolve(v);
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${v}`);
      if (flag === '--deploys') a.deploys = n;
      else if (flag === '--models') a.models = n;
      else if (flag === '--partitions') a.partitions = n;
      else if (flag === '--runs') a.runs = n;
      else if (flag === '--changelog') a.changelog = n;
      else if (flag === '--passed') a.passed = n;
      else throw new Error(`unknown argument ${flag}`);
    }
  }
  return a;
}

const BROKERS = process.env.KAFKA_BROKERS;
const REGISTRY = process.env.SCHEMA_REGISTRY_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`${s}\n`);
const kafka = () =>
  new Kafka({ clientId: 'bench-startup', brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING });

// ── machine load over one measurement ────────────────────────────────────────────────────────────

function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: f.reduce((s, x) => s + x, 0) - idle, total: f.reduce((s, x) => s + x, 0) };
}
const NCPU = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1;
/** Cores busy on the whole machine between the call and the returned function's call. */
function loadMeter(): () => number {
  const m0 = machineTicks();
  return () => {
    const m1 = machineTicks();
    return Math.round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * NCPU * 100) / 100;
  };
}
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

// ── setup ────────────────────────────────────────────────────────────────────────────────────────

interface World {
  id: string;
  topics: Record<string, string>;
  doc: Record<string, unknown>;
}

/** Topics of their own (deploy_retention left at its 24 h default), the catalog, a config template. */
async function makeWorld(a: Args, admin: Admin, catalog: Record<string, unknown>): Promise<World> {
  const id = `st-${randomBytes(4).toString('hex')}`;
  const topics = uniqueTopics(id);
  const doc = {
    models: catalog,
    topics,
    kafka: {
      brokers: BROKERS!.split(','),
      partitions: {
        alerts: 1,
        deployments: a.partitions,
        feedback: 1,
        outputs: 1,
        dlq: 1,
      },
      max_watermark_wait: '20s',
      session_timeout: '10s',
    },
    registry: { url: REGISTRY! },
    log: { level: 'info' },
  };
  const config = parseConfig({ ...doc, kafka: { ...doc.kafka, group_id: id } });
  await retried(() => ensureTopics(admin, config));
  return { id, topics, doc };
}

/** --deploys events, evenly over [now − 23.5 h, now − 1 min], each record stamped with its event time. */
async function produceDeploys(a: Args, topic: string): Promise<{ bytes: number; seconds: number }> {
  const rng = new Rng(1).fork('deploys');
  const now = Date.now();
  const from = now - 23.5 * HOUR;
  const span = 23.5 * HOUR - 60_000;
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  let batch: Message[] = [];
  let size = 0;
  let bytes = 0;
  for (let i = 0; i < a.deploys; i++) {
    const t = Math.floor(from + (i * span) / a.deploys);
    const value = deployLine(rng, i, t, a.models);
    const key = (JSON.parse(value) as { model_id?: string; service?: string }).model_id ?? null;
    batch.push({ key, value, timestamp: String(t) });
    size += value.length + 80;
    bytes += value.length;
    if (size > 700_000) {
      await producer.send({ topic, messages: batch });
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch });
  await producer.disconnect();
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/** --changelog dedup entries under distinct fingerprints, last seen within the last hour. */
async function produceChangelog(a: Args, topic: string): Promise<void> {
  const rng = new Rng(2).fork('changelog');
  const now = Date.now();
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let batch: Message[] = [];
  for (let i = 0; i < a.changelog; i++) {
    const last = now - rng.int(0, HOUR - 1);
    const entry = { first_seen: last - rng.int(0, HOUR), last_seen: last, occurrences: rng.int(1, 40) };
    const routed = rng.chance(0.5)
      ? { routed_tier: rng.pick(['P1', 'P2', 'P3', 'P4']), routed_at: last }
      : {};
    batch.push({ key: rng.hex(16), value: JSON.stringify({ ...entry, ...routed }) });
    if (batch.length === 2_000) {
      await producer.send({ topic, messages: batch });
      batch = [];
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch });
  await producer.disconnect();
}

/**
 * --passed fingerprints through a changelog: each one's entry, then its tombstone (what the service
 * writes when an episode expires), then compaction. The bench's topic gets configs that let the log
 * cleaner run within seconds (the product's are an hour: segment.ms, delete.retention.ms); the wait
 * ends when a read of the topic finds at most 2 % of them (or 10,000) left. Returns the records left and
 * the wait.
 */
async function producePassed(
  a: Args,
  admin: Admin,
  topic: string,
): Promise<{ left: number; seconds: number }> {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: 2, // ConfigResourceTypes.TOPIC (not a named export of the CommonJS module)
        name: topic,
        // AlterConfigs replaces a topic's whole config: the compaction policy must be restated.
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '2000' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          { name: 'min.compaction.lag.ms', value: '0' },
          { name: 'delete.retention.ms', value: '1000' },
        ],
      },
    ],
  });
  const rng = new Rng(3).fork('passed');
  const now = Date.now();
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const keys: string[] = [];
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length > 0) await producer.send({ topic, messages: batch });
    batch = [];
  };
  for (let i = 0; i < a.passed; i++) {
    const key = rng.hex(16);
    keys.push(key);
    const last = now - 3 * HOUR + rng.int(0, HOUR);
    batch.push({ key, value: JSON.stringify({ first_seen: last, last_seen: last, occurrences: 1 }) });
    if (batch.length === 2_000) {
      await flush();
      // The tombstones of an earlier slice: their episodes expired while later ones were written.
      for (const k of keys.splice(0, 1_000)) batch.push({ key: k, value: null });
      await flush();
    }
  }
  await flush();
  for (const k of keys.splice(0)) {
    batch.push({ key: k, value: null });
    if (batch.length === 2_000) await flush();
  }
  await flush();
  const started = performance.now();
  // Then the steady traffic of a running service: a few new episodes and expiries every few seconds,
  // so the log stays dirty enough for the cleaner to run again and drop the tombstones it kept.
  const target = Math.max(10_000, Math.floor(a.passed * 0.02));
  let left = Number.POSITIVE_INFINITY;
  for (let round = 0; performance.now() - started < 600_000; round++) {
    await sleep(5_000);
    const churn = Array.from({ length: 500 }, () => rng.hex(16));
    await producer.send({
      topic,
      messages: churn.map((key) => ({
        key,
        value: JSON.stringify({ first_seen: now, last_seen: now, occurrences: 1 }),
      })),
    });
    await producer.send({ topic, messages: churn.map((key) => ({ key, value: null })) });
    if (round % 3 !== 2) continue;
    left = await countRecords(topic);
    if (left <= target) break;
  }
  await producer.disconnect();
  return { left, seconds: (performance.now() - started) / 1000 };
}

/** Records a reader finds in a topic now (values and tombstones). */
async function countRecords(topic: string): Promise<number> {
  const consumer = kafka().consumer({ groupId: `bench-count-${randomBytes(4).toString('hex')}` });
  let n = 0;
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      n += batch.messages.length;
      last = Date.now();
    },
  });
  while (Date.now() - last < 2_000) await sleep(200);
  await consumer.disconnect();
  return n;
}

// ── the measured things ─────────────────────────────────────────────────────────────────────────

interface Timed {
  seconds: number;
  machineCores: number;
  loadavg1: number;
}

function spawnLogged(argv: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(NODE, argv, {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: BROKERS, SCHEMA_REGISTRY_URL: REGISTRY },
    stdio: ['ignore', out, out],
  });
}

/** Spawn to exit (status 0 required). */
async function timeToExit(argv: string[], logFile: string): Promise<Timed> {
  const meter = loadMeter();
  const started = performance.now();
  const child = spawnLogged(argv, logFile);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code} (log: ${logFile})`);
  return { seconds, machineCores: meter(), loadavg1: loadavg() };
}

async function ready(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Spawn of `alert-triage run` to /readyz 200 (polled every 20 ms); then SIGTERM. */
async function timeToReady(
  a: Args,
  w: World,
  deployments: string,
  tag: string,
  nodeFlags: string[] = [],
  format: 'yaml' | 'json' = 'yaml',
): Promise<Ready> {
  const port = await freePort();
  const group = `${w.id}-${tag}`;
  const doc = {
    ...w.doc,
    topics: { ...w.topics, deployments },
    kafka: { ...(w.doc.kafka as object), group_id: group, transactional_id_prefix: group, client_id: group },
    http: { port },
  };
  const configPath = join(a.dir, `${group}.${format}`);
  writeFileSync(configPath, format === 'json' ? JSON.stringify(doc) : toYaml(doc));
  const meter = loadMeter();
  const started = performance.now();
  const spawnedAt = Date.now();
  const logFile = join(a.dir, `${group}.log`);
  const child = spawnLogged(
    [...nodeFlags, join(ROOT, 'bin/alert-triage.js'), 'run', '--config', configPath],
    logFile,
  );
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  for (;;) {
    if (await ready(port)) break;
    if (exited !== undefined) throw new Error(`alert-triage run exited with ${exited} before ready`);
    if (performance.now() - started > 300_000) throw new Error('not ready after 300 s');
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  const machineCores = meter();
  const details = await fetch(`http://127.0.0.1:${port}/readyz`)
    .then((r) => r.json())
    .catch(() => undefined);
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  if (exited === undefined) await new Promise((r) => child.once('exit', r));
  clearTimeout(kill);
  return { seconds, machineCores, loadavg1: loadavg(), details, phases: phasesOf(logFile, spawnedAt) };
}

interface Phases {
  /** Spawn to 'alert-triage starting': node, the imports, the config loaded and validated, HTTP up. */
  configured: number | null;
  /** Spawn to 'alert-triage running': StreamService.start() returned (registry, readers, groups). */
  started: number | null;
  /** Spawn to 'joined the alert consumer group'. */
  joined: number | null;
}
type Ready = Timed & { details: unknown; phases: Phases };

/** The service's own log lines (pino, epoch ms), seconds after the spawn. */
function phasesOf(logFile: string, spawnedAt: number): Phases {
  const at: Record<string, number> = {};
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as { msg?: string; time?: number };
      if (r.msg && r.time && at[r.msg] === undefined) at[r.msg] = r.time;
    } catch {
      // not a log record
    }
  }
  const s = (msg: string) => (at[msg] === undefined ? null : r2((at[msg]! - spawnedAt) / 1000));
  return {
    configured: s('alert-triage starting'),
    started: s('alert-triage running'),
    joined: s('joined the alert consumer group'),
  };
}

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

function medianPhases(rs: Ready[]): Phases {
  const m = (k: keyof Phases) => {
    const xs = rs.flatMap((r) => (r.phases[k] === null ? [] : [r.phases[k]!]));
    return xs.length ? r2(median(xs)) : null;
  };
  return { configured: m('configured'), started: m('started'), joined: m('joined') };
}
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const a = parseArgsOrExit('bench:startup', () => parseArgs(process.argv.slice(2)));
  if (!BROKERS || !REGISTRY) throw new Error('KAFKA_BROKERS and SCHEMA_REGISTRY_URL must be set');
  mkdirSync(a.dir, { recursive: true });
  if (a.profile) mkdirSync(a.profile, { recursive: true });
  const admin = kafka().admin();
  await admin.connect();
  const catalog = buildCatalog(new Rng(1).fork('catalog'), a.models);
  const w = await makeWorld(a, admin, catalog);
  const empty = `${w.id}.deployments-empty`;
  await retried(async () => {
    if ((await admin.listTopics()).includes(empty)) return;
    await admin.createTopics({
      topics: [{ topic: empty, numPartitions: a.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });
  const produced = await produceDeploys(a, w.topics.deployments!);
  // A second world whose deployments are empty and whose dedup changelog holds --changelog entries.
  const wc = a.changelog > 0 ? await makeWorld(a, admin, catalog) : undefined;
  if (wc) await produceChangelog(a, wc.topics.dedup_changelog!);
  // A third world whose changelog has seen --passed fingerprints come and go, compacted.
  const wp = a.passed > 0 ? await makeWorld(a, admin, catalog) : undefined;
  const compacted = wp ? await producePassed(a, admin, wp.topics.dedup_changelog!) : undefined;
  if (compacted)
    log(
      `${a.passed} fingerprints written and tombstoned; compacted to ${compacted.left} records in ${compacted.seconds.toFixed(0)} s`,
    );
  log(
    `startup bench: node ${process.version}, ${a.deploys} deploys (${(produced.bytes / 2 ** 20).toFixed(1)} MiB of values, ` +
      `produced in ${produced.seconds.toFixed(1)} s) over the last 23.5 h in ${a.partitions} partition(s), ` +
      `${a.models} models, ${a.runs} run(s); topics ${w.id}.*`,
  );
  const logFile = (name: string) => join(a.dir, `${w.id}-${name}.log`);
  // The config alone: `topics --dry-run` loads and validates the same file, prints, exits.
  const dryConfig = join(a.dir, `${w.id}-dry-run.yaml`);
  writeFileSync(dryConfig, toYaml({ ...w.doc, kafka: { ...(w.doc.kafka as object), group_id: w.id } }));
  const dry: Timed[] = [];
  const help: Timed[] = [];
  const plain: Timed[] = [];
  const idle: Ready[] = [];
  const full: Ready[] = [];
  const fullJson: Ready[] = [];
  const withChangelog: Ready[] = [];
  const withPassed: Ready[] = [];
  const plainArgs = [
    join(ROOT, 'scripts/bench/plain-consumer.ts'),
    ...['--brokers', BROKERS, '--topic', w.topics.deployments!, '--count', String(a.deploys)],
  ];
  const line = (what: string, t: Timed) =>
    `${what.padEnd(34)} ${t.seconds.toFixed(2).padStart(6)} s   (machine ${t.machineCores.toFixed(2)} cores busy, loadavg ${t.loadavg1})`;
  const phaseLine = (p: Phases) =>
    `[config loaded ${p.configured} s, start() returned ${p.started} s, joined ${p.joined} s]`;
  for (let r = 1; r <= a.runs; r++) {
    const h = await timeToExit([join(ROOT, 'bin/alert-triage.js'), '--help'], logFile('help'));
    help.push(h);
    log(`run ${r}: ${line('node: alert-triage --help', h)}`);
    const d = await timeToExit(
      [join(ROOT, 'bin/alert-triage.js'), 'topics', '--dry-run', '--config', dryConfig],
      logFile('dry-run'),
    );
    dry.push(d);
    log(`run ${r}: ${line(`node + config: topics --dry-run`, d)}`);
    const p = await timeToExit(plainArgs, logFile('plain'));
    plain.push(p);
    log(`run ${r}: ${line(`baseline: kafkajs reads ${a.deploys}`, p)}`);
    const e = await timeToReady(a, w, empty, `empty-${r}`);
    idle.push(e);
    log(`run ${r}: ${line('service ready, 0 deploys', e)} ${phaseLine(e.phases)}`);
    const f = await timeToReady(a, w, w.topics.deployments!, `full-${r}`);
    full.push(f);
    log(`run ${r}: ${line(`service ready, ${a.deploys} deploys`, f)} ${phaseLine(f.phases)}`);
    const j = await timeToReady(a, w, w.topics.deployments!, `json-${r}`, [], 'json');
    fullJson.push(j);
    log(`run ${r}: ${line(`  the same, config as JSON`, j)} ${phaseLine(j.phases)}`);
    if (wc) {
      const c = await timeToReady(a, wc, wc.topics.deployments!, `changelog-${r}`);
      withChangelog.push(c);
      log(`run ${r}: ${line(`service ready, ${a.changelog} changelog`, c)} ${phaseLine(c.phases)}`);
    }
    if (wp) {
      const c = await timeToReady(a, wp, wp.topics.deployments!, `passed-${r}`);
      withPassed.push(c);
      log(`run ${r}: ${line(`service ready, ${a.passed} passed`, c)} ${phaseLine(c.phases)}`);
    }
  }
  const last = full.at(-1)?.details as { details?: { windowEntries?: number } } | undefined;
  const windowEntries = last?.details?.windowEntries ?? null;
  if (a.profile) {
    const pr = await timeToReady(a, w, w.topics.deployments!, 'profile', [
      '--cpu-prof',
      '--cpu-prof-dir',
      a.profile,
      '--cpu-prof-name',
      `startup-${w.id}.cpuprofile`,
    ]);
    log(
      `profiled run: ready in ${pr.seconds.toFixed(2)} s ${phaseLine(pr.phases)}; profile ${join(a.profile, `startup-${w.id}.cpuprofile`)}`,
    );
  }
  const m = (xs: Timed[]) => median(xs.map((x) => x.seconds));
  const ready = m(full);
  const result = {
    bench: 'startup',
    ...codeVersion(),
    node: process.version,
    deploys: a.deploys,
    deploy_partitions: a.partitions,
    models: a.models,
    runs: a.runs,
    window_entries: windowEntries,
    ready_seconds: r2(ready),
    ready_json_config_seconds: r2(m(fullJson)),
    ready_empty_seconds: r2(m(idle)),
    ...(wc
      ? {
          changelog_records: a.changelog,
          ready_changelog_seconds: r2(m(withChangelog)),
          changelog_restore_records_per_sec: Math.round(
            a.changelog / Math.max(0.001, m(withChangelog) - m(idle)),
          ),
        }
      : {}),
    ...(wp
      ? {
          passed_fingerprints: a.passed,
          passed_records_left_after_compaction: compacted!.left,
          ready_passed_seconds: r2(m(withPassed)),
          ready_passed_to_empty: r2(m(withPassed) / Math.max(0.001, m(idle))),
        }
      : {}),
    baseline_read_seconds: r2(m(plain)),
    node_help_seconds: r2(m(help)),
    config_dry_run_seconds: r2(m(dry)),
    rebuild_records_per_sec: Math.round(a.deploys / Math.max(0.001, ready - m(idle))),
    phases_full_median: medianPhases(full),
    phases_empty_median: medianPhases(idle),
    phases_json_config_median: medianPhases(fullJson),
    ratio_ready_to_baseline: r2(ready / m(plain)),
    machine_cores_busy_median: r2(median(full.map((x) => x.machineCores))),
    loadavg1_median: r2(
      median([...help, ...dry, ...plain, ...idle, ...full, ...fullJson].map((x) => x.loadavg1)),
    ),
    floor_seconds: FLOOR_SECONDS,
    meets_floor: ready <= FLOOR_SECONDS,
  };
  log(
    `median: ready ${result.ready_seconds} s with ${a.deploys} deploys (floor <= ${FLOOR_SECONDS} s; ` +
      `${result.ready_json_config_seconds} s with the config as JSON), ` +
      `${result.ready_empty_seconds} s with none | plain kafkajs read ${result.baseline_read_seconds} s | ` +
      `node --help ${result.node_help_seconds} s | config ${result.config_dry_run_seconds} s | window ${windowEntries} entries`,
  );
  if (!a.keep)
    await admin
      .deleteTopics({
        topics: [
          ...Object.values(w.topics),
          ...Object.values(wc?.topics ?? {}),
          ...Object.values(wp?.topics ?? {}),
          empty,
        ],
      })
      .catch(() => undefined);
  await admin.disconnect();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
