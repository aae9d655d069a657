// The notifier's pure core: reading records, routing, the request per receiver, classifying answers,
// backoff, the rate limit and the delivery book. No network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config.ts';
import {
  createDeliveryBook,
  forgetBefore,
  isDone,
  noteDelivery,
  pagedReceivers,
  readDeliveryEntry,
} from '../../../src/core/notify/delivery-book.ts';
import { createBucket, takeToken } from '../../../src/core/notify/rate-limit.ts';
import { readNotifyRecord } from '../../../src/core/notify/record.ts';
import { buildRequest } from '../../../src/core/notify/request.ts';
import { backoffDelay, classify, nextStep, parseRetryAfter } from '../../../src/core/notify/retry.ts';
import { receiversFor, routeRecord } from '../../../src/core/notify/route.ts';
import type { NotifyRecord, Receiver, RetrySettings } from '../../../src/core/notify/types.ts';
import {
  opsgenieCloseProblems,
  opsgenieCreateProblems,
  pagerDutyProblems,
  slackProblems,
} from '../../fixtures/pager-receiver.ts';
import { anAcknowledge, aPage, aResolve, GENIE_KEY, PD_KEY } from '../../fixtures/pages.ts';

const read = (v: unknown): NotifyRecord => {
  const r = readNotifyRecord(v);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const receiver = (over: Partial<Receiver> & Pick<Receiver, 'type'>): Receiver => ({
  name: over.type,
  url: `http://127.0.0.1/${over.type}`,
  url_env: null,
  secret_env: null,
  secret: null,
  rate_limit: 10,
  timeout: 1000,
  ...over,
});

const RETRY: RetrySettings = {
  max_attempts: 4,
  initial_backoff: 1000,
  max_backoff: 8000,
  max_retry_after: 30_000,
};

describe('readNotifyRecord', () => {
  it('a page without action is a trigger, with a Slack text from the PagerDuty summary, and its owner', () => {
    // A record written before pages carried `action` and `slack`.
    const { action: _action, slack: _slack, ...legacy } = aPage({ incident: 'inc-1' });
    const r = read(legacy);
    assert.equal(r.action, 'trigger');
    assert.equal(r.owner, 'risk-ml');
    assert.equal(r.slack.text, legacy.pagerduty.payload.summary);
    assert.equal(r.slack.blocks, undefined);
  });

  it("a page as the incident stage writes it keeps the stage's Slack blocks", () => {
    const page = aPage({ incident: 'inc-1' });
    const r = read(page);
    assert.equal(r.action, 'trigger');
    assert.deepEqual(r.slack.blocks, page.slack.blocks);
  });

  it('reads a resolve, keeping its Slack blocks', () => {
    const r = read(aResolve('inc-1'));
    assert.equal(r.action, 'resolve');
    assert.equal(r.pagerduty.event_action, 'resolve');
    assert.equal(r.owner, null);
    assert.equal(r.slack.blocks?.length, 1);
  });

  it('names what is wrong', () => {
    const bad = (v: unknown) => {
      const r = readNotifyRecord(v);
      assert.equal(r.ok, false);
      return r.ok ? null : r.error;
    };
    assert.equal(bad([])?.code, 'NOT_AN_OBJECT');
    assert.equal(bad({ alert_id: 'a', paging: {} })?.code, 'NOT_A_PAGE');
    assert.deepEqual(bad({ ...aPage({ incident: 'i' }), page_id: undefined })?.field, 'page_id');
    assert.deepEqual(bad({ ...aPage({ incident: 'i' }), tier: 'P9' })?.field, 'tier');
    assert.deepEqual(bad({ ...aPage({ incident: 'i' }), action: 'ack' })?.field, 'action');
    const noKey = aPage({ incident: 'i' }) as unknown as { pagerduty: Record<string, unknown> };
    noKey.pagerduty = { ...noKey.pagerduty, dedup_key: '' };
    assert.equal(bad(noKey)?.field, 'pagerduty.dedup_key');
    assert.equal(bad({ ...aPage({ incident: 'i' }), opsgenie: { message: 'x' } })?.field, 'opsgenie.alias');
    assert.equal(
      bad({ ...aResolve('i'), pagerduty: { event_action: 'trigger', dedup_key: 'i' } })?.field,
      'pagerduty.event_action',
    );
  });
});

describe('routing', () => {
  const { notify } = parseConfig({
    notify: {
      receivers: {
        pd: { type: 'pagerduty', secret_env: 'PD' },
        og: { type: 'opsgenie', secret_env: 'OG' },
        slack: { type: 'slack', url_env: 'SLACK_URL' },
        hook: { type: 'webhook', url: 'http://127.0.0.1:1/hook' },
      },
      routes: [
        { match: { tier: 'P1', owner: 'risk-ml' }, receivers: ['pd', 'slack'] },
        { match: { tier: ['P1', 'P2'] }, receivers: ['og'], continue: true },
        { match: { owner: 'growth' }, receivers: ['hook'] },
      ],
      default: ['slack'],
    },
  });

  it('first match wins; continue lets later routes add theirs; nothing matched: the default', () => {
    assert.deepEqual(routeRecord({ tier: 'P1', owner: 'risk-ml' }, notify.routes, notify.default), [
      'pd',
      'slack',
    ]);
    assert.deepEqual(routeRecord({ tier: 'P2', owner: 'growth' }, notify.routes, notify.default), [
      'og',
      'hook',
    ]);
    assert.deepEqual(routeRecord({ tier: 'P2', owner: 'risk-ml' }, notify.routes, notify.default), ['og']);
    assert.deepEqual(routeRecord({ tier: 'P3', owner: 'risk-ml' }, notify.routes, notify.default), ['slack']);
    assert.deepEqual(routeRecord({ tier: 'P1', owner: null }, notify.routes, notify.default), ['og']);
  });

  it('a resolve goes where its incident was paged, else is routed', () => {
    const resolve = read(aResolve('inc-1'));
    assert.deepEqual(receiversFor(resolve, notify.routes, notify.default, ['pd', 'slack']), ['pd', 'slack']);
    assert.deepEqual(receiversFor(resolve, notify.routes, notify.default, []), ['og']);
  });
});

describe('buildRequest: bodies the public APIs accept', () => {
  const page = read(aPage({ incident: 'inc-7' }));
  const resolve = read(aResolve('inc-7'));

  it('PagerDuty: routing_key added to the Events v2 trigger; a resolve is event_action resolve + dedup_key', () => {
    const pd = receiver({ type: 'pagerduty', secret: PD_KEY });
    const t = buildRequest(pd, page);
    const body = JSON.parse(t.body);
    assert.equal(t.url, pd.url);
    assert.equal(body.routing_key, PD_KEY);
    assert.equal(body.dedup_key, 'inc-7');
    assert.deepEqual(pagerDutyProblems(body), []);
    const r = JSON.parse(buildRequest(pd, resolve).body);
    assert.deepEqual(r, { routing_key: PD_KEY, event_action: 'resolve', dedup_key: 'inc-7' });
    assert.deepEqual(pagerDutyProblems(r), []);
    // The validator is not a rubber stamp.
    assert.ok(pagerDutyProblems({ ...body, routing_key: 'short' }).length > 0);
    assert.ok(pagerDutyProblems({ ...body, payload: { ...body.payload, severity: 'high' } }).length > 0);
  });

  it('Opsgenie: create with GenieKey; close by alias with identifierType=alias', () => {
    const og = receiver({ type: 'opsgenie', secret: GENIE_KEY, url: 'http://127.0.0.1/og/v2/alerts/' });
    const c = buildRequest(og, page);
    assert.equal(c.headers.authorization, `GenieKey ${GENIE_KEY}`);
    assert.equal(c.url, 'http://127.0.0.1/og/v2/alerts/');
    assert.deepEqual(opsgenieCreateProblems(JSON.parse(c.body)), []);
    const x = buildRequest(og, resolve);
    const url = new URL(x.url);
    assert.equal(url.pathname, '/og/v2/alerts/inc-7/close');
    assert.equal(url.searchParams.get('identifierType'), 'alias');
    assert.deepEqual(JSON.parse(x.body), { note: 'resolved by timeout', source: 'alert-triage' });
    assert.deepEqual(opsgenieCloseProblems(JSON.parse(x.body), url.searchParams), []);
  });

  it('an acknowledge: PagerDuty event_action acknowledge + dedup_key; Opsgenie acknowledge by alias', () => {
    const ack = read(anAcknowledge('inc-7'));
    assert.equal(ack.action, 'acknowledge');
    const pd = receiver({ type: 'pagerduty', secret: PD_KEY });
    const r = JSON.parse(buildRequest(pd, ack).body);
    assert.deepEqual(r, { routing_key: PD_KEY, event_action: 'acknowledge', dedup_key: 'inc-7' });
    assert.deepEqual(pagerDutyProblems(r), []);
    const og = receiver({ type: 'opsgenie', secret: GENIE_KEY, url: 'http://127.0.0.1/og/v2/alerts' });
    const x = buildRequest(og, ack);
    const url = new URL(x.url);
    assert.equal(url.pathname, '/og/v2/alerts/inc-7/acknowledge');
    assert.equal(url.searchParams.get('identifierType'), 'alias');
    assert.deepEqual(JSON.parse(x.body), { note: 'acknowledged (feedback on a-1)', source: 'alert-triage' });
    assert.deepEqual(opsgenieCloseProblems(JSON.parse(x.body), url.searchParams), []);
    // Its action must fit PagerDuty's.
    const bad = readNotifyRecord({
      ...anAcknowledge('inc-7'),
      pagerduty: { event_action: 'resolve', dedup_key: 'inc-7' },
    });
    assert.equal(bad.ok, false);
  });

  it('Slack: {text, blocks}; webhook: the record as it is, with an idempotency key and the bearer token', () => {
    const s = JSON.parse(buildRequest(receiver({ type: 'slack' }), resolve).body);
    assert.equal(s.text, 'resolved: inc-7');
    assert.deepEqual(slackProblems(s), []);
    const w = buildRequest(receiver({ type: 'webhook', name: 'hook', secret: 'tok' }), page);
    assert.deepEqual(JSON.parse(w.body), aPage({ incident: 'inc-7' }));
    assert.equal(w.headers['idempotency-key'], 'hook/inc-7:1');
    assert.equal(w.headers.authorization, 'Bearer tok');
  });
});

describe('classify, backoff, next step', () => {
  const now = Date.parse('2026-11-16T09:00:00Z');
  const res = (status: number, retryAfter: string | null = null) =>
    classify({ kind: 'response', status, retryAfter, body: 'b' }, now);

  it('2xx delivered; 429/408/5xx and no answer retried; other 4xx rejected', () => {
    assert.equal(res(202).kind, 'delivered');
    assert.equal(res(200).kind, 'delivered');
    assert.deepEqual(
      [res(429), res(500), res(503), res(408)].map((v) => v.kind === 'retry' && v.reason),
      ['rate_limited', 'server_error', 'server_error', 'timeout'],
    );
    assert.equal(classify({ kind: 'network', message: 'fetch failed: ECONNREFUSED' }, now).kind, 'retry');
    for (const s of [400, 401, 403, 404, 410, 422]) assert.equal(res(s).kind, 'rejected', String(s));
  });

  it('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter(new Date(now + 5000).toUTCString(), now), 5000);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });

  it('exponential backoff with equal jitter, capped; Retry-After followed up to its cap; gives up after max_attempts', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => backoffDelay(a, RETRY, 1)),
      [1000, 2000, 4000, 8000, 8000],
    );
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffDelay(a, RETRY, 0)),
      [500, 1000, 2000],
    );
    assert.deepEqual(nextStep(1, res(429, '3'), RETRY, 0), { kind: 'wait', ms: 3000 });
    assert.deepEqual(nextStep(1, res(429, '3600'), RETRY, 0), { kind: 'wait', ms: 30_000 });
    assert.deepEqual(nextStep(2, res(500), RETRY, 1), { kind: 'wait', ms: 2000 });
    assert.deepEqual(nextStep(4, res(500), RETRY, 1), { kind: 'give_up', reason: 'retries_exhausted' });
    assert.deepEqual(nextStep(1, res(400), RETRY, 1), { kind: 'give_up', reason: 'rejected' });
    assert.deepEqual(nextStep(3, res(202), RETRY, 1), { kind: 'done' });
  });
});

describe('rate limit', () => {
  it('a burst of the rate, then one token every 1/rate s', () => {
    let b = createBucket(2, 0);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = takeToken(b, 2, 0);
      b = t.bucket;
      waits.push(t.waitMs);
    }
    assert.deepEqual(waits, [0, 0, 500]);
    assert.equal(takeToken(b, 2, 499).waitMs, 2);
    assert.equal(takeToken(b, 2, 500).waitMs, 0);
    assert.equal(takeToken(createBucket(0.5, 0), 0.5, 0).waitMs, 0);
  });
});

describe('delivery book', () => {
  it('knows what is over and where each incident was paged; reads its log lines back', () => {
    const book = createDeliveryBook();
    const entry = {
      receiver: 'pd',
      page_id: 'i:1',
      incident_id: 'i',
      action: 'trigger' as const,
      result: 'delivered' as const,
      status: 202,
      attempts: 1,
      reason: null,
      at: 1,
    };
    noteDelivery(book, entry);
    noteDelivery(book, { ...entry, receiver: 'og', result: 'failed', reason: 'rejected' });
    assert.ok(isDone(book, 'pd', 'i:1'));
    assert.ok(isDone(book, 'og', 'i:1'), 'a permanent failure is over too: not sent again');
    assert.equal(isDone(book, 'pd', 'i:2'), undefined);
    assert.deepEqual(pagedReceivers(book, 'i'), ['pd']);
    assert.deepEqual(readDeliveryEntry(JSON.parse(JSON.stringify(entry))), entry);
    assert.equal(readDeliveryEntry({ receiver: 'pd' }), null);
  });

  it('forgets what is older than the log keeps, and where those incidents were paged', () => {
    const book = createDeliveryBook();
    const at = (receiver: string, page: string, incident: string, t: number) =>
      noteDelivery(book, {
        receiver,
        page_id: page,
        incident_id: incident,
        action: 'trigger',
        result: 'delivered',
        status: 202,
        attempts: 1,
        reason: null,
        at: t,
      });
    at('pd', 'old:1', 'old', 10);
    at('pd', 'new:1', 'new', 100);
    at('slack', 'new:2', 'new', 20);
    assert.equal(forgetBefore(book, 50), 2);
    assert.equal(isDone(book, 'pd', 'old:1'), undefined);
    assert.ok(isDone(book, 'pd', 'new:1'));
    assert.deepEqual(pagedReceivers(book, 'old'), []);
    assert.deepEqual(pagedReceivers(book, 'new'), ['pd']);
    assert.equal(forgetBefore(book, 50), 0);
  });
});
