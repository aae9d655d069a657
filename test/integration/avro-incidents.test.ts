// Avro with the incident stage, on the broker: the cascade week's pages, resolves and incident records come
// out framed Avro, decode through the registry, and map back (tier-wire.ts) to what score writes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { parse as parseYaml } from 'yaml';
import { registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import {
  incidentFromWire,
  type TierRecord,
  tierRecordFromWire,
} from '../../src/adapters/registry/tier-wire.ts';
import { type Config, parseConfig } from '../../src/config.ts';
import type { IncidentRecord } from '../../src/core/incidents/types.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  BROKERS,
  codecFor,
  createTopics,
  ndjsonLines,
  produceLines,
  REGISTRY,
  ROOT,
  readTopic,
  SKIP,
  startService,
  uniqueTopics,
} from './harness.ts';

const WEEK = join(ROOT, 'examples', 'cascade-week');

describe('stream: Avro out with the incident stage', { skip: SKIP }, () => {
  let config: Config;
  let admin: Admin;
  let service: StreamService;
  const offlinePages: TierRecord[] = [];

  before(async () => {
    const id = randomBytes(4).toString('hex');
    const doc = parseYaml(readFileSync(join(WEEK, 'catalog.yaml'), 'utf8')) as Record<string, unknown>;
    config = parseConfig({
      ...doc,
      topics: uniqueTopics(`it-${id}`),
      output: { format: 'avro' },
      kafka: {
        brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
        group_id: `it-${id}`,
        transactional_id_prefix: `it-${id}`,
        client_id: `it-${id}`,
        partitions: { alerts: 3, deployments: 1, feedback: 1, outputs: 2, dlq: 1, incidents: 2 },
        session_timeout: '10s',
        max_partition_idle: '2s',
        incident_stage: true,
      },
      registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
      http: { port: 0 },
    });
    await runOffline(
      config,
      { alerts: join(WEEK, 'alerts.ndjson'), deploys: join(WEEK, 'deploys.ndjson') },
      {
        scored: () => undefined,
        rejected: () => undefined,
        page: (p) => void offlinePages.push(p),
        resolve: (r) => void offlinePages.push(r),
      },
      { versions: 'off' },
    );
    admin = await createTopics(config);
    await produceLines(config.topics.deployments, ndjsonLines(join(WEEK, 'deploys.ndjson')), 'model_id');
    await produceLines(config.topics.alerts, ndjsonLines(join(WEEK, 'alerts.ndjson')), 'model_id');
    service = startService(config);
    await service.start();
  });

  after(async () => {
    await service?.stop();
    await admin?.disconnect();
  });

  it('registers tier-record.avsc on the tier subjects and incident-record.avsc on ml.incidents', async () => {
    const ids = await codecFor(config).registerSchemas(registryTopicsOf(config.topics, true));
    assert.ok(
      ids[`${config.topics.P1}-value`] !== undefined && ids[`${config.topics.incidents}-value`] !== undefined,
    );
  });

  it('every tier and incident record is framed Avro that decodes to what score writes', async () => {
    const codec = codecFor(config);
    const t = config.topics;
    const tier: TierRecord[] = [];
    for (const topic of [t.P1, t.P2, t.P3, t.P4]) {
      const expected = offlinePages.filter((p) => t[p.tier] === topic).length;
      for (const m of await readTopic(topic, { expected, timeoutMs: 90_000 })) {
        assert.equal(m.value![0], 0, 'framed Avro');
        tier.push(tierRecordFromWire((await codec.decode(m.value!)) as Record<string, unknown>));
      }
    }
    const ids = (rs: TierRecord[]) => rs.map((r) => r.page_id).sort();
    assert.deepEqual(ids(JSON.parse(JSON.stringify(tier))), ids(offlinePages));
    const incidents: IncidentRecord[] = [];
    for (const m of await readTopic(t.incidents, { timeoutMs: 30_000, settleMs: 3_000 })) {
      assert.equal(m.value![0], 0, 'framed Avro');
      incidents.push(incidentFromWire(JSON.parse(JSON.stringify(await codec.decode(m.value!)))));
    }
    assert.ok(incidents.length > 0);
    assert.ok(incidents.every((i) => i.incident_id.startsWith('inc-')));
  });
});
