// Benchmark of the stream service on the real broker (issue 5, part 3), for JSON and for Avro:
//
//   1. throughput: a backlog of --alerts alerts is produced to a fresh input topic of --partitions
//      partitions before anything reads it; then `alert-triage run` (a child process) drains it into the
//      scored, tier, action and dedup-changelog topics. Timed from the group's first committed offset to
//      its committed offsets reaching the end of every partition (start-up is left out and shown apart).
//   2. latency: a paced producer offers --rate alerts/s for --warmup + --seconds seconds to a fresh
//      input topic; a read_committed consumer of the tier topics takes, per alert, the time it first
//      sees the output minus the input record's timestamp (set at send). The warm-up is left out.
//   Both against the baseline in the same run, interleaved A/B/A/B (medians of --runs): the kafkajs
//   transactional passthrough of scripts/bench/passthrough.ts (same consumer, chunking, one transaction
//   per chunk with sendOffsets; the same bytes out, no scoring).
//   3. ceiling: Kafka's own org.apache.kafka.tools.ProducerPerformance (acks=all, plain and
//      transactional) and ConsumerPerformance, with the mean input record size and --alerts records.
//
//   KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/stream.ts [--alerts 200000] [--partitions 4]
//        [--rate 5000] [--seconds 40] [--warmup 5] [--runs 2] [--formats json,avro]
//        [--only throughput,latency,perf] [--profile <dir>] [--dir <tmp>/alert-triage-stream-bench]
//
// --profile runs the service child under `node --cpu-prof --cpu-prof-dir <dir>` (summarize with
// scripts/bench/profile-summary.ts). The last line of stdout is one JSON object with the figures.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ensureTopics } from '../../src/adapters/kafka/admin.ts';
import { createCodec, registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import { parseConfig } from '../../src/config.ts';
import { parseAlert } from '../../src/core/parse-record.ts';
import { uniqueTopics } from '../../test/integration/harness.ts';
import { childConfigDoc, freePort } from '../../test/reliability/support.ts';
import { codeVersion, exitWithUsageIfAsked, median, parseArgsOrExit, produceBatched } from './common.ts';

const DEFAULT_DIR = join(tmpdir(), 'alert-triage-stream-bench');
const USAGE = `
Usage: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… npm run bench:stream -- [options]
       KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… node scripts/bench/stream.ts [options]

The stream service (\`alert-triage run\`) on the real broker, per format, against the kafkajs
transactional passthrough of scripts/bench/passthrough.ts, interleaved A/B (medians of --runs):
throughput draining a backlog, end-to-end latency at a paced rate, and Kafka's own producer and
consumer performance tools as the ceiling. Last line of stdout: one JSON object.

Options:
  --alerts N        alerts in the backlog; also the perf tools' record count (default 200000)
  --partitions N    partitions of the input topics (default 4)
  --rate R[,R…]     paced rates of the latency runs, alerts/s (default 5000)
  --seconds S       measured seconds of each latency run (default 40)
  --warmup S        warm-up seconds before each latency run, not counted (default 5)
  --runs N          A/B pairs per figure (default 2)
  --formats F[,F…]  json and/or avro (default json,avro)
  --only P[,P…]     throughput, latency and/or perf (default all three)
  --profile DIR     run the service under node --cpu-prof, profiles into DIR (default off)
  --dir DIR         generated worlds, configs and child logs (default ${DEFAULT_DIR})
  -h, --help        print this text and exit

Environment (required): KAFKA_BROKERS, SCHEMA_REGISTRY_URL of a Kafka and a registry of your own
(bash scripts/infra/infra.sh up; export $(bash scripts/infra/infra.sh env)). The perf step runs
Kafka's tools through scripts/infra/infra.sh kafka-run.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.execPath;
const INFRA = join(ROOT, 'scripts/infra/infra.sh');
/** The floors of issue 5, printed beside the figures. */
const FLOOR_RATIO = 0.7;
const FLOOR_P99_MS = 100;
/** alert_id of the latency run: a marker found in the output bytes (JSON and Avro alike) + 9 digits. */
const MARK = 'LATQ';
const MARK_DIGITS = 9;

type Format = 'json' | 'avro';
type System = 'service' | 'passthrough';

interface Args {
  alerts: number;
  partitions: number;
  rates: number[];
  seconds: number;
  warmup: number;
  runs: number;
  formats: Format[];
  only: Set<string>;
  profile: string | undefined;
  dir: string;
}

const FLAGS = [
  '--alerts',
  '--partitions',
  '--rate',
  '--seconds',
  '--warmup',
  '--runs',
  '--formats',
  '--only',
  '--profile',
  '--dir',
];

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    alerts: 200_000,
    partitions: 4,
    rates: [5_000],
    seconds: 40,
    warmup: 5,
    runs: 2,
    formats: ['json', 'avro'],
    only: new Set(['throughput', 'latency', 'perf']),
    profile: undefined,
    dir: DEFAULT_DIR,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!FLAGS.includes(flag)) throw new Error(`unknown argument ${flag}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--formats') {
      a.formats = v.split(',').map((f) => {
        if (f !== 'json' && f !== 'avro') throw new Error(`--formats: json or avro, got ${f}`);
        return f;
      });
    } else if (flag === '--rate') {
      a.rates = v.split(',').map(Number);
      if (a.rates.some((r) => !(r > 0))) throw new Error(`--rate needs positive numbers, got ${v}`);
    } else if (flag === '--only') {
      a.only = new Set(v.split(','));
      const bad = [...a.only].find((p) => !['throughput', 'latency', 'perf'].includes(p));
      if (bad !== undefined) throw new Error(`--only: throughput, latency or perf, got ${bad}`);
    } else if (flag === '--profile') a.profile = resolve(v);
    else if (flag === '--dir') a.dir = resolve(v);
    else {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${v}`);
      if (flag === '--alerts') a.alerts = Math.round(n);
      else if (flag === '--partitions') a.partitions = Math.round(n);
      else if (flag === '--seconds') a.seconds = n;
      else if (flag === '--warmup') a.warmup = n;
      else if (flag === '--runs') a.runs = Math.round(n);
      else throw new Error(`unknown argument ${flag}`);
    }
  }
  return a;
}

const BROKERS = process.env.KAFKA_BROKERS;
const REGISTRY = process.env.SCHEMA_REGISTRY_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`[bench:stream] ${s}\n`);
const kafka = () =>
  new Kafka({ clientId: 'bench-stream', brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING });

// ── machine load: CPU busy over a trial, all cores and the child alone ──────────────────────────

const TICK = 100; // USER_HZ on Linux
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}
function processTicks(pid: number | undefined): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}
interface Load {
  /** Cores busy on the whole machine over the timed span. */
  machineCores: number;
  /** Cores the measured child used. */
  childCores: number;
  /** Cores this bench process used (paced producer, latency consumer, polling). */
  benchCores: number;
  loadavg1: number;
}
function loadMeter(pid: number | undefined) {
  const m0 = machineTicks();
  const c0 = processTicks(pid);
  const b0 = process.cpuUsage();
  const t0 = performance.now();
  return (): Load => {
    const m1 = machineTicks();
    const secs = (performance.now() - t0) / 1000;
    const ncpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1;
    const b = process.cpuUsage(b0);
    return {
      machineCores: round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * ncpu, 2),
      childCores: round((processTicks(pid) - c0) / TICK / secs, 2),
      benchCores: round((b.user + b.system) / 1e6 / secs, 2),
      loadavg1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    };
  };
}

// ── inputs ───────────────────────────────────────────────────────────────────────────────────────

interface Inputs {
  catalog: string;
  deploys: string[];
  /** Backlog records per format (Avro framed later, once the schema id is known). */
  backlog: { key: string; json: Buffer; avro: Buffer }[];
  /** Latency records: alert_id replaced by MARK + sequence number. */
  paced: { key: string; json: Buffer; avro: Buffer }[];
  meanBytes: Record<Format, number>;
}

function prepareInputs(a: Args): Inputs {
  const need = Math.max(a.alerts, Math.ceil(Math.max(...a.rates) * (a.seconds + a.warmup)));
  const world = join(a.dir, `world-${need}`);
  if (!existsSync(join(world, 'alerts.ndjson'))) {
    log(`generating a world of ${need} alerts into ${world}`);
    mkdirSync(world, { recursive: true });
    const r = spawnSync(
      NODE,
      [join(ROOT, 'scripts/sample/generate-world.ts'), '--alerts-only-count', String(need), '--out', world],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new Error('generate-world failed');
  }
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/anomaly-alert.avsc'), 'utf8'));
  const type = avro.Type.forSchema(schema, { wrapUnions: 'auto' });
  const names = (schema.fields as { name: string }[]).map((f) => f.name);
  const avroOf = (obj: Record<string, unknown>) =>
    type.toBuffer(Object.fromEntries(names.map((n) => [n, obj[n] ?? null])));
  const lines = readFileSync(join(world, 'alerts.ndjson'), 'utf8').split('\n').filter(Boolean);
  const backlog: Inputs['backlog'] = [];
  const paced: Inputs['paced'] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const parsed = parseAlert(JSON.parse(line));
    if (!parsed.ok) throw new Error(`alert ${i} of the world does not parse`);
    const obj = parsed.value as unknown as Record<string, unknown>;
    const key = String(obj.model_id);
    if (i < a.alerts) backlog.push({ key, json: Buffer.from(line), avro: avroOf(obj) });
    const marked = { ...(JSON.parse(line) as Record<string, unknown>) };
    marked.alert_id = `${MARK}${String(i).padStart(MARK_DIGITS, '0')}`;
    const markedParsed = parseAlert(marked);
    if (!markedParsed.ok) throw new Error(`marked alert ${i} does not parse`);
    paced.push({
      key,
      json: Buffer.from(JSON.stringify(marked)),
      avro: avroOf(markedParsed.value as unknown as Record<string, unknown>),
    });
  }
  const mean = (f: Format) => backlog.reduce((s, r) => s + r[f].length, 0) / backlog.length;
  return {
    catalog: join(world, 'catalog.yaml'),
    deploys: readFileSync(join(world, 'deploys.ndjson'), 'utf8').split('\n').filter(Boolean),
    backlog,
    paced,
    meanBytes: { json: Math.round(mean('json')), avro: Math.round(mean('avro') + 5) },
  };
}

// ── topics, configs and children ─────────────────────────────────────────────────────────────────

interface Setup {
  id: string;
  system: System;
  group: string;
  input: string;
  /** Topics the latency consumer reads (tier topics for the service, the output for the passthrough). */
  outputs: string[];
  all: string[];
  /** Topics written by the bench, not by the system measured. */
  inputs: string[];
  httpPort?: number;
  /** Schema id of the alert subject (Avro inputs). */
  alertSchemaId?: number;
  argv: string[];
}

async function setUp(a: Args, inputs: Inputs, admin: Admin, system: System, format: Format): Promise<Setup> {
  const id = `sb-${randomBytes(4).toString('hex')}`;
  if (system === 'passthrough') {
    const input = `${id}.anomalies`;
    const output = `${id}.out`;
    await retrying(() =>
      admin.createTopics({
        topics: [input, output].map((topic) => ({
          topic,
          numPartitions: a.partitions,
          replicationFactor: 1,
        })),
        waitForLeaders: true,
      }),
    );
    const setup: Setup = {
      id,
      system,
      group: id,
      input,
      outputs: [output],
      all: [input, output],
      inputs: [input],
      argv: [
        join(ROOT, 'scripts/bench/passthrough.ts'),
        ...['--brokers', BROKERS!, '--input', input, '--output', output, '--group', id],
      ],
    };
    if (format === 'avro') setup.alertSchemaId = await registerAlertSchema(uniqueTopics(id), format);
    return setup;
  }
  const topics = uniqueTopics(id);
  const port = await freePort();
  const doc = {
    ...childConfigDoc(id, parseYaml(readFileSync(inputs.catalog, 'utf8')), {
      topics,
      partitions: {
        alerts: a.partitions,
        deployments: 1,
        outputs: a.partitions,
      },
      sessionTimeout: '10s',
      port,
    }),
    output: { format },
  };
  // Alert by alert: the latency part reads each alert's output on the tier topics, and the passthrough
  // baseline writes one record per alert. What the incident stage (the default) costs on top is
  // bench:incident-stage's (docs/BENCHMARKS.md).
  doc.kafka = { ...doc.kafka, incident_stage: false } as typeof doc.kafka;
  const configPath = join(a.dir, `${id}.yaml`);
  writeFileSync(configPath, toYaml(doc));
  await retrying(() => ensureTopics(admin, parseConfig(doc)));
  await produceBatched(
    kafka(),
    topics.deployments!,
    inputs.deploys.map((l) => ({ key: null, value: Buffer.from(l) })),
  );
  const prof = a.profile
    ? ['--cpu-prof', '--cpu-prof-dir', a.profile, '--cpu-prof-name', `${id}-${format}.cpuprofile`]
    : [];
  return {
    id,
    system,
    group: id,
    input: topics.alerts!,
    outputs: ['P1', 'P2', 'P3', 'P4'].map((k) => topics[k]!),
    all: Object.values(topics),
    inputs: [topics.alerts!, topics.deployments!, topics.feedback!],
    httpPort: port,
    ...(format === 'avro' ? { alertSchemaId: await registerAlertSchema(topics, format) } : {}),
    argv: [...prof, join(ROOT, 'bin/alert-triage.js'), 'run', '--config', configPath],
  };
}

/** The registry subjects of these topics (as the service registers them); the alert subject's id. */
async function registerAlertSchema(topics: Record<string, string>, format: Format): Promise<number> {
  const codec = createCodec({ registryUrl: REGISTRY!, outputFormat: format });
  const ids = await codec.registerSchemas(
    registryTopicsOf(topics as unknown as Parameters<typeof registryTopicsOf>[0], false),
  );
  return ids[`${topics.alerts}-value`]!;
}

/** Children still running: killed if the bench fails half-way, so none is left behind. */
const children = new Set<ChildProcess>();

/** This bench's JSON has always called the commit `commit`. */
const commitOf = (v: { git_head: string; src_changed: string[] }) => ({
  commit: v.git_head,
  src_changed: v.src_changed,
});

function startChild(a: Args, s: Setup): { proc: ChildProcess; exited: Promise<number | null> } {
  const out = openSync(join(a.dir, `${s.id}.log`), 'a');
  const proc = spawn(NODE, s.argv, {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: BROKERS, SCHEMA_REGISTRY_URL: REGISTRY },
    stdio: ['ignore', out, out],
  });
  children.add(proc);
  const exited = new Promise<number | null>((res) =>
    proc.once('exit', (code) => {
      children.delete(proc);
      res(code);
    }),
  );
  return { proc, exited };
}

async function stopChild(c: { proc: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  c.proc.kill('SIGTERM');
  const t = setTimeout(() => c.proc.kill('SIGKILL'), 30_000);
  await c.exited;
  clearTimeout(t);
}

const wireValue = (r: { json: Buffer; avro: Buffer }, format: Format, schemaId?: number): Buffer =>
  format === 'json' ? r.json : frame(schemaId!, r.avro);

async function progress(admin: Admin, s: Setup): Promise<{ committed: number; end: number }> {
  const [highs, committed] = await Promise.all([
    admin.fetchTopicOffsets(s.input),
    admin.fetchOffsets({ groupId: s.group, topics: [s.input] }),
  ]);
  return {
    end: highs.reduce((x, h) => x + Number(h.high), 0),
    committed: (committed[0]?.partitions ?? []).reduce((x, p) => x + Math.max(0, Number(p.offset)), 0),
  };
}

/** Bytes on the broker's disk for these topics (org.apache.kafka.tools.LogDirsCommand). */
function logDirBytes(topics: string[]): number {
  const out = kafkaRun([
    'org.apache.kafka.tools.LogDirsCommand',
    ...['--bootstrap-server', BROKERS!, '--describe', '--topic-list', topics.join(',')],
  ]);
  const json = out.split('\n').find((l) => l.startsWith('{'));
  if (!json) return Number.NaN;
  const doc = JSON.parse(json) as { brokers: { logDirs: { partitions: { size: number }[] }[] }[] };
  let sum = 0;
  for (const b of doc.brokers) for (const d of b.logDirs) for (const p of d.partitions) sum += p.size;
  return sum;
}

/** A topic just deleted or created can make the broker answer UNKNOWN_TOPIC_OR_PARTITION for a moment. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(500 * (attempt + 1));
    }
  }
}

async function cleanUp(admin: Admin, s: Setup): Promise<void> {
  await admin.deleteTopics({ topics: s.all }).catch(() => undefined);
}

// ── 1. throughput ────────────────────────────────────────────────────────────────────────────────

interface Drain {
  alertsPerSec: number;
  /** CPU time of the child over the timed span, per alert drained in it. */
  cpuUsPerAlert: number;
  /** Bytes the output topics hold on the broker afterwards (LogDirsCommand), per alert. */
  bytesOutPerAlert: number;
  seconds: number;
  startupSeconds: number;
  load: Load;
}

async function drain(a: Args, inputs: Inputs, admin: Admin, system: System, format: Format): Promise<Drain> {
  const s = await setUp(a, inputs, admin, system, format);
  await produceBatched(
    kafka(),
    s.input,
    inputs.backlog.map((r) => ({ key: r.key, value: wireValue(r, format, s.alertSchemaId) })),
  );
  const spawned = performance.now();
  const child = startChild(a, s);
  let first: { t: number; committed: number; ticks: number } | undefined;
  let meter: (() => Load) | undefined;
  const deadline = Date.now() + 15 * 60_000;
  let p = { committed: 0, end: 1 };
  for (;;) {
    p = await progress(admin, s);
    const now = performance.now();
    if (!first && p.committed > 0) {
      first = { t: now, committed: p.committed, ticks: processTicks(child.proc.pid) };
      meter = loadMeter(child.proc.pid);
    }
    if (p.committed >= p.end) break;
    if (Date.now() > deadline)
      throw new Error(`${system} ${format}: not drained in 15 min (${p.committed}/${p.end})`);
    if (child.proc.exitCode !== null)
      throw new Error(`${system} exited (${child.proc.exitCode}); see ${a.dir}/${s.id}.log`);
    await sleep(50);
  }
  const done = performance.now();
  const load = meter!();
  const cpuTicks = processTicks(child.proc.pid) - first!.ticks;
  await stopChild(child);
  const bytesOut = logDirBytes(s.all.filter((t) => !s.inputs.includes(t)));
  await cleanUp(admin, s);
  const seconds = (done - first!.t) / 1000;
  const drained = p.end - first!.committed;
  return {
    alertsPerSec: Math.round(drained / seconds),
    cpuUsPerAlert: Math.round(((cpuTicks / TICK) * 1e6) / drained),
    bytesOutPerAlert: Math.round(bytesOut / p.end),
    seconds: round(seconds, 2),
    startupSeconds: round((first!.t - spawned) / 1000, 2),
    load,
  };
}

// ── 2. latency at a fixed offered load ─────────────────────────────────────────────────────────

interface Latency {
  offeredPerSec: number;
  measured: number;
  p50: number;
  p99: number;
  max: number;
  /** Input records not yet committed by the group when the paced producer stopped. */
  lagAtEnd: number;
  load: Load;
}

async function latency(
  a: Args,
  inputs: Inputs,
  admin: Admin,
  system: System,
  format: Format,
  rate: number,
): Promise<Latency> {
  const s = await setUp(a, inputs, admin, system, format);
  const child = startChild(a, s);
  // Ready: the group has its members and (service) /readyz answers 200.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`${system} exited; see ${a.dir}/${s.id}.log`);
    if (Date.now() > deadline) throw new Error(`${system} ${format}: not ready in 120 s`);
    const g = (await admin.describeGroups([s.group])).groups[0];
    let ready = g?.state === 'Stable' && g.members.length > 0;
    if (ready && s.httpPort) {
      ready = await fetch(`http://127.0.0.1:${s.httpPort}/readyz`, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.status === 200)
        .catch(() => false);
    }
    if (ready) break;
    await sleep(200);
  }

  const total = Math.ceil(rate * (a.seconds + a.warmup));
  if (total > inputs.paced.length)
    throw new Error(`the world holds ${inputs.paced.length} alerts, ${total} needed`);
  const sentAt = new Float64Array(total);
  const seen = new Uint8Array(total);
  const lat: number[] = [];
  let warmEnd = Number.POSITIVE_INFINITY;
  const reader = kafka().consumer({
    groupId: `${s.id}-reader`,
    readUncommitted: false,
    maxWaitTimeInMs: 20,
  });
  let joined = false;
  reader.on(reader.events.GROUP_JOIN, () => {
    joined = true;
  });
  await reader.connect();
  await reader.subscribe({ topics: s.outputs, fromBeginning: true });
  await reader.run({
    partitionsConsumedConcurrently: s.outputs.length * a.partitions,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const v = m.value;
        if (!v) continue;
        const at = v.indexOf(MARK);
        if (at < 0) continue;
        const seq = Number(v.toString('latin1', at + MARK.length, at + MARK.length + MARK_DIGITS));
        if (!(seq < total) || seen[seq]) continue;
        seen[seq] = 1;
        if (sentAt[seq]! >= warmEnd) lat.push(now - sentAt[seq]!);
      }
    },
  });
  while (!joined) await sleep(50);

  // Paced producer: every 5 ms, everything due by now is sent, stamped with the time it is handed over.
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const meter = loadMeter(child.proc.pid);
  const t0 = Date.now();
  warmEnd = t0 + a.warmup * 1000;
  let sent = 0;
  while (sent < total) {
    // At most 1,000 records (~420 kB) per send: a stalled tick must not make a request over 1 MiB.
    const owed = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
    const due = Math.min(owed, sent + 1_000);
    if (due > sent) {
      const now = Date.now();
      const messages: Message[] = [];
      for (let i = sent; i < due; i++) {
        sentAt[i] = now;
        messages.push({
          key: inputs.paced[i]!.key,
          value: wireValue(inputs.paced[i]!, format, s.alertSchemaId),
          timestamp: String(now),
        });
      }
      await producer.send({ topic: s.input, messages });
      sent = due;
      if (sent < owed) continue;
    }
    await sleep(5);
  }
  const sendSeconds = (Date.now() - t0) / 1000;
  const load = meter();
  await producer.disconnect();
  const p = await progress(admin, s);
  const lagAtEnd = p.end - p.committed;
  // Let the last outputs arrive: the group's offsets at the end, then one more second for the reader.
  const until = Date.now() + 60_000;
  while (Date.now() < until && (await progress(admin, s)).committed < total) await sleep(100);
  await sleep(1_000);
  await reader.disconnect();
  await stopChild(child);
  await cleanUp(admin, s);
  lat.sort((x, y) => x - y);
  const q = (f: number) =>
    lat.length ? lat[Math.min(lat.length - 1, Math.floor(f * lat.length))]! : Number.NaN;
  return {
    offeredPerSec: Math.round(total / sendSeconds),
    measured: lat.length,
    p50: q(0.5),
    p99: q(0.99),
    max: lat.at(-1) ?? Number.NaN,
    lagAtEnd,
    load,
  };
}

// ── 3. Kafka's own perf tools ───────────────────────────────────────────────────────────────────

interface Perf {
  recordSize: number;
  producerPerSec: number;
  producerMBps: number;
  producerTxPerSec: number;
  consumerPerSec: number;
  consumerMBps: number;
}

function kafkaRun(args: string[]): string {
  const r = spawnSync('bash', [INFRA, 'kafka-run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: process.env,
  });
  if (r.status !== 0) throw new Error(`kafka-run ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

async function perfTools(a: Args, admin: Admin, recordSize: number): Promise<Perf> {
  const id = `sb-${randomBytes(4).toString('hex')}`;
  const topic = `${id}.perf`;
  const txTopic = `${id}.perf-tx`;
  await retrying(() =>
    admin.createTopics({
      topics: [topic, txTopic].map((t) => ({ topic: t, numPartitions: a.partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    }),
  );
  const producerRun = (t: string, extra: string[]) => {
    const out = kafkaRun([
      'org.apache.kafka.tools.ProducerPerformance',
      ...['--bootstrap-server', BROKERS!, '--topic', t, '--num-records', String(a.alerts)],
      ...['--record-size', String(recordSize), '--throughput', '-1', '--command-property', 'acks=all'],
      ...extra,
    ]);
    const m = / records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(
      out.trim().split('\n').at(-1) ?? '',
    );
    if (!m) throw new Error(`ProducerPerformance: unexpected output ${out.slice(-500)}`);
    return { perSec: Number(m[1]), mbps: Number(m[2]) };
  };
  const plain = producerRun(topic, []);
  // Transactional, one commit per 100 ms (the service commits one transaction per chunk of ≤ 500).
  const tx = producerRun(txTopic, ['--transactional-id', `${id}-perf`, '--transaction-duration-ms', '100']);
  const out = kafkaRun([
    'org.apache.kafka.tools.ConsumerPerformance',
    ...['--bootstrap-server', BROKERS!, '--topic', topic, '--num-records', String(a.alerts)],
    ...['--group', `${id}-perf-consumer`, '--timeout', '30000'],
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const row = out
    .trim()
    .split('\n')
    .at(-1)!
    .split(',')
    .map((x) => x.trim());
  await admin.deleteTopics({ topics: [topic, txTopic] }).catch(() => undefined);
  return {
    recordSize,
    producerPerSec: Math.round(plain.perSec),
    producerMBps: plain.mbps,
    producerTxPerSec: Math.round(tx.perSec),
    consumerPerSec: Math.round(Number(row[5])),
    consumerMBps: Number(row[3]),
  };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────────

const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
async function main(): Promise<void> {
  const a = parseArgsOrExit('bench:stream', () => parseArgs(process.argv.slice(2)));
  if (!BROKERS || !REGISTRY) {
    console.error(
      'bench:stream needs a broker and a registry: KAFKA_BROKERS and SCHEMA_REGISTRY_URL.\n' +
        'Start an instance of your own (not one others use) and export its addresses, e.g.\n' +
        '  export ALERT_TRIAGE_INFRA_HOME=~/.cache/alert-triage-bench ALERT_TRIAGE_KAFKA_PORT=29092 \\\n' +
        '    ALERT_TRIAGE_KAFKA_CONTROLLER_PORT=29093 ALERT_TRIAGE_REGISTRY_PORT=28081 ALERT_TRIAGE_REGISTRY_MGMT_PORT=29081\n' +
        '  bash scripts/infra/infra.sh up && export $(bash scripts/infra/infra.sh env)\n' +
        '  npm run bench:stream',
    );
    process.exit(2);
  }
  mkdirSync(a.dir, { recursive: true });
  if (a.profile) mkdirSync(a.profile, { recursive: true });
  const inputs = prepareInputs(a);
  log(
    `${inputs.backlog.length} backlog alerts (mean ${inputs.meanBytes.json} B JSON, ${inputs.meanBytes.avro} B Avro framed), ` +
      `${a.partitions} partitions, ${a.runs} run(s) A/B interleaved`,
  );
  const admin = kafka().admin();
  await admin.connect();
  const result: Record<string, unknown> = {
    alerts: a.alerts,
    partitions: a.partitions,
    rates: a.rates,
    seconds: a.seconds,
    warmup: a.warmup,
    runs: a.runs,
    record_bytes: inputs.meanBytes,
    ...commitOf(codeVersion()),
  };
  const rows: string[][] = [];
  for (const format of a.formats) {
    const r: Record<string, unknown> = {};
    if (a.only.has('throughput')) {
      const runs: Record<System, Drain[]> = { service: [], passthrough: [] };
      for (let i = 0; i < a.runs; i++) {
        for (const system of ['passthrough', 'service'] as const) {
          const d = await drain(a, inputs, admin, system, format);
          log(
            `${format} drain ${system} #${i + 1}: ${d.alertsPerSec}/s over ${d.seconds} s (start-up ${d.startupSeconds} s), ` +
              `${d.cpuUsPerAlert} µs CPU and ${d.bytesOutPerAlert} B out per alert ${JSON.stringify(d.load)}`,
          );
          runs[system].push(d);
        }
      }
      const med = (s: System, k: 'alertsPerSec' | 'cpuUsPerAlert' | 'bytesOutPerAlert') =>
        median(runs[s].map((d) => d[k]));
      const svc = med('service', 'alertsPerSec');
      const pt = med('passthrough', 'alertsPerSec');
      const ratios = runs.service.map((d, i) => round(d.alertsPerSec / runs.passthrough[i]!.alertsPerSec, 3));
      r.throughput = {
        service_per_sec: svc,
        passthrough_per_sec: pt,
        ratio: round(svc / pt, 3),
        pair_ratios: ratios,
        service_cpu_us_per_alert: med('service', 'cpuUsPerAlert'),
        passthrough_cpu_us_per_alert: med('passthrough', 'cpuUsPerAlert'),
        service_bytes_out_per_alert: med('service', 'bytesOutPerAlert'),
        passthrough_bytes_out_per_alert: med('passthrough', 'bytesOutPerAlert'),
        runs,
      };
      const floor = `≥ ${FLOOR_RATIO}× ${svc / pt >= FLOOR_RATIO ? 'met' : 'MISSED'}`;
      rows.push([
        format,
        'drain alerts/s',
        `${svc}`,
        `${pt}`,
        `${round(svc / pt, 2)}× (pairs ${ratios.join(', ')})`,
        floor,
      ]);
      rows.push([
        format,
        'drain CPU µs per alert',
        `${med('service', 'cpuUsPerAlert')}`,
        `${med('passthrough', 'cpuUsPerAlert')}`,
        '',
        '',
      ]);
      rows.push([
        format,
        'drain bytes out per alert',
        `${med('service', 'bytesOutPerAlert')}`,
        `${med('passthrough', 'bytesOutPerAlert')}`,
        '',
        '',
      ]);
    }
    if (a.only.has('latency')) {
      const byRate: Record<string, unknown> = {};
      for (const rate of a.rates) {
        const runs: Record<System, Latency[]> = { service: [], passthrough: [] };
        for (let i = 0; i < a.runs; i++) {
          for (const system of ['passthrough', 'service'] as const) {
            const l = await latency(a, inputs, admin, system, format, rate);
            log(
              `${format} latency ${system} at ${rate}/s #${i + 1}: p50 ${l.p50} ms p99 ${l.p99} ms max ${l.max} ms ` +
                `(${l.measured} measured, offered ${l.offeredPerSec}/s, lag at end ${l.lagAtEnd}) ${JSON.stringify(l.load)}`,
            );
            runs[system].push(l);
          }
        }
        const med = (s: System, k: 'p50' | 'p99' | 'lagAtEnd') => median(runs[s].map((l) => l[k]));
        byRate[String(rate)] = {
          service_p50_ms: med('service', 'p50'),
          service_p99_ms: med('service', 'p99'),
          passthrough_p50_ms: med('passthrough', 'p50'),
          passthrough_p99_ms: med('passthrough', 'p99'),
          service_lag_at_end: med('service', 'lagAtEnd'),
          passthrough_lag_at_end: med('passthrough', 'lagAtEnd'),
          runs,
        };
        const p99 = med('service', 'p99');
        const floor = rate === 5_000 ? `≤ ${FLOOR_P99_MS} ms ${p99 <= FLOOR_P99_MS ? 'met' : 'MISSED'}` : '';
        // More than a second of input left when the load stopped: the outputs are read for 60 s more, so the
        // latest ones may never be seen, and the percentiles are then lower bounds.
        const behind = (sys: System) => (med(sys, 'lagAtEnd') > rate ? ' (fell behind: lower bound)' : '');
        rows.push([
          format,
          `latency p50 ms at ${rate}/s`,
          `${med('service', 'p50')}${behind('service')}`,
          `${med('passthrough', 'p50')}${behind('passthrough')}`,
          '',
          '',
        ]);
        rows.push([
          format,
          `latency p99 ms at ${rate}/s`,
          `${p99}${behind('service')}`,
          `${med('passthrough', 'p99')}${behind('passthrough')}`,
          '',
          floor,
        ]);
        rows.push([
          format,
          `input lag when the load stopped, ${rate}/s`,
          `${med('service', 'lagAtEnd')}`,
          `${med('passthrough', 'lagAtEnd')}`,
          '',
          '',
        ]);
      }
      r.latency = byRate;
    }
    if (a.only.has('perf')) {
      const p = await perfTools(a, admin, inputs.meanBytes[format]);
      log(`${format} perf tools: ${JSON.stringify(p)}`);
      r.kafka_perf = p;
      rows.push([
        format,
        `ProducerPerformance acks=all, ${p.recordSize} B`,
        '',
        '',
        `${p.producerPerSec}/s (${p.producerMBps} MB/s); transactional ${p.producerTxPerSec}/s`,
        'ceiling',
      ]);
      rows.push([
        format,
        `ConsumerPerformance, ${p.recordSize} B`,
        '',
        '',
        `${p.consumerPerSec}/s (${p.consumerMBps} MB/s)`,
        'ceiling',
      ]);
    }
    result[format] = r;
  }
  await admin.disconnect();
  const header = ['format', 'figure', 'service', 'passthrough', 'ratio / Kafka tools', 'floor'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
