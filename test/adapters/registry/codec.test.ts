// The record codec. The first suite needs no registry (JSON, limits, and registry faults simulated with local
// HTTP servers); the second runs against a real Confluent-compatible registry (Apicurio's ccompat API) and is
// skipped unless SCHEMA_REGISTRY_URL is set:
//   bash scripts/infra/infra.sh up registry
//   SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7 node --test test/adapters/registry/codec.test.ts
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import {
  CodecError,
  type CodecErrorCode,
  type CompatibilityOutcome,
  createCodec,
  DEFAULT_MAX_RECORD_BYTES,
  type RecordCodec,
  type RegistryTopics,
} from '../../../src/adapters/registry/codec.ts';
import { frame } from '../../../src/adapters/registry/wire-format.ts';
import type { Action } from '../../../src/core/actions.ts';
import { parseAlert, parseDeploy, parseFeedback } from '../../../src/core/parse-record.ts';
import { createState, createStep, type ScoredAlert } from '../../../src/core/processor.ts';
import { aConfig, aDeploy, alertInput, anAlert, deployInput, MIN, T0 } from '../../fixtures/builders.ts';

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL;
const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', '..', 'schemas');
const DOWN_URL = 'http://127.0.0.1:1/apis/ccompat/v7';

async function rejectsWith(p: Promise<unknown>, code: CodecErrorCode, canRetry: boolean, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CodecError, `expected a CodecError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.canRetry, canRetry);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Null and absent mean the same in a record: drop both, recursively, to compare content. */
function content(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(content);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null && x !== undefined)
        .map(([k, x]) => [k, content(x)]),
    );
  }
  return v;
}

/** Real core outputs: a P1 release regression with a rollback, and a cheap uncatalogued model's alert. */
function coreOutputs(): { scored: ScoredAlert[]; actions: Action[] } {
  const config = aConfig();
  const step = createStep(config);
  const state = createState(config);
  const inputs = [
    deployInput(
      aDeploy({ event_time: T0 - 10 * MIN, version: 'v43', previous_version: 'v42', commit: 'abc123' }),
    ),
    deployInput(
      aDeploy({
        event_time: T0 - 40 * MIN,
        kind: 'schema_change',
        model_id: undefined,
        service: 'feature-pipeline-payments',
      }),
    ),
    alertInput(
      anAlert({
        alert_id: 'codec-a1',
        severity: 'critical',
        confidence: 0.95,
        affected_entities: 45_000,
        value: 0.61,
        threshold: 0.9,
        feature: 'amount',
        region: 'eu-west-1',
        labels: { team: 'risk', 'weird key ✓': 'value "quoted"' },
      }),
      T0 + 5_000,
    ),
    alertInput(
      anAlert({
        alert_id: 'codec-a2',
        event_time: T0 + MIN,
        model_id: 'not-in-catalog',
        signal: 'latency',
        source: undefined,
        value: undefined,
        threshold: undefined,
        metric: undefined,
        severity: 'low',
      }),
      T0 + 65_000,
    ),
  ];
  const scored: ScoredAlert[] = [];
  const actions: Action[] = [];
  for (const input of inputs) {
    for (const out of step(state, input).outputs) {
      if (out.kind === 'scored') scored.push(out.alert);
      if (out.kind === 'action') actions.push(out.action);
    }
  }
  return { scored, actions };
}

/**
 * A producer's later AnomalyAlert schema, with the three changes FORWARD_TRANSITIVE lets through: an added
 * optional field (`tenant`), an added Signal symbol (`model_staleness`), a removed optional field (`region`).
 */
export function evolvedAlertSchema(): { schema: Record<string, unknown>; text: string } {
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'anomaly-alert.avsc'), 'utf8'));
  const fields = schema.fields as { name: string; type: unknown }[];
  const signal = fields.find((f) => f.name === 'signal')!.type as { symbols: string[]; default?: string };
  signal.symbols.push('model_staleness');
  delete signal.default; // a producer's copy need not carry our default: the reader's is what counts
  schema.fields = fields.filter((f) => f.name !== 'region');
  schema.fields.push({
    name: 'tenant',
    type: ['null', 'string'],
    default: null,
    doc: 'added by the producer',
  });
  return { schema, text: JSON.stringify(schema) };
}

function uniqueTopics(): RegistryTopics {
  const s = randomUUID().slice(0, 8);
  return {
    alerts: `test.${s}.anomalies`,
    deployments: `test.${s}.deployments`,
    feedback: `test.${s}.feedback`,
    scored: `test.${s}.scored`,
    tiers: ['p1', 'p2', 'p3', 'p4'].map((t) => `test.${s}.${t}`),
    actions: `test.${s}.actions`,
  };
}

/** A local HTTP server answering every request with `handler`; closed after the suite. */
async function fakeRegistry(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/apis/ccompat/v7`, server };
}

describe('record codec without a registry', () => {
  const codec = createCodec({ registryUrl: DOWN_URL, outputFormat: 'json' });
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.closeAllConnections();
    for (const s of servers) s.close();
  });

  it('round-trips JSON records through encode and decode', async () => {
    const { scored, actions } = coreOutputs();
    assert.ok(scored.length === 2 && actions.length >= 2);
    for (const s of scored) {
      const bytes = await codec.encode('scored', 'ml.alerts.scored', s);
      assert.deepStrictEqual(await codec.decode(bytes), JSON.parse(JSON.stringify(s)));
    }
    for (const a of actions) {
      assert.deepStrictEqual(await codec.decode(await codec.encode('action', 'ml.alerts.actions', a)), a);
    }
    const alert = await codec.decode(
      Buffer.from(JSON.stringify({ ...anAlert(), event_time: '2026-11-16T10:00:00Z' })),
    );
    assert.ok(parseAlert(alert).ok);
  });

  it('decodes JSON with a UTF-8 BOM', async () => {
    assert.deepStrictEqual(await codec.decode(Buffer.from('\ufeff{"a":1}')), { a: 1 });
  });

  it('treats a value with another magic byte as JSON: MALFORMED_JSON, not retriable', async () => {
    const notAvro = Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), Buffer.from('payload')]);
    await rejectsWith(codec.decode(notAvro), 'MALFORMED_JSON', false);
    await rejectsWith(codec.decode(Buffer.from('{"alert_id": ')), 'MALFORMED_JSON', false);
    await rejectsWith(codec.decode(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'MALFORMED_JSON', false, /UTF-8/);
    await rejectsWith(codec.decode(Buffer.alloc(0)), 'MALFORMED_JSON', false);
  });

  it('reports a value shorter than the Avro header as TRUNCATED_FRAME', async () => {
    await rejectsWith(codec.decode(Buffer.from([0, 0, 1])), 'TRUNCATED_FRAME', false);
  });

  it('refuses values over the size limit before parsing them', async () => {
    const big = Buffer.from(JSON.stringify({ alert_id: 'x'.repeat(DEFAULT_MAX_RECORD_BYTES) }));
    await rejectsWith(codec.decode(big), 'RECORD_TOO_LARGE', false, /limit is 1048576/);
    const small = createCodec({ registryUrl: DOWN_URL, outputFormat: 'json', maxRecordBytes: 10 });
    await rejectsWith(small.decode(Buffer.from('{"a":"0123456789"}')), 'RECORD_TOO_LARGE', false);
    await rejectsWith(small.decode(frame(1, Buffer.alloc(20))), 'RECORD_TOO_LARGE', false);
  });

  it('refuses deeply nested JSON without overflowing the stack', async () => {
    const depth = 400_000;
    const deep = Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    await rejectsWith(codec.decode(deep), 'RECORD_TOO_LARGE', false, /nested deeper than 64/);
    const deepObject = Buffer.from(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`);
    await rejectsWith(codec.decode(deepObject), 'RECORD_TOO_LARGE', false);
    // Brackets inside strings do not count, escaped quotes do not end a string.
    const v = { s: `[[[[\\"{{{${'['.repeat(100)}`, labels: { a: 'b' } };
    assert.deepStrictEqual(await codec.decode(Buffer.from(JSON.stringify(v))), v);
  });

  it('keeps "__proto__" keys as data, never as a prototype', async () => {
    const v = (await codec.decode(Buffer.from('{"labels":{"__proto__":{"polluted":"yes"}}}'))) as {
      labels: Record<string, unknown>;
    };
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(Object.hasOwn(v.labels, '__proto__'));
  });

  it('registry down (connection refused) → REGISTRY_UNAVAILABLE, retriable', async () => {
    const avro = createCodec({ registryUrl: DOWN_URL, outputFormat: 'avro' });
    await rejectsWith(
      avro.decode(frame(1, Buffer.from([2, 0x61]))),
      'REGISTRY_UNAVAILABLE',
      true,
      /ECONNREFUSED/,
    );
    await rejectsWith(
      avro.encode('scored', 'ml.alerts.scored', coreOutputs().scored[0]!),
      'REGISTRY_UNAVAILABLE',
      true,
    );
    await rejectsWith(avro.registerSchemas(uniqueTopics()), 'REGISTRY_UNAVAILABLE', true);
  });

  it('registry answering 5xx or 429 → REGISTRY_UNAVAILABLE; the next call asks again', async () => {
    let calls = 0;
    const { url, server } = await fakeRegistry((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 503 : 429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 50301, message: 'storage not ready' }));
    });
    servers.push(server);
    const avro = createCodec({ registryUrl: url, outputFormat: 'avro' });
    await rejectsWith(
      avro.decode(frame(5, Buffer.from([0]))),
      'REGISTRY_UNAVAILABLE',
      true,
      /503.*storage not ready/,
    );
    await rejectsWith(avro.decode(frame(5, Buffer.from([0]))), 'REGISTRY_UNAVAILABLE', true, /429/);
    assert.equal(calls, 2, 'a failed lookup is not cached');
  });

  it('registry refusing credentials (401/403) → REGISTRY_AUTH_FAILED, retriable, naming the settings; basic auth sent', async () => {
    const auth: (string | undefined)[] = [];
    const { url, server } = await fakeRegistry((req, res) => {
      auth.push(req.headers.authorization);
      res.writeHead(req.headers.authorization ? 403 : 401, { 'www-authenticate': 'basic' });
      res.end();
    });
    servers.push(server);
    const anonymous = createCodec({ registryUrl: url, outputFormat: 'avro' });
    await rejectsWith(
      anonymous.decode(frame(5, Buffer.from([0]))),
      'REGISTRY_AUTH_FAILED',
      true,
      /HTTP 401: the registry demands credentials and none are configured \(registry\.username/,
    );
    const withUser = createCodec({
      registryUrl: url,
      outputFormat: 'avro',
      username: 'svc',
      password: 'pw:1',
    });
    await rejectsWith(
      withUser.decode(frame(5, Buffer.from([0]))),
      'REGISTRY_AUTH_FAILED',
      true,
      /HTTP 403: the registry user may not do this/,
    );
    assert.deepEqual(auth, [undefined, `Basic ${Buffer.from('svc:pw:1').toString('base64')}`]);
  });

  it('registry not answering in time → REGISTRY_UNAVAILABLE (timed out)', async () => {
    const { url, server } = await fakeRegistry(() => {
      /* never answers */
    });
    servers.push(server);
    const avro = createCodec({ registryUrl: url, outputFormat: 'avro', requestTimeoutMs: 150 });
    await rejectsWith(avro.decode(frame(5, Buffer.from([0]))), 'REGISTRY_UNAVAILABLE', true, /timed out/);
  });

  it('an unknown id is permanent, a non-Avro schema cannot be decoded, and known ids are fetched once', async () => {
    const requests: string[] = [];
    const { url, server } = await fakeRegistry((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url?.endsWith('/schemas/ids/7')) res.end(JSON.stringify({ schema: '"string"' }));
      else if (req.url?.endsWith('/schemas/ids/8'))
        res.end(JSON.stringify({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }));
      else {
        res.writeHead(404);
        res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
      }
    });
    servers.push(server);
    const avro = createCodec({ registryUrl: url, outputFormat: 'avro' });
    await rejectsWith(avro.decode(frame(6, Buffer.from([0]))), 'UNKNOWN_SCHEMA_ID', false, /schema id 6/);
    await rejectsWith(avro.decode(frame(8, Buffer.from([0]))), 'AVRO_DECODE_FAILED', false, /PROTOBUF/);
    const hello = Buffer.from([10, ...Buffer.from('hello')]);
    const [a, b] = await Promise.all([avro.decode(frame(7, hello)), avro.decode(frame(7, hello))]);
    assert.equal(await avro.decode(frame(7, hello)), 'hello');
    assert.deepStrictEqual([a, b], ['hello', 'hello']);
    assert.equal(requests.filter((r) => r.endsWith('/ids/7')).length, 1, 'cached by id');
  });
});

describe('record codec: the writer schema resolved against ours (fake registry)', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });
  const evolved = evolvedAlertSchema();
  const writer = avsc.Type.forSchema(evolved.schema as avsc.Schema, { wrapUnions: 'auto' });
  const record = {
    alert_id: 'evo-1',
    event_time: T0,
    model_id: 'fraud-scorer',
    signal: 'model_staleness',
    source: 'evidently',
    model_version: null,
    feature: null,
    metric: 'age_hours',
    value: 30,
    threshold: 24,
    severity: 'high',
    confidence: null,
    affected_entities: null,
    product_area: null,
    customer_segment: null,
    labels: { team: 'risk' },
    tenant: 'acme',
  };

  async function registryServing(schemas: Record<number, string>) {
    const requests: string[] = [];
    const { url, server } = await fakeRegistry((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      const id = Number(/\/schemas\/ids\/(\d+)$/.exec(req.url ?? '')?.[1]);
      if (schemas[id] !== undefined) return res.end(JSON.stringify({ schema: schemas[id] }));
      res.writeHead(404);
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
    });
    servers.push(server);
    return { url, requests };
  }

  it('reads a later producer schema as ours: new field dropped, new signal → other, removed field null', async () => {
    const { url, requests } = await registryServing({ 21: evolved.text });
    const codec = createCodec({ registryUrl: url, outputFormat: 'json' });
    const bytes = frame(21, writer.toBuffer(record));
    const decoded = (await codec.decode(bytes, 'alert')) as Record<string, unknown>;
    assert.equal(decoded.signal, 'other');
    assert.equal(decoded.region, null);
    assert.equal('tenant' in decoded, false, 'a field our schema does not have is not passed on');
    const parsed = parseAlert(decoded);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(parsed.value.signal, 'other');
    assert.equal(parsed.value.severity, 'high');
    assert.deepStrictEqual(parsed.value.labels, { team: 'risk' });
    // Without a reader the record is the writer's: the symbol the core would refuse (BAD_ENUM) before.
    assert.equal(((await codec.decode(bytes)) as { signal: string }).signal, 'model_staleness');
    await codec.decode(bytes, 'alert');
    assert.equal(
      requests.filter((r) => r.endsWith('/ids/21')).length,
      1,
      'schema and resolver cached per id',
    );
  });

  it('an unknown severity symbol reads as medium, the contract default', async () => {
    const schema = JSON.parse(evolved.text);
    const sev = schema.fields.find((f: { name: string }) => f.name === 'severity').type[1];
    sev.symbols.push('page');
    delete sev.default;
    const { url } = await registryServing({ 22: JSON.stringify(schema) });
    const type = avsc.Type.forSchema(schema, { wrapUnions: 'auto' });
    const codec = createCodec({ registryUrl: url, outputFormat: 'json' });
    const decoded = await codec.decode(frame(22, type.toBuffer({ ...record, severity: 'page' })), 'alert');
    assert.equal((decoded as { severity: string }).severity, 'medium');
  });

  it('a writer schema ours cannot read → SCHEMA_UNRESOLVABLE naming the id and our schema, not retriable', async () => {
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'anomaly-alert.avsc'), 'utf8'));
    schema.fields = schema.fields.filter((f: { name: string }) => f.name !== 'model_id');
    const { url, requests } = await registryServing({ 23: JSON.stringify(schema) });
    const type = avsc.Type.forSchema(schema, { wrapUnions: 'auto' });
    const codec = createCodec({ registryUrl: url, outputFormat: 'json' });
    const bytes = frame(23, type.toBuffer({ ...record, signal: 'latency', tenant: undefined }));
    await rejectsWith(
      codec.decode(bytes, 'alert'),
      'SCHEMA_UNRESOLVABLE',
      false,
      /schema id 23 .*AnomalyAlert.*anomaly-alert\.avsc/,
    );
    await rejectsWith(codec.decode(bytes, 'alert'), 'SCHEMA_UNRESOLVABLE', false);
    assert.equal(requests.filter((r) => r.endsWith('/ids/23')).length, 1, 'the answer is kept');
    // A deploy schema is no AnomalyAlert either.
    const deploy = readFileSync(join(SCHEMAS_DIR, 'deploy-event.avsc'), 'utf8');
    const r2 = await registryServing({ 24: deploy });
    const dType = avsc.Type.forSchema(JSON.parse(deploy), { wrapUnions: 'auto' });
    const d = frame(
      24,
      dType.toBuffer({
        ...aDeploy(),
        model_id: 'm',
        service: null,
        version: null,
        previous_version: null,
        actor: null,
        commit: null,
        description: null,
        region: null,
      }),
    );
    await rejectsWith(
      createCodec({ registryUrl: r2.url, outputFormat: 'json' }).decode(d, 'alert'),
      'SCHEMA_UNRESOLVABLE',
      false,
    );
  });
});

describe('record codec: compatibility levels are set only where none is (fake registries)', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });
  /** A registry whose subjects answer GET /config as `config(subject)` says; records every PUT. */
  async function registry(
    config: (subject: string) => { status: number; body: unknown },
    rules?: (subject: string) => string[] | undefined,
    path = '/apis/ccompat/v7',
  ) {
    const puts: { subject: string; level: string }[] = [];
    let next = 1;
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      res.setHeader('content-type', 'application/json');
      const u = decodeURIComponent(req.url ?? '');
      const answer = (status: number, v: unknown) => {
        res.writeHead(status);
        res.end(JSON.stringify(v));
      };
      let m = /\/config\/([^/]+)$/.exec(u);
      if (m && req.method === 'GET') {
        const c = config(m[1]!);
        return answer(c.status, c.body);
      }
      if (m && req.method === 'PUT') {
        puts.push({ subject: m[1]!, level: JSON.parse(body).compatibility });
        return answer(200, JSON.parse(body));
      }
      m = /\/apis\/registry\/v3\/groups\/default\/artifacts\/([^/]+)\/rules$/.exec(u);
      if (m) {
        const r = rules?.(m[1]!);
        return r ? answer(200, r) : answer(404, { error_code: 404, message: 'no artifact' });
      }
      if (/\/subjects\/[^/]+\/versions$/.test(u)) return answer(200, { id: next++ });
      answer(404, { error_code: 40401, message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, puts };
  }
  const topics = uniqueTopics();
  const register = async (url: string) => {
    const seen: CompatibilityOutcome[] = [];
    await createCodec({
      registryUrl: url,
      outputFormat: 'avro',
      onCompatibility: (o) => seen.push(o),
    }).registerSchemas(topics);
    return seen;
  };

  it('404 (no subject, or Confluent 40408): FORWARD_TRANSITIVE on inputs, BACKWARD on outputs', async () => {
    const r = await registry(() => ({
      status: 404,
      body: { error_code: 40408, message: 'no subject-level compatibility' },
    }));
    const seen = await register(r.url);
    const input = [topics.alerts, topics.deployments, topics.feedback].map((t) => `${t}-value`);
    for (const p of r.puts)
      assert.equal(p.level, input.includes(p.subject) ? 'FORWARD_TRANSITIVE' : 'BACKWARD', p.subject);
    assert.equal(r.puts.length, 9);
    assert.ok(seen.every((o) => o.set));
  });

  it('Apicurio: a 200 with no rule of the artifact own is the global level → set; with its own rule → kept', async () => {
    const own = `${topics.alerts}-value`;
    const r = await registry(
      () => ({ status: 200, body: { compatibilityLevel: 'NONE' } }),
      (subject) => (subject === own ? ['COMPATIBILITY'] : []),
    );
    const seen = await register(r.url);
    assert.deepStrictEqual(
      seen.find((o) => o.subject === own),
      { subject: own, level: 'NONE', set: false, wanted: 'FORWARD_TRANSITIVE' },
    );
    assert.equal(r.puts.length, 8);
    assert.ok(!r.puts.some((p) => p.subject === own), 'the NONE someone set is kept');
  });

  it('a 200 that cannot be told apart (not Apicurio, or its rules unreadable) is a level someone set: kept', async () => {
    const confluent = await registry(
      () => ({ status: 200, body: { compatibilityLevel: 'NONE' } }),
      undefined,
      '',
    );
    assert.ok((await register(confluent.url)).every((o) => !o.set && o.level === 'NONE'));
    assert.equal(confluent.puts.length, 0);
    const apicurio = await registry(() => ({ status: 200, body: { compatibilityLevel: 'FULL' } }));
    assert.ok((await register(apicurio.url)).every((o) => !o.set && o.level === 'FULL'));
    assert.equal(apicurio.puts.length, 0);
  });
});

describe('record codec against a real schema registry', {
  skip: REGISTRY_URL
    ? false
    : 'SCHEMA_REGISTRY_URL is not set (bash scripts/infra/infra.sh up registry, then export SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7)',
}, () => {
  const url = REGISTRY_URL ?? '';
  let codec: RecordCodec;
  let topics: RegistryTopics;
  let ids: Record<string, number>;
  const producer = new SchemaRegistry({ host: url, retry: { retries: 0 } });
  const avsc = (file: string) => readFileSync(join(SCHEMAS_DIR, file), 'utf8');
  const produce = async (file: string, subject: string, value: object) => {
    // The library's register() refuses a subject whose level is not the one named: ours, on input subjects.
    const { id } = await producer.register(
      { type: SchemaType.AVRO, schema: avsc(file) },
      { subject, compatibility: COMPATIBILITY.FORWARD_TRANSITIVE },
    );
    return producer.encode(id, value);
  };

  before(async () => {
    codec = createCodec({ registryUrl: url, outputFormat: 'avro' });
    topics = uniqueTopics();
    ids = await codec.registerSchemas(topics);
  });

  it('registers every subject under TopicNameStrategy, FORWARD_TRANSITIVE on inputs and BACKWARD on outputs, idempotently', async () => {
    const subjects = [
      topics.alerts,
      topics.deployments,
      topics.feedback,
      topics.scored,
      ...topics.tiers,
      topics.actions,
    ].map((t) => `${t}-value`);
    assert.deepStrictEqual(Object.keys(ids).sort(), subjects.sort());
    for (const t of topics.tiers) assert.equal(ids[`${t}-value`], ids[`${topics.scored}-value`]);
    const again = await createCodec({ registryUrl: url, outputFormat: 'avro' }).registerSchemas(topics);
    assert.deepStrictEqual(again, ids);
    const level = async (t: string) =>
      (
        (await (await fetch(`${url}/config/${encodeURIComponent(`${t}-value`)}`)).json()) as {
          compatibilityLevel: string;
        }
      ).compatibilityLevel;
    for (const t of [topics.alerts, topics.deployments, topics.feedback])
      assert.equal(await level(t), 'FORWARD_TRANSITIVE');
    for (const t of [topics.scored, ...topics.tiers, topics.actions])
      assert.equal(await level(t), 'BACKWARD');
  });

  it('never overwrites a level someone set (NONE included); a subject a producer created first gets ours', async () => {
    const fresh = uniqueTopics();
    const put = (t: string, level: string) =>
      fetch(`${url}/config/${encodeURIComponent(`${t}-value`)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: level }),
      });
    const level = async (t: string) =>
      (
        (await (await fetch(`${url}/config/${encodeURIComponent(`${t}-value`)}`)).json()) as {
          compatibilityLevel: string;
        }
      ).compatibilityLevel;
    // The producers came first: every input subject exists, with no level of its own; then a user sets two.
    for (const [t, file] of [
      [fresh.alerts, 'anomaly-alert.avsc'],
      [fresh.deployments, 'deploy-event.avsc'],
      [fresh.feedback, 'alert-feedback.avsc'],
    ] as const) {
      const r = await fetch(`${url}/subjects/${encodeURIComponent(`${t}-value`)}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: avsc(file) }),
      });
      assert.equal(r.status, 200);
    }
    assert.equal((await put(fresh.alerts, 'NONE')).status, 200);
    assert.equal((await put(fresh.scored, 'FULL')).status, 200);
    const seen: CompatibilityOutcome[] = [];
    await createCodec({
      registryUrl: url,
      outputFormat: 'avro',
      onCompatibility: (o) => seen.push(o),
    }).registerSchemas(fresh);
    assert.equal(await level(fresh.alerts), 'NONE', 'the NONE the user set is kept');
    assert.equal(await level(fresh.scored), 'FULL');
    assert.equal(
      await level(fresh.deployments),
      'FORWARD_TRANSITIVE',
      'no level of its own (Apicurio answered the global one): set',
    );
    assert.equal(await level(fresh.feedback), 'FORWARD_TRANSITIVE');
    assert.equal(await level(fresh.actions), 'BACKWARD');
    const byS = new Map(seen.map((o) => [o.subject.replace(/-value$/, ''), o]));
    assert.deepStrictEqual(
      {
        alerts: byS.get(fresh.alerts),
        scored: byS.get(fresh.scored)?.set,
        deploys: byS.get(fresh.deployments)?.set,
      },
      {
        alerts: { subject: `${fresh.alerts}-value`, level: 'NONE', set: false, wanted: 'FORWARD_TRANSITIVE' },
        scored: false,
        deploys: true,
      },
    );
    // A second start changes nothing.
    const again: CompatibilityOutcome[] = [];
    await createCodec({
      registryUrl: url,
      outputFormat: 'avro',
      onCompatibility: (o) => again.push(o),
    }).registerSchemas(fresh);
    assert.ok(again.every((o) => !o.set));
    assert.equal(await level(fresh.alerts), 'NONE');
  });

  it('decodes an AnomalyAlert a producer framed with the registry, and parseAlert accepts it', async () => {
    const alert = anAlert({ alert_id: `avro-${randomUUID()}`, feature: 'amount', labels: { team: 'risk' } });
    const bytes = await produce('anomaly-alert.avsc', `${topics.alerts}-value`, alert);
    assert.equal(bytes[0], 0);
    const decoded = await createCodec({ registryUrl: url, outputFormat: 'json' }).decode(bytes);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype, 'a plain object');
    assert.equal((decoded as { region: unknown }).region, null, 'absent optionals decode as null');
    const parsed = parseAlert(decoded);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepStrictEqual(parsed.value, alert);
  });

  it('decodes a minimal alert (severity absent → medium) and deploy and feedback events', async () => {
    const minimal = { alert_id: 'm1', event_time: T0, model_id: 'fraud-scorer', signal: 'other' };
    const parsed = parseAlert(
      await codec.decode(await produce('anomaly-alert.avsc', `${topics.alerts}-value`, minimal)),
    );
    assert.ok(parsed.ok);
    assert.deepStrictEqual(parsed.value, { ...minimal, severity: 'medium' });

    const deploy = aDeploy({ event_id: 'd1', commit: 'abc', region: 'eu' });
    const d = parseDeploy(
      await codec.decode(await produce('deploy-event.avsc', `${topics.deployments}-value`, deploy)),
    );
    assert.ok(d.ok && d.value.event_time === deploy.event_time);
    assert.deepStrictEqual(d.value, deploy);

    const feedback = {
      alert_id: 'a1',
      event_time: T0,
      outcome: 'false_positive',
      true_tier: 'P3',
      impact: 12.5,
      acked_at: T0 + MIN,
    };
    const f = parseFeedback(
      await codec.decode(await produce('alert-feedback.avsc', `${topics.feedback}-value`, feedback)),
    );
    assert.ok(f.ok);
    assert.deepStrictEqual(f.value, feedback);
  });

  it('round-trips real ScoredAlerts and Actions through Avro: same content, absent optionals as null', async () => {
    const { scored, actions } = coreOutputs();
    const reader = createCodec({ registryUrl: url, outputFormat: 'json' });
    for (const s of scored) {
      const bytes = await codec.encode('scored', topics.scored, s);
      assert.equal(bytes.readUInt32BE(1), ids[`${topics.scored}-value`]);
      const decoded = (await reader.decode(bytes)) as Record<string, unknown>;
      assert.deepStrictEqual(content(decoded), content(s));
      // Every schema field is present; `T | null` fields keep their null. The incident fields (null by
      // default in scored-alert.avsc) are there as null on an alert scored without incidents.
      const incidentFields = ['incident', 'incident_id', 'page', 'silenced_by'];
      assert.deepStrictEqual(
        Object.keys(decoded).sort(),
        [...new Set([...Object.keys(s), ...incidentFields])].sort(),
      );
      for (const f of incidentFields) if (!(f in s)) assert.equal(decoded[f], null, f);
      // An independent decoder (the kafkajs registry client) reads the same bytes.
      const other = await producer.decode(bytes);
      assert.equal(other.alert_id, s.alert_id);
      assert.equal(
        other.paging.pagerduty.custom_details.priority,
        s.paging.pagerduty.custom_details.priority,
      );
    }
    const [p1, cheap] = scored as [ScoredAlert, ScoredAlert];
    assert.equal(p1.tier, 'P1');
    assert.ok(p1.context.deploys.length === 2 && p1.context.previous_version === 'v42');
    const cheapBack = (await reader.decode(
      await codec.encode('scored', topics.tiers[3]!, cheap),
    )) as ScoredAlert;
    assert.equal(cheapBack.playbook, null);
    assert.equal(cheapBack.evidence.magnitude, null);
    assert.equal(cheapBack.context.current_version, null);

    assert.ok(actions.some((a) => a.type === 'rollback'));
    for (const a of actions) {
      const bytes = await codec.encode('action', topics.actions, a);
      assert.deepStrictEqual(await reader.decode(bytes), a);
    }
  });

  it('writes a pagerduty.custom_details value that is not a scalar as its JSON text', async () => {
    const [s] = coreOutputs().scored as [ScoredAlert];
    const odd = structuredClone(s);
    odd.paging.pagerduty.custom_details.nested = { a: [1, 2] };
    const back = (await codec.decode(await codec.encode('scored', topics.scored, odd))) as ScoredAlert;
    assert.equal(back.paging.pagerduty.custom_details.nested, '{"a":[1,2]}');
    assert.equal(back.paging.pagerduty.custom_details.priority, s.paging.pagerduty.custom_details.priority);
  });

  it('refuses to encode a record that does not fit, naming the field', async () => {
    const [s] = coreOutputs().scored as [ScoredAlert];
    const bad = { ...s, tier: 'P9' };
    await rejectsWith(codec.encode('scored', topics.scored, bad), 'ENCODE_FAILED', false, /tier: "P9"/);
  });

  it('refuses to encode to a subject nothing is registered under', async () => {
    const fresh = createCodec({ registryUrl: url, outputFormat: 'avro' });
    await rejectsWith(
      fresh.encode('action', `unregistered.${randomUUID()}`, coreOutputs().actions[0]!),
      'ENCODE_FAILED',
      false,
      /no schema registered for subject unregistered\./,
    );
  });

  it('a frame with an unknown schema id → UNKNOWN_SCHEMA_ID, not retriable', async () => {
    await rejectsWith(
      codec.decode(frame(999_999, Buffer.from([2, 0x61]))),
      'UNKNOWN_SCHEMA_ID',
      false,
      /999999/,
    );
  });

  it('a truncated Avro payload → AVRO_DECODE_FAILED; trailing bytes too', async () => {
    const bytes = await produce('anomaly-alert.avsc', `${topics.alerts}-value`, anAlert());
    await rejectsWith(codec.decode(bytes.subarray(0, 5 + 10)), 'AVRO_DECODE_FAILED', false, /truncated/);
    await rejectsWith(codec.decode(Buffer.concat([bytes, Buffer.from([1, 2])])), 'AVRO_DECODE_FAILED', false);
    await rejectsWith(codec.decode(bytes.subarray(0, 5)), 'AVRO_DECODE_FAILED', false);
  });

  it('registering an incompatible alert schema (a required field removed) → SCHEMA_INCOMPATIBLE naming the subject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-triage-schemas-'));
    try {
      cpSync(SCHEMAS_DIR, dir, { recursive: true });
      const schema = JSON.parse(avsc('anomaly-alert.avsc'));
      // Readers of the earlier version need model_id, which has no default: breaks FORWARD(_TRANSITIVE).
      const withModel = schema.fields;
      schema.fields = withModel.filter((f: { name: string }) => f.name !== 'model_id');
      writeFileSync(join(dir, 'anomaly-alert.avsc'), JSON.stringify(schema));
      const fresh = uniqueTopics();
      const first = await createCodec({ registryUrl: url, outputFormat: 'avro' }).registerSchemas(fresh);
      const changed = createCodec({ registryUrl: url, outputFormat: 'avro', schemasDir: dir });
      await rejectsWith(
        changed.registerSchemas(fresh),
        'SCHEMA_INCOMPATIBLE',
        false,
        new RegExp(`subject ${fresh.alerts.replaceAll('.', '\\.')}-value is incompatible`),
      );
      // A compatible change (an optional field with a default) is accepted as a new version.
      schema.fields = withModel;
      schema.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
      writeFileSync(join(dir, 'anomaly-alert.avsc'), JSON.stringify(schema));
      const evolved = await createCodec({
        registryUrl: url,
        outputFormat: 'avro',
        schemasDir: dir,
      }).registerSchemas(fresh);
      assert.notEqual(evolved[`${fresh.alerts}-value`], first[`${fresh.alerts}-value`]);
      assert.equal(evolved[`${fresh.scored}-value`], first[`${fresh.scored}-value`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
