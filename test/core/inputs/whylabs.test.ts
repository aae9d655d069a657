import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapWhylabs } from '../../../src/core/inputs/whylabs.ts';
import { clone, example, mapped } from './support.ts';

const digest = example('whylabs') as Record<string, unknown> & { anomalySample: Record<string, unknown>[] };

describe('native inputs: WhyLabs monitor notifications', () => {
  it('maps each sampled anomaly of a digest: resource, column, metric, numbers, severity', () => {
    const { alerts, mapping } = mapped('whylabs', digest);
    assert.deepEqual(mapping.rejected, []);
    const [drift, median] = alerts;
    assert.deepEqual(
      { ...drift, labels: undefined },
      {
        alert_id: 'whylabs:8b3f0a1e-4c2d-3e59-b6a7-1d9e0f2c5b34',
        event_time: 1795132800000,
        model_id: 'churn-predictor',
        signal: 'data_drift',
        source: 'whylabs',
        feature: 'plan_tier',
        metric: 'frequent_items',
        value: 0.41,
        threshold: 0.3,
        severity: 'medium',
        labels: undefined,
      },
    );
    assert.equal(drift!.labels?.monitor_id, 'frequent-items-drift-monitor-k3n9');
    assert.equal(median!.signal, 'feature_shift');
    assert.equal(median!.value, 23.5);
    assert.equal(median!.threshold, 14.2, 'the bound it crossed');
    assert.equal(median!.labels?.segment, 'region=eu-west-1');
    assert.equal(median!.labels?.monitor_id, 'median-stddev-monitor-p2w4');
  });

  it('maps an EVERY_ANOMALY notification to one alert, severity 1 → high', () => {
    const one = {
      id: 'n-1',
      mode: 'EVERY_ANOMALY',
      severity: 1,
      monitorId: 'acc-monitor',
      orgId: 'org-1',
      runId: 'r-1',
      analyzerResult: {
        ...digest.anomalySample[0],
        metric: 'classification.accuracy',
        analyzerType: 'fixed',
        drift_metricValue: undefined,
        threshold_metricValue: 0.71,
        threshold_absoluteLower: 0.8,
      },
    };
    const { alerts } = mapped('whylabs', one);
    assert.equal(alerts.length, 1);
    assert.deepEqual(
      [alerts[0]!.signal, alerts[0]!.severity, alerts[0]!.value, alerts[0]!.threshold],
      ['performance_degradation', 'high', 0.71, 0.8],
    );
  });

  it('without a sample, maps one alert per column of the digest', () => {
    const d = clone(digest);
    delete (d as Record<string, unknown>).anomalySample;
    const { alerts } = mapped('whylabs', d);
    assert.deepEqual(
      alerts.map((a) => [a.feature, a.signal]),
      [
        ['plan_tier', 'data_drift'],
        ['days_since_last_login', 'other'],
      ],
    );
  });

  it('rejects a bad sampled anomaly alone, and a notification with nothing to map', () => {
    const d = clone(digest);
    delete d.anomalySample[0]!.analysisId;
    delete d.anomalySample[0]!.id;
    const m = mapWhylabs(d);
    assert.equal(m.alerts.length, 1);
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [[0, 'MISSING_FIELD', 'anomalySample[0].analysisId']],
    );
    assert.deepEqual(
      mapWhylabs({ id: 'x', mode: 'DIGEST' }).rejected.map((r) => [r.index, r.code, r.field]),
      [[-1, 'MISSING_FIELD', 'analyzerResult']],
    );
  });
});
