// Why the service keeps its own registry client (src/adapters/registry/codec.ts) rather than
// @kafkajs/confluent-schema-registry (docs/ARCHITECTURE.md, "The schema registry client"): what that library does
// here, side by side with the codec. The tests pass while the library behaves as described; if a release fixes
// one, its test fails and the decision can be revisited. (The library stays the independent third-party producer
// and decoder of the other registry tests.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { CodecError, createCodec } from '../../../src/adapters/registry/codec.ts';
import { frame } from '../../../src/adapters/registry/wire-format.ts';
import { decide } from '../../../src/runtime/error-policy.ts';

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL;
const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', '..', 'schemas');

describe('@kafkajs/confluent-schema-registry against what the service needs (no registry)', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('a registry that is down surfaces as a ResponseError with status 400, the status of a bad request', async () => {
    const library = new SchemaRegistry({ host: 'http://127.0.0.1:1', retry: { retries: 0 } });
    const err = await library.decode(frame(5, Buffer.from([0]))).then(
      () => assert.fail('decoded without a registry'),
      (e: { name: string; status: number; message: string }) => e,
    );
    assert.equal(err.name, 'ResponseError');
    assert.equal(err.status, 400, 'ECONNREFUSED reported as HTTP 400');
    assert.match(err.message, /ECONNREFUSED/);
    // Only the HTTP status tells errors apart, and this one reads as a client error: a wrapper classifying by
    // status (4xx permanent, 5xx and network transient, as the codec does) would dead-letter every record during an
    // outage, where the product says a registry outage is retried, never dead-lettered. The codec says what it is.
    const ours = await createCodec({ registryUrl: 'http://127.0.0.1:1', outputFormat: 'avro' })
      .decode(frame(5, Buffer.from([0])))
      .then(
        () => assert.fail('decoded without a registry'),
        (e: unknown) => e,
      );
    assert.ok(ours instanceof CodecError && ours.code === 'REGISTRY_UNAVAILABLE' && ours.canRetry);
    assert.equal(decide(ours, 0).action, 'retry');
  });

  it('a registry that accepts the connection and never answers leaves decode pending: no request timeout', async () => {
    const server = createServer(() => undefined); // never answers (a frozen registry, as outage.test.ts makes)
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const library = new SchemaRegistry({ host, retry: { retries: 0 } });
    const pending = library.decode(frame(7, Buffer.from([0]))).then(
      () => 'settled',
      () => 'rejected',
    );
    const ours = createCodec({ registryUrl: host, outputFormat: 'avro', requestTimeoutMs: 300 })
      .decode(frame(7, Buffer.from([0])))
      .then(
        () => 'settled',
        (e: CodecError) => `${e.code}: ${e.message}`,
      );
    const after2s = (p: Promise<string>) =>
      Promise.race([p, new Promise<string>((r) => setTimeout(() => r('pending'), 2_000).unref())]);
    assert.match(await after2s(ours), /^REGISTRY_UNAVAILABLE: .*timed out/);
    assert.equal(
      await after2s(pending),
      'pending',
      'still waiting after 2 s (readiness would never turn 503)',
    );
    server.closeAllConnections();
  });
});

describe('@kafkajs/confluent-schema-registry against a real registry', {
  skip: REGISTRY_URL ? false : 'SCHEMA_REGISTRY_URL is not set',
}, () => {
  const url = REGISTRY_URL ?? '';
  const schema = readFileSync(join(SCHEMAS_DIR, 'anomaly-alert.avsc'), 'utf8');
  const registerRaw = (subject: string, text = schema) =>
    fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: text }),
    });
  const deploySchema = readFileSync(join(SCHEMAS_DIR, 'deploy-event.avsc'), 'utf8');
  const levelOf = async (subject: string) =>
    (
      (await (await fetch(`${url}/config/${encodeURIComponent(subject)}`)).json()) as {
        compatibilityLevel: string;
      }
    ).compatibilityLevel;

  it("register() cannot set a level only where none is: on a producer's subject it refuses, it never keeps another level", async () => {
    const id = randomUUID().slice(0, 8);
    const library = new SchemaRegistry({ host: url, retry: { retries: 0 } });
    // A subject a producer created, with no level of its own: Apicurio's GET /config answers the global NONE, and
    // register() compares that with the level it is told to want.
    const producers = `lib.${id}.anomalies-value`;
    assert.equal((await registerRaw(producers)).status, 200);
    await assert.rejects(
      library.register(
        { type: SchemaType.AVRO, schema },
        { subject: producers, compatibility: COMPATIBILITY.FORWARD_TRANSITIVE },
      ),
      /Compatibility does not match the configuration \(FORWARD_TRANSITIVE != NONE\)/,
    );
    assert.equal(await levelOf(producers), 'NONE');
    // A subject a user set to FULL: register() refuses it too, unless told FULL — there is no "keep what is set".
    const users = `lib.${id}.deployments-value`;
    assert.equal((await registerRaw(users, deploySchema)).status, 200);
    await fetch(`${url}/config/${encodeURIComponent(users)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'FULL' }),
    });
    await assert.rejects(
      library.register(
        { type: SchemaType.AVRO, schema },
        { subject: users, compatibility: COMPATIBILITY.FORWARD_TRANSITIVE },
      ),
      /FORWARD_TRANSITIVE != FULL/,
    );
    // The codec sets FORWARD_TRANSITIVE on the first (no level of its own) and keeps FULL on the second.
    const topic = (t: string) => `lib.${id}.${t}`;
    await createCodec({ registryUrl: url, outputFormat: 'avro' }).registerSchemas({
      alerts: topic('anomalies'),
      deployments: topic('deployments'),
      feedback: topic('feedback'),
      scored: topic('scored'),
      tiers: [topic('p1'), topic('p2'), topic('p3'), topic('p4')],
      actions: topic('actions'),
    });
    assert.equal(await levelOf(producers), 'FORWARD_TRANSITIVE');
    assert.equal(await levelOf(users), 'FULL');
  });
});
