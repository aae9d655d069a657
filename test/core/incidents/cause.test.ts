// The suspected cause: relevance to the signal class times closeness, the best one, none when weak.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suspectedCause } from '../../../src/core/incidents/cause.ts';
import { aConfig, HOUR } from '../../fixtures/builders.ts';
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
