// Shared pieces of the reliability tests: generated worlds, the service as a child process (so it
// can be SIGKILLed), its YAML config, progress read from the consumer group, and a seeded PRNG.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, KafkaMessage } from 'kafkajs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { type Config, incidentStageNames, parseConfig } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import {
  BROKERS,
  createTopics,
  INPUT_PRODUCER,
  json,
  kafka,
  ndjsonLines,
  produceLines,
  REGISTRY,
  ROOT,
  readTopic,
  readTopics,
  sendExactly,
  uniqueTopics,
} from '../integration/harness.ts';
import type { ReadRecord, TopicName } from '../runtime/conformance.ts';

export const NODE = process.execPath;

/** mulberry32: the same kill moments for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `alert-triage-${tag}-`));
}

/** `generate-world.ts --alerts-only-count n`: alerts.ndjson, deploys.ndjson and catalog.yaml in `dir`. */
export function generateWorld(dir: string, alerts: number): void {
  const r = spawnSync(
    NODE,
    [join(ROOT, 'scripts/sample/generate-world.ts'), '--alerts-only-count', String(alerts), '--out', dir],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`generate-world failed: ${r.stderr}`);
}

export interface ChildSetup {
  id: string;
  topics: Record<string, string>;
  groupId: string;
  configPath: string;
  port: number;
}

export interface ChildConfigOptions {
  /** Topic names; default: topics of its own, named after the instance. */
  topics?: Record<string, string>;
  /** Partitions of the alert, deploy and output topics (feedback and DLQ get one; the changelog follows the alerts). */
  partitions: { alerts: number; deployments: number; outputs: number };
  sessionTimeout: string;
  /** The HTTP port; default: none in the document (the caller adds it per instance). */
  port?: number;
}

/**
 * The config document of a child `alert-triage run` (tests and benches): the catalog's models and
 * settings, then its topics, and a consumer group, transactional-id prefix and client id all called
 * `name`. The windows are the defaults: what users run.
 */
export function childConfigDoc(name: string, catalog: Record<string, unknown>, o: ChildConfigOptions) {
  return {
    ...catalog,
    topics: o.topics ?? uniqueTopics(name),
    kafka: {
      brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
      group_id: name,
      transactional_id_prefix: name,
      client_id: name,
      partitions: { ...o.partitions, feedback: 1, dlq: 1 },
      max_watermark_wait: '20s',
      session_timeout: o.sessionTimeout,
    },
    registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
    ...(o.port === undefined ? {} : { http: { port: o.port } }),
    log: { level: 'info' },
  };
}

/**
 * A child `alert-triage run` over the sample week's catalog, before it starts: its config (topics, group and
 * ids of its own, a free HTTP port, `kafka` overrides on top) written to a directory of its own, and its
 * topics made.
 */
export async function sampleChildConfig(
  tag: string,
  o: { alertPartitions: number; kafka?: Record<string, unknown> },
): Promise<{ id: string; dir: string; port: number; doc: Record<string, unknown>; configPath: string }> {
  const id = randomBytes(4).toString('hex');
  const dir = workDir(tag);
  const port = await freePort();
  const base = childConfigDoc(
    `it-${tag}-${id}`,
    parseYaml(readFileSync(join(ROOT, 'examples', 'sample-week', 'catalog.yaml'), 'utf8')),
    { partitions: { alerts: o.alertPartitions, deployments: 1, outputs: 1 }, sessionTimeout: '10s', port },
  );
  const doc = { ...base, kafka: { ...base.kafka, ...o.kafka } };
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, toYaml(doc));
  const admin = await createTopics(parseConfig(doc));
  await admin.disconnect();
  return { id, dir, port, doc, configPath };
}

/** A YAML config of its own for a child `alert-triage run`: the catalog, unique topics, group, tx prefix. */
export function writeChildConfig(dir: string, catalogPath: string, port: number): ChildSetup {
  const id = randomBytes(4).toString('hex');
  const doc = childConfigDoc(`rel-${id}`, parseYaml(readFileSync(catalogPath, 'utf8')), {
    partitions: { alerts: 3, deployments: 2, outputs: 2 },
    sessionTimeout: '6s',
    port,
  });
  const configPath = join(dir, `config-${id}.yaml`);
  writeFileSync(configPath, toYaml(doc));
  return { id, topics: doc.topics, groupId: `rel-${id}`, configPath, port };
}

/** A generated world (`generateWorld`) in a directory of its own, and a child config for it on a free port. */
export async function childWorld(tag: string, alerts: number): Promise<{ dir: string; setup: ChildSetup }> {
  const dir = workDir(tag);
  generateWorld(dir, alerts);
  return { dir, setup: writeChildConfig(dir, join(dir, 'catalog.yaml'), await freePort()) };
}

/**
 * `childWorld` with its topics made and its input produced exactly once: `produce` writes the alerts
 * (and whatever else), and when the alerts topic then holds more records than `alerts` — the input
 * producer is not idempotent (harness.ts says why), so on a loaded machine a send retried after a lost
 * response can write a batch twice (CI saw 200,828 records for 200,000 alerts) — the world is set up
 * again on topics of its own, at most three times. The service under test has not run yet.
 */
export async function producedWorld(
  tag: string,
  alerts: number,
  produce: (config: Config, dir: string) => Promise<void>,
  env: Record<string, string> = {},
): Promise<{ dir: string; setup: ChildSetup; config: Config; admin: Admin }> {
  for (let attempt = 1; ; attempt++) {
    const { dir, setup } = await childWorld(tag, alerts);
    const config = loadConfigFile(setup.configPath, env);
    const admin = await createTopics(config);
    await produce(config, dir);
    const { end } = await groupProgress(admin, setup.groupId, config.topics.alerts);
    if (end === alerts) return { dir, setup, config, admin };
    console.log(
      `RELIABILITY ${tag} setup: ${end} records for ${alerts} alerts (a send written twice); again`,
    );
    await admin.disconnect();
    if (attempt >= 3)
      throw new Error(`${tag}: the alerts could not be produced exactly (${end} for ${alerts})`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/alert-triage.js <args>` with the broker and registry of the tests; its output appended to `log`. */
export function spawnCli(args: string[], log: string, env: Record<string, string> = {}): Child {
  const out = createWriteStream(log, { flags: 'a' });
  const proc = spawn(NODE, [join(ROOT, 'bin/alert-triage.js'), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: BROKERS ?? '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: REGISTRY ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.pipe(out, { end: false });
  proc.stderr?.pipe(out, { end: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      // Let the pipes drain before closing the log.
      setTimeout(() => {
        out.end();
        resolve({ code, signal });
      }, 50);
    }),
  );
  return { proc, exited };
}

/** Committed offsets of the group on `topic`, summed, and the end offsets summed: how far it got. */
export async function groupProgress(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ committed: number; end: number }> {
  // A broker started seconds ago may not have loaded the group's coordinator yet (NOT_COORDINATOR, which
  // kafkajs' admin does not retry): ask again, a few times.
  let answer: [Awaited<ReturnType<Admin['fetchTopicOffsets']>>, Awaited<ReturnType<Admin['fetchOffsets']>>];
  for (let attempt = 0; ; attempt++) {
    try {
      answer = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      break;
    } catch (err) {
      if (attempt >= 20 || (err as { retriable?: boolean }).retriable !== true) throw err;
      await sleep(500);
    }
  }
  const [highs, committed] = answer;
  const end = highs.reduce((s, h) => s + Number(h.high), 0);
  const done = (committed[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  return { committed: done, end };
}

export async function metricsText(port: number): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of a Prometheus counter over its label sets. */
export function metricSum(text: string | undefined, name: string): number {
  if (!text) return 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Produces keyed values in sends of at most ~`maxBytes` (a record batch over 1 MiB would be refused). */
export async function produceSized(
  topic: string,
  messages: { key: string | null; value: Buffer | null }[],
  maxBytes = 700_000,
): Promise<void> {
  const producer = kafka().producer(INPUT_PRODUCER);
  await producer.connect();
  let batch: { key: string | null; value: Buffer | null }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length > 0) await sendExactly(producer, topic, batch);
    batch = [];
    bytes = 0;
  };
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + 100;
    if (bytes + size > maxBytes) await flush();
    batch.push(m);
    bytes += size;
  }
  await flush();
  await producer.disconnect();
}

/**
 * With the incident stage (the default), once stage 1 has committed every alert: waits until stage 2 has
 * read every member (each repartition partition up to its end then, less the last transaction's commit
 * marker, which is never read as a record) and holds none waiting (/readyz), so the scored topic is
 * complete. Without the stage it returns at once.
 */
export async function untilStageDrained(
  admin: Admin,
  config: Config,
  port: number,
  o: { deadline: number; alive: () => boolean; log: string },
): Promise<void> {
  if (!config.kafka.incident_stage) return;
  const names = incidentStageNames(config);
  const ends = new Map(
    (await admin.fetchTopicOffsets(names.repartition)).map((h) => [h.partition, BigInt(h.high)]),
  );
  for (;;) {
    const [c] = await admin.fetchOffsets({ groupId: names.groupId, topics: [names.repartition] });
    const at = new Map((c?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const behind = [...ends].filter(([p, end]) => end > 0n && (at.get(p) ?? -1n) < end - 1n);
    let pending = Number.POSITIVE_INFINITY;
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      const body = (await r.json()) as { details?: { incidentStage?: { pending?: number } } };
      pending = body.details?.incidentStage?.pending ?? Number.POSITIVE_INFINITY;
    } catch {}
    if (behind.length === 0 && pending === 0) return;
    if (!o.alive()) throw new Error(`the service exited before stage 2 drained (see ${o.log})`);
    if (Date.now() > o.deadline)
      throw new Error(
        `stage 2 not drained in time: ${JSON.stringify({ behind: behind.map(([p]) => p), pending })} (see ${o.log})`,
      );
    await sleep(1_000);
  }
}

export async function isReady(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** How many times each fed alert was scored: the ones never scored, and how many were scored more than once. */
export function scoredOnce(
  scored: ScoredAlert[],
  alertIds: string[],
): { distinct: number; lost: string[]; duplicates: number } {
  const seen = new Map<string, number>();
  for (const a of scored) seen.set(a.alert_id, (seen.get(a.alert_id) ?? 0) + 1);
  return {
    distinct: seen.size,
    lost: alertIds.filter((id) => !seen.has(id)),
    duplicates: [...seen.values()].filter((n) => n > 1).length,
  };
}

export interface TierCheck {
  expected: number;
  got: number;
  /** Alerts paged twice on the tier topic. */
  twice: number;
  /** Alerts missing from the tier topic or on it without belonging there. */
  wrong: number;
}

/** Each tier topic (read_committed) against the scored alerts: exactly the non-suppressed ones of that tier, each once. */
export async function checkTierTopics(
  config: Config,
  scored: ScoredAlert[],
  opts: { timeoutMs: number; settleMs: number },
): Promise<Record<string, TierCheck>> {
  const report: Record<string, TierCheck> = {};
  for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
    const want = new Set(scored.filter((a) => a.tier === tier && !a.dedup.suppressed).map((a) => a.alert_id));
    const got = (await readTopic(config.topics[tier], { expected: want.size, ...opts })).map(
      (m) => json<ScoredAlert>(m).alert_id,
    );
    const counts = new Map<string, number>();
    for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
    report[tier] = {
      expected: want.size,
      got: got.length,
      twice: [...counts.values()].filter((n) => n > 1).length,
      wrong:
        [...counts.keys()].filter((id) => !want.has(id)).length +
        [...want].filter((id) => !counts.has(id)).length,
    };
  }
  return report;
}

const INFRA = join(ROOT, 'scripts/infra/infra.sh');

/** `scripts/infra/infra.sh <args>` (stop/start kafka, pause/resume registry), failing on a non-zero exit. */
export function infra(...args: string[]): void {
  const r = spawnSync('bash', [INFRA, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`infra.sh ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * Why a test that restarts the broker or hangs the registry must skip, or false: the pair under test must be
 * the one infra.sh runs, never a broker it did not start. `skip`: the harness's own reason (no broker).
 */
export function ownInfra(skip: string | false): string | false {
  if (skip) return skip;
  const env = spawnSync('bash', [INFRA, 'env'], { encoding: 'utf8' }).stdout;
  const status = spawnSync('bash', [INFRA, 'status'], { encoding: 'utf8' });
  if (status.status !== 0) return 'the broker and registry are not the ones scripts/infra/infra.sh runs';
  if (!env.includes(`KAFKA_BROKERS=${BROKERS}\n`) || !env.includes(`SCHEMA_REGISTRY_URL=${REGISTRY}\n`))
    return `KAFKA_BROKERS / SCHEMA_REGISTRY_URL are not the infra.sh ones (${env.replace(/\n/g, ' ')})`;
  return false;
}

/** Whatever a test did to them, the broker running and the registry resumed, for the suites after it. */
export function restoreInfra(): void {
  spawnSync('bash', [INFRA, 'resume', 'registry'], { encoding: 'utf8' });
  spawnSync('bash', [INFRA, 'start', 'kafka'], { encoding: 'utf8', timeout: 120_000 });
}

/** A child `run` with the incident stage on (the default, said explicitly: these tests are about it). */
export const STAGE_ENV = { KAFKA_INCIDENT_STAGE: 'true' };

/** A generated world of `alerts` for a child run with the incident stage, its deploys and alerts produced whole. */
export function producedStageWorld(tag: string, alerts: number) {
  return producedWorld(
    tag,
    alerts,
    async (c, d) => {
      await produceLines(c.topics.deployments, ndjsonLines(join(d, 'deploys.ndjson')), 'model_id');
      await produceLines(c.topics.alerts, ndjsonLines(join(d, 'alerts.ndjson')), 'model_id');
    },
    STAGE_ENV,
  );
}

const toRead = (m: KafkaMessage): ReadRecord => ({
  key: m.key?.toString('utf8') ?? null,
  value: m.value?.toString('utf8') ?? null,
  // The conformance assertions read the tier records' `type` header.
  headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
});

/**
 * What a child run with the incident stage wrote, read back once: its scored, tier, incident and DLQ
 * records as the conformance assertions read them (`read`, for assertOfflineIncidents), and the pages
 * (tier records with action trigger) and resolves among the tier records.
 */
export async function stageOutputs(config: Config): Promise<{
  read: (name: TopicName) => Promise<ReadRecord[]>;
  count: (name: TopicName) => number;
  pages: number;
  resolves: number;
}> {
  const t = config.topics;
  const names = {
    scored: t.scored,
    P1: t.P1,
    P2: t.P2,
    P3: t.P3,
    P4: t.P4,
    dlq: t.dlq,
    actions: t.actions,
    incidents: t.incidents,
  };
  const topics = await readTopics([t.scored, t.P1, t.P2, t.P3, t.P4, t.incidents, t.dlq]);
  const records = (name: TopicName) => (topics.get(names[name]) ?? []).map(toRead);
  const tier = (['P1', 'P2', 'P3', 'P4'] as const).flatMap(records);
  const pages = tier.filter((r) => (JSON.parse(r.value!) as { action?: string }).action === 'trigger').length;
  return {
    read: async (name) => records(name),
    count: (name) => topics.get(names[name])?.length ?? 0,
    pages,
    resolves: tier.length - pages,
  };
}
