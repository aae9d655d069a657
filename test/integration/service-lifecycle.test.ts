// The service across restarts and instances, and with bad input: nothing lost, nothing doubled,
// nothing re-paged, every bad record in the DLQ with its reason.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin, KafkaMessage } from 'kafkajs';
import { registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import type { Config } from '../../src/config.ts';
import type { TierRecord } from '../../src/core/incidents/types.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  codecFor,
  createTopics,
  json,
  ndjsonLines,
  produceLines,
  produceRaw,
  readTopic,
  SAMPLE,
  SKIP,
  startService,
  testConfig,
  waitUntil,
} from './harness.ts';

const ALERTS = join(SAMPLE, 'alerts.ndjson');
const DEPLOYS = join(SAMPLE, 'deploys.ndjson');
const alertLines = SKIP ? [] : ndjsonLines(ALERTS);

async function offlineVerdicts(config: Config) {
  const byId = new Map<
    string,
    { priority: number; tier: string; suppressed: boolean; page: boolean; incident_id: string | undefined }
  >();
  await runOffline(
    config,
    { alerts: ALERTS, deploys: DEPLOYS },
    {
      scored: (a) =>
        void byId.set(a.alert_id, {
          priority: a.priority,
          tier: a.tier,
          suppressed: a.dedup.suppressed,
          page: a.page === true,
          incident_id: a.incident_id,
        }),
      rejected: () => undefined,
    },
  );
  return byId;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('stream: a restart rebuilds deploy state and does not re-page', { skip: SKIP }, () => {
  let config: Config;
  let admin: Admin;
  let second: StreamService | undefined;

  before(async () => {
    config = testConfig();
    admin = await createTopics(config);
  });
  after(async () => {
    await second?.stop();
    await admin?.disconnect();
  });

  it('scores the second half after a restart exactly as one uninterrupted offline run', async () => {
    const half = Math.floor(alertLines.length / 2);
    await produceLines(config.topics.deployments, ndjsonLines(DEPLOYS), 'model_id');
    await produceLines(config.topics.alerts, alertLines.slice(0, half), 'model_id');

    const first = startService(config, {});
    await first.start();
    await waitUntil(
      'first half scored',
      async () => (await readTopic(config.topics.scored, { timeoutMs: 3_000, settleMs: 0 })).length >= half,
      90_000,
    );
    await first.stop();

    // A new instance: the deploy window and the dedup state come back from the topics alone.
    await produceLines(config.topics.alerts, alertLines.slice(half), 'model_id');
    second = startService(testConfigWith(config, 'restarted'));
    await second.start();
    const scored = (
      await readTopic(config.topics.scored, { expected: alertLines.length, timeoutMs: 120_000 })
    ).map((m) => json<ScoredAlert>(m));
    assert.equal(scored.length, alertLines.length, 'every alert once');
    assert.equal(new Set(scored.map((a) => a.alert_id)).size, alertLines.length);

    const expected = await offlineVerdicts(config);
    const secondHalf = scored.filter((a) =>
      alertLines.slice(half).some((l) => l.includes(`"${a.alert_id}"`)),
    );
    const differing = secondHalf
      .filter((a) => {
        const e = expected.get(a.alert_id)!;
        return e.tier !== a.tier || e.suppressed !== a.dedup.suppressed || e.priority !== a.priority;
      })
      .map((a) => ({
        id: a.alert_id,
        stream: [a.tier, a.priority, a.dedup.suppressed],
        offline: expected.get(a.alert_id),
      }));
    assert.deepEqual(differing.slice(0, 5), [], 'suppression and deploy context survived the restart');
    assert.ok(
      secondHalf.some((a) => a.dedup.suppressed),
      'the second half has repeats to suppress',
    );
  });
});

/** The same topics and group, another instance id. */
function testConfigWith(config: Config, instance: string): Config {
  return { ...config, kafka: { ...config.kafka, instance_id: instance } };
}

describe('stream: two instances in one group', { skip: SKIP }, () => {
  let config: Config;
  let admin: Admin;
  const services: StreamService[] = [];

  before(async () => {
    config = testConfig();
    admin = await createTopics(config);
    await produceLines(config.topics.deployments, ndjsonLines(DEPLOYS), 'model_id');
    await produceLines(config.topics.alerts, alertLines, 'model_id');
  });
  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await admin?.disconnect();
  });

  it('split the partitions and together publish every alert exactly once', async () => {
    for (const id of ['a', 'b']) {
      const s = startService(testConfigWith(config, id));
      services.push(s);
    }
    await Promise.all(services.map((s) => s.start()));
    await waitUntil('both instances hold partitions', () =>
      services.every((s) => (s.health().details.assignedPartitions as number[]).length > 0),
    );
    const scored = (
      await readTopic(config.topics.scored, {
        expected: alertLines.length,
        timeoutMs: 120_000,
        settleMs: 2_000,
      })
    ).map((m) => json<ScoredAlert>(m));
    assert.equal(scored.length, alertLines.length);
    assert.equal(new Set(scored.map((a) => a.alert_id)).size, alertLines.length);
    const parts = services.map((s) => s.health().details.assignedPartitions as number[]);
    assert.deepEqual([...parts.flat()].sort(), [0, 1, 2], `assignments ${JSON.stringify(parts)}`);

    // With the incident stage (the default) the tier topics carry pages: each incident's page once,
    // whichever instance held its alerts, and exactly the pages `score` makes.
    const paged = new Set<string>();
    for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
      for (const m of await readTopic(config.topics[tier], { timeoutMs: 4_000, settleMs: 500 })) {
        const r = json<TierRecord>(m);
        if (r.action !== 'trigger') continue;
        const page = `${r.incident_id}/${r.alert.alert_id}`;
        assert.ok(!paged.has(page), `${page} paged twice`);
        paged.add(page);
      }
    }
    const expected = await offlineVerdicts(config);
    const offlinePages = [...expected].filter(([, v]) => v.page).map(([id, v]) => `${v.incident_id}/${id}`);
    assert.ok(offlinePages.length > 0, 'the week pages at all');
    assert.deepEqual([...paged].sort(), offlinePages.sort(), 'the pages of score');
  });
});

describe('stream: bad input goes to the DLQ with its reason', { skip: SKIP }, () => {
  let config: Config;
  let admin: Admin;
  let service: StreamService;

  const good = (id: string, minute: number) =>
    JSON.stringify({
      alert_id: id,
      event_time: Date.parse('2026-11-16T10:00:00Z') + minute * 60_000,
      model_id: 'fraud-scorer',
      signal: 'latency',
      feature: id,
      severity: 'high',
    });
  // The first byte of an AnomalyAlert payload says alert_id has 1 character, which never comes.
  const truncatedAvro = () => frame(alertSchemaId, Buffer.from([0x02]));
  let alertSchemaId = 0;
  const unknownSchema = Buffer.concat([Buffer.from([0, 0, 0x0f, 0x42, 0x3f]), Buffer.from('abc')]);
  const bad: { name: string; value: Buffer | string | null; code: RegExp }[] = [
    { name: 'not json', value: 'this is not json', code: /^MALFORMED_JSON$/ },
    {
      name: 'random bytes',
      value: Buffer.from([0xff, 0xfe, 0x01, 0x99, 0x00, 0x42]),
      code: /^MALFORMED_JSON$/,
    },
    {
      name: 'wrong magic byte',
      value: Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), Buffer.from('{}')]),
      code: /^MALFORMED_JSON$/,
    },
    { name: 'truncated avro', value: Buffer.alloc(0), code: /^AVRO_DECODE_FAILED$/ },
    { name: 'unknown schema id', value: unknownSchema, code: /^UNKNOWN_SCHEMA_ID$/ },
    {
      name: 'wrong types',
      value: JSON.stringify({ alert_id: 7, event_time: 'soon', model_id: [], signal: 'latency' }),
      code: /^(WRONG_TYPE|BAD_TIMESTAMP)$/,
    },
    {
      name: '__proto__ keys',
      value: '{"__proto__": {"admin": true}, "constructor": {"prototype": 1}}',
      code: /^MISSING_FIELD$/,
    },
    {
      name: 'infinite number as string',
      value: good('x', 0).replace('"high"', '"high", "confidence": "Infinity"'),
      code: /^WRONG_TYPE$/,
    },
    {
      name: 'huge string',
      value: good('big', 0).replace('"high"', `"high", "source": "${'x'.repeat(600_000)}"`),
      code: /^TOO_LARGE$/,
    },
    { name: 'tombstone', value: null, code: /^EMPTY_VALUE$/ },
  ];

  before(async () => {
    config = testConfig({}, join(SAMPLE, 'catalog.yaml'));
    admin = await createTopics(config);
    const t = config.topics;
    const ids = await codecFor(config).registerSchemas(registryTopicsOf(t, config.kafka.incident_stage));
    alertSchemaId = ids[`${t.alerts}-value`]!;
    bad.find((b) => b.name === 'truncated avro')!.value = truncatedAvro();
    const messages: { key?: string; value: Buffer | string | null }[] = [];
    bad.forEach((b, i) => {
      messages.push({ key: 'fraud-scorer', value: good(`ok-${i}`, i) });
      messages.push({ key: 'fraud-scorer', value: b.value });
    });
    messages.push({ key: 'fraud-scorer', value: good('ok-last', 99) });
    await produceRaw(config.topics.alerts, messages);
    service = startService(config);
    await service.start();
  });
  after(async () => {
    await service?.stop();
    await admin?.disconnect();
  });

  it('dead-letters each bad record with the original bytes, where it came from and why', async () => {
    const dlq = await readTopic(config.topics.dlq, { expected: bad.length, timeoutMs: 60_000 });
    assert.equal(dlq.length, bad.length);
    for (const [i, b] of bad.entries()) {
      const m = dlq[i]!;
      assert.match(
        header(m, DLQ_HEADERS.code) ?? '',
        b.code,
        `${b.name}: ${header(m, DLQ_HEADERS.code)} ${header(m, DLQ_HEADERS.message)}`,
      );
      assert.equal(header(m, DLQ_HEADERS.topic), config.topics.alerts);
      assert.equal(header(m, DLQ_HEADERS.offset), String(2 * i + 1));
      assert.ok(header(m, DLQ_HEADERS.message), b.name);
      const original = b.value === null ? null : Buffer.from(b.value);
      assert.deepEqual(m.value, original, `${b.name}: original bytes kept`);
    }
  });

  it('scores every good record around them', async () => {
    const scored = await readTopic(config.topics.scored, { expected: bad.length + 1, timeoutMs: 30_000 });
    assert.deepEqual(
      scored.map((m) => json<ScoredAlert>(m).alert_id).sort(),
      [...bad.map((_, i) => `ok-${i}`), 'ok-last'].sort(),
    );
  });
});
