// `alert-triage topics` and `alert-triage run` as an operator runs them: a real process, its HTTP
// surface, its logs (secrets redacted), and a clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, SAMPLE, SKIP, waitUntil } from './harness.ts';

const BIN = join(ROOT, 'bin', 'alert-triage.js');

describe('alert-triage topics and run', { skip: SKIP }, () => {
  const id = randomBytes(4).toString('hex');
  const secret = `s3cr3t-${id}`;
  const env = {
    ...process.env,
    KAFKA_GROUP_ID: `it-run-${id}`,
    KAFKA_TRANSACTIONAL_ID_PREFIX: `it-run-${id}`,
    HTTP_PORT: String(19_000 + Math.floor(Math.random() * 900)),
    SCHEMA_REGISTRY_USERNAME: 'triage',
    SCHEMA_REGISTRY_PASSWORD: secret,
    LOG_LEVEL: 'info',
  };

  it('topics creates what is missing and says so; run serves health and metrics and drains on SIGTERM', async () => {
    const topics = spawnSync(process.execPath, [BIN, 'topics', '--config', join(SAMPLE, 'catalog.yaml')], {
      env,
      encoding: 'utf8',
    });
    assert.equal(topics.status, 0, topics.stderr);
    assert.match(topics.stdout, /ml\.alerts\.dedup-changelog\s+partitions=6 cleanup\.policy=compact/);
    assert.match(topics.stdout, /created \d+ topic\(s\)|already existed/);

    const child = spawn(process.execPath, [BIN, 'run', '--config', join(SAMPLE, 'catalog.yaml')], { env });
    let logs = '';
    child.stdout.on('data', (d) => {
      logs += d;
    });
    child.stderr.on('data', (d) => {
      logs += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${env.HTTP_PORT}`;
    try {
      await waitUntil(
        'live',
        async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200,
        30_000,
      );
      await waitUntil('ready', async () => (await fetch(`${base}/readyz`)).status === 200, 60_000);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const name of [
        'alert_triage_window_store_entries',
        'alert_triage_transactions_total',
        'alert_triage_ready',
      ]) {
        assert.match(metrics, new RegExp(name), name);
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, logs.slice(-2000));
    assert.match(logs, /"msg":"alert-triage running"/);
    assert.match(logs, /"msg":"stopped"/);
    assert.ok(!logs.includes(secret), 'the registry password never reaches the logs');
    assert.match(logs, /\[redacted\]/);
  });
});
