// The Notifier over fake ports (no network, a fake clock): what a stop leaves undone, the rate limit's
// spacing, a log that cannot be written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import type { DeliveryEntry, HttpOutcome, HttpRequest } from '../../src/core/notify/types.ts';
import { Notifier, type NotifyEvent, type NotifyPorts } from '../../src/runtime/notifier.ts';
import { buildReceivers } from '../../src/runtime/notify-receivers.ts';
import { aPage, PD_KEY } from '../fixtures/pages.ts';

function setup(answers: HttpOutcome[], rate = 100) {
  const config = parseConfig({
    notify: {
      receivers: { pd: { type: 'pagerduty', secret_env: 'PD', rate_limit: rate } },
      default: ['pd'],
      retry: { max_attempts: 5, initial_backoff: '1s', max_backoff: '10s' },
    },
  });
  let now = 0;
  const sent: { at: number; request: HttpRequest }[] = [];
  const sleeps: number[] = [];
  const log: DeliveryEntry[] = [];
  const events: NotifyEvent[] = [];
  let stopAfterSleeps = Number.POSITIVE_INFINITY;
  const ports: NotifyPorts = {
    send: async (request) => {
      sent.push({ at: now, request });
      return answers.shift() ?? { kind: 'response', status: 202, retryAfter: null, body: '{}' };
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      if (sleeps.length > stopAfterSleeps) return false;
      now += ms;
      return true;
    },
    now: () => now,
    random: () => 1,
    append: async (e) => void log.push(e),
  };
  const notifier = new Notifier(config.notify, buildReceivers(config.notify, { PD: PD_KEY }), ports, (e) =>
    events.push(e),
  );
  return {
    notifier,
    sent,
    sleeps,
    log,
    events,
    stopAt: (n: number) => {
      stopAfterSleeps = n;
    },
    ports,
    config,
  };
}

const e500: HttpOutcome = { kind: 'response', status: 500, retryAfter: null, body: 'oops' };

describe('Notifier', () => {
  it('retries with the backoff it computes, then records the delivery once', async () => {
    const s = setup([e500, e500]);
    assert.equal(await s.notifier.deliver(aPage({ incident: 'i1' }), 't'), 'done');
    assert.deepEqual(s.sleeps, [1000, 2000]);
    assert.deepEqual(
      s.sent.map((x) => x.at),
      [0, 1000, 3000],
    );
    assert.deepEqual(
      s.log.map((e) => [e.result, e.attempts, e.status]),
      [['delivered', 3, 202]],
    );
  });

  it('a stop during a wait leaves the delivery undone (not logged): a restart sends it', async () => {
    const s = setup([e500]);
    s.stopAt(0);
    assert.equal(await s.notifier.deliver(aPage({ incident: 'i2' }), 't'), 'stopped');
    assert.equal(s.log.length, 0);
    const again = setup([]);
    again.notifier.restore(s.log);
    assert.equal(await again.notifier.deliver(aPage({ incident: 'i2' }), 't'), 'done');
    assert.equal(again.sent.length, 1);
  });

  it('after stop() nothing new is sent', async () => {
    const s = setup([]);
    s.notifier.stop();
    assert.equal(await s.notifier.deliver(aPage({ incident: 'i3' }), 't'), 'stopped');
    assert.equal(s.sent.length, 0);
  });

  it('spaces requests by the rate limit', async () => {
    const s = setup([], 0.5);
    for (const n of [1, 2, 3]) await s.notifier.deliver(aPage({ incident: `r${n}` }), 't');
    assert.deepEqual(
      s.sent.map((x) => x.at),
      [0, 2000, 4000],
    );
  });

  it('a delivery log that cannot be written fails the record (its offset is not committed)', async () => {
    const s = setup([]);
    s.ports.append = async () => {
      throw new Error('log down');
    };
    await assert.rejects(s.notifier.deliver(aPage({ incident: 'i4' }), 't'), /log down/);
    assert.equal(s.notifier.delivered, 0, 'not remembered as delivered either');
  });

  it('an invalid record is reported by name and counts as done', async () => {
    const s = setup([]);
    assert.equal(await s.notifier.deliver({ alert_id: 'a', paging: {} }, 'topic[0]@7'), 'done');
    assert.deepEqual(
      s.events.map((e) => (e.type === 'invalid' ? [e.source, e.error.code] : e.type)),
      [['topic[0]@7', 'NOT_A_PAGE']],
    );
  });
});
