// The pipeline conformance suite (test/runtime/conformance.ts) on the real broker and registry: the
// same cases the in-memory ports pass, with StreamService instances in this process.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Admin, KafkaMessage } from 'kafkajs';
import { partitionCounts } from '../../src/adapters/kafka/admin.ts';
import { parseConfig } from '../../src/config.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  conformanceSuite,
  type Harness,
  incidentConformanceSuite,
  type ReadRecord,
  type World,
} from '../runtime/conformance.ts';
import {
  BROKERS,
  createTopics,
  kafka,
  produceLines,
  produceRaw,
  REGISTRY,
  readTopic,
  readTopics,
  SKIP,
  startService,
  uniqueTopics,
  waitUntil,
} from './harness.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const toRead = (m: KafkaMessage): ReadRecord => ({
  key: m.key?.toString('utf8') ?? null,
  value: m.value?.toString('utf8') ?? null,
  headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
});

async function brokerWorld(catalog: Record<string, unknown>, o: { partitions: number }): Promise<World> {
  const id = randomBytes(4).toString('hex');
  const doc = {
    ...catalog,
    topics: uniqueTopics(`cf-${id}`),
    kafka: {
      ...((catalog.kafka as Record<string, unknown> | undefined) ?? {}),
      brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
      group_id: `cf-${id}`,
      transactional_id_prefix: `cf-${id}`,
      client_id: `cf-${id}`,
      partitions: { alerts: o.partitions, deployments: 2, feedback: 1, outputs: 2, dlq: 1, incidents: 3 },
      session_timeout: '10s',
    },
    registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
    http: { port: 0 },
  };
  const config = parseConfig(doc);
  const admin: Admin = await createTopics(config);
  const services: StreamService[] = [];
  const t = config.topics;
  let cache: Map<string, KafkaMessage[]> | undefined;
  const allReady = async () => {
    const split = () => {
      const hs = services.map((s) => s.health());
      const owned = hs.flatMap((h) => h.details.assignedPartitions as number[]);
      return (
        hs.every((h) => h.ready) && owned.length === o.partitions && new Set(owned).size === o.partitions
      );
    };
    await waitUntil('every instance ready with the partitions split', split, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(services.map((s) => s.health()))}`);
    });
  };
  let launched = 0;
  const launch = async () => {
    // Instances in one process need ids of their own (a host's name and pid tell them apart otherwise).
    const own = parseConfig({ ...doc, kafka: { ...doc.kafka, instance_id: `cf-${id}-${++launched}` } });
    const s = startService(own);
    services.push(s);
    await s.start();
  };
  return {
    config,
    produce: (kind, lines) => {
      cache = undefined;
      return produceLines(t[kind], [...lines], 'model_id');
    },
    produceRaw: (records) => {
      cache = undefined;
      return produceRaw(t.alerts, records);
    },
    start: async (n = 1) => {
      for (let i = 0; i < n; i++) await launch();
      await allReady();
    },
    join: async () => {
      await launch();
      await allReady();
    },
    restart: async () => {
      const n = services.length;
      for (const s of services.splice(0)) await s.stop();
      for (let i = 0; i < n; i++) await launch();
      await allReady();
    },
    idle: (ms) => sleep(ms),
    settle: async (count, dlq = 0) => {
      const scored = await readTopic(t.scored, { expected: count, timeoutMs: 120_000, settleMs: 0 });
      if (scored.length < count) throw new Error(`only ${scored.length} of ${count} alerts scored in time`);
      const dead = dlq > 0 ? await readTopic(t.dlq, { expected: dlq, timeoutMs: 60_000, settleMs: 0 }) : [];
      if (dead.length < dlq) throw new Error(`only ${dead.length} of ${dlq} records dead-lettered in time`);
    },
    // Every output topic in one read (the scored count was reached first: the rest committed with it).
    read: async (topic) => {
      const stage = config.kafka.incident_stage ? [t.incidents] : [];
      cache ??= await readTopics([t.scored, t.P1, t.P2, t.P3, t.P4, t.dlq, t.actions, ...stage]);
      return cache.get(t[topic])!.map(toRead);
    },
    close: async () => {
      for (const s of services.splice(0)) await s.stop();
      await admin.disconnect();
    },
  };
}

const broker: Harness = { name: 'Kafka broker and schema registry', world: brokerWorld };

describe('conformance on the broker', { skip: SKIP }, () => {
  // The suite's cases assert through conformance.ts; this one checks the harness itself, so a world that
  // quietly fell back to something else (or shared topics with another) could not pass them.
  it('gives each world topics of its own on the broker, the changelog partitioned like the alerts', async () => {
    const catalog = { models: {} };
    const [a, b] = [
      await brokerWorld(catalog, { partitions: 3 }),
      await brokerWorld(catalog, { partitions: 3 }),
    ];
    try {
      assert.notEqual(a.config.topics.alerts, b.config.topics.alerts);
      assert.notEqual(a.config.kafka.group_id, b.config.kafka.group_id);
      const admin = kafka().admin();
      await admin.connect();
      try {
        const t = a.config.topics;
        const counts = await partitionCounts(admin, [t.alerts, t.dedup_changelog]);
        assert.deepEqual(
          [...counts].sort(),
          [
            [t.alerts, 3],
            [t.dedup_changelog, 3],
          ].sort(),
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  conformanceSuite(broker);
  incidentConformanceSuite(broker, { backlog: false });
});
