// The mapping behind POST /v1/ingest/<format> and the alert-triage-format header: mapper + contract
// validation in one step, a bad item rejected alone with its field named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INPUT_FORMATS } from '../../../src/core/inputs/index.ts';
import {
  INGEST_ROUTES,
  ingestFormatOf,
  mapIngest,
  rejectionMessage,
} from '../../../src/core/inputs/ingest.ts';
import { clone, example, mapped } from './support.ts';

describe('mapIngest', () => {
  it('maps every bundled example as the mapper and parseAlert do', () => {
    for (const format of INPUT_FORMATS) {
      if (format === 'alerttriage') continue;
      const m = mapIngest(format, example(format));
      assert.deepEqual(m.rejected, [], format);
      assert.ok(m.alerts.length > 0, format);
      // Same alerts as the file path (the CLI's --input-format) maps.
      const payload = example(format);
      const expected = (Array.isArray(payload) && format !== 'cloudevents' ? payload : [payload]).flatMap(
        (p) => mapped(format, p).alerts,
      );
      assert.deepEqual(m.alerts, expected, format);
    }
  });

  it('rejects a bad Alertmanager item alone, naming its field; the others are kept', () => {
    const body = clone(example('alertmanager')) as { alerts: Record<string, unknown>[] };
    const all = mapIngest('alertmanager', body).alerts.length;
    delete (body.alerts[1]!.labels as Record<string, string>).model;
    const labels = body.alerts[1]!.labels as Record<string, string>;
    delete labels.model_id;
    delete labels.job;
    delete labels.service;
    const m = mapIngest('alertmanager', body);
    assert.equal(m.alerts.length, all - 1);
    assert.equal(m.rejected.length, 1);
    assert.equal(m.rejected[0]!.index, 1);
    assert.equal(m.rejected[0]!.code, 'MISSING_FIELD');
    assert.equal(m.rejected[0]!.field, 'alerts[1].labels');
    assert.match(rejectionMessage('alertmanager', m), /1 item\(s\) of a alertmanager payload refused/);
  });

  it('names the field of an item the contract refuses after mapping', () => {
    const body = clone(example('alertmanager')) as { alerts: Record<string, unknown>[] };
    (body.alerts[0]!.labels as Record<string, string>).confidence = '7';
    const m = mapIngest('alertmanager', body);
    assert.equal(m.rejected.length, 1);
    assert.equal(m.rejected[0]!.code, 'OUT_OF_RANGE');
    assert.equal(m.rejected[0]!.field, 'alerts[0].confidence');
    assert.equal(m.rejected[0]!.index, 0);
  });

  it('native: one AnomalyAlert, or an array of them each rejected alone', () => {
    const good = { alert_id: 'a1', event_time: 1_000, model_id: 'm', signal: 'latency' };
    assert.equal(mapIngest('alerttriage', good).alerts[0]!.alert_id, 'a1');
    const m = mapIngest('alerttriage', [good, { ...good, alert_id: 'a2', signal: 'warning' }, 'x']);
    assert.deepEqual(
      m.alerts.map((a) => a.alert_id),
      ['a1'],
    );
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [
        [1, 'BAD_ENUM', '[1].signal'],
        [2, 'NOT_AN_OBJECT', '[2]'],
      ],
    );
    assert.equal(mapIngest('alerttriage', []).rejected[0]!.message, 'the batch is empty');
  });

  it('a payload that is not the format at all is one rejection of the whole (index -1)', () => {
    const m = mapIngest('alertmanager', { hello: 'world' });
    assert.deepEqual(
      m.rejected.map((r) => [r.index, r.code, r.field]),
      [[-1, 'MISSING_FIELD', 'alerts']],
    );
  });

  it('routes: native and every tool format', () => {
    assert.equal(ingestFormatOf('native'), 'alerttriage');
    assert.equal(ingestFormatOf('alertmanager'), 'alertmanager');
    assert.equal(ingestFormatOf('nagios'), undefined);
    assert.deepEqual(INGEST_ROUTES, [
      'native',
      'alertmanager',
      'grafana',
      'evidently',
      'whylabs',
      'arize',
      'cloudevents',
    ]);
  });
});
