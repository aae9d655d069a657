import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapCloudEvents } from '../../../src/core/inputs/cloudevents.ts';
import { clone, example, mapped } from './support.ts';

const batch = example('cloudevents') as Record<string, unknown>[];

describe('native inputs: CloudEvents 1.0 (structured JSON, batch)', () => {
  it('fills what data leaves out from the event: id, time, subject, source', () => {
    const { alerts, mapping } = mapped('cloudevents', batch);
    assert.deepEqual(mapping.rejected, []);
    assert.deepEqual(mapping.paths, ['[0]', '[1]']);
    const [filled, own] = alerts;
    assert.match(filled!.alert_id, /^ce-[0-9a-f]{16}$/);
    assert.equal(filled!.event_time, Date.parse('2026-11-19T14:26:40Z'));
    assert.equal(filled!.model_id, 'ads-bidder', 'from subject');
    assert.equal(filled!.source, 'inhouse-dq', "data's own source wins");
    assert.deepEqual(filled!.labels, { ce_type: 'com.example.ml.anomaly.v1', pipeline: 'clickstream-etl' });
    assert.equal(own!.alert_id, 'dq-7c41e0b2');
    assert.equal(own!.event_time, Date.parse('2026-11-19T14:29:00Z'), "data's event_time wins over time");
    assert.equal(own!.source, 'https://drift-detector.example/inhouse-dq');
    assert.equal(mapped('cloudevents', clone(batch)).alerts[0]!.alert_id, filled!.alert_id, 'stable');
  });

  it('maps a single event as well as a batch', () => {
    assert.equal(mapped('cloudevents', batch[0]).alerts.length, 1);
  });

  it('rejects a bad event of a batch alone, naming the attribute', () => {
    const b = clone(batch);
    b.push({ ...b[0], specversion: '0.3', id: 'x' });
    b.push({ ...b[0], id: undefined });
    b.push({ ...b[0], id: 'y', data: undefined, data_base64: 'eyJ9' });
    b.push({ ...b[0], id: 'z', time: undefined });
    const m = mapCloudEvents(b);
    assert.equal(m.alerts.length, 2);
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [
        [2, 'BAD_ENUM', '[2].specversion'],
        [3, 'MISSING_FIELD', '[3].id'],
        [4, 'WRONG_TYPE', '[4].data_base64'],
        [5, 'MISSING_FIELD', '[5].time'],
      ],
    );
  });
});
