import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleConsole } from '../../../src/adapters/http/console-routes.ts';
import { createHttpServer } from '../../../src/adapters/http/server.ts';
import { ConsoleReadModel } from '../../../src/console/read-model.ts';
import { createMetrics } from '../../../src/telemetry.ts';

async function withServer(
  withConsole: boolean,
  token: string | undefined,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const model = new ConsoleReadModel();
  const server = createHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics: createMetrics(),
    health: () => ({ live: true, ready: true, details: {} }),
    ...(withConsole
      ? {
          console: (req, res) =>
            handleConsole(req, res, {
              model,
              now: () => 0,
              ...(token ? { token, addSilence: async () => ({ ok: true as const, id: 'sil-1' }) } : {}),
            }),
        }
      : {}),
  });
  const { port } = await server.start();
  try {
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    await server.stop();
  }
}

describe('the console on the service HTTP server', () => {
  it('serves / beside /metrics, with 400 on a bad filter and a notice for unknown parameters', async () => {
    await withServer(true, undefined, async (base) => {
      const r = await fetch(`${base}/?x=1`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await r.text(), /ignored unknown query parameter\(s\): x/);
      const bad = await fetch(`${base}/?since=never`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /since: &quot;never&quot; must be an RFC 3339 time/);
      assert.equal((await fetch(`${base}/metrics`)).status, 200);
      assert.equal((await fetch(`${base}/incident/nope`)).status, 404);
    });
  });

  it('is read-only without a token: POST /silences is 403', async () => {
    await withServer(true, undefined, async (base) => {
      const r = await fetch(`${base}/silences`, { method: 'POST', body: 'token=x' });
      assert.equal(r.status, 403);
    });
  });

  it('with a token, a POST needs it', async () => {
    await withServer(true, 'secret', async (base) => {
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const wrong = await fetch(`${base}/silences`, { method: 'POST', headers, body: 'token=x' });
      assert.equal(wrong.status, 403);
      const ok = await fetch(`${base}/silences`, {
        method: 'POST',
        headers,
        body: 'token=secret&matcher_0=model_id%3Dm&duration=1h&comment=c',
      });
      assert.equal(ok.status, 201);
    });
  });

  it('without a console, / stays 404', async () => {
    await withServer(false, undefined, async (base) => {
      assert.equal((await fetch(`${base}/`)).status, 404);
    });
  });
});
