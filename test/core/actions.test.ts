// Automation by tier: rollback / containment for P1, diagnostics for P1 and P2, nothing below.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsFor } from '../../src/core/actions.ts';
import type { AnomalyAlert, RootCauseLabel, Tier } from '../../src/core/events.ts';
import type { ContextChange, DeployContext } from '../../src/core/join.ts';
import type { RootCause } from '../../src/core/root-cause.ts';
import { aConfig, anAlert, T0 } from '../fixtures/builders.ts';

const config = aConfig();
const FRAUD = config.models['fraud-scorer']!;
const TRIAGE = config.models['triage-assist']!;

const deployChange = (over: Partial<ContextChange> = {}): ContextChange => ({
  event_id: 'd-43',
  kind: 'model_deploy',
  event_time: T0 - 20 * 60_000,
  via: 'model',
  model_id: 'fraud-scorer',
  version: 'v43',
  previous_version: 'v42',
  minutes_before: 20,
  ...over,
});

const correlated: DeployContext = {
  deploys: [deployChange()],
  current_version: 'v43',
  previous_version: 'v42',
  deploy_correlated: true,
  correlation_strength: 0.83,
};
const quiet: DeployContext = { deploys: [], deploy_correlated: false, correlation_strength: 0 };
const rc = (label: RootCauseLabel): RootCause => ({ label, confidence: 0.8, reason: 'test', by: 'rules' });

function actions(
  tier: Tier,
  context: DeployContext,
  profile = FRAUD,
  label: RootCauseLabel = 'deployment_regression',
  alert: AnomalyAlert = anAlert({ alert_id: 'a1', feature: 'amount' }),
) {
  return actionsFor(alert, alert.model_id, tier, profile, context, rc(label));
}

describe('actionsFor: P1', () => {
  it('contains instead of rolling back when the data, not the release, is the suspect', () => {
    for (const label of ['data_pipeline', 'upstream_schema_change'] as const) {
      const out = actions('P1', correlated, FRAUD, label);
      assert.deepEqual(
        out.map((a) => [a.type, a.operation]),
        [
          ['containment', 'route_to_fallback'],
          ['diagnostic', label === 'data_pipeline' ? 'data_snapshot' : 'schema_diff'],
        ],
        label,
      );
      assert.match(out[0]!.reason, /a model rollback would not help/);
    }
  });

  it('recommends a rollback to the previous version after a correlated deploy when allowed', () => {
    const out = actions('P1', correlated);
    assert.deepEqual(
      out.map((a) => a.type),
      ['rollback', 'diagnostic'],
    );
    const rollback = out[0]!;
    assert.equal(rollback.operation, 'rollback_model');
    assert.deepEqual(rollback.params, { to_version: 'v42', from_version: 'v43' });
    assert.equal(rollback.action_id, 'a1:rollback');
    assert.equal(rollback.owner, FRAUD.owner);
    assert.equal(rollback.tier, 'P1');
    assert.equal(rollback.event_time, T0);
  });

  it('contains instead of rolling back when rollback is not allowed', () => {
    const out = actions('P1', correlated, TRIAGE);
    assert.deepEqual(
      out.map((a) => [a.type, a.operation]),
      [
        ['containment', 'route_to_fallback'],
        ['diagnostic', 'version_comparison'],
      ],
    );
    assert.match(out[0]!.reason, /rollback is not allowed/);
    assert.equal(out[0]!.owner, TRIAGE.owner);
  });

  it('contains when no previous version is known', () => {
    const { previous_version: _, ...noPrevious } = correlated;
    const out = actions('P1', noPrevious);
    assert.equal(out[0]!.type, 'containment');
    assert.match(out[0]!.reason, /no known rollback target/);
  });

  it('contains when the alert is not deploy-correlated, even with a known previous version', () => {
    const out = actions('P1', { ...quiet, current_version: 'v43', previous_version: 'v42' });
    assert.equal(out[0]!.type, 'containment');
  });

  it('disables a feature flag that changed just before, when there is no rollback', () => {
    const flag = deployChange({
      event_id: 'ff-1',
      kind: 'feature_flag',
      description: 'new-threshold',
      version: undefined,
    });
    const out = actions(
      'P1',
      { deploys: [flag], deploy_correlated: true, correlation_strength: 0.9 },
      TRIAGE,
    );
    assert.equal(out[0]!.operation, 'disable_feature_flag');
    assert.deepEqual(out[0]!.params, { change: 'ff-1', description: 'new-threshold' });
  });
});

describe('actionsFor: P2 and below', () => {
  it('P2 gets a diagnostic only, never a rollback', () => {
    const out = actions('P2', correlated);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type, 'diagnostic');
    assert.equal(out[0]!.action_id, 'a1:diagnostic');
    assert.deepEqual(out[0]!.params, { feature: 'amount', metric: 'auc', version: 'v43' });
  });

  it('the diagnostic operation follows the suspected root cause', () => {
    const byCause = Object.fromEntries(
      (
        [
          'deployment_regression',
          'data_pipeline',
          'upstream_schema_change',
          'seasonal_drift',
          'infrastructure',
        ] as const
      ).map((label) => [label, actions('P2', quiet, FRAUD, label)[0]!.operation]),
    );
    assert.deepEqual(byCause, {
      deployment_regression: 'version_comparison',
      data_pipeline: 'data_snapshot',
      upstream_schema_change: 'schema_diff',
      seasonal_drift: 'feature_distribution_dump',
      infrastructure: 'serving_health_dump',
    });
    assert.match(actions('P2', quiet, FRAUD, 'data_pipeline')[0]!.reason, /suspected data_pipeline/);
  });

  for (const tier of ['P3', 'P4'] as const) {
    it(`${tier} gets no actions`, () => {
      assert.deepEqual(actions(tier, correlated), []);
    });
  }
});
