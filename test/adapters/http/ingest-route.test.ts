// POST /v1/ingest/<format> on a real socket, with the runtime's ingest (runtime/ingest.ts) over an
// in-memory producer: token, content type, size, per-item rejects, and the answer only after the ack.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHttpServer } from '../../../src/adapters/http/server.ts';
import { INGEST_ROUTES } from '../../../src/core/inputs/ingest.ts';
import { createIngest } from '../../../src/runtime/ingest.ts';
import { createMetrics } from '../../../src/telemetry.ts';

const TOKEN = 'tok-3f9a';
const example = (f: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'native', `${f}.json`), 'utf8');

async function started(opts: { failing?: () => boolean; maxBodyBytes?: number; ingest?: boolean } = {}) {
  const sent: { topic: string; key: string; value: string }[] = [];
  const producer = {
    async send(topic: string, messages: { key: string; value: Buffer }[]) {
      await new Promise((r) => setTimeout(r, 5));
      if (opts.failing?.()) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
      for (const m of messages) sent.push({ topic, key: m.key, value: m.value.toString('utf8') });
    },
  };
  const codec = { encode: async (_k: 'alert', _t: string, r: object) => Buffer.from(JSON.stringify(r)) };
  const ingest = createIngest({
    topic: 'it.anomalies',
    ports: { codec, producer },
    log: { warn: () => undefined },
  });
  const statuses: string[] = [];
  const server = createHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics: createMetrics(),
    health: () => ({ live: true, ready: true, details: {} }),
    ...(opts.ingest === false
      ? {}
      : {
          ingest: {
            token: TOKEN,
            maxBodyBytes: opts.maxBodyBytes ?? 1 << 20,
            formats: INGEST_ROUTES,
            handle: ingest,
            answered: (f, s) => statuses.push(`${f}:${s}`),
          },
        }),
  });
  const { port } = await server.start();
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    });
  return { server, post, sent, statuses, port };
}

describe('POST /v1/ingest/<format>', () => {
  it('each bundled example: 202 with its alert ids, produced keyed by model_id once acknowledged', async (t) => {
    const s = await started();
    t.after(() => s.server.stop());
    for (const format of ['alertmanager', 'grafana', 'evidently', 'whylabs', 'arize', 'cloudevents']) {
      const before = s.sent.length;
      const res = await s.post(`/v1/ingest/${format}`, example(format));
      const body = (await res.json()) as {
        status: string;
        accepted: number;
        rejected: number;
        alert_ids: string[];
      };
      assert.equal(res.status, 202, `${format}: ${JSON.stringify(body)}`);
      assert.equal(body.status, 'accepted');
      assert.equal(body.rejected, 0);
      assert.ok(body.accepted > 0);
      const produced = s.sent.slice(before);
      assert.deepEqual(
        produced.map((m) => JSON.parse(m.value).alert_id),
        body.alert_ids,
      );
      for (const m of produced) {
        assert.equal(m.topic, 'it.anomalies');
        assert.equal(m.key, JSON.parse(m.value).model_id);
      }
    }
    const native = await s.post(
      '/v1/ingest/native',
      JSON.stringify({
        alert_id: 'n-1',
        event_time: '2026-11-19T14:00:00Z',
        model_id: 'ads-bidder',
        signal: 'latency',
      }),
    );
    assert.equal(native.status, 202);
    assert.equal(JSON.parse(s.sent.at(-1)!.value).event_time, Date.parse('2026-11-19T14:00:00Z'));
  });

  it('a bad item of an Alertmanager batch is rejected alone: 207 listing it, the others produced', async (t) => {
    const s = await started();
    t.after(() => s.server.stop());
    const body = JSON.parse(example('alertmanager'));
    body.alerts[1].startsAt = 'not a time';
    const res = await s.post('/v1/ingest/alertmanager', JSON.stringify(body));
    assert.equal(res.status, 207);
    const out = (await res.json()) as {
      accepted: number;
      rejected: number;
      rejects: { index: number; code: string; field: string }[];
    };
    assert.equal(out.accepted, body.alerts.length - 1);
    assert.equal(out.rejected, 1);
    assert.deepEqual(
      out.rejects.map((r) => [r.index, r.code, r.field]),
      [[1, 'BAD_TIMESTAMP', 'alerts[1].startsAt']],
    );
    assert.equal(s.sent.length, body.alerts.length - 1);
  });

  it('400 with the code and field when nothing maps; 400 MALFORMED_JSON for a body that is not JSON', async (t) => {
    const s = await started();
    t.after(() => s.server.stop());
    const res = await s.post(
      '/v1/ingest/native',
      JSON.stringify({ alert_id: 'x', model_id: 'm', signal: 'latency' }),
    );
    assert.equal(res.status, 400);
    const out = (await res.json()) as { code: string; field: string };
    assert.equal(out.code, 'MISSING_FIELD');
    assert.equal(out.field, 'event_time');
    const bad = await s.post('/v1/ingest/alertmanager', '{"alerts": [');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'MALFORMED_JSON');
    assert.equal(s.sent.length, 0);
  });

  it('401 without or with a wrong token, 415 for another content type, 404 for an unknown format, 405 for GET', async (t) => {
    const s = await started();
    t.after(() => s.server.stop());
    const wrong = await s.post('/v1/ingest/alertmanager', example('alertmanager'), {
      authorization: 'Bearer nope',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await s.post('/v1/ingest/alertmanager', '{}', { authorization: '' })).status, 401);
    assert.equal(
      (await s.post('/v1/ingest/alertmanager', '{}', { authorization: `Basic ${TOKEN}` })).status,
      401,
    );
    assert.equal(
      (await s.post('/v1/ingest/alertmanager', example('alertmanager'), { 'content-type': 'text/plain' }))
        .status,
      415,
    );
    assert.equal(
      (
        await s.post('/v1/ingest/cloudevents', example('cloudevents'), {
          'content-type': 'application/cloudevents-batch+json',
        })
      ).status,
      202,
    );
    assert.equal((await s.post('/v1/ingest/nagios', '{}')).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/v1/ingest/alertmanager`)).status, 405);
    assert.ok(s.statuses.includes('null:404'));
    assert.ok(s.statuses.includes('alertmanager:401'));
  });

  it('413 past the body limit, whether declared or streamed', async (t) => {
    const s = await started({ maxBodyBytes: 4096 });
    t.after(() => s.server.stop());
    const big = JSON.stringify({ alerts: [{ labels: { model: 'm', pad: 'x'.repeat(5000) } }] });
    assert.equal((await s.post('/v1/ingest/alertmanager', big)).status, 413);
    assert.equal(s.sent.length, 0);
  });

  it('503 when the broker does not acknowledge: nothing counted as accepted', async (t) => {
    const s = await started({ failing: () => true });
    t.after(() => s.server.stop());
    const res = await s.post('/v1/ingest/alertmanager', example('alertmanager'));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    const out = (await res.json()) as { code: string; accepted: number };
    assert.equal(out.code, 'BROKER_UNAVAILABLE');
    assert.equal(out.accepted, 0);
  });

  it('without a token the routes are off: 404 saying how to turn them on', async (t) => {
    const s = await started({ ingest: false });
    t.after(() => s.server.stop());
    const res = await s.post('/v1/ingest/alertmanager', example('alertmanager'));
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { message: string }).message, /ALERT_TRIAGE_INGEST_TOKEN/);
  });
});
