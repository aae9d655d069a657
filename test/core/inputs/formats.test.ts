import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guessFormat, INPUT_FORMATS, mapPayload, NATIVE_MAPPERS } from '../../../src/core/inputs/index.ts';
import { example } from './support.ts';

describe('native inputs: the format list', () => {
  it('has a mapper for every native format', () => {
    assert.deepEqual(
      INPUT_FORMATS.filter((f) => f !== 'alerttriage'),
      Object.keys(NATIVE_MAPPERS),
    );
  });

  it('passes our own records through unmapped', () => {
    const m = mapPayload('alerttriage', { alert_id: 'a' });
    assert.deepEqual(m, { alerts: [{ alert_id: 'a' }], paths: [''], rejected: [] });
  });

  it('recognises each example, for the hint when one is read as an AnomalyAlert', () => {
    for (const f of INPUT_FORMATS) {
      if (f === 'alerttriage') continue;
      assert.equal(guessFormat(example(f)), f, f);
    }
    assert.equal(guessFormat({ alert_id: 'x' }), undefined);
    assert.equal(guessFormat('text'), undefined);
  });
});
