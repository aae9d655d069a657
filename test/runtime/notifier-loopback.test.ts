// The Notifier against a real HTTP server on loopback standing in for PagerDuty, Opsgenie and Slack,
// which validates every body: bodies valid, retries counted and spaced as told, a 400 never retried,
// nothing delivered twice — neither when the same records come again nor across a restart (file log).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DeliveryLogFile } from '../../src/adapters/file/delivery-log-file.ts';
import { parseConfig } from '../../src/config.ts';
import { Notifier } from '../../src/runtime/notifier.ts';
import { livePorts, notifyObserver } from '../../src/runtime/notify-observer.ts';
import { buildReceivers } from '../../src/runtime/notify-receivers.ts';
import { createLogger, createNotifyMetrics } from '../../src/telemetry.ts';
import { PagerReceiver } from '../fixtures/pager-receiver.ts';
import { anAcknowledge, aPage, aResolve, GENIE_KEY, PD_KEY } from '../fixtures/pages.ts';

const server = new PagerReceiver();
before(() => server.start());
after(() => server.stop());
beforeEach(() => {
  server.received.length = 0;
  server.genieKeys = new Set([GENIE_KEY]);
});

function notifierOf(retry: Record<string, unknown> = {}, append = async (_e: unknown) => {}) {
  const config = parseConfig({
    notify: {
      receivers: {
        pd: {
          type: 'pagerduty',
          url: `${server.url}/pagerduty/v2/enqueue`,
          secret_env: 'PD_KEY',
          rate_limit: 100,
        },
        og: {
          type: 'opsgenie',
          url: `${server.url}/opsgenie/v2/alerts`,
          secret_env: 'OG_KEY',
          rate_limit: 100,
        },
        slack: { type: 'slack', url_env: 'SLACK_URL', rate_limit: 100 },
      },
      routes: [
        { match: { tier: 'P1' }, receivers: ['pd', 'og', 'slack'] },
        { match: { tier: 'P2' }, receivers: ['og'] },
      ],
      retry: { max_attempts: 4, initial_backoff: '50ms', max_backoff: '400ms', ...retry },
    },
  });
  const env = { PD_KEY, OG_KEY: GENIE_KEY, SLACK_URL: `${server.url}/slack/hook` };
  const metrics = createNotifyMetrics();
  const { observe, tally } = notifyObserver(createLogger({ level: 'silent' }), metrics);
  const notifier = new Notifier(
    config.notify,
    buildReceivers(config.notify, env),
    livePorts(append as never, metrics, new AbortController().signal),
    observe,
  );
  return { notifier, tally, metrics };
}

describe('notify against a loopback PagerDuty / Opsgenie / Slack', () => {
  it('delivers an acknowledge where its page went, with bodies the APIs accept', async () => {
    const { notifier } = notifierOf();
    const before = server.received.length;
    assert.equal(await notifier.deliver(aPage({ incident: 'inc-ack' }), 'test'), 'done');
    assert.equal(await notifier.deliver(anAcknowledge('inc-ack'), 'test'), 'done');
    const mine = server.received.slice(before);
    assert.deepEqual(
      mine.filter((r) => r.problems.length > 0),
      [],
    );
    const pd = mine
      .filter((r) => r.kind === 'pagerduty')
      .map((r) => (r.body as { event_action: string }).event_action);
    assert.deepEqual(pd, ['trigger', 'acknowledge']);
    assert.ok(mine.some((r) => r.path === '/opsgenie/v2/alerts/inc-ack/acknowledge'));
    assert.equal(mine.filter((r) => r.kind === 'slack').length, 2);
  });

  it('delivers pages and resolves with bodies the APIs accept; a resolve goes where the page went', async () => {
    const { notifier, tally } = notifierOf();
    for (const r of [
      aPage({ incident: 'inc-1' }),
      aPage({ incident: 'inc-2', tier: 'P2' }),
      aResolve('inc-1'),
      aResolve('inc-2', 'P2'),
    ])
      assert.equal(await notifier.deliver(r, 'test'), 'done');
    assert.deepEqual(server.invalid(), []);
    assert.deepEqual(
      server
        .accepted()
        .map((r) => r.kind)
        .sort(),
      [
        'opsgenie-close',
        'opsgenie-close',
        'opsgenie-create',
        'opsgenie-create',
        'pagerduty',
        'pagerduty',
        'slack',
        'slack',
      ],
    );
    const pd = server.accepted('pagerduty').map((r) => r.body as { event_action: string; dedup_key: string });
    assert.deepEqual(
      pd.map((b) => [b.event_action, b.dedup_key]),
      [
        ['trigger', 'inc-1'],
        ['resolve', 'inc-1'],
      ],
    );
    const closed = server.accepted('opsgenie-close').map((r) => r.path);
    assert.deepEqual(closed, ['/opsgenie/v2/alerts/inc-1/close', '/opsgenie/v2/alerts/inc-2/close']);
    assert.equal(tally.delivered, 8);
    assert.equal(tally.retries, 0);
  });

  it('500 twice then accepted: three attempts, two retries counted, spaced by the backoff', async () => {
    const { notifier, tally, metrics } = notifierOf();
    server.failNext('pagerduty', { status: 500 }, { status: 503 });
    await notifier.deliver(aPage({ incident: 'inc-3' }), 'test');
    const pd = server.received.filter((r) => r.kind === 'pagerduty');
    assert.deepEqual(
      pd.map((r) => r.status),
      [500, 503, 202],
    );
    assert.equal(tally.retries, 2);
    // Equal jitter: at least half of 50 ms, then of 100 ms.
    assert.ok(pd[1]!.at - pd[0]!.at >= 25, `first gap ${pd[1]!.at - pd[0]!.at} ms`);
    assert.ok(pd[2]!.at - pd[1]!.at >= 50, `second gap ${pd[2]!.at - pd[1]!.at} ms`);
    const retries = await metrics.retries.get();
    assert.equal(
      retries.values.find((v) => v.labels.reason === 'server_error' && v.labels.receiver === 'pd')?.value,
      2,
    );
    assert.deepEqual(server.invalid(), []);
  });

  it('429 with Retry-After: 1 is retried no sooner than a second later', async () => {
    const { notifier, tally } = notifierOf();
    server.failNext('slack', { status: 429, retryAfter: '1', body: 'rate_limited' });
    await notifier.deliver(aPage({ incident: 'inc-4' }), 'test');
    const slack = server.received.filter((r) => r.kind === 'slack');
    assert.deepEqual(
      slack.map((r) => r.status),
      [429, 200],
    );
    assert.ok(slack[1]!.at - slack[0]!.at >= 1000, `gap ${slack[1]!.at - slack[0]!.at} ms`);
    assert.equal(tally.retries, 1);
  });

  it('a permanent 400 is not retried and is logged as failed; 401 (a wrong GenieKey) too', async () => {
    server.failNext('pagerduty', { status: 400, body: '{"status":"invalid event"}' });
    server.genieKeys = new Set(['another-key']);
    const entries: unknown[] = [];
    const n = notifierOf({}, async (e) => void entries.push(e));
    await n.notifier.deliver(aPage({ incident: 'inc-5' }), 'test');
    assert.equal(server.received.filter((r) => r.kind === 'pagerduty').length, 1);
    assert.equal(server.received.filter((r) => r.kind === 'opsgenie-create').length, 1);
    assert.equal(n.tally.failed, 2);
    assert.equal(n.tally.retries, 0);
    assert.deepEqual(
      (entries as { receiver: string; result: string; status: number; reason: string }[])
        .map((e) => [e.receiver, e.result, e.status, e.reason])
        .sort(),
      [
        ['og', 'failed', 401, 'rejected'],
        ['pd', 'failed', 400, 'rejected'],
        ['slack', 'delivered', 200, null],
      ],
    );
  });

  it('gives up after max_attempts of 5xx', async () => {
    const { notifier, tally } = notifierOf({ max_attempts: 3 });
    server.failNext('opsgenie-create', { status: 502 }, { status: 502 }, { status: 502 });
    await notifier.deliver(aPage({ incident: 'inc-6', tier: 'P2' }), 'test');
    assert.equal(server.received.length, 3);
    assert.equal(tally.failed, 1);
    assert.equal(tally.retries, 2);
  });

  it('the same records fed twice are delivered once; a restart with the delivery log delivers nothing again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-log-'));
    const path = join(dir, 'delivered.ndjson');
    const records = [
      aPage({ incident: 'inc-8' }),
      aPage({ incident: 'inc-9', tier: 'P2' }),
      aResolve('inc-8'),
    ];
    const first = await DeliveryLogFile.open(path);
    const a = notifierOf({}, (e) => first.log.append(e as never));
    a.notifier.restore(first.entries);
    for (const r of [...records, ...records]) await a.notifier.deliver(r, 'test');
    await first.log.close();
    assert.equal(a.tally.delivered, 7);
    assert.equal(a.tally.duplicate, 7);
    const sent = server.received.length;
    assert.equal(sent, 7);

    const second = await DeliveryLogFile.open(path);
    assert.equal(second.entries.length, 7);
    const b = notifierOf({}, (e) => second.log.append(e as never));
    b.notifier.restore(second.entries);
    for (const r of records) await b.notifier.deliver(r, 'test');
    await second.log.close();
    assert.equal(server.received.length, sent, 'nothing sent after the restart');
    assert.equal(b.tally.duplicate, 7);
    // Each (receiver, incident, action) reached its receiver once.
    const keys = server.accepted().map((r) => {
      const b = r.body as Record<string, string>;
      if (r.kind === 'pagerduty') return `pd:${b.event_action}:${b.dedup_key}`;
      if (r.kind === 'opsgenie-create') return `og:create:${b.alias}`;
      return r.kind === 'slack' ? `slack:${b.text}` : `${r.kind}:${r.path}`;
    });
    assert.equal(keys.length, 7);
    assert.equal(new Set(keys).size, keys.length, keys.join(', '));
  });
});
