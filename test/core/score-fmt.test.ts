// fmt's shortcut (numbers already of 4 significant digits or fewer) gives what rounding to 4 gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fmt } from '../../src/core/score.ts';
import { Rng } from '../fixtures/rng.ts';

const reference = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

describe('score fmt', () => {
  it('agrees with rounding to 4 significant digits on random and edge values', () => {
    const rng = new Rng(5);
    const values = [
      0.1,
      -0.1,
      0.0001,
      1e-7,
      1.5e-7,
      -2.5,
      12.34,
      123.4,
      1234.5,
      0.12345,
      99999.5,
      1e21 + 0.5,
    ];
    for (let i = 0; i < 200_000; i++) {
      const scale = 10 ** rng.int(-8, 8);
      const digits = rng.int(0, 6);
      const raw = rng.float(-1, 1) * scale;
      values.push(digits === 6 ? raw : Number(raw.toPrecision(digits + 1)));
    }
    for (const x of values) assert.equal(fmt(x), reference(x), `fmt(${x})`);
  });
});
