// The suspected cause: relevance to the signal class times closeness, the best one, none when weak.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseCause, suspectedCause } from '../../../src/core/incidents/cause.ts';
import type { ContextChange } from '../../../src/core/join.ts';
import { aConfig, HOUR, MIN, T0 } from '../../fixtures/builders.ts';
import { aChange } from '../../fixtures/incidents.ts';

const config = aConfig();
const rules = {
  relevance: config.scoring.change_relevance,
  correlationMs: 2 * HOUR,
  minStrength: 0.3,
};

describe('suspectedCause', () => {
  it('takes the change with the highest relevance x closeness', () => {
    // A serving signal: a pipeline change 6 min before (0.7 x 0.95) beats a code deploy 60 min before (1 x 0.5).
    const deploy = aChange({ event_id: 'code', kind: 'code_deploy', minutes_before: 60 });
    const pipeline = aChange({ event_id: 'pipe', kind: 'data_pipeline_change', minutes_before: 6 });
    const c = suspectedCause([pipeline, deploy], 'performance_degradation', rules);
    assert.equal(c?.change.event_id, 'pipe');
    assert.equal(Math.round(c!.strength * 1000) / 1000, 0.665);
  });

  it('uses the input table for data signals: a pipeline change explains drift, a model deploy hardly', () => {
    const deploy = aChange({ event_id: 'deploy', kind: 'model_deploy', minutes_before: 1 });
    const pipeline = aChange({ event_id: 'pipe', kind: 'data_pipeline_change', minutes_before: 50 });
    assert.equal(suspectedCause([deploy, pipeline], 'data_drift', rules)?.change.event_id, 'pipe');
    assert.equal(suspectedCause([deploy, pipeline], 'latency', rules)?.change.event_id, 'deploy');
  });

  it('is none when the best is below min_cause_strength, or there is no change', () => {
    const late = aChange({ event_id: 'late', kind: 'code_deploy', minutes_before: 100 }); // 1 x 0.167
    assert.equal(suspectedCause([late], 'error_rate', rules), null);
    assert.equal(suspectedCause([], 'error_rate', rules), null);
    assert.equal(
      suspectedCause([late], 'error_rate', { ...rules, minStrength: 0.1 })?.change.event_id,
      'late',
    );
  });

  it('breaks ties by the later change, then the smaller event id', () => {
    const a = aChange({ event_id: 'b-later', kind: 'code_deploy', minutes_before: 10, event_time: 2000 });
    const b = aChange({ event_id: 'a-earlier', kind: 'config_change', minutes_before: 10, event_time: 1000 });
    assert.equal(suspectedCause([b, a], 'latency', rules)?.change.event_id, 'b-later');
    const c = aChange({ event_id: 'z', kind: 'code_deploy', minutes_before: 10, event_time: 2000 });
    assert.equal(suspectedCause([c, a], 'latency', rules)?.change.event_id, 'b-later');
  });
});

describe('chooseCause', () => {
  const refined = { ...rules, keepStrength: 0.15, precedesFiring: true };
  // An alert at T0: each change's event_time agrees with its minutes_before.
  const at = (event_id: string, kind: ContextChange['kind'], minutes: number) =>
    aChange({ event_id, kind, minutes_before: minutes, event_time: T0 - minutes * MIN });
  const none = { firingSince: null, held: null };

  it('is the suspected cause when nothing refines it', () => {
    const deploy = at('code', 'code_deploy', 5);
    const c = chooseCause([deploy], 'latency', refined, none);
    assert.equal(c.cause?.change.event_id, 'code');
    assert.deepEqual([c.displaced, c.after], [null, null]);
  });

  it('sets aside a change made after the condition began firing, and says which', () => {
    // The condition fires since 50 min before this repeat; a code deploy 5 min ago cannot have caused it.
    const fix = at('fix', 'code_deploy', 5);
    const pipe = at('pipe', 'data_pipeline_change', 60);
    const c = chooseCause([fix, pipe], 'latency', refined, { firingSince: T0 - 50 * MIN, held: null });
    assert.equal(c.cause?.change.event_id, 'pipe');
    assert.equal(c.after?.change.event_id, 'fix');
    // Off, or for a first alert (no episode before it), the deploy is the cause.
    const off = chooseCause(
      [fix, pipe],
      'latency',
      { ...refined, precedesFiring: false },
      {
        firingSince: T0 - 50 * MIN,
        held: null,
      },
    );
    assert.equal(off.cause?.change.event_id, 'fix');
    assert.equal(chooseCause([fix, pipe], 'latency', refined, none).cause?.change.event_id, 'fix');
    // Nothing before the firing began: no cause, and the deploy is named as set aside.
    const only = chooseCause([fix], 'latency', refined, { firingSince: T0 - 50 * MIN, held: null });
    assert.equal(only.cause, null);
    assert.equal(only.after?.change.event_id, 'fix');
  });

  it("keeps the change of the model's incident while it explains the alert at keep_cause_strength", () => {
    // A serving signal: the pipeline change 40 min before (0.7 x 0.67 = 0.47) holds the model's incident;
    // a code deploy 10 min before explains this alert better (1 x 0.92), but does not take it.
    const pipe = at('pipe', 'data_pipeline_change', 40);
    const code = at('code', 'code_deploy', 10);
    const kept = chooseCause([code, pipe], 'latency', refined, { firingSince: null, held: 'pipe' });
    assert.equal(kept.cause?.change.event_id, 'pipe');
    assert.equal(kept.displaced?.change.event_id, 'code');
    // Too weak to keep (0.7 x 0.08 = 0.06 at 110 min), or keeping off: the strongest wins.
    const old = at('pipe', 'data_pipeline_change', 110);
    const weak = chooseCause([code, old], 'latency', refined, { firingSince: null, held: 'pipe' });
    assert.equal(weak.cause?.change.event_id, 'code');
    assert.equal(weak.displaced, null);
    const off = chooseCause(
      [code, pipe],
      'latency',
      { ...refined, keepStrength: null },
      {
        firingSince: null,
        held: 'pipe',
      },
    );
    assert.equal(off.cause?.change.event_id, 'code');
    // A held change not among the alert's changes keeps nothing.
    assert.equal(
      chooseCause([code], 'latency', refined, { firingSince: null, held: 'pipe' }).cause?.change.event_id,
      'code',
    );
  });

  it('keeps only a change made before the condition began firing', () => {
    const pipe = at('pipe', 'data_pipeline_change', 40);
    const code = at('code', 'code_deploy', 10);
    // The condition fires since 20 min: the code deploy is set aside, the pipeline change is the cause.
    const c = chooseCause([code, pipe], 'latency', refined, { firingSince: T0 - 20 * MIN, held: 'pipe' });
    assert.equal(c.cause?.change.event_id, 'pipe');
    assert.equal(c.displaced, null);
    assert.equal(c.after?.change.event_id, 'code');
  });
});
