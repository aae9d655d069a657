// The paging figures of issue 9 on a world small enough to count by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coveredIncidents,
  falsePages,
  isPage,
  type PagedAlert,
  pagedIncidents,
  pagingFigures,
  repeatPages,
} from '../../scripts/sample/paging-figures.ts';
import type { TruthLine } from '../../src/sample/truth.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 30);

const noise = (alert_id: string): TruthLine => ({
  alert_id,
  incident_id: null,
  cause_event_id: null,
  cause_recorded: null,
  models_in_incident: null,
  multi_model: false,
  true_tier: 'P4',
  outcome: 'noise',
});
const member = (alert_id: string, incident: string, over: Partial<TruthLine> = {}): TruthLine => ({
  alert_id,
  incident_id: incident,
  cause_event_id: null,
  cause_recorded: null,
  models_in_incident: 1,
  multi_model: false,
  true_tier: 'P2',
  outcome: 'actionable',
  ...over,
});
const paged = (alert_id: string, day: number, page = true): PagedAlert => ({
  alert_id,
  event_time: T0 + day * DAY + 3_600_000,
  page,
});

describe('isPage', () => {
  it('takes the record’s own page field when it has one', () => {
    assert.equal(isPage({ page: false, tier: 'P1', dedup: { suppressed: false } }), false);
    assert.equal(isPage({ page: true, tier: 'P4', dedup: { suppressed: true } }), true);
  });
  it('without it, pages every P1/P2 alert that is not a dedup repeat', () => {
    assert.equal(isPage({ tier: 'P1', dedup: { suppressed: false } }), true);
    assert.equal(isPage({ tier: 'P2', dedup: { suppressed: true } }), false);
    assert.equal(isPage({ tier: 'P3', dedup: { suppressed: false } }), false);
  });
});

describe('pagingFigures', () => {
  // inc-a: a cascade over 3 models from a silent change, paged 3 times (once by a duplicate);
  // inc-b: a P1 on one model, paged once; inc-c: a P1 never paged; one noise page.
  const cascade = {
    cause_event_id: 'dep-1',
    cause_recorded: false,
    models_in_incident: 3,
    multi_model: true,
  };
  const truth: TruthLine[] = [
    member('a1', 'inc-a', cascade),
    member('a2', 'inc-a', { ...cascade, true_tier: 'P1' }),
    member('a3', 'inc-a', { ...cascade, outcome: 'duplicate' }),
    member('a4', 'inc-a', cascade),
    member('b1', 'inc-b', { true_tier: 'P1' }),
    member('c1', 'inc-c', { true_tier: 'P1' }),
    member('d1', 'inc-d', { true_tier: 'P3' }),
    noise('n1'),
  ];
  const scored = [
    paged('a1', 0),
    paged('a2', 0),
    paged('a3', 0),
    paged('a4', 0, false),
    paged('b1', 1),
    paged('c1', 1, false),
    paged('d1', 2, false),
    paged('n1', 3),
  ];
  const f = pagingFigures(truth, scored);

  it('counts pages per day over the calendar days from the first alert to the last', () => {
    assert.equal(f.days, 4);
    assert.equal(f.pages, 5);
    assert.equal(f.pages_per_day, 1.25);
  });
  it('averages pages over the real incidents that paged', () => {
    assert.equal(f.real_incidents, 4);
    assert.equal(f.real_incidents_paged, 2);
    assert.deepEqual(f.pages_per_real_incident, { mean: 2, max: 3 });
    assert.deepEqual(f.pages_per_multi_model_incident, { mean: 3, max: 3 });
    assert.equal(f.cascades, 1);
    assert.deepEqual(f.multi_model, [
      { incident_id: 'inc-a', tier: 'P1', models: 3, cause: 'silent', alerts: 4, pages: 3 },
    ]);
  });
  it('counts a page false when its alert is noise or not actionable', () => {
    assert.equal(f.false_pages, 2);
    assert.equal(f.false_pages_noise, 1);
    assert.equal(f.false_pages_per_day, 0.5);
  });
  it('takes an incident’s tier from its best alert, and counts P1 incidents paged and incidents never paged', () => {
    assert.equal(f.p1_incidents, 3);
    assert.equal(f.p1_incidents_paged, 2);
    assert.equal(f.p1_incidents_paged_share, 0.67);
    assert.deepEqual(f.real_incidents_without_page, { P1: 1, P2: 0, P3: 1, P4: 0 });
  });
  it('names alerts the pipeline did not score', () => {
    assert.equal(pagingFigures(truth, scored.slice(1)).unscored, 1);
  });
});

describe('repeatPages: why a real incident paged again', () => {
  const t = (alert_id: string, incident: string, cause: string | null): TruthLine => ({
    alert_id,
    incident_id: incident,
    cause_event_id: cause,
    cause_recorded: cause === null ? null : true,
    models_in_incident: 2,
    multi_model: true,
    true_tier: 'P1',
    outcome: 'actionable',
  });
  const p = (
    alert_id: string,
    at: number,
    id: string,
    key: string,
    how: string,
    model_id: string,
  ): PagedAlert => ({
    alert_id,
    event_time: T0 + at,
    page: true,
    incident: { id, key, how, model_id },
  });
  it('sorts each page after the first into its reason', () => {
    const truth = [
      ...['a', 'b', 'c', 'd', 'e'].map((x) => t(x, 'inc-1', 'chg-1')),
      ...['x', 'y', 'z'].map((x) => t(x, 'inc-2', null)),
      ...['u', 'v'].map((x) => ({ ...t(x, 'inc-3', 'chg-3'), cause_recorded: false })),
    ];
    const scored = [
      p('a', 0, 'i1', 'change:chg-1', 'cause', 'm1'),
      p('b', 1, 'i1', 'change:chg-1', 'cause', 'm1'),
      p('c', 2, 'i2', 'change:chg-9', 'cause', 'm2'),
      p('d', 3, 'i3', 'model:m3', 'candidate', 'm3'),
      p('e', 4, 'i4', 'model:m4', 'opened', 'm4'),
      p('x', 5, 'j1', 'model:m1', 'opened', 'm1'),
      p('y', 6, 'j2', 'model:m1', 'opened', 'm1'),
      p('z', 7, 'j3', 'model:m5', 'opened', 'm5'),
      p('u', 8, 'k1', 'model:m6', 'opened', 'm6'),
      p('v', 9, 'k2', 'model:m7', 'opened', 'm7'),
    ];
    assert.deepEqual(repeatPages(truth, scored), {
      'tier rose within one incident': 1,
      'blamed on another change': 1,
      'candidate of the true change, its incident not open': 1,
      'cause found for other members, not this one': 1,
      'same model, beyond the gap': 1,
      'another model, the change unrecorded': 1,
      'another model, no change caused it': 1,
      other: 0,
    });
  });

  it('says why each false page paged: noise or a non-actionable member, how it joined, its tier', () => {
    const truth = [
      noise('n1'),
      noise('n2'),
      { ...t('r1', 'inc-1', 'chg-1'), outcome: 'duplicate' as const },
      t('r0', 'inc-1', 'chg-1'),
    ];
    const scored = [
      { ...p('n1', 0, 'i1', 'model:m1', 'opened', 'm1'), tier: 'P2' },
      { ...p('n2', 1, 'i2', 'change:chg-2', 'cause', 'm2'), tier: 'P2' },
      { ...p('r0', 2, 'i3', 'change:chg-1', 'cause', 'm3'), tier: 'P2' },
      { ...p('r1', 3, 'i3', 'change:chg-1', 'cause', 'm3'), tier: 'P1' },
    ];
    assert.deepEqual(falsePages(truth, scored), {
      "a duplicate alert of a real incident, our incident's tier rose, P1": 1,
      'noise, opened an incident for a suspected change, P2': 1,
      'noise, opened its own incident (no change suspected), P2': 1,
    });
  });
});

describe('pagedIncidents: which real incidents of a tier paged (for the P1 incidents lost)', () => {
  it('takes an incident at its best tier, and counts it paged when any of its alerts paged', () => {
    const truth: TruthLine[] = [
      member('a', 'inc-1', { true_tier: 'P3' }),
      member('b', 'inc-1', { true_tier: 'P1' }),
      member('c', 'inc-2', { true_tier: 'P1' }),
      member('d', 'inc-3', { true_tier: 'P2' }),
      noise('n'),
    ];
    const scored = [paged('a', 0), paged('b', 0, false), paged('c', 0, false), paged('d', 0), paged('n', 0)];
    assert.deepEqual([...pagedIncidents(truth, scored, 'P1')], ['inc-1']);
    assert.deepEqual([...pagedIncidents(truth, scored, 'P2')], ['inc-3']);
  });
});

describe('coveredIncidents: the P1 incidents the pager heard of, by their own page or the incident they joined', () => {
  const inc = (id: string, key: string) => ({ id, key, how: 'cause', model_id: 'm' });
  const at = (alert_id: string, page: boolean, id: string, key: string): PagedAlert => ({
    ...paged(alert_id, 0, page),
    incident: inc(id, key),
  });
  it('counts one whose alert joined the right change incident another alert paged, not one blamed elsewhere', () => {
    const truth: TruthLine[] = [
      noise('n1'),
      member('a', 'inc-1', { true_tier: 'P1', cause_event_id: 'chg-1', cause_recorded: true }),
      noise('n2'),
      member('b', 'inc-2', { true_tier: 'P1', cause_event_id: 'chg-2', cause_recorded: true }),
      member('c', 'inc-3', { true_tier: 'P1' }),
      member('d', 'inc-4', { true_tier: 'P1' }),
    ];
    const scored = [
      // noise opened chg-1's incident and paged it; inc-1's alert joined it: covered.
      at('n1', true, 'ours-1', 'change:chg-1'),
      at('a', false, 'ours-1', 'change:chg-1'),
      // inc-2's alert joined a paged incident blamed on another change: not covered.
      at('n2', true, 'ours-2', 'change:chg-9'),
      at('b', false, 'ours-2', 'change:chg-9'),
      // no recorded change: any paged incident it joined covers it; one that never paged does not.
      at('c', false, 'ours-2', 'change:chg-9'),
      at('d', false, 'ours-3', 'model:m'),
    ];
    assert.deepEqual([...pagedIncidents(truth, scored, 'P1')], []);
    assert.deepEqual([...coveredIncidents(truth, scored, 'P1')].sort(), ['inc-1', 'inc-3']);
  });
});
