// Stage 2, the incident book: order (any arrival order gives the same incidents, ids and pages), paging,
// silences, inhibition, resolution, the records and the pages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Action } from '../../../src/core/actions.ts';
import type { CoreInput } from '../../../src/core/events.ts';
import { candidateOf, changeIncidentId, modelIncidentId } from '../../../src/core/incidents/routing.ts';
import type { IncidentInput, IncidentMember } from '../../../src/core/incidents/types.ts';
import { parseSilence, type Silence } from '../../../src/core/silences.ts';
import {
  aConfig,
  aDeploy,
  alertInput,
  anAlert,
  deployInput,
  HOUR,
  MIN,
  T0,
} from '../../fixtures/builders.ts';
import { aChange, aMember, inOrder, runBook, stageOne } from '../../fixtures/incidents.ts';
import { Rng } from '../../fixtures/rng.ts';

const pipe = aChange({ event_id: 'pipe-1', service: 'feature-pipeline-payments', event_time: T0 - 10 * MIN });
const pages = (r: ReturnType<typeof runBook>) =>
  [...r.scored.values()].filter((a) => a.page).map((a) => a.alert_id);

function silence(over: Record<string, unknown>): Silence {
  const r = parseSilence(
    {
      matchers: ['model_id="fraud-scorer"'],
      starts_at: T0 - HOUR,
      ends_at: T0 + HOUR,
      created_by: 'alice',
      comment: 'retraining, expected drift',
      ...over,
    },
    { maxDurationMs: 7 * 24 * HOUR },
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('incident book: paging', () => {
  it('pages when an incident opens at P1 or P2, and not again at the same tier', () => {
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'a1', cause: pipe, tier: 'P2', event_time: T0 }),
        aMember({
          alert_id: 'a2',
          cause: pipe,
          tier: 'P2',
          event_time: T0 + MIN,
          model_id: 'churn-predictor',
        }),
        aMember({ alert_id: 'a3', cause: pipe, tier: 'P3', event_time: T0 + 2 * MIN }),
        aMember({ alert_id: 'a4', cause: pipe, tier: 'P2', event_time: T0 + 20 * MIN }),
      ]),
    );
    assert.deepEqual(pages(r), ['a1']);
    assert.equal(r.pages.length, 1);
    const inc = r.incidents.get(changeIncidentId('pipe-1'))!;
    assert.equal(inc.members, 4);
    assert.equal(inc.pages, 1);
    assert.equal(inc.paged_tier, 'P2');
    // a1's P2 page waited group_wait (15 min) for a P1 that did not come; a2 came while it was held
    assert.match(
      r.scored.get('a1')!.incident!.reasons.at(-1)!,
      /^paged P2: the incident's first alert at a page tier, after a group wait of 15 min/,
    );
    assert.match(
      r.scored.get('a2')!.incident!.reasons.at(-1)!,
      /holds a page at P2 for the group wait of 15 min/,
    );
    assert.match(r.scored.get('a4')!.incident!.reasons.at(-1)!, /already paged at P2/);
  });

  it('group wait: a quiet stream sends the held page at once (the stream says quiet; offline, the end does)', () => {
    const held = [
      { kind: 'member', member: aMember({ alert_id: 'q1', cause: pipe, tier: 'P2', event_time: T0 }) },
      { kind: 'watermark', time: T0 + 1 },
    ] as const;
    const waiting = runBook(held, undefined, false);
    assert.deepEqual(waiting.pages, [], 'held for the group wait, no end of input');
    const quiet = runBook([...held, { kind: 'quiet' }], undefined, false);
    assert.deepEqual(pages(quiet), ['q1']);
    assert.equal(quiet.scored.get('q1')!.page, true);
  });

  it('group wait: a P1 member within 15 min of the first P2 page makes one page, at P1; the P2 member says why it did not page', () => {
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'g1', cause: pipe, tier: 'P2', event_time: T0 }),
        aMember({ alert_id: 'g2', cause: pipe, tier: 'P1', event_time: T0 + 7 * MIN }),
      ]),
    );
    assert.deepEqual(pages(r), ['g2']);
    assert.deepEqual(
      r.pages.map((p) => p.reason),
      ['opened at P1'],
    );
    assert.match(
      r.scored.get('g1')!.incident!.reasons.at(-1)!,
      /^not paged: g2 at P1 came within the group wait of 15 min: the incident pages at P1 instead$/,
    );
    // the P1 pages at once, never held; after the wait the P2 page is sent and a P1 is a rise
    const later = runBook(
      inOrder([
        aMember({ alert_id: 'g1', cause: pipe, tier: 'P2', event_time: T0 }),
        aMember({ alert_id: 'g2', cause: pipe, tier: 'P1', event_time: T0 + 16 * MIN }),
      ]),
    );
    assert.deepEqual(
      later.pages.map((p) => [p.alert.alert_id, p.reason]),
      [
        ['g1', 'opened at P2'],
        ['g2', 'tier rose from P2 to P1'],
      ],
    );
    // group_wait 0: the P2 pages at once, and the P1 is a rise
    const none = runBook(
      inOrder([
        aMember({ alert_id: 'g1', cause: pipe, tier: 'P2', event_time: T0 }),
        aMember({ alert_id: 'g2', cause: pipe, tier: 'P1', event_time: T0 + 7 * MIN }),
      ]),
      aConfig({ incidents: { group_wait: 0 } }),
    );
    assert.deepEqual(pages(none), ['g1', 'g2']);
  });

  it('pages again when the tier rises, never twice for one tier', () => {
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'b1', cause: pipe, tier: 'P3', event_time: T0 }),
        aMember({ alert_id: 'b2', cause: pipe, tier: 'P2', event_time: T0 + MIN }),
        // after the group wait of b2's page (15 min)
        aMember({ alert_id: 'b3', cause: pipe, tier: 'P1', event_time: T0 + 17 * MIN }),
        aMember({ alert_id: 'b4', cause: pipe, tier: 'P2', event_time: T0 + 18 * MIN }),
        aMember({ alert_id: 'b5', cause: pipe, tier: 'P1', event_time: T0 + 19 * MIN }),
      ]),
    );
    assert.deepEqual(pages(r), ['b2', 'b3']);
    assert.deepEqual(
      r.pages.map((p) => p.reason),
      ['opened at P2', 'tier rose from P2 to P1'],
    );
    assert.deepEqual(
      r.pages.map((p) => p.page_id),
      [`${changeIncidentId('pipe-1')}:1`, `${changeIncidentId('pipe-1')}:2`],
    );
  });

  it('P3 and P4 never page unless page_tiers says so; a dedup repeat never pages', () => {
    const members = [
      aMember({ alert_id: 'c1', tier: 'P3' }),
      aMember({ alert_id: 'c2', tier: 'P1', suppressed: true, model_id: 'search-ranker' }),
    ];
    assert.deepEqual(pages(runBook(inOrder(members))), []);
    const p3 = aConfig({ incidents: { page_tiers: ['P1', 'P2', 'P3'] } });
    assert.deepEqual(pages(runBook(inOrder(members), p3)), ['c1']);
    const p1only = aConfig({ incidents: { page_tiers: ['P1'] } });
    assert.deepEqual(pages(runBook(inOrder([aMember({ alert_id: 'c3', tier: 'P2' })]), p1only)), []);
  });

  it('makes the page: the incident, the alert that triggered it, PagerDuty and Opsgenie bodies keyed by the incident', () => {
    const r = runBook(inOrder([aMember({ alert_id: 'p1', cause: pipe, tier: 'P1', priority: 81 })]));
    const [page] = r.pages;
    const id = changeIncidentId('pipe-1');
    assert.equal(page!.incident_id, id);
    assert.equal(page!.pagerduty.dedup_key, id);
    assert.equal(page!.pagerduty.event_action, 'trigger');
    assert.equal(page!.pagerduty.payload.severity, 'critical');
    assert.match(page!.pagerduty.payload.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.equal(page!.opsgenie.alias, id);
    assert.equal(page!.opsgenie.priority, 'P1');
    assert.ok(page!.opsgenie.message.length <= 130);
    assert.deepEqual(page!.alert.reasons, ['reason one of p1', 'reason two', 'reason three']);
    assert.equal(page!.alert.priority, 81);
    assert.equal(page!.incident.pages, 1);
    // The scored record's own paging fields group by the incident too.
    const scored = r.scored.get('p1')!;
    assert.equal(scored.paging.pagerduty.dedup_key, id);
    assert.equal(scored.paging.opsgenie.alias, id);
    assert.equal(scored.incident_id, id);
    assert.equal(scored.silenced_by, null);
  });

  it('recommends actions only for a member that pages, once per incident and action type', () => {
    const act = (alert: string, type: Action['type']): Action => ({
      action_id: `${alert}:${type}`,
      type,
      alert_id: alert,
      model_id: 'fraud-scorer',
      tier: 'P1',
      event_time: T0,
      owner: 'risk-ml',
      operation: type,
      params: {},
      reason: 'test',
    });
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'x1', cause: pipe, tier: 'P2', actions: [act('x1', 'diagnostic')] }),
        aMember({
          alert_id: 'x2',
          cause: pipe,
          tier: 'P2',
          event_time: T0 + MIN,
          actions: [act('x2', 'diagnostic')],
        }),
        aMember({
          alert_id: 'x3',
          cause: pipe,
          tier: 'P1',
          event_time: T0 + 20 * MIN,
          actions: [act('x3', 'rollback'), act('x3', 'diagnostic')],
        }),
      ]),
    );
    const actions = r.outputs.flatMap((o) => (o.kind === 'action' ? [o.action.action_id] : []));
    assert.deepEqual(actions, ['x1:diagnostic', 'x3:rollback']);
  });
});

describe('incident book: the incident record', () => {
  it('sums impact over distinct models (each at its highest), takes the highest tier and priority, lists models and areas', () => {
    const r = runBook(
      inOrder([
        aMember({ alert_id: 'i1', cause: pipe, tier: 'P3', impact: 100, priority: 35 }),
        aMember({ alert_id: 'i2', cause: pipe, tier: 'P2', impact: 400, priority: 55, event_time: T0 + MIN }),
        aMember({
          alert_id: 'i3',
          cause: pipe,
          tier: 'P3',
          impact: 50,
          event_time: T0 + 2 * MIN,
          priority: 40,
          model_id: 'churn-predictor',
          product_area: 'growth',
          region: 'eu-west-1',
        }),
      ]),
    );
    const inc = r.incidents.get(changeIncidentId('pipe-1'))!;
    assert.equal(inc.expected_impact_per_hour, 450);
    assert.equal(inc.tier, 'P2');
    assert.equal(inc.priority, 55);
    assert.deepEqual(
      inc.models.map((m) => [m.model_id, m.members, m.tier]),
      [
        ['fraud-scorer', 2, 'P2'],
        ['churn-predictor', 1, 'P3'],
      ],
    );
    assert.deepEqual(inc.product_areas, ['payments', 'growth']);
    assert.deepEqual(inc.regions, ['eu-west-1']);
    assert.equal(inc.first_event_time, T0);
    assert.equal(inc.last_event_time, T0 + 2 * MIN);
    assert.equal(inc.cause?.event_id, 'pipe-1');
    assert.match(
      inc.title,
      /data_pipeline_change of feature-pipeline-payments \(pipe-1\): 2 models affected/,
    );
    assert.equal(
      r.records.length,
      5,
      'a record on every change: three members, the page after the group wait, and the time-out',
    );
  });

  it('owner: the changed service team from services:, a changed model its owner, else the first model owner', () => {
    const config = aConfig({
      services: {
        'feature-pipeline-payments': { owner: 'data-eng', playbook: 'https://runbooks.example/pipe' },
      },
    });
    const svc = runBook(inOrder([aMember({ alert_id: 'o1', cause: pipe })]), config).incidents.get(
      changeIncidentId('pipe-1'),
    )!;
    assert.deepEqual(
      [svc.owner, svc.owner_from, svc.playbook],
      ['data-eng', 'service', 'https://runbooks.example/pipe'],
    );
    const unknownService = runBook(inOrder([aMember({ alert_id: 'o1', cause: pipe })])).incidents.get(
      changeIncidentId('pipe-1'),
    )!;
    assert.deepEqual([unknownService.owner, unknownService.owner_from], ['risk-ml', 'first_model']);
    const release = aChange({
      event_id: 'rel',
      kind: 'model_deploy',
      model_id: 'search-ranker',
      via: 'model',
    });
    const model = runBook(
      inOrder([aMember({ alert_id: 'o2', cause: release, model_id: 'fraud-scorer' })]),
    ).incidents.get(changeIncidentId('rel'))!;
    assert.deepEqual([model.owner, model.owner_from], ['search-ml', 'model_change']);
    assert.deepEqual(model.escalation.slice(0, 1), ['search-ml-oncall']);
  });

  it('SLA deadlines run from the first page, and only come closer when the tier rises', () => {
    const r = runBook(
      [
        ...inOrder([
          aMember({ alert_id: 's1', cause: pipe, tier: 'P3' }),
          aMember({ alert_id: 's2', cause: pipe, tier: 'P2', event_time: T0 + 10 * MIN }),
          // after s2's group wait: a rise
          aMember({ alert_id: 's3', cause: pipe, tier: 'P1', event_time: T0 + 30 * MIN }),
        ]),
        { kind: 'watermark', time: T0 + 31 * MIN },
      ],
      aConfig(),
      false,
    );
    const inc = r.incidents.get(changeIncidentId('pipe-1'))!;
    // from the paging alert's event time, not from the end of the group wait
    assert.equal(inc.first_paged_at, T0 + 10 * MIN);
    assert.deepEqual(inc.sla, { ack_by: T0 + 45 * MIN, resolve_by: T0 + 30 * MIN + 4 * HOUR });
    assert.equal(r.records[0]!.sla, null, 'no page yet, no deadline');
  });
});

describe('incident book: resolution', () => {
  it('times out when the watermark passes last + gap, and a later member reopens it', () => {
    const id = changeIncidentId('pipe-1');
    const inputs: IncidentInput[] = [
      ...inOrder([aMember({ alert_id: 'r1', cause: pipe, tier: 'P2' })]),
      { kind: 'watermark', time: T0 + 30 * MIN },
    ];
    let r = runBook(inputs, aConfig(), false);
    assert.equal(r.incidents.get(id)!.status, 'open', 'at exactly the gap it is still open');
    inputs.push({ kind: 'watermark', time: T0 + 31 * MIN });
    r = runBook(inputs, aConfig(), false);
    const resolved = r.incidents.get(id)!;
    assert.deepEqual(
      [resolved.status, resolved.resolved_by, resolved.resolved_at],
      ['resolved', 'timeout', T0 + 30 * MIN],
    );
    inputs.push(
      ...inOrder([aMember({ alert_id: 'r2', cause: pipe, tier: 'P2', event_time: T0 + 50 * MIN })]),
      { kind: 'watermark', time: T0 + 51 * MIN },
    );
    r = runBook(inputs, aConfig(), false);
    assert.equal(r.incidents.get(id)!.status, 'open');
    assert.equal(r.incidents.get(id)!.members, 2);
    assert.deepEqual(pages(r), ['r1'], 'a timed-out incident reopened does not page at the tier it paged');
    assert.ok(r.events.some((e) => e.type === 'incident_reopened'));
  });

  it('resolves by feedback with resolved_at; firing again afterwards pages again', () => {
    const id = changeIncidentId('pipe-1');
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
    const byFeedback = r.records.find((x) => x.resolved_by === 'feedback')!;
    assert.equal(byFeedback.resolved_at, T0 + 4 * MIN);
    assert.equal(byFeedback.incident_id, id);
    assert.deepEqual(pages(r), ['f1', 'f2']);
    assert.match(r.scored.get('f2')!.incident!.reasons.at(-1)!, /resolved by feedback and fires again/);
  });
});

describe('incident book: silences', () => {
  it('a matching silence marks the member, which counts but never pages', () => {
    const config = aConfig();
    const s = silence({});
    const r = runBook(
      [{ kind: 'silence', silence: s }, ...inOrder([aMember({ alert_id: 'm1', tier: 'P1' })])],
      config,
    );
    const a = r.scored.get('m1')!;
    assert.equal(a.silenced_by, s.id);
    assert.equal(a.page, false);
    assert.match(a.incident!.reasons.join(' '), /silenced by sil-[0-9a-f]+ \(retraining, expected drift\)/);
    const inc = r.incidents.get(a.incident_id!)!;
    assert.deepEqual([inc.members, inc.silenced, inc.pages, inc.tier], [1, 1, 0, 'P1']);
    assert.ok(r.events.some((e) => e.type === 'member_silenced'));
  });

  it('follows event time: before or after its window the member pages', () => {
    const s = silence({});
    const r = runBook([
      { kind: 'silence', silence: s },
      ...inOrder([aMember({ alert_id: 'late', tier: 'P1', event_time: T0 + 2 * HOUR })]),
    ]);
    assert.equal(r.scored.get('late')!.silenced_by, null);
    assert.equal(r.scored.get('late')!.page, true);
  });

  it('a change-scoped silence matches only members whose context lists the change', () => {
    const s = silence({ matchers: ['signal=~".*"'], change_event_id: 'pipe-1' });
    const r = runBook([
      { kind: 'silence', silence: s },
      ...inOrder([
        aMember({ alert_id: 'in', tier: 'P2', cause: pipe }),
        aMember({ alert_id: 'out', tier: 'P1', model_id: 'search-ranker', event_time: T0 + MIN }),
      ]),
    ]);
    assert.equal(r.scored.get('in')!.silenced_by, s.id);
    assert.equal(r.scored.get('out')!.silenced_by, null);
    assert.deepEqual(pages(r), ['out']);
  });

  it('silences from the config are in force, and silence_removed takes one away', () => {
    const config = aConfig({
      incidents: {
        silences: [
          {
            matchers: ['model_id="fraud-scorer"'],
            starts_at: new Date(T0 - HOUR).toISOString(),
            ends_at: new Date(T0 + HOUR).toISOString(),
            created_by: 'ops',
            comment: 'from the config',
          },
        ],
      },
    });
    const id = config.incidents.silences[0]!.id;
    assert.equal(
      runBook(inOrder([aMember({ alert_id: 'k1', tier: 'P1' })]), config).scored.get('k1')!.silenced_by,
      id,
    );
    const removed = runBook(
      [{ kind: 'silence_removed', id }, ...inOrder([aMember({ alert_id: 'k2', tier: 'P1' })])],
      config,
    );
    assert.equal(removed.scored.get('k2')!.page, true);
  });
});

describe('incident book: inhibition', () => {
  const candidate = candidateOf(pipe);
  const host = (tier: 'P1' | 'P2') => aMember({ alert_id: 'h1', cause: pipe, tier, event_time: T0 });
  const target = (over = {}) =>
    aMember({
      alert_id: 't1',
      model_id: 'churn-predictor',
      tier: 'P2',
      event_time: T0 + 20 * MIN,
      candidate,
      ...over,
    });

  it('a lower-tier candidate joins the open P1 incident of the change that explains its model, and does not page', () => {
    const r = runBook(inOrder([host('P1'), target()]));
    const t = r.scored.get('t1')!;
    assert.equal(t.incident_id, changeIncidentId('pipe-1'));
    assert.equal(t.incident!.inhibited_by, changeIncidentId('pipe-1'));
    assert.equal(t.page, false);
    assert.match(
      t.incident!.reasons[0]!,
      /^inhibited by P1 incident inc-[0-9a-f]+ of data_pipeline_change of feature-pipeline-payments/,
    );
    const inc = r.incidents.get(changeIncidentId('pipe-1'))!;
    assert.deepEqual([inc.members, inc.inhibited, inc.models.length], [2, 1, 2]);
    assert.ok(r.events.some((e) => e.type === 'member_inhibited'));
  });

  it('later alerts of the inhibited model, routed by its memory, follow it into the P1 incident', () => {
    const first = target();
    const next = aMember({
      alert_id: 't2',
      model_id: 'churn-predictor',
      tier: 'P2',
      event_time: T0 + 25 * MIN,
      how: 'model',
      incident_id: first.incident_id,
      key: first.key,
      candidate,
    });
    next.route = first.route;
    next.candidate = null;
    const r = runBook(inOrder([host('P1'), first, next]));
    assert.equal(r.scored.get('t2')!.incident_id, changeIncidentId('pipe-1'));
    assert.equal(r.scored.get('t2')!.page, false);
  });

  it('no inhibition while the incident is below P1, after it timed out, or for a P1 target: the candidate joins it and pages only on a rise', () => {
    // below P1: it joins the change's incident (the change explains its model) and, at the tier that
    // incident paged already, does not page
    const p2 = runBook(inOrder([host('P2'), target()]));
    const t = p2.scored.get('t1')!;
    assert.equal(t.incident_id, changeIncidentId('pipe-1'));
    assert.equal(t.incident!.inhibited_by, null);
    assert.equal(t.page, false);
    assert.match(
      t.incident!.reasons[0]!,
      /^joined incident inc-[0-9a-f]+ of data_pipeline_change of feature-pipeline-payments \(pipe-1\) 30 min before this alert, opened 20 min ago: the change explains churn-predictor but is too far back to be its suspected cause; 2 models affected$/,
    );
    // a P1 candidate of a P2 incident raises it: one page, the same incident
    const rise = runBook(inOrder([host('P2'), target({ tier: 'P1' })]));
    assert.equal(rise.scored.get('t1')!.incident_id, changeIncidentId('pipe-1'));
    assert.equal(rise.scored.get('t1')!.page, true);
    // timed out (45 min > gap after h1): it reopens the incident, which already paged at P1 — not inhibited
    const timedOut = runBook(inOrder([host('P1'), target({ event_time: T0 + 45 * MIN })]));
    assert.equal(timedOut.scored.get('t1')!.incident_id, changeIncidentId('pipe-1'));
    assert.equal(timedOut.scored.get('t1')!.incident!.inhibited_by, null);
    assert.equal(timedOut.scored.get('t1')!.page, false);
    assert.ok(timedOut.events.some((e) => e.type === 'incident_reopened'));
    const p1 = runBook(inOrder([host('P1'), target({ tier: 'P1' })]));
    assert.equal(p1.scored.get('t1')!.incident!.inhibited_by, null);
  });

  it("a candidate further back than max_lifetime joins its change's incident only while the book holds it, never opens it again", () => {
    // A repeat looks for its candidate from when its condition began firing, so the change can be more than
    // max_lifetime (6 h) before the alert. Held (its last member 5 h before): joined, reopened from its time-out.
    const late = (over = {}) => target({ event_time: T0 + 7 * HOUR, ...over });
    const held = runBook(
      inOrder([aMember({ alert_id: 'h1', cause: pipe, tier: 'P2', event_time: T0 + 2 * HOUR }), late()]),
    );
    assert.equal(held.scored.get('t1')!.incident_id, changeIncidentId('pipe-1'));
    // Not held (no alert ever opened it, or the book dropped it): the alert opens its own incident, so the
    // change's id never names a second incident.
    const gone = runBook(inOrder([late()]));
    const own = gone.scored.get('t1')!;
    assert.notEqual(own.incident_id, changeIncidentId('pipe-1'));
    assert.equal(gone.incidents.has(changeIncidentId('pipe-1')), false);
    assert.match(
      own.incident!.reasons[0]!,
      /^opened incident inc-[0-9a-f]+: data_pipeline_change of feature-pipeline-payments \(pipe-1\) explains churn-predictor from before this condition began firing, but came 7 h 10 min before this alert, more than max_lifetime \(6 h\), and its incident is no longer held$/,
    );
  });

  it('candidates of one change with no incident yet open it together: one page for the cascade', () => {
    // three models the change explains, alerting 50 min apart (beyond the gap), none near enough to suspect it
    const members = ['m1', 'm2', 'm3'].map((model, i) =>
      aMember({
        alert_id: `c${i}`,
        model_id: model,
        tier: 'P2',
        event_time: T0 + (60 + 50 * i) * MIN,
        candidate,
      }),
    );
    // Without corroborate_candidates the first candidate pages at once. With it (the default) it waits
    // for a second alert — the change came too long before it to suspect it — and the second pages.
    const r = runBook(inOrder(members), aConfig({ incidents: { corroborate_candidates: false } }));
    assert.deepEqual(
      members.map((m) => r.scored.get(m.alert.alert_id)!.incident_id),
      members.map(() => changeIncidentId('pipe-1')),
    );
    assert.deepEqual(pages(r), ['c0']);
    const waited = runBook(inOrder(members));
    assert.deepEqual(pages(waited), ['c1']);
    assert.match(
      waited.scored.get('c0')!.incident!.reasons.at(-1)!,
      /^not paged: data_pipeline_change of feature-pipeline-payments \(pipe-1\) came too long before to suspect it and incident inc-[0-9a-f]+ has no other alert yet; at P2 it pages from its second alert \(incidents\.corroborate_candidates\)$/,
    );
    assert.match(
      r.scored.get('c0')!.incident!.reasons[0]!,
      /^opened incident inc-[0-9a-f]+ for data_pipeline_change of feature-pipeline-payments \(pipe-1\) 1 h 10 min before this alert: the change explains m1/,
    );
    const inc = r.incidents.get(changeIncidentId('pipe-1'))!;
    assert.equal(inc.cause?.event_id, 'pipe-1');
    assert.equal(inc.key, 'change:pipe-1');
    assert.equal(inc.models.length, 3);
  });

  it("corroborate_candidates: a lone P2 candidate that opens its change's incident waits; a P1 one, or one joining an incident a suspected cause opened, does not", () => {
    const lone = runBook(inOrder([target()]));
    assert.deepEqual(pages(lone), []);
    assert.equal(lone.scored.get('t1')!.incident_id, changeIncidentId('pipe-1'));
    const second = aMember({
      alert_id: 't2',
      model_id: 'fraud-scorer',
      tier: 'P2',
      event_time: T0 + 28 * MIN,
      candidate,
    });
    assert.deepEqual(pages(runBook(inOrder([target(), second]))), ['t2']);
    assert.deepEqual(pages(runBook(inOrder([target({ tier: 'P1' })]))), ['t1']);
    // the change's incident opened by its suspected cause pages at once, as before
    assert.deepEqual(pages(runBook(inOrder([host('P2')]))), ['h1']);
  });

  it('a candidate whose change incident was closed by feedback opens its own incident and pages', () => {
    // Its own incident has no cause: a lone P2 pages here only without the corroboration wait.
    const r = runBook(
      [
        ...inOrder([host('P2')]),
        {
          kind: 'feedback',
          feedback: {
            alert_id: 'h1',
            event_time: T0 + 5 * MIN,
            outcome: 'actionable',
            resolved_at: T0 + 5 * MIN,
          },
        },
        ...inOrder([target()]),
      ],
      aConfig({ incidents: { corroborate_tiers: [] } }),
    );
    const t = r.scored.get('t1')!;
    assert.notEqual(t.incident_id, changeIncidentId('pipe-1'));
    assert.equal(t.page, true);
    assert.match(
      t.incident!.reasons[0]!,
      /explains churn-predictor, but its incident was closed by feedback/,
    );
  });

  it('honours configured rules: source and target matchers, and equal labels', () => {
    const config = aConfig({
      incidents: { inhibit: [{ source: ['tier=~"P1|P2"'], target: ['tier=~"P3|P4"'], equal: ['region'] }] },
    });
    const h = aMember({ alert_id: 'h1', cause: pipe, tier: 'P2', region: 'eu' });
    const same = target({ tier: 'P3', region: 'eu' });
    assert.equal(
      runBook(inOrder([h, same]), config).scored.get('t1')!.incident!.inhibited_by,
      changeIncidentId('pipe-1'),
    );
    const other = target({ tier: 'P3', region: 'us' });
    assert.equal(runBook(inOrder([h, other]), config).scored.get('t1')!.incident!.inhibited_by, null);
    const p2 = target({ tier: 'P2', region: 'eu' });
    assert.equal(runBook(inOrder([h, p2]), config).scored.get('t1')!.incident!.inhibited_by, null);
  });
});

describe('incident book: order', () => {
  // A cascade on two models fed by one pipeline, a model of its own, noise: stage 1 over three lanes.
  function cascadeMembers(): { members: IncidentMember[]; lanes: Map<string, number> } {
    const rng = new Rng(42);
    const models = ['fraud-scorer', 'churn-predictor', 'search-ranker', 'triage-assist'];
    const inputs: CoreInput[] = [
      deployInput(
        aDeploy({
          event_id: 'pipe-c',
          kind: 'data_pipeline_change',
          model_id: undefined,
          service: 'feature-pipeline-payments',
          event_time: T0,
        }),
      ),
      deployInput(
        aDeploy({
          event_id: 'rel-s',
          kind: 'model_deploy',
          model_id: 'search-ranker',
          event_time: T0 + 2 * HOUR,
        }),
      ),
    ];
    const signals = ['data_quality', 'performance_degradation', 'error_rate', 'data_drift'] as const;
    let t = T0 + MIN;
    for (let i = 0; i < 60; i++) {
      t += rng.int(0, 9) * MIN; // ties too: several alerts at one millisecond
      inputs.push(
        alertInput(
          anAlert({
            alert_id: `o${String(rng.int(0, 99999)).padStart(5, '0')}-${i}`,
            event_time: t,
            model_id: rng.pick(models),
            signal: rng.pick(signals),
            feature: `f${rng.int(0, 3)}`,
            severity: rng.pick(['critical', 'high', 'medium', 'low'] as const),
          }),
        ),
      );
    }
    const { members } = stageOne(inputs);
    const lanes = new Map(models.map((m, i) => [m, i % 3]));
    return { members, lanes };
  }

  /** The members as three lanes deliver them in a random interleaving, with the watermark the lanes allow. */
  function arrival(members: IncidentMember[], lanes: Map<string, number>, seed: number): IncidentInput[] {
    const rng = new Rng(seed);
    const queues: IncidentMember[][] = [[], [], []];
    for (const m of members) queues[lanes.get(m.alert.model_id)!]!.push(m);
    const sent = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const out: IncidentInput[] = [];
    while (queues.some((q) => q.length > 0)) {
      const open = [0, 1, 2].filter((l) => queues[l]!.length > 0);
      const lane = rng.pick(open);
      const burst = rng.int(1, 4);
      for (let k = 0; k < burst && queues[lane]!.length > 0; k++) {
        const m = queues[lane]!.shift()!;
        sent[lane] = m.alert.event_time;
        out.push({ kind: 'member', member: m });
      }
      // A lane with nothing left holds nothing back; the others hold the watermark at their time.
      const held = [0, 1, 2].map((l) => (queues[l]!.length === 0 ? Number.POSITIVE_INFINITY : sent[l]!));
      if (rng.chance(0.7)) out.push({ kind: 'watermark', time: Math.min(...held) });
    }
    return out;
  }

  const fingerprint = (r: ReturnType<typeof runBook>) =>
    r.outputs.map((o) =>
      o.kind === 'scored'
        ? `S ${o.alert.alert_id} ${o.alert.incident_id} ${o.alert.page} ${o.alert.incident!.reasons.join('|')}`
        : o.kind === 'page'
          ? `P ${o.page.page_id} ${o.page.alert.alert_id}`
          : o.kind === 'resolve'
            ? `R ${o.resolve.page_id} ${o.resolve.tier} ${o.resolve.event_time}`
            : o.kind === 'incident'
              ? `I ${JSON.stringify(o.incident)}`
              : o.kind === 'acknowledge'
                ? `K ${o.acknowledge.page_id}`
                : `A ${o.action.action_id}`,
    );

  it('the same members in any arrival order, with watermarks, give the same incidents, ids, pages and records', () => {
    const { members, lanes } = cascadeMembers();
    const expected = fingerprint(runBook(inOrder(members)));
    assert.ok(expected.filter((x) => x.startsWith('P ')).length >= 2, 'the case pages');
    assert.ok(new Set(members.map((m) => m.incident_id)).size >= 4, 'several incidents');
    for (let seed = 1; seed <= 25; seed++) {
      const got = fingerprint(runBook(arrival(members, lanes, seed)));
      assert.deepEqual(got, expected, `arrival order ${seed}`);
    }
  });

  it('takes members in (event_time, alert_id) order, whatever order they arrive in below the watermark', () => {
    const b = aMember({ alert_id: 'b', tier: 'P2', cause: pipe, event_time: T0 });
    const a = aMember({ alert_id: 'a', tier: 'P1', cause: pipe, event_time: T0 });
    const r = runBook([
      { kind: 'member', member: b },
      { kind: 'member', member: a },
    ]);
    assert.deepEqual(pages(r), ['a'], 'a (P1) first: b finds the incident paged at P1');
  });

  it('holds members until a watermark passes them; one older than a watermark passed is taken at once', () => {
    const step = runBook(
      [{ kind: 'member', member: aMember({ alert_id: 'w1', event_time: T0 }) }],
      aConfig(),
      false,
    );
    assert.equal(step.scored.size, 0, 'held');
    const r = runBook(
      [
        { kind: 'watermark', time: T0 + HOUR },
        { kind: 'member', member: aMember({ alert_id: 'w2', event_time: T0 }) },
      ],
      aConfig(),
      false,
    );
    assert.equal(r.scored.size, 1);
    assert.ok(r.events.some((e) => e.type === 'member_late' && e.alert_id === 'w2'));
  });

  it('forgets resolved incidents after their retention: the state does not grow with the alerts', () => {
    const members = Array.from({ length: 50 }, (_, i) =>
      aMember({ alert_id: `g${i}`, event_time: T0 + i * 3 * HOUR }),
    );
    const r = runBook(inOrder(members), aConfig(), false);
    assert.ok(r.state.incidents.size <= 4, `held ${r.state.incidents.size}`);
    assert.ok(r.state.byAlert.size <= 4);
  });
});

describe('incident book: corroboration (incidents.corroborate_tiers, default P2)', () => {
  const lone = modelIncidentId('fraud-scorer', 'c1');
  const first = (over: Partial<Parameters<typeof aMember>[0]> = {}) =>
    aMember({ alert_id: 'c1', tier: 'P2', event_time: T0, ...over });
  const next = (id: string, over: Partial<Parameters<typeof aMember>[0]> = {}) =>
    aMember({ alert_id: id, tier: 'P2', incident_id: lone, how: 'model', event_time: T0 + 5 * MIN, ...over });

  it('a lone P2 alert no change explains is scored, not paged, and says why', () => {
    const r = runBook(inOrder([first()]));
    const a = r.scored.get('c1')!;
    assert.equal(a.page, false);
    assert.deepEqual(pages(r), []);
    assert.ok(
      a.incident!.reasons.some((x) => /no change explains .* it pages from its second alert/.test(x)),
    );
    assert.equal(r.incidents.get(lone)!.pages, 0);
  });

  it('its second alert pages the incident, once', () => {
    const r = runBook(inOrder([first(), next('c2'), next('c3', { event_time: T0 + 9 * MIN })]));
    assert.deepEqual(pages(r), ['c2']);
    assert.equal(r.pages.length, 1);
    assert.equal(r.pages[0]!.incident_id, lone);
  });

  it('a dedup repeat of it corroborates it (the condition persisted), in whichever incident the repeat is', () => {
    const same = runBook(inOrder([first(), next('c2', { suppressed: true })]));
    assert.deepEqual(pages(same), ['c2']);
    assert.ok(same.scored.get('c2')!.incident!.reasons.some((x) => /a repeat of c1, .* persisted/.test(x)));
    // Past the gap the repeat opens an incident of its own: it pages there, once.
    const later = runBook(
      inOrder([
        first(),
        aMember({ alert_id: 'c2', tier: 'P2', suppressed: true, event_time: T0 + 50 * MIN }),
        aMember({
          alert_id: 'c3',
          tier: 'P2',
          suppressed: true,
          event_time: T0 + 51 * MIN,
          how: 'model',
          incident_id: modelIncidentId('fraud-scorer', 'c2'),
        }),
      ]),
    );
    assert.deepEqual(pages(later), ['c2']);
    assert.notEqual(later.scored.get('c2')!.incident_id, lone);
  });

  it('a repeat on another route (a change it suspects) does not: that route may be on another partition', () => {
    // In the stream each stage-2 book holds its partition's routes only; a repeat routed by the change it
    // suspects may land where the lone alert's incident is not. `score`'s one book answers as the stream's
    // books do: the repeat is judged on its own route, and a suppressed repeat there pages nothing.
    const repeat = aMember({
      alert_id: 'c2',
      tier: 'P2',
      suppressed: true,
      cause: pipe,
      event_time: T0 + 5 * MIN,
    });
    const r = runBook(inOrder([first(), repeat]));
    assert.notEqual(r.scored.get('c2')!.incident_id, lone);
    assert.deepEqual(pages(r), []);
    assert.equal(r.incidents.get(lone)!.pages, 0, 'the lone alert still waits for its second');
  });

  it('a P2 alert with a suspected change, and a P1 alert, page at once', () => {
    assert.deepEqual(pages(runBook(inOrder([first({ cause: pipe })]))), ['c1']);
    assert.deepEqual(pages(runBook(inOrder([first({ tier: 'P1' })]))), ['c1']);
  });

  it('with corroborate_tiers [] a lone P2 alert pages at once', () => {
    const r = runBook(inOrder([first()]), aConfig({ incidents: { corroborate_tiers: [] } }));
    assert.deepEqual(pages(r), ['c1']);
  });
});
