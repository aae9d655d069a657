// Shared pieces of the integration tests: a real broker and registry (KAFKA_BROKERS and
// SCHEMA_REGISTRY_URL, which `npm test` sets by starting them), topics unique to each test,
// and readers of what the service published.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Admin,
  Kafka,
  type KafkaMessage,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { parse as parseYaml } from 'yaml';
import { ensureTopics } from '../../src/adapters/kafka/admin.ts';
import { createCodec, type RecordCodec } from '../../src/adapters/registry/codec.ts';
import { type Config, parseConfig } from '../../src/config.ts';
import { StreamService, type StreamServiceOptions } from '../../src/runtime/stream-service.ts';
import { createLogger } from '../../src/telemetry.ts';

export const BROKERS = process.env.KAFKA_BROKERS;
export const REGISTRY = process.env.SCHEMA_REGISTRY_URL;
/** Why the integration tests are skipped, or false when the infrastructure is there. */
export const SKIP: string | false =
  BROKERS && REGISTRY
    ? false
    : 'KAFKA_BROKERS / SCHEMA_REGISTRY_URL not set: run through `npm test`, which starts them';

export const ROOT = join(import.meta.dirname, '..', '..');
export const SAMPLE = join(ROOT, 'examples', 'sample-week');

export const kafka = () =>
  new Kafka({ clientId: 'it-harness', brokers: (BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });

/** Every topic name the service uses, under a prefix of this test's own. */
export function uniqueTopics(prefix: string): Record<string, string> {
  return Object.fromEntries(
    [
      ['alerts', 'anomalies'],
      ['deployments', 'deployments'],
      ['feedback', 'feedback'],
      ['scored', 'scored'],
      ['P1', 'p1'],
      ['P2', 'p2'],
      ['P3', 'p3'],
      ['P4', 'p4'],
      ['actions', 'actions'],
      ['dlq', 'dlq'],
      ['dedup_changelog', 'dedup'],
      ['incidents', 'incidents'],
      ['silences', 'silences'],
    ].map(([k, v]) => [k, `${prefix}.${v}`]),
  );
}

/** A config whose topics, group and transactional ids belong to this test alone. */
export function testConfig(
  overrides: Record<string, unknown> = {},
  catalog = join(SAMPLE, 'catalog.yaml'),
): Config {
  const id = randomBytes(4).toString('hex');
  const doc = parseYaml(readFileSync(catalog, 'utf8')) as Record<string, unknown>;
  const topics = uniqueTopics(`it-${id}`);
  return parseConfig({
    ...doc,
    topics,
    kafka: {
      brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
      group_id: `it-${id}`,
      transactional_id_prefix: `it-${id}`,
      client_id: `it-${id}`,
      partitions: { alerts: 3, deployments: 2, feedback: 1, outputs: 2, dlq: 1 },
      max_watermark_wait: '20s',
      session_timeout: '10s',
    },
    registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
    http: { port: 0 },
    ...overrides,
  });
}

export async function createTopics(config: Config): Promise<Admin> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } catch (err) {
    // A client left connected keeps the test process alive after its failure.
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
  return admin;
}

export function codecFor(config: Config): RecordCodec {
  return createCodec({ registryUrl: config.registry.url, outputFormat: config.output.format });
}

export function quietLogger() {
  return createLogger({ level: (process.env.IT_LOG_LEVEL as 'info') ?? 'silent' });
}

export function startService(config: Config, extra: Partial<StreamServiceOptions> = {}): StreamService {
  const service = new StreamService({ config, logger: quietLogger(), codec: codecFor(config), ...extra });
  return service;
}

export async function waitUntil(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * How the tests write their input: acks from all replicas, one request in flight (order kept), and not
 * kafkajs' idempotent mode, which failed whole reliability runs on a loaded machine with
 * OUT_OF_ORDER_SEQUENCE_NUMBER (a non-retriable error; tulios/kafkajs#598 describes the same). Without
 * it a retry after a lost response could write a batch twice; every test would then see that alert
 * scored twice and fail loudly, not pass quietly. Send through `sendExactly`, never `producer.send`.
 */
export const INPUT_PRODUCER = { idempotent: false, maxInFlightRequests: 1 } as const;

const partitionCountOf = new Map<string, number>();
const keyPartitioner = Partitioners.DefaultPartitioner();

/**
 * Sends `messages` to `topic` one partition per request, each partition chosen as kafkajs' default
 * partitioner would (murmur2 of the key; keyless records in turn). kafkajs answers a partition error in a
 * broker's response by resending that broker's whole request: with one broker, a send spanning two
 * partitions of a topic just created (the second's leader not yet elected) wrote the first partition's
 * records twice (83 alerts scored twice in a conformance case on a loaded CI machine). A request of one
 * partition is resent only when that partition failed to take it.
 */
export async function sendExactly(producer: Producer, topic: string, messages: Message[]): Promise<void> {
  let partitions = partitionCountOf.get(topic);
  if (partitions === undefined) {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      partitions = meta.topics[0]!.partitions.length;
    } finally {
      await admin.disconnect();
    }
    partitionCountOf.set(topic, partitions);
  }
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const byPartition = new Map<number, Message[]>();
  let next = 0;
  for (const m of messages) {
    const partition =
      m.partition ??
      (m.key === null || m.key === undefined
        ? next++ % partitions
        : keyPartitioner({ topic, partitionMetadata, message: m }));
    const list = byPartition.get(partition) ?? [];
    list.push({ ...m, partition });
    byPartition.set(partition, list);
  }
  for (const list of byPartition.values()) await producer.send({ topic, messages: list });
}

/** Produces NDJSON lines as JSON records, keyed by `keyField`. */
export async function produceLines(topic: string, lines: string[], keyField: string): Promise<void> {
  const producer = kafka().producer(INPUT_PRODUCER);
  await producer.connect();
  for (let i = 0; i < lines.length; i += 1000) {
    const messages = lines.slice(i, i + 1000).map((value) => {
      let key: string | null = null;
      try {
        const k = (JSON.parse(value) as Record<string, unknown>)[keyField];
        key = typeof k === 'string' ? k : null;
      } catch {
        key = null;
      }
      return { key, value };
    });
    await sendExactly(producer, topic, messages);
  }
  await producer.disconnect();
}

export async function produceRaw(topic: string, messages: { key?: string; value: Buffer | string | null }[]) {
  const producer = kafka().producer(INPUT_PRODUCER);
  await producer.connect();
  await sendExactly(
    producer,
    topic,
    messages.map((m) => ({ key: m.key ?? null, value: m.value })),
  );
  await producer.disconnect();
}

export const ndjsonLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

/**
 * Reads a topic with read_committed isolation from the beginning until `expected` records have
 * arrived (and then `settleMs` more, to catch duplicates) or the timeout passes.
 */
export async function readTopic(
  topic: string,
  opts: { expected?: number; timeoutMs?: number; settleMs?: number } = {},
): Promise<KafkaMessage[]> {
  const consumer = kafka().consumer({
    groupId: `it-reader-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
  });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline && (opts.expected === undefined || got.length < opts.expected)) {
    await new Promise((r) => setTimeout(r, 100));
    if (opts.expected === undefined && Date.now() > deadline - (opts.timeoutMs ?? 60_000) + 3_000) break;
  }
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 1_000));
  await consumer.disconnect();
  return got;
}

/**
 * Reads several topics whole with one read_committed consumer: until `quietMs` pass with nothing new
 * after the last record (or the timeout). One consumer, one group join, for all of them.
 */
export async function readTopics(
  topics: string[],
  opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<Map<string, KafkaMessage[]>> {
  const consumer = kafka().consumer({
    groupId: `it-reader-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
  });
  const got = new Map<string, KafkaMessage[]>(topics.map((t) => [t, []]));
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      got.get(topic)!.push(message);
      last = Date.now();
    },
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const quiet = opts.quietMs ?? 2_000;
  while (Date.now() < deadline && Date.now() - last < quiet) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return got;
}

export const json = <T>(m: KafkaMessage): T => JSON.parse(m.value!.toString('utf8')) as T;
