// Rule-based root cause: which change and which signal point where.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyAlert, DeployKind } from '../../src/core/events.ts';
import type { ContextChange, DeployContext } from '../../src/core/join.ts';
import { classifyByRules } from '../../src/core/root-cause.ts';
import { anAlert, T0 } from '../fixtures/builders.ts';

function change(kind: DeployKind, minutesBefore: number, over: Partial<ContextChange> = {}): ContextChange {
  return {
    event_id: `${kind}-${minutesBefore}`,
    kind,
    event_time: T0 - minutesBefore * 60_000,
    via: 'model',
    model_id: 'fraud-scorer',
    minutes_before: minutesBefore,
    ...over,
  };
}

function ctx(deploys: ContextChange[]): DeployContext {
  return { deploys, deploy_correlated: deploys.length > 0, correlation_strength: deploys.length ? 0.5 : 0 };
}

const classify = (alert: AnomalyAlert, deploys: ContextChange[], affectedShare = 0.2) =>
  classifyByRules({ alert, context: ctx(deploys), affectedShare, occurrences: 1, windowMinutes: 120 });

const upstreamSchema = (m: number) =>
  change('schema_change', m, { via: 'upstream', model_id: undefined, service: 'feature-pipeline-payments' });
const upstreamPipeline = (m: number) =>
  change('data_pipeline_change', m, {
    via: 'upstream',
    model_id: undefined,
    service: 'feature-pipeline-payments',
  });

describe('classifyByRules', () => {
  it('an upstream schema_change before a data_quality alert → upstream_schema_change', () => {
    const rc = classify(anAlert({ signal: 'data_quality' }), [upstreamSchema(20)]);
    assert.equal(rc.label, 'upstream_schema_change');
    assert.equal(rc.by, 'rules');
    assert.match(rc.reason, /schema_change of feature-pipeline-payments 20 min before a data_quality alert/);
  });

  it('a schema_change outranks a model deploy for data signals', () => {
    const rc = classify(anAlert({ signal: 'data_quality' }), [change('model_deploy', 5), upstreamSchema(60)]);
    assert.equal(rc.label, 'upstream_schema_change');
  });

  it('a data_pipeline_change before a feature_shift → data_pipeline', () => {
    const rc = classify(anAlert({ signal: 'feature_shift' }), [upstreamPipeline(15)]);
    assert.equal(rc.label, 'data_pipeline');
    assert.match(rc.reason, /data_pipeline_change of feature-pipeline-payments 15 min before/);
  });

  it('a data_pipeline_change does not explain a latency alert', () => {
    const rc = classify(anAlert({ signal: 'latency' }), [upstreamPipeline(15)]);
    assert.notEqual(rc.label, 'data_pipeline');
  });

  it('a model_deploy before a performance_degradation → deployment_regression', () => {
    const rc = classify(anAlert({ signal: 'performance_degradation' }), [
      change('model_deploy', 30, { version: 'v43' }),
    ]);
    assert.equal(rc.label, 'deployment_regression');
    assert.match(rc.reason, /model_deploy v43 30 min before a performance_degradation alert/);
  });

  it('deployment_regression is more confident the closer the deploy', () => {
    const confidences = [5, 30, 60, 110].map(
      (m) => classify(anAlert({ signal: 'performance_degradation' }), [change('model_deploy', m)]).confidence,
    );
    for (let i = 1; i < confidences.length; i++) {
      assert.ok(confidences[i]! < confidences[i - 1]!, `${confidences}`);
    }
    for (const c of confidences) assert.ok(c > 0 && c <= 1);
  });

  it('an upstream model_deploy is not a deployment regression of this model', () => {
    const rc = classify(anAlert({ signal: 'performance_degradation' }), [
      change('model_deploy', 10, { via: 'upstream', model_id: undefined, service: 'other' }),
    ]);
    assert.notEqual(rc.label, 'deployment_regression');
  });

  it('latency with no change in the window → infrastructure', () => {
    const rc = classify(anAlert({ signal: 'latency' }), []);
    assert.equal(rc.label, 'infrastructure');
    const err = classify(anAlert({ signal: 'error_rate' }), []);
    assert.equal(err.label, 'infrastructure');
  });

  it('latency right after a model deploy is a deployment regression, not infrastructure', () => {
    const rc = classify(anAlert({ signal: 'latency' }), [change('code_deploy', 10)]);
    assert.equal(rc.label, 'deployment_regression');
  });

  it('population-wide data_drift with no change → seasonal_drift', () => {
    const rc = classify(anAlert({ signal: 'data_drift' }), [], 1);
    assert.equal(rc.label, 'seasonal_drift');
    assert.match(rc.reason, /population-wide data_drift \(100% of traffic\)/);
  });

  it('narrow data_drift with no change is not seasonal', () => {
    const rc = classify(anAlert({ signal: 'data_drift' }), [], 0.3);
    assert.equal(rc.label, 'unknown');
  });

  it('population-wide drift after a change is not seasonal', () => {
    const rc = classify(anAlert({ signal: 'data_drift' }), [change('model_deploy', 20)], 1);
    assert.notEqual(rc.label, 'seasonal_drift');
  });

  it('anything else → unknown with low confidence', () => {
    const rc = classify(anAlert({ signal: 'other' }), []);
    assert.deepEqual(rc, { label: 'unknown', confidence: 0.2, reason: 'no rule matched', by: 'rules' });
  });

  it('confidences are rounded to two decimals', () => {
    const rc = classify(anAlert({ signal: 'performance_degradation' }), [change('model_deploy', 7)]);
    assert.equal(rc.confidence, Math.round(rc.confidence * 100) / 100);
  });
});
