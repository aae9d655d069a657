import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapGrafana } from '../../../src/core/inputs/grafana.ts';
import { clone, example, mapped } from './support.ts';

const body = example('grafana') as { alerts: Record<string, unknown>[] };

describe('native inputs: Grafana unified alerting webhook', () => {
  it('maps each alert, taking the value from the reduce step (values.B) and keeping every value', () => {
    const { alerts, mapping } = mapped('grafana', body);
    assert.deepEqual(mapping.rejected, []);
    const [roas, nulls] = alerts;
    assert.equal(roas!.alert_id, 'grafana:c6eadffa33fcdf37:1795097873686');
    assert.equal(roas!.model_id, 'ads-bidder');
    assert.equal(roas!.signal, 'performance_degradation', 'a ROAS drop');
    assert.equal(roas!.metric, 'roas');
    assert.equal(roas!.value, 2.027);
    assert.equal(roas!.severity, 'medium');
    assert.equal(roas!.source, 'grafana');
    assert.equal(roas!.labels?.value_B, '2.027');
    assert.equal(roas!.labels?.value_C, '1');
    assert.equal(roas!.labels?.dashboard_url, 'https://grafana.example/d/ml-models');
    assert.equal(roas!.labels?.grafana_org_id, '1');
    assert.equal(nulls!.signal, 'data_quality');
    assert.equal(nulls!.feature, 'query_embedding');
    assert.equal(nulls!.threshold, 0.05, 'from the threshold annotation');
    assert.equal(nulls!.labels?.dashboard_url, undefined, 'empty URLs are left out');
  });

  it('takes the value named by a value_ref label, and falls back to valueString', () => {
    const b = clone(body);
    (b.alerts[0]!.labels as Record<string, string>).value_ref = 'C';
    assert.equal(mapped('grafana', b).alerts[0]!.value, 1);
    const old = clone(body);
    delete old.alerts[0]!.values;
    assert.equal(mapped('grafana', old).alerts[0]!.value, 2.027, 'from valueString');
  });

  it('rejects a bad alert alone', () => {
    const b = clone(body);
    b.alerts[1]!.labels = 'model_id=search-ranker';
    const m = mapGrafana(b);
    assert.equal(m.alerts.length, 1);
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [[1, 'WRONG_TYPE', 'alerts[1].labels']],
    );
  });
});
