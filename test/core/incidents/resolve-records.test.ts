// The resolves on the tier topics: an incident that paged and resolves (time-out, feedback, its source) sends
// one resolve per page since it last resolved, on that page's tier topic, keyed by the incident; one that
// never paged sends none; a resolve is never a page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIncidentStep } from '../../../src/core/incidents/book.ts';
import { changeIncidentId } from '../../../src/core/incidents/routing.ts';
import { encodeEntry, incidentKey, restoreBook } from '../../../src/core/incidents/snapshot.ts';
import {
  opsgenieCloseProblems,
  opsgenieCreateProblems,
  pagerDutyProblems,
  slackProblems,
} from '../../../src/core/pager-contracts.ts';
import { aConfig, MIN, T0 } from '../../fixtures/builders.ts';
import { aChange, aMember, inOrder, runBook } from '../../fixtures/incidents.ts';

const pipe = aChange({ event_id: 'pipe-1', service: 'feature-pipeline-payments', event_time: T0 - 10 * MIN });
const id = changeIncidentId('pipe-1');

const resolvesOf = (r: ReturnType<typeof runBook>) =>
  r.outputs.flatMap((o) =>
    o.kind === 'resolve' ? [{ tier: o.tier, key: o.key, page: o.resolve.page_id }] : [],
  );

describe('resolve records', () => {
  it('after a time-out: one resolve on the tier topic it paged on, keyed by the incident, with complete bodies', () => {
    const r = runBook([...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P2' })])]);
    assert.equal(r.pages.length, 1);
    assert.equal(r.pages[0]!.action, 'trigger');
    assert.deepEqual(resolvesOf(r), [{ tier: 'P2', key: id, page: `${id}:1:resolve` }]);
    const res = r.resolves[0]!;
    assert.equal(res.action, 'resolve');
    assert.equal(res.resolves, r.pages[0]!.page_id);
    assert.equal(res.incident_id, id);
    assert.equal(res.event_time, T0 + 30 * MIN, 'when it timed out: last + gap');
    assert.equal(res.reason, 'timed out: no alert for 30 min');
    assert.equal(res.incident.status, 'resolved');
    assert.equal(res.incident.resolved_by, 'timeout');
    assert.deepEqual(res.pagerduty, { event_action: 'resolve', dedup_key: id });
    assert.deepEqual(res.opsgenie, {
      alias: id,
      action: 'close',
      note: `${res.incident.title}: timed out: no alert for 30 min`,
      source: 'alert-triage',
    });
    assert.deepEqual(pagerDutyProblems(res.pagerduty), []);
    assert.deepEqual(opsgenieCloseProblems(res.opsgenie), []);
    assert.deepEqual(slackProblems(res.slack), []);
    assert.match(res.slack.text, /^Resolved \[P2\] /);
    assert.ok(!JSON.stringify(res).includes('routing_key'), 'no routing key in a record');
    assert.ok(r.events.some((e) => e.type === 'page_resolved' && e.page_id === res.page_id));
    assert.equal(r.events.filter((e) => e.type === 'page').length, 1, 'the resolve is no page event');
    assert.equal(r.incidents.get(id)!.pages, 1, 'the incident counts one page');
  });

  it('the trigger it resolves has complete bodies too: responders from the owner, a Slack message', () => {
    const r = runBook([...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P1' })])]);
    const page = r.pages[0]!;
    assert.deepEqual(page.opsgenie.responders, [{ type: 'team', name: page.incident.owner }]);
    assert.deepEqual(pagerDutyProblems(page.pagerduty), []);
    assert.deepEqual(opsgenieCreateProblems(page.opsgenie), []);
    assert.deepEqual(slackProblems(page.slack), []);
    assert.deepEqual(
      page.slack.blocks.map((b) => b.type),
      page.incident.playbook ? ['header', 'section', 'context', 'actions'] : ['header', 'section', 'context'],
    );
  });

  it('a reopen after a time-out that does not page again sends no second resolve', () => {
    const r = runBook([
      ...inOrder([aMember({ alert_id: 'r1', cause: pipe, tier: 'P2' })]),
      { kind: 'watermark', time: T0 + 31 * MIN },
      ...inOrder([aMember({ alert_id: 'r2', cause: pipe, tier: 'P2', event_time: T0 + 50 * MIN })]),
    ]);
    assert.equal(r.pages.length, 1);
    assert.equal(r.records.filter((x) => x.resolved_by === 'timeout').length, 2, 'it timed out twice');
    assert.deepEqual(resolvesOf(r), [{ tier: 'P2', key: id, page: `${id}:1:resolve` }]);
    assert.equal(r.resolves[0]!.event_time, T0 + 30 * MIN);
  });

  it('after feedback: at resolved_at; firing again pages again and that page is resolved in turn', () => {
    const r = runBook([
      ...inOrder([aMember({ alert_id: 'f1', cause: pipe, tier: 'P2' })]),
      {
        kind: 'feedback',
        feedback: {
          alert_id: 'f1',
          event_time: T0 + 5 * MIN,
          outcome: 'actionable',
          resolved_at: T0 + 4 * MIN,
        },
      },
      { kind: 'watermark', time: T0 + 6 * MIN },
      ...inOrder([aMember({ alert_id: 'f2', cause: pipe, tier: 'P2', event_time: T0 + 10 * MIN })]),
    ]);
    assert.deepEqual(
      r.resolves.map((x) => [x.page_id, x.resolves, x.event_time, x.reason, x.incident.resolved_by]),
      [
        [`${id}:1:resolve`, `${id}:1`, T0 + 4 * MIN, 'resolved by feedback on f1', 'feedback'],
        [`${id}:2:resolve`, `${id}:2`, T0 + 40 * MIN, 'timed out: no alert for 30 min', 'timeout'],
      ],
    );
    // In order: the page, its resolve, the next page, its resolve.
    const order = r.outputs.flatMap((o) =>
      o.kind === 'page' ? [o.page.page_id] : o.kind === 'resolve' ? [o.resolve.page_id] : [],
    );
    assert.deepEqual(order, [`${id}:1`, `${id}:1:resolve`, `${id}:2`, `${id}:2:resolve`]);
  });

  it('a tier rise: each page is resolved on its own tier topic (a pager of one tier sees its page end)', () => {
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'u1', cause: pipe, tier: 'P2' }),
        aMember({ alert_id: 'u2', cause: pipe, tier: 'P1', event_time: T0 + 5 * MIN }),
      ]),
      aConfig({ incidents: { group_wait: 0 } }),
    );
    assert.deepEqual(
      r.pages.map((p) => [p.page_id, p.tier]),
      [
        [`${id}:1`, 'P2'],
        [`${id}:2`, 'P1'],
      ],
    );
    assert.deepEqual(resolvesOf(r), [
      { tier: 'P2', key: id, page: `${id}:1:resolve` },
      { tier: 'P1', key: id, page: `${id}:2:resolve` },
    ]);
  });

  it('an incident that never paged sends no resolve: below the page tiers, suppressed, or silenced', () => {
    const low = runBook(inOrder([aMember({ alert_id: 'n1', cause: pipe, tier: 'P3' })]));
    assert.equal(low.records.at(-1)!.status, 'resolved');
    assert.deepEqual([low.pages.length, low.resolves.length], [0, 0]);
    const repeat = runBook(inOrder([aMember({ alert_id: 'n2', cause: pipe, tier: 'P1', suppressed: true })]));
    assert.deepEqual([repeat.pages.length, repeat.resolves.length], [0, 0]);
    const silenced = runBook(
      inOrder([aMember({ alert_id: 'n3', cause: pipe, tier: 'P1' })]),
      aConfig({
        incidents: {
          silences: [
            {
              id: 's-1',
              matchers: ['model_id="fraud-scorer"'],
              starts_at: T0 - 60 * MIN,
              ends_at: T0 + 60 * MIN,
              created_by: 'alice',
              comment: 'retraining',
            },
          ],
        },
      }),
    );
    assert.equal(silenced.scored.get('n3')!.silenced_by, 's-1');
    assert.deepEqual([silenced.pages.length, silenced.resolves.length], [0, 0]);
  });

  it('a page held for the group wait goes out when the incident resolves, and is resolved with it', () => {
    const r = runBook(
      [
        ...inOrder([aMember({ alert_id: 'h1', cause: pipe, tier: 'P2' })]),
        {
          kind: 'feedback',
          feedback: { alert_id: 'h1', event_time: T0 + MIN, outcome: 'actionable', resolved_at: T0 + MIN },
        },
        { kind: 'watermark', time: T0 + 2 * MIN },
      ],
      aConfig({ incidents: { group_wait: '10m' } }),
      false,
    );
    assert.deepEqual(
      r.outputs.flatMap((o) => (o.kind === 'page' || o.kind === 'resolve' ? [o.kind] : [])),
      ['page', 'resolve'],
    );
    assert.equal(r.resolves[0]!.resolves, r.pages[0]!.page_id);
  });

  it('a book read back from its changelog still owes its resolves (and one written before them, its latest)', () => {
    const config = aConfig();
    const open = runBook(
      [
        ...inOrder([aMember({ alert_id: 'c1', cause: pipe, tier: 'P1' })]),
        { kind: 'watermark', time: T0 + MIN },
      ],
      config,
      false,
    );
    const inc = open.state.incidents.get(id)!;
    assert.deepEqual(inc.unresolved, [{ page_id: `${id}:1`, tier: 'P1' }]);
    const { unresolved: _, ...older } = inc;
    for (const entry of [inc, older]) {
      const { state } = restoreBook(config, [[incidentKey(id), encodeEntry(entry)]]);
      const step = createIncidentStep(config);
      const out = step(state, { kind: 'watermark', time: T0 + 31 * MIN }).outputs;
      assert.deepEqual(
        out.flatMap((o) => (o.kind === 'resolve' ? [`${o.resolve.page_id} ${o.resolve.tier}`] : [])),
        [`${id}:1:resolve P1`],
      );
    }
  });
});

describe('acknowledge records', () => {
  const fb = (over: { acked_at?: number; resolved_at?: number; at?: number; alert?: string }) => ({
    kind: 'feedback' as const,
    feedback: {
      alert_id: over.alert ?? 't1',
      event_time: over.at ?? T0 + 2 * MIN,
      outcome: 'actionable' as const,
      ...(over.acked_at === undefined ? {} : { acked_at: over.acked_at }),
      ...(over.resolved_at === undefined ? {} : { resolved_at: over.resolved_at }),
    },
  });
  const acksOf = (r: ReturnType<typeof runBook>) =>
    r.outputs.flatMap((o) => (o.kind === 'acknowledge' ? [o] : []));

  it('feedback with acked_at acknowledges each page of the open incident once, on its tier topic', () => {
    const r = runBook([
      ...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P2' })]),
      fb({ acked_at: T0 + 17 * MIN, at: T0 + 17 * MIN }),
      fb({ acked_at: T0 + 18 * MIN, at: T0 + 18 * MIN }),
    ]);
    // (A first P2 page waits for the group wait, 15 min: acknowledged after it went out.)
    const acks = acksOf(r);
    assert.equal(acks.length, 1, 'once, though acknowledged twice');
    const a = acks[0]!;
    assert.equal(a.tier, 'P2');
    assert.equal(a.key, id);
    assert.equal(a.acknowledge.action, 'acknowledge');
    assert.equal(a.acknowledge.page_id, `${id}:1:ack`);
    assert.equal(a.acknowledge.acknowledges, r.pages[0]!.page_id);
    assert.equal(a.acknowledge.event_time, T0 + 17 * MIN);
    assert.equal(a.acknowledge.reason, 'acknowledged (feedback on t1)');
    assert.deepEqual(a.acknowledge.pagerduty, { event_action: 'acknowledge', dedup_key: id });
    assert.deepEqual(pagerDutyProblems(a.acknowledge.pagerduty), []);
    assert.equal(a.acknowledge.opsgenie.alias, id);
    assert.equal(a.acknowledge.opsgenie.action, 'acknowledge');
    assert.deepEqual(opsgenieCloseProblems(a.acknowledge.opsgenie, 'acknowledge'), []);
    assert.deepEqual(slackProblems(a.acknowledge.slack), []);
    assert.match(a.acknowledge.slack.text, /^Acknowledged \[P2\]/);
    // The incident still resolves afterwards, once.
    assert.equal(r.resolves.length, 1);
  });

  it('none for an incident that never paged, for a closed one, or when the same feedback resolves it', () => {
    const unpaged = runBook([
      ...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P3' })]),
      fb({ acked_at: T0 + 2 * MIN }),
    ]);
    assert.equal(acksOf(unpaged).length, 0);
    const closed = runBook([
      ...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P2' })]),
      fb({ resolved_at: T0 + 2 * MIN }),
      fb({ acked_at: T0 + 3 * MIN, at: T0 + 3 * MIN }),
    ]);
    assert.equal(acksOf(closed).length, 0);
    const both = runBook([
      ...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P2' })]),
      fb({ acked_at: T0 + 2 * MIN, resolved_at: T0 + 2 * MIN }),
    ]);
    assert.equal(acksOf(both).length, 0);
    assert.equal(both.resolves.length, 1);
  });

  it('the acknowledged page survives the stream changelog: no second acknowledge after a restore', () => {
    const config = aConfig();
    const first = runBook(
      [
        ...inOrder([aMember({ alert_id: 't1', cause: pipe, tier: 'P1' })]),
        fb({ acked_at: T0 + 2 * MIN }),
        { kind: 'watermark', time: T0 + 3 * MIN },
      ],
      config,
      false,
    );
    assert.equal(acksOf(first).length, 1);
    const inc = first.state.incidents.get(id)!;
    const { state } = restoreBook(config, [[incidentKey(id), encodeEntry(inc)]]);
    const step = createIncidentStep(config);
    step(state, fb({ acked_at: T0 + 4 * MIN, at: T0 + 4 * MIN }));
    const out = step(state, { kind: 'watermark', time: T0 + 5 * MIN }).outputs;
    assert.equal(out.filter((o) => o.kind === 'acknowledge').length, 0);
  });
});
