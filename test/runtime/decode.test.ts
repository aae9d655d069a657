// The alert decode step of the stream: one AnomalyAlert, or another tool's payload under the
// alert-triage-format header mapped into as many alerts, its refused items named for the DLQ.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeAlertRecord } from '../../src/runtime/decode.ts';

const example = (f: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'native', `${f}.json`), 'utf8'));

describe('decodeAlertRecord', () => {
  it('without the header: the record is one AnomalyAlert', () => {
    const r = decodeAlertRecord({ alert_id: 'a', event_time: 5, model_id: 'm', signal: 'latency' }, {}, 0);
    assert.equal(r.decoded.length, 1);
    assert.equal(r.refused, undefined);
    const bad = decodeAlertRecord(example('alertmanager'), undefined, 0);
    assert.equal(bad.decoded.length, 0);
    assert.equal(bad.refused?.code, 'MISSING_FIELD');
    assert.equal(bad.refused?.recordType, 'AnomalyAlert');
  });

  it('with alert-triage-format: alertmanager, a webhook body yields each of its alerts, in event-time order', () => {
    const r = decodeAlertRecord(
      example('alertmanager'),
      { 'alert-triage-format': Buffer.from('alertmanager') },
      0,
    );
    assert.equal(r.refused, undefined);
    assert.equal(r.decoded.length, example('alertmanager').alerts.length);
    const times = r.decoded.map((d) => d.eventTime);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    for (const d of r.decoded) assert.equal(d.input.kind, 'alert');
  });

  it('a bad item goes to the DLQ with the reason; the others are scored', () => {
    const body = example('alertmanager');
    body.alerts[0].startsAt = 'yesterday';
    const r = decodeAlertRecord(body, { 'alert-triage-format': 'alertmanager' }, 0);
    assert.equal(r.decoded.length, body.alerts.length - 1);
    assert.equal(r.refused?.code, 'BAD_TIMESTAMP');
    assert.equal(r.refused?.recordType, 'AlertmanagerWebhook');
    assert.match(r.refused!.message, /alerts\[0\]\.startsAt/);
  });

  it('an unknown format in the header is a dead letter naming the header', () => {
    const r = decodeAlertRecord({}, { 'alert-triage-format': 'nagios' }, 0);
    assert.equal(r.decoded.length, 0);
    assert.equal(r.refused?.code, 'UNKNOWN_INPUT_FORMAT');
    assert.match(r.refused!.message, /alert-triage-format: unknown input format "nagios"/);
  });

  it('native in the header is the contract itself', () => {
    const r = decodeAlertRecord(
      [{ alert_id: 'a', event_time: 5, model_id: 'm', signal: 'latency' }],
      { 'alert-triage-format': 'native' },
      0,
    );
    assert.equal(r.decoded.length, 1);
  });
});
