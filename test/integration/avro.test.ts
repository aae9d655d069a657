// Avro in the Confluent wire format, end to end: Avro alerts in (beside JSON deploys), Avro scored
// alerts out, the same verdicts as the offline CLI on the same records.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import avro from 'avsc';
import type { Admin } from 'kafkajs';
import { registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import type { Config } from '../../src/config.ts';
import { parseAlert } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  codecFor,
  createTopics,
  ndjsonLines,
  produceLines,
  produceRaw,
  ROOT,
  readTopic,
  SAMPLE,
  SKIP,
  startService,
  testConfig,
} from './harness.ts';

const COUNT = 400;

describe('stream: Avro in, Avro out', { skip: SKIP }, () => {
  let config: Config;
  let admin: Admin;
  let service: StreamService;
  let scored: ScoredAlert[];
  const alerts = SKIP ? [] : ndjsonLines(join(SAMPLE, 'alerts.ndjson')).slice(0, COUNT);

  before(async () => {
    config = testConfig({ output: { format: 'avro' } });
    admin = await createTopics(config);
    const t = config.topics;
    const codec = codecFor(config);
    const ids = await codec.registerSchemas(registryTopicsOf(t));
    // A producer's side of the wire format: the registered schema, every optional field null when absent.
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'anomaly-alert.avsc'), 'utf8'));
    const type = avro.Type.forSchema(schema, { wrapUnions: 'auto' });
    const names = (schema.fields as { name: string }[]).map((f) => f.name);
    const encoded = alerts.map((line) => {
      const parsed = parseAlert(JSON.parse(line));
      assert.ok(parsed.ok);
      const record = Object.fromEntries(
        names.map((n) => [n, (parsed.value as unknown as Record<string, unknown>)[n] ?? null]),
      );
      return { key: parsed.value.model_id, value: frame(ids[`${t.alerts}-value`]!, type.toBuffer(record)) };
    });
    await produceLines(t.deployments, ndjsonLines(join(SAMPLE, 'deploys.ndjson')), 'model_id');
    await produceRaw(t.alerts, encoded);
    service = startService(config);
    await service.start();
    const messages = await readTopic(t.scored, { expected: COUNT, timeoutMs: 60_000 });
    scored = [];
    for (const m of messages) {
      assert.equal(m.value![0], 0, 'the output is framed Avro');
      scored.push((await codec.decode(m.value!)) as ScoredAlert);
    }
  });

  after(async () => {
    await service?.stop();
    await admin?.disconnect();
  });

  it('scores every Avro alert once and publishes Avro the registry can decode', () => {
    assert.equal(scored.length, COUNT);
    assert.equal(new Set(scored.map((a) => a.alert_id)).size, COUNT);
  });

  it('gives the verdicts of the offline CLI on the same records (as JSON)', async () => {
    const expected = new Map<string, ScoredAlert>();
    const file = join(mkdtempSync(join(tmpdir(), 'alert-triage-avro-')), 'alerts.ndjson');
    writeFileSync(file, `${alerts.join('\n')}\n`);
    await runOffline(
      config,
      { alerts: file, deploys: join(SAMPLE, 'deploys.ndjson') },
      {
        scored: (a) => void expected.set(a.alert_id, a),
        rejected: () => undefined,
      },
    );
    for (const a of scored) {
      const e = expected.get(a.alert_id)!;
      assert.deepEqual(
        { tier: a.tier, priority: a.priority, reasons: a.reasons, suppressed: a.dedup.suppressed },
        { tier: e.tier, priority: e.priority, reasons: e.reasons, suppressed: e.dedup.suppressed },
        a.alert_id,
      );
    }
  });
});
