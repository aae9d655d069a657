// The service's observations reach the right metrics: SLIs against the given tier's SLA, outcomes by source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillAlertId, drillIdOf } from '../../src/core/drill.ts';
import { metricsObserver } from '../../src/runtime/service-metrics.ts';
import { createMetrics } from '../../src/telemetry.ts';
import { aConfig, MIN, T0 } from '../fixtures/builders.ts';

describe('metricsObserver', () => {
  it('measures feedback against the SLA of the tier the alert was given', async () => {
    const metrics = createMetrics();
    const observer = metricsObserver(metrics, aConfig());
    observer.coreEvents!([
      {
        type: 'feedback_applied',
        alert_id: 'a1',
        outcome: 'actionable',
        source: 'evidently',
        tier: 'P1',
        alert_event_time: T0,
        acked_at: T0 + 20 * MIN, // P1 must be acked within 15 min
        resolved_at: T0 + 60 * MIN,
        learned_root_cause: true,
      },
      { type: 'feedback_unmatched', alert_id: 'zz', outcome: 'noise' },
    ]);
    const text = await metrics.registry.metrics();
    assert.match(text, /alert_triage_sla_breaches_total\{tier="P1",kind="ack"\} 1/);
    assert.match(text, /alert_triage_sla_breaches_total\{tier="P1",kind="resolve"\} 0/);
    assert.match(text, /alert_triage_time_to_ack_seconds_count\{tier="P1"\} 1/);
    assert.match(text, /alert_triage_feedback_outcomes_total\{outcome="actionable",source="evidently"\} 1/);
    assert.match(text, /alert_triage_feedback_total\{result="unmatched"\} 1/);
  });

  it("leaves a drill's acknowledge out of the real SLIs and outcomes (the drill_* metrics have it)", async () => {
    const metrics = createMetrics();
    const observer = metricsObserver(metrics, aConfig());
    const feedback = (alertId: string) => ({
      type: 'feedback_applied' as const,
      alert_id: alertId,
      outcome: 'actionable' as const,
      source: 'evidently',
      tier: 'P1' as const,
      alert_event_time: T0,
      acked_at: T0 + 5 * MIN,
      resolved_at: null,
      learned_root_cause: false,
    });
    observer.coreEvents!([feedback(drillAlertId(drillIdOf('bad-deploy', T0, 1), 1)), feedback('a1')]);
    const text = await metrics.registry.metrics();
    assert.match(text, /^alert_triage_time_to_ack_seconds_count\{tier="P1"\} 1$/m);
    assert.match(
      text,
      /^alert_triage_feedback_outcomes_total\{outcome="actionable",source="evidently"\} 1$/m,
    );
  });
});
