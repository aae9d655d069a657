import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapAlertmanager } from '../../../src/core/inputs/alertmanager.ts';
import { clone, example, mapped } from './support.ts';

const body = example('alertmanager') as { alerts: Record<string, unknown>[] };

describe('native inputs: Prometheus Alertmanager webhook (v4)', () => {
  it('maps every alert of the group: model, signal, severity, time, value and threshold', () => {
    const { alerts, mapping } = mapped('alertmanager', body);
    assert.deepEqual(mapping.rejected, []);
    assert.deepEqual(mapping.paths, ['alerts[0]', 'alerts[1]', 'alerts[2]']);
    const [errors, latency] = alerts;
    assert.deepEqual(
      { ...errors, labels: undefined },
      {
        alert_id: 'am:4b1e8e1c6a2f9d03:1795097993686',
        event_time: Date.parse('2026-11-19T14:19:53.686Z'),
        model_id: 'ads-bidder',
        signal: 'error_rate',
        source: 'alertmanager',
        model_version: 'v32',
        value: 0.061,
        threshold: 0.02,
        severity: 'critical',
        region: 'us-east-1',
        labels: undefined,
      },
    );
    assert.equal(errors!.labels?.alertname, 'AdsBidderErrorRateHigh');
    assert.equal(errors!.labels?.status, 'firing');
    assert.equal(errors!.labels?.team, 'ads-ml', 'labels not read into a field are passed on');
    assert.equal(errors!.labels?.model, undefined, 'the model label became model_id');
    assert.equal(errors!.labels?.summary, 'ads-bidder 5xx ratio above 2% for 10 minutes');
    assert.match(errors!.labels?.source_url ?? '', /^http:\/\/prometheus\.example:9090\/graph/);
    assert.equal(latency!.signal, 'latency');
    assert.equal(latency!.severity, 'medium', 'warning → medium');
  });

  it('maps a resolved alert too: at its end time, its own id, status resolved', () => {
    const resolved = mapped('alertmanager', body).alerts[2]!;
    assert.equal(resolved.alert_id, 'am:e27a0c44b9d1f385:1795089761117:resolved');
    assert.equal(resolved.event_time, Date.parse('2026-11-19T14:05:41.117Z'));
    assert.equal(resolved.labels?.status, 'resolved');
    assert.equal(resolved.labels?.started_at, '2026-11-19T12:02:41.117Z');
    assert.equal(resolved.signal, 'performance_degradation');
    assert.equal(resolved.metric, 'auc');
  });

  it('gives the same alert ids when the same notification is sent again', () => {
    const again = mapped('alertmanager', clone(body)).alerts.map((a) => a.alert_id);
    assert.deepEqual(
      again,
      mapped('alertmanager', body).alerts.map((a) => a.alert_id),
    );
  });

  it('without a fingerprint, derives a stable id from the label set', () => {
    const b = clone(body);
    delete b.alerts[0]!.fingerprint;
    const id = mapped('alertmanager', b).alerts[0]!.alert_id;
    assert.match(id, /^am:[0-9a-f]{16}:1795097993686$/);
    const b2 = clone(b);
    const labels = b2.alerts[0]!.labels as Record<string, string>;
    b2.alerts[0]!.labels = Object.fromEntries(Object.entries(labels).reverse());
    assert.equal(mapped('alertmanager', b2).alerts[0]!.alert_id, id, 'label order does not matter');
  });

  it('rejects a bad alert of the batch alone, naming the field, and keeps the others', () => {
    const b = clone(body);
    delete (b.alerts[0]!.labels as Record<string, string>).model;
    b.alerts[1]!.startsAt = 'yesterday';
    b.alerts.push('not an alert' as unknown as Record<string, unknown>);
    const { alerts, mapping } = mapped('alertmanager', b);
    assert.deepEqual(
      alerts.map((a) => a.model_id),
      ['fraud-scorer'],
    );
    assert.deepEqual(
      mapping.rejected.map((r) => [r.index, r.code, r.field]),
      [
        [0, 'MISSING_FIELD', 'alerts[0].labels'],
        [1, 'BAD_TIMESTAMP', 'alerts[1].startsAt'],
        [3, 'NOT_AN_OBJECT', 'alerts[3]'],
      ],
    );
    assert.match(
      mapping.rejected[0]!.message,
      /no model label: looked for model_id, model, model_name, ml_model/,
    );
  });

  it('passes an explicit but unknown signal label on, so parseAlert rejects it by name', () => {
    const b = clone(body);
    (b.alerts[0]!.labels as Record<string, string>).signal = 'telepathy';
    const m = mapAlertmanager(b);
    assert.equal(m.alerts[0]!.signal, 'telepathy');
  });

  it('keeps an unknown severity word in the labels and leaves the default to apply', () => {
    const b = clone(body);
    (b.alerts[0]!.labels as Record<string, string>).severity = 'spicy';
    const a = mapped('alertmanager', b).alerts[0]!;
    assert.equal(a.severity, 'medium');
    assert.equal(a.labels?.severity, 'spicy');
  });

  it('bounds the labels so a chatty alert is never rejected as too large', () => {
    const b = clone(body);
    const labels = b.alerts[0]!.labels as Record<string, string>;
    for (let i = 0; i < 150; i++) labels[`l${i}`] = 'x';
    (b.alerts[0]!.annotations as Record<string, string>).description = 'y'.repeat(10_000);
    const a = mapped('alertmanager', b).alerts[0]!;
    assert.ok(Object.keys(a.labels!).length <= 100);
    assert.ok(Number(a.labels!.labels_dropped) > 0);
  });

  it('rejects a payload that is not a webhook body as one', () => {
    assert.deepEqual(
      mapAlertmanager([1, 2]).rejected.map((r) => [r.index, r.code]),
      [[-1, 'NOT_AN_OBJECT']],
    );
    assert.deepEqual(
      mapAlertmanager({ version: '4' }).rejected.map((r) => [r.code, r.field]),
      [['MISSING_FIELD', 'alerts']],
    );
  });
});
