// Stage 1, in the alert's lane: which incident an alert joins (gap, lifetime, cause, memory across a
// change's incident, candidates), and the lane's memory undone with its transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreInput } from '../../../src/core/events.ts';
import {
  candidateOf,
  changeIncidentId,
  changeKey,
  type ModelMemory,
  ModelMemoryStore,
  modelIncidentId,
  routeAlert,
} from '../../../src/core/incidents/routing.ts';
import { Journal } from '../../../src/core/journal.ts';
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
import { aChange, stageOne } from '../../fixtures/incidents.ts';

const W = { gapMs: 30 * MIN, lifetimeMs: 6 * HOUR };
const none = () => null;

describe('routeAlert (the rules of stage 1)', () => {
  it('a cause gives the change incident: one id per change, whatever the model or alert', () => {
    const cause = { change: aChange({ event_id: 'chg-1' }), strength: 0.8 };
    const a = routeAlert(
      { alert_id: 'a', model_id: 'm1', event_time: T0, cause, memory: undefined, candidate: none },
      W,
    );
    const b = routeAlert(
      { alert_id: 'b', model_id: 'm2', event_time: T0, cause, memory: undefined, candidate: none },
      W,
    );
    assert.equal(a.incident_id, changeIncidentId('chg-1'));
    assert.equal(b.incident_id, a.incident_id);
    assert.equal(a.key, 'change:chg-1');
    assert.equal(a.how, 'cause');
    assert.match(a.incident_id, /^inc-[0-9a-f]{16}$/);
    // The lifetime of a change's incident runs from the change.
    assert.equal(a.memory.first, cause.change.event_time);
  });

  it('no cause: the model incident within the gap of its last member and the lifetime of its first', () => {
    const memory: ModelMemory = {
      incident_id: 'inc-x',
      key: 'model:m1',
      route: 'model:m1',
      cause_event_id: null,
      first: T0,
      last: T0 + 5 * HOUR,
    };
    const at = (t: number) =>
      routeAlert(
        { alert_id: `a${t}`, model_id: 'm1', event_time: t, cause: null, memory, candidate: none },
        W,
      );
    assert.equal(at(T0 + 5 * HOUR + 30 * MIN).incident_id, 'inc-x', 'exactly the gap joins');
    assert.equal(at(T0 + 5 * HOUR + 20 * MIN).since_last, 20 * MIN);
    const beyondGap = at(T0 + 5 * HOUR + 31 * MIN);
    assert.equal(beyondGap.incident_id, modelIncidentId('m1', `a${T0 + 5 * HOUR + 31 * MIN}`));
    assert.equal(beyondGap.how, 'opened');
    const old = { ...memory, last: T0 + 6 * HOUR - 10 * MIN };
    const r = routeAlert(
      {
        alert_id: 'late',
        model_id: 'm1',
        event_time: T0 + 6 * HOUR + MIN,
        cause: null,
        memory: old,
        candidate: none,
      },
      W,
    );
    assert.notEqual(r.incident_id, 'inc-x', 'past the lifetime: a new incident');
  });

  it('an alert whose own cause differs from the memory joins its own cause', () => {
    const memory: ModelMemory = {
      incident_id: changeIncidentId('chg-1'),
      key: changeKey('chg-1'),
      route: changeKey('chg-1'),
      cause_event_id: 'chg-1',
      first: T0,
      last: T0 + 5 * MIN,
    };
    const cause = { change: aChange({ event_id: 'chg-2' }), strength: 0.9 };
    const r = routeAlert(
      { alert_id: 'a', model_id: 'm', event_time: T0 + 10 * MIN, cause, memory, candidate: none },
      W,
    );
    assert.equal(r.incident_id, changeIncidentId('chg-2'));
    assert.equal(r.memory.cause_event_id, 'chg-2');
  });

  it('a candidate is routed by its change, with its own model incident id', () => {
    const candidate = () =>
      candidateOf({ event_id: 'chg-9', kind: 'schema_change', event_time: T0 - HOUR, service: 'p' });
    const r = routeAlert(
      { alert_id: 'a', model_id: 'm', event_time: T0, cause: null, memory: undefined, candidate },
      W,
    );
    assert.equal(r.how, 'candidate');
    assert.equal(r.route, 'change:chg-9');
    assert.equal(r.key, 'model:m');
    assert.equal(r.incident_id, modelIncidentId('m', 'a'));
  });
});

describe('stage 1 in the step (incidents inline)', () => {
  const fraud = (id: string, t: number, over = {}) =>
    alertInput(anAlert({ alert_id: id, event_time: t, model_id: 'fraud-scorer', ...over }));
  /** A change of the pipeline fraud-scorer and churn-predictor read (their catalog `upstream`). */
  const pipelineChange = (event_id: string, event_time: number) =>
    aDeploy({
      event_id,
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      event_time,
    });

  it('extends while alerts keep coming, splits after a gap, and emits members instead of scored records', () => {
    const inputs = [0, 20, 40, 60, 80, 140].map((m, i) => fraud(`a${i}`, T0 + m * MIN, { feature: `f${i}` }));
    const { members, outputs } = stageOne(inputs);
    assert.equal(members.length, 6);
    assert.ok(!outputs.some((o) => o.kind === 'scored' || o.kind === 'tier' || o.kind === 'action'));
    assert.ok(
      outputs.some((o) => o.kind === 'dedup'),
      'the lane changelog is still written',
    );
    const ids = members.map((m) => m.incident_id);
    assert.equal(new Set(ids.slice(0, 5)).size, 1, 'every 20 min: one incident');
    assert.notEqual(ids[5], ids[4], '60 min later: a new one');
    assert.deepEqual(
      members.map((m) => m.how),
      // fraud-scorer has an upstream service: an alert no change explains opens in its upstream lane (rule 5)
      ['upstream', 'model', 'model', 'model', 'model', 'upstream'],
    );
  });

  it('caps a model incident at max_lifetime from its first alert', () => {
    const inputs = Array.from({ length: 22 }, (_, i) =>
      fraud(`l${i}`, T0 + i * 20 * MIN, { feature: `f${i}` }),
    );
    const { members } = stageOne(inputs);
    const first = members[0]!.incident_id;
    const split = members.findIndex((m) => m.incident_id !== first);
    assert.equal(split, 19, 'the alert at 6 h 20 min opens a new incident');
  });

  it('a change incident takes the model alerts within the gap, and a change of one upstream service takes every model it feeds', () => {
    const pipeline = aDeploy({
      event_id: 'pipe-1',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      event_time: T0 - 5 * MIN,
    });
    const inputs: CoreInput[] = [
      deployInput(pipeline),
      fraud('q1', T0, { signal: 'data_quality' }),
      alertInput(
        anAlert({
          alert_id: 'q2',
          event_time: T0 + MIN,
          model_id: 'churn-predictor',
          signal: 'data_quality',
        }),
      ),
      // A model release explains drift hardly (0.2 x closeness), and the pipeline change is now too far
      // back for min_cause_strength 0.9: no cause of its own, the model's memory decides.
      deployInput(aDeploy({ event_id: 'rel', kind: 'model_deploy', event_time: T0 + 9 * MIN })),
      fraud('q3', T0 + 10 * MIN, { signal: 'data_drift', feature: 'x' }),
    ];
    const { members } = stageOne(inputs, aConfig({ incidents: { min_cause_strength: 0.9 } }));
    const [q1, q2, q3] = members;
    assert.equal(q1!.incident_id, changeIncidentId('pipe-1'));
    assert.equal(q2!.incident_id, q1!.incident_id, 'one incident for the change, on both models');
    assert.equal(q1!.cause?.event_id, 'pipe-1');
    assert.equal(q3!.how, 'model');
    assert.equal(q3!.incident_id, q1!.incident_id, 'memory across the change incident');
    assert.equal(q3!.route, 'change:pipe-1');
  });

  it('a change made after the condition began firing is not its cause: the repeat stays with the change before it', () => {
    const pipeline = pipelineChange('pipe', T0 - 5 * MIN);
    // A code deploy of the model lands while the condition fires (a fix, say): 5 min before the repeat it
    // explains a serving signal far better (1 x 0.96) than the pipeline change 55 min before (0.7 x 0.54).
    const fix = aDeploy({ event_id: 'fix', kind: 'code_deploy', event_time: T0 + 45 * MIN });
    const inputs: CoreInput[] = [
      deployInput(pipeline),
      fraud('r1', T0),
      deployInput(fix),
      // the same fingerprint 50 min later: within the dedup window, so the same episode, beyond the gap
      fraud('r2', T0 + 50 * MIN),
    ];
    const [r1, r2] = stageOne(inputs).members;
    assert.equal(r1!.incident_id, changeIncidentId('pipe'));
    assert.equal(r2!.incident_id, changeIncidentId('pipe'));
    assert.equal(r2!.how, 'cause');
    assert.deepEqual(r2!.cause_notes, [
      'not blamed on code_deploy v43 of fraud-scorer (fix) 5 min before this alert: it came after this condition began firing 50 min before (incidents.cause_precedes_firing)',
    ]);
    assert.equal(r1!.cause_notes, undefined, 'nothing set aside, nothing said');
    const off = stageOne(inputs, aConfig({ incidents: { cause_precedes_firing: false } })).members;
    assert.equal(off[1]!.incident_id, changeIncidentId('fix'));
  });

  it("keeps the change of the model's incident over a better one made since, and says so", () => {
    const pipeline = pipelineChange('pipe', T0 - 5 * MIN);
    const other = aDeploy({ event_id: 'other', kind: 'code_deploy', event_time: T0 + 10 * MIN });
    const inputs: CoreInput[] = [
      deployInput(pipeline),
      fraud('k1', T0),
      deployInput(other),
      // another fingerprint (its own episode): the code deploy came before it began, so it could be its
      // cause, and explains it better (0.96 against 0.58) — but the model is in the pipeline's incident
      fraud('k2', T0 + 15 * MIN, { signal: 'latency', metric: 'p99_ms' }),
    ];
    const [, k2] = stageOne(inputs).members;
    assert.equal(k2!.incident_id, changeIncidentId('pipe'));
    assert.match(
      k2!.cause_notes![0]!,
      /^kept data_pipeline_change v43 of feature-pipeline-payments \(pipe\) 20 min before this alert as the suspected cause \(strength 0\.\d+, at least incidents\.keep_cause_strength\): fraud-scorer's alerts are in its incident, though code_deploy v43 of fraud-scorer \(other\) 5 min before this alert explains this one better \(0\.\d+\)$/,
    );
    const off = stageOne(inputs, aConfig({ incidents: { keep_cause_strength: null } })).members;
    assert.equal(off[1]!.incident_id, changeIncidentId('other'));
  });

  it('a repeat looks for its candidate from when its condition began firing', () => {
    // The pipeline change is 5 h before the condition began, 6 h 50 min before the last repeat: beyond
    // max_lifetime from it, within it from the first alert of the episode (each alert beyond the gap).
    const pipeline = pipelineChange('early', T0 - 5 * HOUR);
    const inputs: CoreInput[] = [
      deployInput(pipeline),
      fraud('e1', T0),
      fraud('e2', T0 + 55 * MIN),
      fraud('e3', T0 + 110 * MIN),
    ];
    const members = stageOne(inputs).members;
    assert.deepEqual(
      members.map((m) => [m.how, m.candidate?.event_id ?? null]),
      [
        ['candidate', 'early'],
        ['candidate', 'early'],
        ['candidate', 'early'],
      ],
    );
    const off = stageOne(inputs, aConfig({ incidents: { cause_precedes_firing: false } })).members;
    assert.deepEqual(
      off.map((m) => m.how),
      ['candidate', 'candidate', 'upstream'],
    );
  });

  it('a model alert beyond the correlation window of a change that explains it is a candidate', () => {
    const pipeline = aDeploy({
      event_id: 'pipe-2',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      event_time: T0,
    });
    const { members } = stageOne([
      deployInput(pipeline),
      alertInput(
        anAlert({
          alert_id: 'c1',
          event_time: T0 + 3 * HOUR,
          model_id: 'churn-predictor',
          signal: 'data_quality',
        }),
      ),
    ]);
    assert.equal(members[0]!.how, 'candidate');
    assert.equal(members[0]!.candidate?.event_id, 'pipe-2');
    assert.equal(members[0]!.route, 'change:pipe-2');
  });

  it('a candidate needs no inhibit rule: with none the alert still joins the change it is explained by', () => {
    const config = aConfig({ incidents: { inhibit: [] } });
    const pipeline = aDeploy({
      event_id: 'p',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      event_time: T0,
    });
    const { members } = stageOne(
      [
        deployInput(pipeline),
        alertInput(
          anAlert({
            alert_id: 'c',
            event_time: T0 + 3 * HOUR,
            model_id: 'churn-predictor',
            signal: 'data_quality',
          }),
        ),
      ],
      config,
    );
    assert.equal(members[0]!.how, 'candidate');
    assert.equal(members[0]!.candidate?.event_id, 'p');
  });

  it('an aborted transaction leaves no memory behind: the second reading routes as the first', () => {
    const config = aConfig();
    const { state, step } = stageOne([fraud('b0', T0)], config);
    const chunk = [20, 40, 100, 120].map((m, i) => fraud(`c${i}`, T0 + m * MIN, { feature: `g${i}` }));
    const read = () =>
      chunk.flatMap((i) =>
        step(state, i).outputs.flatMap((o) =>
          o.kind === 'member' ? [`${o.member.alert.alert_id}:${o.member.incident_id}:${o.member.how}`] : [],
        ),
      );
    step(state, { kind: 'transaction', op: 'begin', at: 0 });
    const first = read();
    step(state, { kind: 'transaction', op: 'abort', at: 0 });
    assert.equal(state.lanes.get('default')!.memory.get('fraud-scorer')?.last, T0);
    step(state, { kind: 'transaction', op: 'begin', at: 0 });
    const second = read();
    step(state, { kind: 'transaction', op: 'commit', at: 0 });
    assert.deepEqual(second, first);
    assert.equal(first[0]!.split(':')[2], 'model', 'c0 joined b0 (20 min)');
  });
});

describe('ModelMemoryStore', () => {
  it('forgets a memory past gap + lateness, and puts back what an aborted transaction changed', () => {
    const journal = new Journal();
    const store = new ModelMemoryStore(90 * MIN, journal);
    const m = (last: number): ModelMemory => ({
      incident_id: 'i',
      key: 'k',
      route: 'k',
      cause_event_id: null,
      first: T0,
      last,
    });
    store.set('a', m(T0));
    store.set('b', m(T0 + HOUR));
    journal.begin();
    store.set('a', m(T0 + 2 * HOUR));
    assert.equal(store.expire(T0 + 3 * HOUR), 1, 'b goes');
    journal.rollback();
    assert.equal(store.get('a')?.last, T0);
    assert.equal(store.get('b')?.last, T0 + HOUR);
    assert.equal(store.expire(T0 + 3 * HOUR), 2);
    assert.equal(store.size, 0);
  });
});
