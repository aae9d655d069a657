// Labels are copied key by key: same keys and order as the input, own data properties only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAlert } from '../../src/core/parse-record.ts';

const base = { alert_id: 'a', event_time: 1_700_000_000_000, model_id: 'm', signal: 'latency' };

describe('parseAlert labels copy', () => {
  it('keeps the keys in their order, integer-like keys first as JSON.parse orders them', () => {
    const r = parseAlert(JSON.parse(JSON.stringify({ ...base, labels: { b: '1', 2: 'x', a: '2' } })));
    assert.ok(r.ok);
    assert.equal(JSON.stringify(r.value.labels), '{"2":"x","b":"1","a":"2"}');
  });
  it('keeps a "__proto__" label as an own property, never a prototype', () => {
    const r = parseAlert(
      JSON.parse(
        `{"alert_id":"a","event_time":1,"model_id":"m","signal":"latency","labels":{"__proto__":"p","x":"y"}}`,
      ),
    );
    assert.ok(r.ok);
    const labels = r.value.labels!;
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.keys(labels), ['__proto__', 'x']);
    assert.equal(JSON.stringify(labels), '{"__proto__":"p","x":"y"}');
  });
  it('still refuses more than 100 labels before looking at their values', () => {
    const many: Record<string, unknown> = {};
    for (let i = 0; i < 101; i++) many[`k${i}`] = i;
    const r = parseAlert({ ...base, labels: many });
    assert.ok(!r.ok);
    assert.equal(r.error.issues[0]!.code, 'TOO_LARGE');
  });
});
