import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapEvidently } from '../../../src/core/inputs/evidently.ts';
import { clone, example, mapped } from './support.ts';

const snapshot = example('evidently') as Record<string, unknown> & { tests: Record<string, unknown>[] };

/** The legacy TestSuite.json() shape (evidently.legacy.test_suite), with the envelope fields added. */
const legacySuite = {
  version: '0.4.40',
  timestamp: '2026-11-19T14:25:00Z',
  model_id: 'churn-predictor',
  tests: [
    {
      name: 'Share of Drifted Columns',
      description: 'The drift is detected for 3 out of 8 columns (0.375). The test threshold is lt=0.3.',
      status: 'FAIL',
      group: 'data_drift',
      parameters: { condition: { lt: 0.3 }, value: 0.375 },
    },
    {
      name: 'Accuracy Score',
      description: 'The Accuracy Score is 0.81. The test threshold is gte=0.85.',
      status: 'WARNING',
      group: 'classification',
      parameters: { condition: { gte: 0.85 }, value: 0.81 },
    },
    { name: 'Number of Rows', description: 'ok', status: 'SUCCESS', group: 'data_integrity', parameters: {} },
    { name: 'Missing column', description: 'Column x not found', status: 'ERROR', group: 'data_integrity' },
  ],
  summary: { all_passed: false, total_tests: 4, success_tests: 2, failed_tests: 1, by_status: { FAIL: 1 } },
};

describe('native inputs: Evidently test results', () => {
  it('maps each failed or warning test of a snapshot, with its metric value and threshold', () => {
    const { alerts, mapping } = mapped('evidently', snapshot);
    assert.deepEqual(mapping.rejected, []);
    assert.deepEqual(mapping.paths, ['tests[0]', 'tests[2]'], 'the passing test makes no alert');
    const [drift, share] = alerts;
    assert.equal(drift!.model_id, 'ads-bidder');
    assert.equal(drift!.event_time, Date.parse('2026-11-19T14:25:00Z'), 'a naive timestamp is read as UTC');
    assert.equal(drift!.signal, 'data_drift');
    assert.equal(drift!.feature, 'floor_price');
    assert.equal(drift!.metric, 'psi');
    assert.equal(drift!.value, 0.274, "the metric's own result");
    assert.equal(drift!.threshold, 0.1);
    assert.equal(drift!.severity, 'high', 'FAIL → high');
    assert.equal(drift!.model_version, 'v32');
    assert.equal(share!.severity, 'medium', 'WARNING → medium');
    assert.equal(share!.value, 0.375, "from the test's description");
    assert.notEqual(drift!.alert_id, share!.alert_id, 'two `lt` tests on different metrics');
    assert.deepEqual(
      mapped('evidently', clone(snapshot)).alerts.map((a) => a.alert_id),
      alerts.map((a) => a.alert_id),
      'stable across re-sends',
    );
  });

  it('maps the legacy TestSuite JSON: group decides the signal, condition the threshold', () => {
    const { alerts } = mapped('evidently', legacySuite);
    assert.deepEqual(
      alerts.map((a) => [a.signal, a.severity, a.value, a.threshold]),
      [
        ['data_drift', 'high', 0.375, 0.3],
        ['performance_degradation', 'medium', 0.81, 0.85],
        ['data_quality', 'low', undefined, undefined],
      ],
    );
    assert.equal(alerts[0]!.labels?.test_name, 'Share of Drifted Columns');
    assert.equal(alerts[0]!.labels?.evidently_version, '0.4.40');
  });

  it('drift of the prediction column is prediction drift', () => {
    const s = clone(snapshot);
    (s.tests[0]!.metric_config as Record<string, Record<string, unknown>>).params!.column = 'prediction';
    assert.equal(mapped('evidently', s).alerts[0]!.signal, 'prediction_drift');
  });

  it('refuses a payload that names no model or no time, saying what to add', () => {
    const noModel = clone(snapshot);
    delete noModel.metadata;
    const r = mapEvidently(noModel).rejected;
    assert.deepEqual(
      r.map((x) => [x.index, x.code, x.field]),
      [[-1, 'MISSING_FIELD', 'metadata.model_id']],
    );
    assert.match(r[0]!.message, /Report\(model_id=…\)/);
    const noTime = clone(snapshot);
    delete noTime.timestamp;
    assert.deepEqual(
      mapEvidently(noTime).rejected.map((x) => [x.code, x.field]),
      [['MISSING_FIELD', 'timestamp']],
    );
  });

  it('rejects a bad test alone', () => {
    const s = clone(snapshot);
    delete s.tests[2]!.status;
    s.tests.push(7 as unknown as Record<string, unknown>);
    const m = mapEvidently(s);
    assert.equal(m.alerts.length, 1);
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [
        [2, 'MISSING_FIELD', 'tests[2].status'],
        [3, 'NOT_AN_OBJECT', 'tests[3]'],
      ],
    );
  });
});
