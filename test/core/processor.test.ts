// The step function, driven the way both shells drive it: inputs with event times, outputs checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreInput } from '../../src/core/events.ts';
import {
  createState,
  createStep,
  dedupEntries,
  type Output,
  type ScoredAlert,
} from '../../src/core/processor.ts';
import {
  aConfig,
  aDeploy,
  aFeedback,
  alertInput,
  anAlert,
  deployInput,
  feedbackInput,
  HOUR,
  MIN,
  T0,
} from '../fixtures/builders.ts';

function run(inputs: CoreInput[], config = aConfig()) {
  const step = createStep(config);
  const state = createState(config);
  const outputs: Output[] = [];
  const events = [];
  for (const input of inputs) {
    const r = step(state, input);
    outputs.push(...r.outputs);
    events.push(...r.events);
  }
  const scored = outputs.flatMap((o) => (o.kind === 'scored' ? [o.alert] : []));
  const byId = new Map(scored.map((s) => [s.alert_id, s]));
  return { state, outputs, events, scored, byId };
}

const summary = (a: ScoredAlert) => ({
  id: a.alert_id,
  priority: a.priority,
  tier: a.tier,
  reasons: a.reasons,
});

describe('step: one alert', () => {
  it('emits a scored record, a tier record and the dedup entry, all keyed by model', () => {
    const alert = anAlert({ alert_id: 'a1' });
    const { outputs } = run([alertInput(alert, 123)]);
    const kinds = outputs.map((o) => o.kind);
    assert.deepStrictEqual(
      kinds.filter((k) => k !== 'action'),
      ['scored', 'tier', 'dedup'],
    );
    const scored = outputs[0]!;
    assert.equal(scored.kind, 'scored');
    if (scored.kind !== 'scored') return;
    assert.equal(scored.key, 'fraud-scorer');
    assert.equal(scored.alert.scored_at, 123);
    assert.equal(scored.alert.event_time, alert.event_time);
    assert.deepStrictEqual(scored.alert.alert, alert);
    assert.match(scored.alert.config_version, /^cfg-[0-9a-f]{12}$/);
  });

  it('fills owner, playbook, escalation, SLA from the catalog and the tier', () => {
    const { scored } = run([deployInput(aDeploy()), alertInput(anAlert())]);
    const a = scored[0]!;
    assert.equal(a.tier, 'P1');
    assert.equal(a.owner, 'risk-ml');
    assert.equal(a.playbook, 'https://runbooks.example/fraud-scorer');
    assert.deepStrictEqual(a.escalation, [
      'risk-ml-oncall',
      'risk-ml-lead',
      'ml-platform-incident-commander',
    ]);
    assert.deepStrictEqual(a.sla, { ack_by: T0 + 15 * MIN, resolve_by: T0 + 4 * HOUR });
    assert.equal(a.product_area, 'payments');
    assert.equal(a.paging.pagerduty.severity, 'critical');
    assert.equal(a.paging.pagerduty.dedup_key, a.dedup.fingerprint);
    assert.equal(a.paging.opsgenie.priority, 'P1');
  });
});

describe('step: deploy context', () => {
  it('joins the model deploy before the alert and recommends a rollback at P1', () => {
    const { scored, outputs } = run([
      deployInput(aDeploy({ event_id: 'd1' })),
      alertInput(anAlert({ alert_id: 'a1' })),
    ]);
    const a = scored[0]!;
    assert.equal(a.context.deploy_correlated, true);
    assert.deepStrictEqual(
      a.context.deploys.map((d) => d.event_id),
      ['d1'],
    );
    assert.equal(a.context.current_version, 'v43');
    assert.equal(a.context.previous_version, 'v42');
    assert.equal(a.root_cause.label, 'deployment_regression');
    assert.ok(
      a.reasons.some((r) => r.startsWith('model_deploy v43 of fraud-scorer 30 min before')),
      a.reasons.join('\n'),
    );
    const actions = outputs.flatMap((o) => (o.kind === 'action' ? [o.action] : []));
    assert.deepStrictEqual(
      actions.map((x) => [x.type, x.operation, x.params.to_version]),
      [
        ['rollback', 'rollback_model', 'v42'],
        ['diagnostic', 'version_comparison', undefined],
      ],
    );
  });

  it('a deploy correlated alert outranks the same alert without the deploy', () => {
    const withDeploy = run([deployInput(aDeploy()), alertInput(anAlert({ alert_id: 'a' }))]).scored[0]!;
    const without = run([alertInput(anAlert({ alert_id: 'a' }))]).scored[0]!;
    assert.ok(withDeploy.priority > without.priority, `${withDeploy.priority} vs ${without.priority}`);
    assert.ok(withDeploy.components.likelihood.value > without.components.likelihood.value);
  });

  it('an upstream pipeline change reaches every model that lists it', () => {
    const change = aDeploy({
      event_id: 'p1',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      version: undefined,
      previous_version: undefined,
    });
    const { byId } = run([
      deployInput(change),
      alertInput(
        anAlert({ alert_id: 'f', signal: 'data_quality', metric: 'null_rate', value: 0.3, threshold: 0.05 }),
      ),
      alertInput(
        anAlert({ alert_id: 'c', model_id: 'churn-predictor', signal: 'feature_shift', metric: 'psi' }),
      ),
      alertInput(
        anAlert({ alert_id: 's', model_id: 'search-ranker', signal: 'feature_shift', metric: 'psi' }),
      ),
    ]);
    for (const id of ['f', 'c']) {
      const a = byId.get(id)!;
      assert.equal(a.context.deploys[0]?.via, 'upstream', id);
      assert.equal(a.root_cause.label, 'data_pipeline', id);
    }
    assert.equal(byId.get('s')!.context.deploy_correlated, false);
  });

  it('gives the same priority, tier and reasons however far the deploy input runs ahead', () => {
    // Deploys interleaved in event time versus all deploys delivered first (a consumer running ahead).
    const deploys = [0, 3, 6, 9].map((h) =>
      aDeploy({
        event_id: `d${h}`,
        event_time: T0 + h * HOUR,
        version: `v${50 + h}`,
        previous_version: `v${49 + h}`,
      }),
    );
    const alerts = [1, 2, 4, 5, 7, 8, 10].map((h) =>
      anAlert({ alert_id: `a${h}`, event_time: T0 + h * HOUR - 20 * MIN, model_version: undefined }),
    );
    const interleaved = [...deploys.map((d) => deployInput(d)), ...alerts.map((a) => alertInput(a))].sort(
      (x, y) => timeOf(x) - timeOf(y),
    );
    const ahead = [...deploys.map((d) => deployInput(d)), ...alerts.map((a) => alertInput(a))];
    const a = run(interleaved).scored.map(summary);
    const b = run(ahead).scored.map(summary);
    assert.equal(a.length, alerts.length);
    assert.deepStrictEqual(b, a);
    // and the join really used event time: the alert at 02:40 sees v53 (deployed 03:00) nowhere.
    assert.ok(
      run(ahead)
        .byId.get('a4')!
        .reasons.every((r) => !r.includes('v56')),
    );
  });
});

describe('step: noise control', () => {
  it('suppresses repeats of a fingerprint at the same tier and routes again when the tier rises', () => {
    const base = {
      model_id: 'search-ranker',
      signal: 'data_drift' as const,
      feature: 'query_len',
      metric: 'psi',
      value: 0.3,
      threshold: 0.2,
      affected_entities: 4_000,
    };
    const { scored, outputs } = run([
      alertInput(anAlert({ ...base, alert_id: 'r1', severity: 'low', confidence: 0.5 })),
      alertInput(
        anAlert({ ...base, alert_id: 'r2', event_time: T0 + 10 * MIN, severity: 'low', confidence: 0.5 }),
      ),
      alertInput(
        anAlert({ ...base, alert_id: 'r3', event_time: T0 + 20 * MIN, severity: 'low', confidence: 0.5 }),
      ),
      deployInput(aDeploy({ event_id: 'late-deploy', model_id: 'search-ranker', event_time: T0 + 25 * MIN })),
      alertInput(
        anAlert({
          ...base,
          alert_id: 'r4',
          event_time: T0 + 30 * MIN,
          severity: 'critical',
          confidence: 0.95,
          value: 2,
          affected_entities: 400_000,
        }),
      ),
    ]);
    assert.deepStrictEqual(
      scored.map((a) => [a.alert_id, a.dedup.occurrences, a.dedup.suppressed]),
      [
        ['r1', 1, false],
        ['r2', 2, true],
        ['r3', 3, true],
        ['r4', 4, false],
      ],
    );
    assert.ok(scored[3]!.tier < scored[0]!.tier, `tier should rise: ${scored[0]!.tier} → ${scored[3]!.tier}`);
    assert.ok(scored[3]!.reasons.some((r) => r.startsWith('tier rose from')));
    const paged = outputs.flatMap((o) => (o.kind === 'tier' ? [o.alert.alert_id] : []));
    assert.deepStrictEqual(paged, ['r1', 'r4']);
    // All four are still on the scored stream.
    assert.equal(scored.length, 4);
  });

  it('a gap longer than the dedup window starts a new episode', () => {
    const { scored } = run([
      alertInput(anAlert({ alert_id: 'e1' })),
      alertInput(anAlert({ alert_id: 'e2', event_time: T0 + 2 * HOUR })),
    ]);
    assert.deepStrictEqual(
      scored.map((a) => [a.dedup.occurrences, a.dedup.suppressed]),
      [
        [1, false],
        [1, false],
      ],
    );
  });
});

describe('step: feedback', () => {
  it('a source with many false positives loses likelihood, once stream time passes the feedback', () => {
    const noisy = (id: string, t: number) =>
      anAlert({
        alert_id: id,
        event_time: t,
        source: 'legacy',
        signal: 'data_drift',
        feature: id,
        metric: 'psi',
      });
    const inputs: CoreInput[] = [];
    for (let i = 0; i < 30; i++) {
      inputs.push(alertInput(noisy(`n${i}`, T0 + i * MIN)));
      inputs.push(
        feedbackInput(
          aFeedback({ alert_id: `n${i}`, event_time: T0 + i * MIN + 30_000, outcome: 'false_positive' }),
        ),
      );
    }
    inputs.push(alertInput(noisy('probe', T0 + 2 * HOUR)));
    const trained = run(inputs).byId.get('probe')!;
    const fresh = run([alertInput(noisy('probe', T0 + 2 * HOUR))]).byId.get('probe')!;
    assert.ok(trained.components.likelihood.value < fresh.components.likelihood.value);
    assert.equal(trained.evidence.source_observations, 30);
    assert.ok(trained.reasons.some((r) => r.includes('false positives')));
  });

  it('feedback delivered ahead of the alerts changes nothing until stream time reaches it', () => {
    const alert = anAlert({ alert_id: 'x1', source: 'legacy' });
    const probe = anAlert({ alert_id: 'x2', source: 'legacy', event_time: T0 + 5 * MIN, feature: 'other' });
    const fb = aFeedback({ alert_id: 'x1', event_time: T0 + 10 * MIN, outcome: 'false_positive' });
    const early = run([feedbackInput(fb), alertInput(alert), alertInput(probe)]).byId.get('x2')!;
    const inOrder = run([alertInput(alert), alertInput(probe), feedbackInput(fb)]).byId.get('x2')!;
    assert.deepStrictEqual(summary(early), summary(inOrder));
    assert.equal(early.evidence.source_observations, 0);
  });

  it('reports feedback for an unknown alert', () => {
    const { events } = run([
      alertInput(anAlert()),
      feedbackInput(aFeedback({ alert_id: 'nope', event_time: T0 })),
    ]);
    assert.ok(events.some((e) => e.type === 'feedback_unmatched'));
  });
});

describe('step: floors and late alerts', () => {
  it('a plausible alert on a compliance model is never below P2, and says so', () => {
    const a = run([
      alertInput(
        anAlert({
          severity: 'high',
          affected_entities: 10,
          value: 0.89,
          confidence: 0.5,
          signal: 'error_rate',
          metric: 'error_rate',
          threshold: 0.88,
        }),
      ),
    ]).scored[0]!;
    assert.equal(a.tier, 'P2');
    assert.equal(a.tier_adjustment, 'floor:compliance');
    assert.ok(a.reasons.includes('pci-regulated model: not below P2'));
  });

  it('marks alerts further behind stream time than the allowed lateness', () => {
    const { byId } = run([
      alertInput(anAlert({ alert_id: 'now', event_time: T0 + 3 * HOUR })),
      alertInput(anAlert({ alert_id: 'old', event_time: T0, feature: 'f' })),
    ]);
    assert.equal(byId.get('now')!.late, false);
    assert.equal(byId.get('old')!.late, true);
  });

  it('expires deploys by alert stream time, not by deploy time', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    step(state, deployInput(aDeploy({ event_time: T0 })));
    step(state, deployInput(aDeploy({ event_time: T0 + 48 * HOUR })));
    assert.equal(state.deploys.size, 2, 'deploys running ahead must not expire older ones');
    step(state, alertInput(anAlert({ event_time: T0 + 30 * HOUR })));
    assert.equal(state.deploys.size, 1);
  });
});

function timeOf(i: CoreInput): number {
  switch (i.kind) {
    case 'alert':
      return i.alert.event_time;
    case 'deploy':
      return i.deploy.event_time;
    case 'feedback':
      return i.feedback.event_time;
    default:
      return 'streamTime' in i && i.streamTime !== undefined ? i.streamTime : Number.NEGATIVE_INFINITY;
  }
}

describe('step: lanes (partitions)', () => {
  it('an alert is late only against its own lane, so a partition racing ahead changes nothing', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    step(state, { kind: 'lanes', assigned: ['p0', 'p1'], at: 0 });
    const fast = step(state, {
      kind: 'alert',
      alert: anAlert({ event_time: T0 + 10 * HOUR }),
      at: 0,
      lane: 'p0',
    });
    const slow = step(state, {
      kind: 'alert',
      alert: anAlert({ model_id: 'search-ranker', event_time: T0 }),
      at: 0,
      lane: 'p1',
    });
    const late = (r: typeof fast) => r.outputs.flatMap((o) => (o.kind === 'scored' ? [o.alert.late] : []));
    assert.deepEqual([...late(fast), ...late(slow)], [false, false]);
    // The stream time is the slowest lane's: deploys the slow lane still needs are kept.
    assert.equal(state.streamTime, T0);
    const stale = step(state, {
      kind: 'alert',
      alert: anAlert({ event_time: T0 + 10 * HOUR - 2 * HOUR }),
      at: 0,
      lane: 'p0',
    });
    assert.deepEqual(late(stale), [true]);
  });

  it('an assigned lane holds the stream time back until it is read, or caught up and idle', () => {
    const config = aConfig();
    const step = createStep(config, { laneIdleMs: 5_000 });
    const state = createState(config);
    step(state, { kind: 'lanes', assigned: ['a', 'b'], at: 0 });
    step(state, { kind: 'alert', alert: anAlert({ event_time: T0 + 30 * HOUR }), at: 0, lane: 'a' });
    assert.equal(state.streamTime, Number.NEGATIVE_INFINITY, 'lane b has records to read, none read yet');
    // Caught up, but just passed: it still holds for the idle time, then lets go.
    step(state, { kind: 'tick', at: 1_000, behind: [] });
    assert.equal(state.streamTime, Number.NEGATIVE_INFINITY);
    step(state, { kind: 'tick', at: 5_999, behind: [] });
    assert.equal(state.streamTime, Number.NEGATIVE_INFINITY);
    step(state, { kind: 'tick', at: 6_000, behind: [] });
    assert.equal(state.streamTime, T0 + 30 * HOUR);
  });

  it('a lane with records to read holds however long it takes; its alerts then find their deploys', () => {
    const config = aConfig();
    const step = createStep(config, { laneIdleMs: 1_000 });
    const state = createState(config);
    step(state, { kind: 'lanes', assigned: ['a', 'b'], at: 0 });
    step(state, deployInput(aDeploy({ model_id: 'search-ranker', event_time: T0 - 10 * MIN })));
    // A day of lane a's backlog is read first while lane b is behind for a minute of wall time.
    for (let h = 0; h < 48; h++) {
      step(state, {
        kind: 'alert',
        alert: anAlert({ event_time: T0 + h * HOUR, feature: `f${h}` }),
        at: h * 1_000,
        lane: 'a',
      });
      step(state, { kind: 'tick', at: h * 1_000, behind: ['b'] });
    }
    assert.equal(state.deploys.size, 1, 'lane b is behind: nothing it may need has expired');
    const r = step(state, {
      kind: 'alert',
      alert: anAlert({ model_id: 'search-ranker', event_time: T0 }),
      at: 60_000,
      lane: 'b',
    });
    const scored = r.outputs.find((o) => o.kind === 'scored');
    assert.ok(scored?.kind === 'scored' && scored.alert.context.deploy_correlated);
  });

  it('a lane taken over behind the stream time starts it again; replayed deploys find their alerts', () => {
    const config = aConfig();
    const step = createStep(config, { laneIdleMs: 1_000 });
    const state = createState(config);
    // Lane a alone reads three days ahead (the other partition's reader died and still holds it).
    step(state, { kind: 'lanes', assigned: ['a'], at: 0 });
    const deploy = aDeploy({ model_id: 'search-ranker', event_time: T0 - 10 * MIN });
    step(state, deployInput(deploy));
    for (let h = 0; h < 72; h++)
      step(state, {
        kind: 'alert',
        alert: anAlert({ event_time: T0 + h * HOUR, feature: `f${h}` }),
        at: 0,
        lane: 'a',
      });
    assert.equal(state.streamTime, T0 + 71 * HOUR);
    assert.equal(state.deploys.size, 0, 'the search-ranker deploy expired with lane a alone');
    assert.ok(Number.isFinite(state.deploys.lostBefore));
    // Lane b is taken over, its position days behind: the stream time starts again, held by b.
    const taken = step(state, { kind: 'lanes', assigned: ['a', 'b'], at: 10_000 });
    const rewound = taken.events.find((e) => e.type === 'stream_time_rewound');
    assert.ok(rewound?.type === 'stream_time_rewound');
    assert.deepEqual(rewound.lanes, ['b']);
    assert.equal(rewound.from, T0 + 71 * HOUR);
    assert.ok(Number.isFinite(rewound.deploys_lost_before), 'the runtime is told to read deploys again');
    assert.equal(state.streamTime, Number.NEGATIVE_INFINITY);
    // The deploy read again: stored (no longer too old), not reported as late.
    const replayed = step(state, { kind: 'deploy', deploy, at: 10_000, replay: true });
    assert.deepEqual(
      replayed.events.map((e) => e.type),
      ['deploy_stored'],
    );
    const r = step(state, {
      kind: 'alert',
      alert: anAlert({ model_id: 'search-ranker', event_time: T0 }),
      at: 10_000,
      lane: 'b',
    });
    const scored = r.outputs.find((o) => o.kind === 'scored');
    assert.ok(scored?.kind === 'scored' && scored.alert.context.deploy_correlated && !scored.alert.late);
    assert.equal(state.streamTime, T0, 'held by lane b at its own time');
  });

  it('no rewind while the stream time has not moved, nor when lanes only close', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    const first = step(state, { kind: 'lanes', assigned: ['a'], at: 0 });
    const again = step(state, { kind: 'lanes', assigned: ['a', 'b'], at: 0 });
    step(state, { kind: 'alert', alert: anAlert({ event_time: T0 }), at: 0, lane: 'a' });
    step(state, {
      kind: 'alert',
      alert: anAlert({ model_id: 'search-ranker', event_time: T0 }),
      at: 0,
      lane: 'b',
    });
    const closed = step(state, { kind: 'lanes', assigned: ['a'], at: 0 });
    const rewinds = [first, again, closed].flatMap((r) =>
      r.events.filter((e) => e.type === 'stream_time_rewound'),
    );
    assert.deepEqual(rewinds, []);
    assert.equal(state.streamTime, T0);
  });

  it('a closed lane stops holding, and takes its episodes with it', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    step(state, { kind: 'lanes', assigned: ['a', 'b'], at: 0 });
    step(state, { kind: 'alert', alert: anAlert({ event_time: T0 + 5 * HOUR }), at: 0, lane: 'a' });
    step(state, {
      kind: 'alert',
      alert: anAlert({ model_id: 'search-ranker', event_time: T0 }),
      at: 0,
      lane: 'b',
    });
    assert.equal(state.streamTime, T0);
    assert.equal(dedupEntries(state), 2);
    step(state, { kind: 'lanes', assigned: ['a'], at: 0 });
    assert.equal(state.streamTime, T0 + 5 * HOUR);
    assert.equal(dedupEntries(state), 1);
  });

  it('restores a lane from its changelog, tombstones included, and ignores lanes not assigned', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    step(state, { kind: 'lanes', assigned: ['0'], at: 0 });
    const first = step(state, { kind: 'alert', alert: anAlert({ alert_id: 'x1' }), at: 0, lane: '0' });
    const entry = first.outputs.find((o) => o.kind === 'dedup');
    assert.ok(entry?.kind === 'dedup' && entry.entry !== null);
    const other = createState(config);
    step(other, { kind: 'lanes', assigned: ['0'], at: 0 });
    step(other, { kind: 'restore', lane: '0', fingerprint: entry.fingerprint, entry: entry.entry, at: 0 });
    const ignored = step(other, {
      kind: 'restore',
      lane: '9',
      fingerprint: entry.fingerprint,
      entry: entry.entry,
      at: 0,
    });
    assert.deepEqual(
      ignored.events.map((e) => e.type),
      ['restore_ignored'],
    );
    const again = step(other, {
      kind: 'alert',
      alert: anAlert({ alert_id: 'x2', event_time: T0 + MIN }),
      at: 0,
      lane: '0',
    });
    const scored = again.outputs.find((o) => o.kind === 'scored');
    assert.ok(scored?.kind === 'scored');
    assert.equal(scored.alert.dedup.occurrences, 2, 'the restored episode goes on');
    step(other, { kind: 'restore', lane: '0', fingerprint: entry.fingerprint, entry: null, at: 0 });
    assert.equal(dedupEntries(other), 0);
  });

  it('writes a tombstone to the changelog for every episode that expires', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    step(state, { kind: 'alert', alert: anAlert({ feature: 'old' }), at: 0, lane: '0' });
    // Past the dedup window and the accrual gap (6 h) and the lateness (an episode's entry is kept as long as its run can go on).
    const later = step(state, {
      kind: 'alert',
      alert: anAlert({ feature: 'new', event_time: T0 + 9 * HOUR }),
      at: 0,
      lane: '0',
    });
    const dedup = later.outputs.filter((o) => o.kind === 'dedup');
    assert.equal(dedup.length, 2);
    assert.equal(dedup[0]?.kind === 'dedup' && dedup[0].entry, null);
    assert.equal(dedupEntries(state), 1);
  });
});

describe('step: transactions (the stream runtime aborts a chunk and reads it again)', () => {
  const feedbackFor = (id: string, t: number) =>
    feedbackInput(
      aFeedback({ alert_id: id, event_time: t, outcome: 'false_positive', root_cause: 'unknown' }),
    );

  for (const incidents of ['off', 'inline'] as const)
    it(`an abort puts the whole state back: a second reading gives the answers of the first (incidents ${incidents})`, () => {
      const config = aConfig({ scoring: { root_cause: { min_examples: 1 } } });
      const step = createStep(config, { laneIdleMs: 0, incidents });
      const base: CoreInput[] = [];
      const side: CoreInput[] = [];
      for (let i = 0; i < 30; i++) {
        base.push(deployInput(aDeploy({ event_id: `d${i}`, event_time: T0 + i * HOUR - 5 * MIN })));
        base.push(
          alertInput(anAlert({ alert_id: `a${i}`, event_time: T0 + i * HOUR, feature: `f${i % 4}` }), 0),
        );
        (i < 20 ? base : side).push(feedbackFor(`a${i}`, T0 + i * HOUR + MIN));
      }
      // Deploys for the chunk's own hours, read by the side input while the chunk is in its transaction.
      for (let k = 0; k < 40; k += 3) {
        side.push(deployInput(aDeploy({ event_id: `e${k}`, event_time: T0 + (30 + k) * HOUR - 20 * MIN })));
      }
      const chunk = (from: number) =>
        Array.from({ length: 40 }, (_, k) =>
          alertInput(
            anAlert({ alert_id: `c${k}`, event_time: T0 + (from + k) * HOUR, feature: `f${k % 4}` }),
            0,
          ),
        );
      // With incidents inline the answer is the member: the scored alert and the incident it was routed to.
      const answers = (outputs: Output[]) =>
        outputs.flatMap((o) =>
          o.kind === 'scored'
            ? [JSON.stringify(summary(o.alert))]
            : o.kind === 'member'
              ? [
                  JSON.stringify({
                    ...summary(o.member.alert),
                    incident: o.member.incident_id,
                    how: o.member.how,
                  }),
                ]
              : [],
        );

      const plain = createState(config);
      for (const i of [...base, ...side]) step(plain, i);
      const expected = answers(chunk(30).flatMap((i) => step(plain, i).outputs));

      const state = createState(config);
      for (const i of base) step(state, i);
      step(state, { kind: 'transaction', op: 'begin', at: 0 });
      // Side inputs arrive during the transaction: they are kept through the abort.
      for (const i of side) step(state, i);
      const first = answers(chunk(30).flatMap((i) => step(state, i).outputs));
      step(state, { kind: 'transaction', op: 'abort', at: 0 });
      step(state, { kind: 'transaction', op: 'begin', at: 0 });
      const second = answers(chunk(30).flatMap((i) => step(state, i).outputs));
      step(state, { kind: 'transaction', op: 'commit', at: 0 });
      const differ = (a: string[], b: string[]) => a.flatMap((x, i) => (x === b[i] ? [] : [i]));
      assert.deepEqual(differ(second, first), [], 'second reading against the first');
      assert.deepEqual(differ(second, expected), [], 'against a run with no transaction');
      assert.equal(state.deploys.size, plain.deploys.size);
      assert.equal(dedupEntries(state), dedupEntries(plain));
      assert.equal(state.rootCauses.examples, plain.rootCauses.examples);
      assert.equal(state.recentAlerts.size, plain.recentAlerts.size);
      assert.equal(state.streamTime, plain.streamTime);
      assert.equal(state.lanes.get('default')!.memory.size, plain.lanes.get('default')!.memory.size);
      assert.ok(second.length === 40);
    });

  it('refuses a commit or an abort without a begin, and a second begin', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    assert.throws(() => step(state, { kind: 'transaction', op: 'commit', at: 0 }), /without begin/);
    step(state, { kind: 'transaction', op: 'begin', at: 0 });
    assert.throws(() => step(state, { kind: 'transaction', op: 'begin', at: 0 }), /already open/);
  });
});

describe('step: the learned root-cause classifier', () => {
  it('learns confirmed causes from feedback and takes over from the rules after min_examples', () => {
    const config = aConfig({ scoring: { root_cause: { min_examples: 20 } } });
    const step = createStep(config);
    const state = createState(config);
    const inputs: CoreInput[] = [];
    // Latency alerts that the rules call infrastructure, but postmortems keep confirming as data_pipeline.
    for (let i = 0; i < 25; i++) {
      const t = T0 + i * 2 * HOUR;
      inputs.push(
        alertInput(
          anAlert({
            alert_id: `l${i}`,
            event_time: t,
            signal: 'latency',
            metric: 'p99_latency_ms',
            feature: `f${i}`,
          }),
        ),
      );
      inputs.push(
        feedbackInput(
          aFeedback({
            alert_id: `l${i}`,
            event_time: t + 1,
            outcome: 'actionable',
            root_cause: 'data_pipeline',
            acked_at: t + 10 * MIN,
          }),
        ),
      );
    }
    const events = inputs.flatMap((input) => step(state, input).events);
    const applied = events.filter((e) => e.type === 'feedback_applied');
    assert.equal(applied.length, 24, 'the last feedback waits for stream time to pass it');
    assert.ok(applied.every((e) => e.type === 'feedback_applied' && e.learned_root_cause && e.tier !== null));
    const first = applied[0]!;
    assert.ok(
      first.type === 'feedback_applied' && first.acked_at === T0 + 10 * MIN && first.source === 'evidently',
    );
    assert.equal(state.rootCauses.examples, 24);
    const probe = step(
      state,
      alertInput(
        anAlert({
          alert_id: 'probe',
          event_time: T0 + 60 * HOUR,
          signal: 'latency',
          metric: 'p99_latency_ms',
        }),
      ),
    );
    const scored = probe.outputs.find((o) => o.kind === 'scored');
    assert.ok(scored?.kind === 'scored');
    assert.equal(scored.alert.root_cause.by, 'naive-bayes');
    assert.equal(scored.alert.root_cause.label, 'data_pipeline');
  });

  it('keeps to the rules while it has fewer examples, and when learning is off', () => {
    const off = aConfig({ scoring: { root_cause: { learn: false } } });
    const step = createStep(off);
    const state = createState(off);
    const r = step(state, alertInput(anAlert({ signal: 'latency' })));
    const scored = r.outputs.find((o) => o.kind === 'scored');
    assert.ok(scored?.kind === 'scored');
    assert.equal(scored.alert.root_cause.by, 'rules');
  });
});
