// Avro in the Confluent wire format, end to end: Avro alerts in (beside JSON deploys), Avro scored
// alerts out, the same verdicts as the offline CLI on the same records.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Admin } from 'kafkajs';
import { registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import type { Config } from '../../src/config.ts';
import { parseAlert, parseDeploy } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  codecFor,
  createTopics,
  json,
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
    const ids = await codec.registerSchemas(registryTopicsOf(t, config.kafka.incident_stage));
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

/**
 * A producer's schema evolves under the registry's FORWARD_TRANSITIVE check (which `registerSchemas` set on the
 * input subjects), written by a third-party client (@kafkajs/confluent-schema-registry, as confluent-kafka's
 * AvroSerializer would): every record of every version is scored, none dead-lettered.
 */
describe('stream: a producer evolves its Avro schemas; every record is scored', { skip: SKIP }, () => {
  const PER_VERSION = 100;
  let config: Config;
  let admin: Admin;
  let service: StreamService;
  let scored: ScoredAlert[];
  let dlq: number;
  let refused: string;
  const versions: { name: string; id: number; count: number }[] = [];
  const alerts = SKIP ? [] : ndjsonLines(join(SAMPLE, 'alerts.ndjson')).slice(0, 4 * PER_VERSION);
  const staleness = new Set<string>();

  before(async () => {
    config = testConfig();
    admin = await createTopics(config);
    const t = config.topics;
    await codecFor(config).registerSchemas(registryTopicsOf(t, config.kafka.incident_stage));
    const registry = new SchemaRegistry({ host: config.registry.url, retry: { retries: 0 } });
    const register = async (subject: string, schema: object) =>
      (
        await registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.FORWARD_TRANSITIVE },
        )
      ).id;
    const ours = JSON.parse(readFileSync(join(ROOT, 'schemas', 'anomaly-alert.avsc'), 'utf8'));
    type Field = { name: string; type: unknown; default?: unknown };
    // v1 ours; v2 + optional `tenant`; v3 + Signal symbol `model_staleness`; v4 − optional `region`.
    const v2 = structuredClone(ours);
    v2.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
    const v3 = structuredClone(v2);
    v3.fields.find((f: Field) => f.name === 'signal').type.symbols.push('model_staleness');
    const v4 = structuredClone(v3);
    v4.fields = v4.fields.filter((f: Field) => f.name !== 'region');
    const subject = `${t.alerts}-value`;
    const schemas = [ours, v2, v3, v4];
    for (const [i, s] of schemas.entries())
      versions.push({ name: `v${i + 1}`, id: await register(subject, s), count: 0 });
    // What FORWARD_TRANSITIVE is there for: a change our reader could not read is refused at registration.
    const broken = structuredClone(v4);
    broken.fields = broken.fields.filter((f: Field) => f.name !== 'model_id');
    refused = await register(subject, broken).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    // Deploys with an added optional field, through the side-input reader.
    const deploySchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'deploy-event.avsc'), 'utf8'));
    deploySchema.fields.push({ name: 'pipeline_run', type: ['null', 'string'], default: null });
    const deployId = await register(`${t.deployments}-value`, deploySchema);
    const deployType = avro.Type.forSchema(deploySchema, { wrapUnions: 'auto' });
    const deploys = ndjsonLines(join(SAMPLE, 'deploys.ndjson')).map((line) => {
      const p = parseDeploy(JSON.parse(line));
      assert.ok(p.ok);
      const d = p.value as unknown as Record<string, unknown>;
      const record = Object.fromEntries(
        (deploySchema.fields as Field[]).map((f) => [f.name, d[f.name] ?? null]),
      );
      record.pipeline_run = 'run-7';
      return {
        key: (d.model_id ?? d.service) as string,
        value: frame(deployId, deployType.toBuffer(record)),
      };
    });
    await produceRaw(t.deployments, deploys);

    const types = schemas.map((s) => avro.Type.forSchema(s, { wrapUnions: 'auto' }));
    const encoded = alerts.map((line, i) => {
      const v = Math.floor(i / PER_VERSION);
      const parsed = parseAlert(JSON.parse(line));
      assert.ok(parsed.ok);
      const a = parsed.value as unknown as Record<string, unknown>;
      const record = Object.fromEntries(
        (schemas[v].fields as Field[]).map((f) => [f.name, a[f.name] ?? null]),
      );
      if (v >= 1) record.tenant = 'acme';
      if (v >= 2 && i % 2 === 0) {
        record.signal = 'model_staleness';
        staleness.add(a.alert_id as string);
      }
      versions[v]!.count++;
      return { key: a.model_id as string, value: frame(versions[v]!.id, types[v]!.toBuffer(record)) };
    });
    await produceRaw(t.alerts, encoded);
    service = startService(config);
    await service.start();
    const messages = await readTopic(t.scored, { expected: alerts.length, timeoutMs: 90_000 });
    scored = messages.map((m) => json<ScoredAlert>(m));
    dlq = (await readTopic(t.dlq, { timeoutMs: 3_000, settleMs: 0 })).length;
    console.log(
      `SCHEMA-EVOLUTION ${JSON.stringify({
        produced: alerts.length,
        by_writer_schema: Object.fromEntries(versions.map((v) => [`${v.name}(id ${v.id})`, v.count])),
        new_symbol_alerts: staleness.size,
        deploys_with_added_field: deploys.length,
        scored: scored.length,
        distinct: new Set(scored.map((a) => a.alert_id)).size,
        new_symbol_scored_as_other: scored.filter(
          (a) => staleness.has(a.alert_id) && a.alert.signal === 'other',
        ).length,
        dead_lettered: dlq,
        broken_change: refused.slice(0, 120),
      })}`,
    );
  });

  after(async () => {
    await service?.stop();
    await admin?.disconnect();
  });

  it('the registry accepts the three changes and refuses one our reader could not read', () => {
    assert.equal(new Set(versions.map((v) => v.id)).size, 4, 'four versions, four ids');
    assert.notEqual(refused, 'accepted');
  });

  it('scores every record of every writer version once, dead-letters none', () => {
    assert.equal(dlq, 0);
    assert.equal(scored.length, alerts.length);
    assert.equal(new Set(scored.map((a) => a.alert_id)).size, alerts.length);
  });

  it('reads the new Signal symbol as other, and joins the deploys written with an added field', () => {
    const stale = scored.filter((a) => staleness.has(a.alert_id));
    assert.equal(stale.length, staleness.size);
    assert.ok(stale.every((a) => a.alert.signal === 'other'));
    const others = scored.filter((a) => !staleness.has(a.alert_id));
    const bySignal = new Map(
      alerts
        .map((l) => JSON.parse(l) as { alert_id: string; signal: string })
        .map((a) => [a.alert_id, a.signal]),
    );
    assert.ok(others.every((a) => a.alert.signal === bySignal.get(a.alert_id)));
    assert.ok(
      scored.some((a) => a.context.deploys.length > 0),
      'deploys were read and joined',
    );
  });
});
