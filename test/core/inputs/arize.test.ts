import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapArize } from '../../../src/core/inputs/arize.ts';
import { clone, example, mapped } from './support.ts';

const alert = example('arize') as Record<string, Record<string, unknown>>;

describe('native inputs: Arize monitor alerts', () => {
  it('maps a triggered drift monitor on the prediction to prediction drift, with its value and threshold', () => {
    const { alerts, mapping } = mapped('arize', alert);
    assert.deepEqual(mapping.rejected, []);
    const a = alerts[0]!;
    assert.equal(a.alert_id, 'arize:TW9uaXRvcjo0NTY3ODk=:1795098480000');
    assert.equal(a.model_id, 'ads-bidder');
    assert.equal(a.model_version, 'v32');
    assert.equal(a.signal, 'prediction_drift');
    assert.equal(a.feature, 'predicted_bid');
    assert.equal(a.metric, 'psi');
    assert.equal(a.value, 0.37);
    assert.equal(a.threshold, 0.2);
    assert.equal(a.severity, 'high');
    assert.equal(a.labels?.status, 'triggered');
    assert.equal(a.labels?.space, 'ads-production');
  });

  it('maps a cleared monitor as resolved, with its own id', () => {
    const c = clone(alert);
    c.monitor!.status = 'cleared';
    const a = mapped('arize', c).alerts[0]!;
    assert.equal(a.alert_id, 'arize:TW9uaXRvcjo0NTY3ODk=:1795098480000:resolved');
    assert.equal(a.labels?.status, 'resolved');
  });

  it('category decides the signal; a monitor with no data is a data-quality alert', () => {
    const perf = clone(alert);
    perf.monitor!.monitorCategory = 'performance';
    assert.equal(mapped('arize', perf).alerts[0]!.signal, 'performance_degradation');
    const noData = clone(alert);
    noData.monitor!.status = 'noData';
    assert.equal(mapped('arize', noData).alerts[0]!.signal, 'data_quality');
  });

  it('accepts the monitor fields flat at the top level', () => {
    const flat = { ...alert.monitor, model_name: 'ads-bidder', timestamp: alert.timestamp };
    assert.equal(mapped('arize', flat).alerts[0]!.model_id, 'ads-bidder');
  });

  it('refuses an alert with no model or no time, naming the field', () => {
    const noModel = clone(alert);
    delete noModel.model;
    assert.deepEqual(
      mapArize(noModel).rejected.map((r) => [r.code, r.field]),
      [['MISSING_FIELD', 'model.name']],
    );
    const badTime = clone(alert) as Record<string, unknown>;
    badTime.timestamp = 'soon';
    assert.deepEqual(
      mapArize(badTime).rejected.map((r) => [r.code, r.field]),
      [['BAD_TIMESTAMP', 'timestamp']],
    );
  });
});
