// The deploy-context join: changes to the model and its upstream shortly before the alert, by event time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyAlert, DeployEvent } from '../../src/core/events.ts';
import { type JoinWindows, joinDeployContext, round } from '../../src/core/join.ts';
import { DeployWindow } from '../../src/core/window-store.ts';
import { aDeploy, anAlert, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const WINDOWS: JoinWindows = { correlationMs: 2 * HOUR, versionHorizonMs: 23 * HOUR, maxContextChanges: 10 };
const UPSTREAM = ['feature-pipeline-payments'];

function join(
  deploys: DeployEvent[],
  alert: AnomalyAlert = anAlert(),
  upstream: readonly string[] = UPSTREAM,
  w: JoinWindows = WINDOWS,
) {
  const window = new DeployWindow({ retentionMs: 48 * HOUR, maxPerKey: 100 });
  for (const d of deploys) window.insert(d, Number.NEGATIVE_INFINITY);
  return joinDeployContext(alert, upstream, window, w);
}

describe('joinDeployContext: which changes count', () => {
  it('finds a model deploy shortly before the alert', () => {
    const ctx = join([aDeploy({ event_id: 'd1', event_time: T0 - 30 * MIN })]);
    assert.equal(ctx.deploy_correlated, true);
    assert.equal(ctx.deploys.length, 1);
    assert.deepEqual(
      { id: ctx.deploys[0]!.event_id, via: ctx.deploys[0]!.via, min: ctx.deploys[0]!.minutes_before },
      { id: 'd1', via: 'model', min: 30 },
    );
  });

  it('ignores deploys after the alert, so a deploy consumer running ahead changes nothing', () => {
    const before = aDeploy({ event_id: 'before', event_time: T0 - 30 * MIN, version: 'v43' });
    const after = aDeploy({
      event_id: 'after',
      event_time: T0 + MIN,
      version: 'v44',
      previous_version: 'v43',
    });
    const alert = anAlert({ model_version: undefined });
    const withFuture = join([before, after], alert);
    const without = join([before], alert);
    assert.deepEqual(withFuture, without);
    assert.deepEqual(
      withFuture.deploys.map((d) => d.event_id),
      ['before'],
    );
    assert.equal(withFuture.current_version, 'v43');
    const onlyFuture = join([after], alert);
    assert.equal(onlyFuture.deploy_correlated, false);
    assert.equal(onlyFuture.current_version, undefined);
  });

  it('counts a deploy at exactly the alert time', () => {
    const ctx = join([aDeploy({ event_time: T0 })]);
    assert.equal(ctx.deploy_correlated, true);
    assert.equal(ctx.correlation_strength, 1);
  });

  it('ignores changes older than the correlation window, though they still give the version', () => {
    const old = aDeploy({ event_id: 'old', event_time: T0 - WINDOWS.correlationMs - MIN, version: 'v43' });
    const ctx = join([old], anAlert({ model_version: undefined }));
    assert.deepEqual(ctx.deploys, []);
    assert.equal(ctx.deploy_correlated, false);
    assert.equal(ctx.correlation_strength, 0);
    assert.equal(ctx.current_version, 'v43');
  });

  it('ignores changes to other models and unrelated services', () => {
    const ctx = join([
      aDeploy({ model_id: 'churn-predictor' }),
      aDeploy({ model_id: undefined, service: 'some-other-pipeline', kind: 'data_pipeline_change' }),
    ]);
    assert.equal(ctx.deploy_correlated, false);
  });

  it('finds upstream service changes through the upstream list, marked via upstream', () => {
    const pipeline = aDeploy({
      event_id: 'pipe',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      version: undefined,
      previous_version: undefined,
    });
    const ctx = join([pipeline]);
    assert.deepEqual(
      ctx.deploys.map((d) => ({ id: d.event_id, via: d.via, service: d.service })),
      [{ id: 'pipe', via: 'upstream', service: 'feature-pipeline-payments' }],
    );
    // Without the upstream link the same change is not context.
    assert.equal(join([pipeline], anAlert(), []).deploy_correlated, false);
  });

  it("treats a service named like the model as the model's own code", () => {
    const ctx = join([
      aDeploy({ event_id: 'svc', kind: 'code_deploy', model_id: undefined, service: 'fraud-scorer' }),
    ]);
    assert.equal(ctx.deploys[0]?.via, 'model');
  });

  it('lists a deploy naming the model and an upstream service once', () => {
    const both = aDeploy({ event_id: 'both', service: 'feature-pipeline-payments' });
    const ctx = join([both]);
    assert.deepEqual(
      ctx.deploys.map((d) => d.event_id),
      ['both'],
    );
  });

  it('orders changes most recent first, and caps them', () => {
    const deploys = [90, 10, 60, 30].map((m) => aDeploy({ event_id: `m${m}`, event_time: T0 - m * MIN }));
    const ctx = join(deploys);
    assert.deepEqual(
      ctx.deploys.map((d) => d.event_id),
      ['m10', 'm30', 'm60', 'm90'],
    );
    const capped = join(deploys, anAlert(), UPSTREAM, { ...WINDOWS, maxContextChanges: 2 });
    assert.deepEqual(
      capped.deploys.map((d) => d.event_id),
      ['m10', 'm30'],
    );
    assert.equal(capped.deploy_correlated, true);
  });
});

describe('joinDeployContext: versions', () => {
  it('takes current and previous from the latest model_deploy', () => {
    const ctx = join(
      [aDeploy({ event_time: T0 - 30 * MIN, version: 'v43', previous_version: 'v42' })],
      anAlert({ model_version: undefined }),
    );
    assert.equal(ctx.current_version, 'v43');
    assert.equal(ctx.previous_version, 'v42');
  });

  it('falls back to the prior deploy’s version when previous_version is absent', () => {
    const ctx = join(
      [
        aDeploy({ event_time: T0 - 5 * HOUR, version: 'v41', previous_version: undefined }),
        aDeploy({ event_time: T0 - 30 * MIN, version: 'v43', previous_version: undefined }),
      ],
      anAlert({ model_version: undefined }),
    );
    assert.equal(ctx.current_version, 'v43');
    assert.equal(ctx.previous_version, 'v41');
  });

  it('ignores non-model changes when looking up versions', () => {
    const ctx = join(
      [
        aDeploy({ event_time: T0 - 3 * HOUR, version: 'v42', previous_version: undefined }),
        aDeploy({
          event_time: T0 - 20 * MIN,
          kind: 'config_change',
          version: 'cfg-9',
          previous_version: undefined,
        }),
      ],
      anAlert({ model_version: undefined }),
    );
    assert.equal(ctx.current_version, 'v42');
  });

  it('lets the alert’s model_version win for current, with its own previous', () => {
    const ctx = join(
      [
        aDeploy({ event_time: T0 - 3 * HOUR, version: 'v42', previous_version: 'v41' }),
        aDeploy({ event_time: T0 - 30 * MIN, version: 'v43', previous_version: 'v42' }),
      ],
      anAlert({ model_version: 'v42' }),
    );
    assert.equal(ctx.current_version, 'v42');
    assert.equal(ctx.previous_version, 'v41');
  });

  it('has no previous version for a serving version it never saw deployed', () => {
    const ctx = join(
      [aDeploy({ version: 'v43', previous_version: 'v42' })],
      anAlert({ model_version: 'v99' }),
    );
    assert.equal(ctx.current_version, 'v99');
    assert.equal(ctx.previous_version, undefined);
  });

  it('has no versions at all without deploys or an alert version', () => {
    const ctx = join([], anAlert({ model_version: undefined }));
    assert.deepEqual(ctx, { deploys: [], deploy_correlated: false, correlation_strength: 0 });
  });
});

describe('joinDeployContext: correlation strength', () => {
  it('is 1 - minutes_before / window for the closest change', () => {
    const windowMin = WINDOWS.correlationMs / MIN;
    const ctx = join([
      aDeploy({ event_time: T0 - 90 * MIN }),
      aDeploy({ event_time: T0 - 30 * MIN }),
      aDeploy({ event_time: T0 - 60 * MIN }),
    ]);
    assert.equal(ctx.correlation_strength, round(1 - 30 / windowMin, 3));
    assert.equal(ctx.deploys[0]!.minutes_before, 30);
  });

  it('falls as the change moves away from the alert', () => {
    const strengths = [5, 20, 45, 100].map(
      (m) => join([aDeploy({ event_time: T0 - m * MIN })]).correlation_strength,
    );
    for (let i = 1; i < strengths.length; i++) assert.ok(strengths[i]! < strengths[i - 1]!, `${strengths}`);
  });

  it('scales with the configured window', () => {
    const ctx = join([aDeploy({ event_time: T0 - 30 * MIN })], anAlert(), UPSTREAM, {
      ...WINDOWS,
      correlationMs: HOUR,
    });
    assert.equal(ctx.correlation_strength, 0.5);
  });
});
