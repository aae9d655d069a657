// The HTTP surface on a real socket (port 0): metrics, liveness, readiness, errors, shutdown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpServer, type Health } from '../../../src/adapters/http/server.ts';
import { createMetrics } from '../../../src/telemetry.ts';

async function started(health: () => Health) {
  const metrics = createMetrics();
  const server = createHttpServer({ port: 0, host: '127.0.0.1', metrics, health });
  const { port } = await server.start();
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  return { metrics, server, port, url };
}

describe('createHttpServer', () => {
  it('GET /v1/gate answers with the gate handler (status and JSON body of the query); without one, 404', async (t) => {
    const metrics = createMetrics();
    const health = () => ({ live: true, ready: true, details: {} });
    const seen: string[] = [];
    const server = createHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics,
      health,
      gate: (q) => {
        seen.push(q.toString());
        return q.get('model') === 'm'
          ? { status: 200, body: { verdict: 'ok' } }
          : { status: 404, body: { status: 'not_found' } };
      },
    });
    const { port } = await server.start();
    t.after(() => server.stop());
    const ok = await fetch(`http://127.0.0.1:${port}/v1/gate?model=m&version=v7`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await ok.json(), { verdict: 'ok' });
    assert.equal((await fetch(`http://127.0.0.1:${port}/v1/gate?model=x&version=v7`)).status, 404);
    assert.deepEqual(seen, ['model=m&version=v7', 'model=x&version=v7']);
    assert.equal((await fetch(`http://127.0.0.1:${port}/v1/gate?model=m`, { method: 'POST' })).status, 405);
    const plain = await started(health);
    t.after(() => plain.server.stop());
    assert.equal((await fetch(plain.url('/v1/gate?model=m&version=v7'))).status, 404);
  });

  it('serves /metrics in the Prometheus text format', async (t) => {
    const { metrics, server, port, url } = await started(() => ({ live: true, ready: true, details: {} }));
    t.after(() => server.stop());
    assert.ok(port > 0);
    metrics.recordsConsumed.inc({ topic: 'ml.anomalies' }, 5);
    const res = await fetch(url('/metrics'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^alert_triage_records_consumed_total\{topic="ml\.anomalies"\} 5$/m);
    assert.match(text, /^# TYPE alert_triage_processing_latency_seconds histogram$/m);
  });

  it('answers /healthz 200 while live and 503 when not', async (t) => {
    let live = true;
    const { server, url } = await started(() => ({ live, ready: false, details: { consumers: 'joining' } }));
    t.after(() => server.stop());
    const ok = await fetch(url('/healthz'));
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await ok.json(), { status: 'ok' });
    live = false;
    const down = await fetch(url('/healthz'));
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { status: string }).status, 'not_live');
  });

  it('flips /readyz from 503 to 200 when the health function says ready, with details', async (t) => {
    let ready = false;
    const { server, url } = await started(() => ({
      live: true,
      ready,
      details: { deploy_state: ready ? 'rebuilt' : 'rebuilding', consumers_in_group: ready },
    }));
    t.after(() => server.stop());
    const before = await fetch(url('/readyz'));
    assert.equal(before.status, 503);
    assert.deepEqual(await before.json(), {
      status: 'not_ready',
      details: { deploy_state: 'rebuilding', consumers_in_group: false },
    });
    ready = true;
    const after = await fetch(url('/readyz'));
    assert.equal(after.status, 200);
    assert.deepEqual(await after.json(), {
      status: 'ready',
      details: { deploy_state: 'rebuilt', consumers_in_group: true },
    });
  });

  it('answers 503 when the health function throws, 404 for unknown paths, 405 for other methods', async (t) => {
    const { server, url } = await started(() => {
      throw new Error('state unavailable');
    });
    t.after(() => server.stop());
    const broken = await fetch(url('/readyz'));
    assert.equal(broken.status, 503);
    assert.deepEqual(await broken.json(), { status: 'error', error: 'state unavailable' });

    const missing = await fetch(url('/nope'));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const root = await fetch(url('/'));
    assert.equal(root.status, 404);
    await root.body?.cancel();

    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(url('/metrics'), { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await res.body?.cancel();
    }
    const head = await fetch(url('/metrics'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    const query = await fetch(url('/metrics?name[]=x'));
    assert.equal(query.status, 200);
    await query.body?.cancel();
  });

  it('stops promptly with a keep-alive connection open, and refuses connections afterwards', async () => {
    const { server, url } = await started(() => ({ live: true, ready: true, details: {} }));
    const res = await fetch(url('/healthz'), { headers: { connection: 'keep-alive' } });
    assert.equal(res.status, 200);
    await res.json();
    const t0 = performance.now();
    await server.stop();
    assert.ok(performance.now() - t0 < 900, 'stop did not wait for the keep-alive connection to time out');
    await assert.rejects(fetch(url('/healthz')));
    await server.stop(); // idempotent
  });

  it('rejects start() when the port is taken', async (t) => {
    const first = await started(() => ({ live: true, ready: true, details: {} }));
    t.after(() => first.server.stop());
    const second = createHttpServer({
      port: first.port,
      host: '127.0.0.1',
      metrics: createMetrics(),
      health: () => ({ live: true, ready: true, details: {} }),
    });
    await assert.rejects(second.start(), { code: 'EADDRINUSE' });
  });
});
