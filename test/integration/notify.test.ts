// `alert-triage notify` on the real broker, as an operator runs it (a child process): page records on two
// tier topics, delivered to a loopback PagerDuty / Opsgenie / Slack that validates every body; SIGTERM
// midway, started again: every page and resolve reached each of its receivers exactly once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCodec, registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { parseConfig } from '../../src/config.ts';
import { PagerReceiver, type Received } from '../fixtures/pager-receiver.ts';
import { anAcknowledge, aPage, aResolve, GENIE_KEY, PD_KEY } from '../fixtures/pages.ts';
import {
  BROKERS,
  createTopics,
  produceRaw,
  REGISTRY,
  ROOT,
  SKIP,
  uniqueTopics,
  waitUntil,
} from './harness.ts';

const BIN = join(ROOT, 'bin', 'alert-triage.js');

/** What one delivery is, whatever attempt carried it: receiver kind, action, incident. */
function deliveryOf(r: Received): string {
  const b = r.body as Record<string, string>;
  if (r.kind === 'pagerduty') return `pd:${b.event_action}:${b.dedup_key}`;
  if (r.kind === 'opsgenie-create') return `og:create:${b.alias}`;
  if (r.kind === 'opsgenie-close') return `og:close:${r.path}`;
  return `slack:${b.text}`;
}

describe('alert-triage notify on Kafka', { skip: SKIP }, () => {
  const server = new PagerReceiver();
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'notify-it-'));
  const configPath = join(dir, 'notify.json');
  let doc: Record<string, unknown>;
  before(async () => {
    await server.start();
    server.genieKeys = new Set([GENIE_KEY]);
    doc = {
      topics: { ...uniqueTopics(`it-${id}`), notify_log: `it-${id}.notify-log` },
      kafka: {
        brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
        group_id: `it-notify-${id}`,
        client_id: `it-notify-${id}`,
        partitions: { alerts: 1, deployments: 1, feedback: 1, outputs: 2, dlq: 1 },
        session_timeout: '10s',
      },
      http: { port: 0 },
      registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
      notify: {
        receivers: {
          pd: {
            type: 'pagerduty',
            url: `${server.url}/pagerduty/v2/enqueue`,
            secret_env: 'PD_KEY',
            rate_limit: 8,
          },
          og: {
            type: 'opsgenie',
            url: `${server.url}/opsgenie/v2/alerts`,
            secret_env: 'OG_KEY',
            rate_limit: 8,
          },
          slack: { type: 'slack', url_env: 'SLACK_URL', rate_limit: 8 },
        },
        routes: [
          { match: { tier: 'P1' }, receivers: ['pd', 'slack'] },
          { match: { tier: 'P2' }, receivers: ['og'] },
        ],
        tiers: ['P1', 'P2'],
        start_from: 'earliest',
        retry: { initial_backoff: '50ms', max_backoff: '200ms' },
      },
    };
    writeFileSync(configPath, JSON.stringify(doc));
    const admin = await createTopics(parseConfig(doc));
    await admin.disconnect();
  });
  after(() => server.stop());

  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  function start() {
    const child = spawn(process.execPath, [BIN, 'notify', '--config', configPath], {
      env: {
        PATH: process.env.PATH ?? '',
        PD_KEY,
        OG_KEY: GENIE_KEY,
        SLACK_URL: `${server.url}/slack/hook`,
        LOG_LEVEL: 'info',
      },
    });
    children.push(child);
    let logs = '';
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, logs: () => logs };
  }

  it('delivers each page once across a SIGTERM and a restart, with valid bodies', {
    timeout: 180_000,
  }, async () => {
    const topics = doc.topics as Record<string, string>;
    const p1 = Array.from({ length: 30 }, (_, i) => aPage({ incident: `inc-${id}-${i}`, n: 1 }));
    const p2 = Array.from({ length: 10 }, (_, i) => aPage({ incident: `inc-${id}-b${i}`, tier: 'P2' }));
    const resolves = Array.from({ length: 5 }, (_, i) => aResolve(`inc-${id}-${i}`));
    await produceRaw(
      topics.P1!,
      [...p1, ...resolves].map((r) => ({ key: r.incident_id, value: JSON.stringify(r) })),
    );
    await produceRaw(
      topics.P2!,
      p2.map((r) => ({ key: r.incident_id, value: JSON.stringify(r) })),
    );
    // Twice the same page on the topic (a producer's retry): delivered once all the same.
    await produceRaw(topics.P2!, [{ key: p2[0]!.incident_id, value: JSON.stringify(p2[0]) }]);
    // A few faults on the way: retried, not doubled.
    server.failNext('pagerduty', { status: 500 }, { status: 429, retryAfter: '1' });
    server.failNext('opsgenie-create', { status: 503 });
    const expected = 30 * 2 + 5 * 2 + 10;

    const first = start();
    await waitUntil('some deliveries', () => server.accepted().length >= 20, 60_000);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.logs().slice(-3000));
    const afterFirst = server.accepted().length;
    assert.ok(afterFirst < expected, `the first run was stopped midway (${afterFirst} of ${expected})`);
    assert.match(first.logs(), /notify stopping/);

    const second = start();
    try {
      await waitUntil('every delivery', () => server.accepted().length >= expected, 90_000);
      // Long enough for anything doubled to show.
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      second.child.kill('SIGTERM');
    }
    assert.equal(await second.exited, 0, second.logs().slice(-3000));
    assert.match(second.logs(), /"restored":\d+/);

    assert.deepEqual(server.invalid(), []);
    const delivered = server.accepted().map(deliveryOf);
    const counts = new Map<string, number>();
    for (const d of delivered) counts.set(d, (counts.get(d) ?? 0) + 1);
    const doubled = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(doubled, [], 'nothing delivered twice');
    assert.equal(counts.size, expected);
    for (const r of resolves) assert.ok(counts.has(`pd:resolve:${r.incident_id}`), r.incident_id);
    const retried = server.received.filter((r) => r.injected).length;
    assert.equal(retried, 3);
    console.log(
      `notify on Kafka: ${expected} deliveries, ${afterFirst} before SIGTERM, ${expected - afterFirst} after the restart, ` +
        `${retried} injected faults retried, 0 doubled, 0 invalid bodies`,
    );
  });
  it('delivers tier records written in Avro (output.format avro), and names a framed record that does not decode', {
    timeout: 120_000,
  }, async () => {
    const topics = doc.topics as Record<string, string>;
    const config = parseConfig({
      ...doc,
      output: { format: 'avro' },
      kafka: { ...(doc.kafka as object), incident_stage: true },
    });
    const codec = createCodec({ registryUrl: config.registry.url, outputFormat: 'avro' });
    await codec.registerSchemas(registryTopicsOf(config.topics, true));
    const p1 = Array.from({ length: 4 }, (_, i) => aPage({ incident: `inc-${id}-avro-${i}`, n: 1 }));
    const p2 = Array.from({ length: 2 }, (_, i) => aPage({ incident: `inc-${id}-avro-b${i}`, tier: 'P2' }));
    // As the incident stage writes them: every field tier-record.avsc requires.
    const resolve = {
      ...aResolve(`inc-${id}-avro-0`),
      resolves: `inc-${id}-avro-0:1`,
      reason: 'timed out: no alert for 30 min',
      incident: p1[0]!.incident,
    };
    const ack = {
      ...anAcknowledge(`inc-${id}-avro-1`),
      reason: 'acknowledged (feedback on a-1)',
      incident: p1[1]!.incident,
    };
    const framed = async (topic: string, r: { incident_id: string }) => ({
      key: r.incident_id,
      value: await codec.encode('page', topic, r),
    });
    const before = server.accepted().length;
    await produceRaw(topics.P1!, [
      ...(await Promise.all(p1.map((r) => framed(topics.P1!, r)))),
      // Framed as Avro, but schema id 999999 is not in the registry: named, committed, not blocking.
      { key: 'bad', value: Buffer.from([0, 0, 0x0f, 0x42, 0x3f, 1, 2, 3]) },
      await framed(topics.P1!, ack),
      await framed(topics.P1!, resolve),
    ]);
    await produceRaw(topics.P2!, await Promise.all(p2.map((r) => framed(topics.P2!, r))));
    // P1 goes to PagerDuty and Slack, P2 to Opsgenie: 4 pages, an acknowledge and a resolve on P1.
    const expected = 4 * 2 + 2 + 2 + 2;
    const run = start();
    try {
      await waitUntil('the Avro deliveries', () => server.accepted().length - before >= expected, 60_000);
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal(await run.exited, 0, run.logs().slice(-3000));
    assert.equal(server.accepted().length - before, expected);
    assert.deepEqual(server.invalid(), []);
    const delivered = new Set(server.accepted().slice(before).map(deliveryOf));
    for (const r of p1) assert.ok(delivered.has(`pd:trigger:${r.incident_id}`), r.incident_id);
    for (const r of p2) assert.ok(delivered.has(`og:create:${r.incident_id}`), r.incident_id);
    assert.ok(delivered.has(`pd:resolve:${resolve.incident_id}`));
    assert.ok(delivered.has(`pd:acknowledge:${ack.incident_id}`));
    assert.match(run.logs(), /AVRO_DECODE_FAILED/);
  });
});
