// The exact conditional test of a rate ratio, against values computed by hand (and R's poisson.test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binomialUpperTail, lnGamma, rateRatioTest } from '../../../src/core/versions/rate-test.ts';

const close = (a: number, b: number, rel = 1e-9) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('rate-test', () => {
  it('lnGamma is the log of the factorial on integers', () => {
    close(lnGamma(1), 0);
    close(lnGamma(6), Math.log(120));
    close(lnGamma(21), Math.log(2432902008176640000));
  });

  it('binomialUpperTail sums the tail exactly on small cases', () => {
    // P(X >= 3), X ~ Bin(4, 0.5) = (4 + 1) / 16
    close(binomialUpperTail(3, 4, 0.5), 5 / 16);
    close(binomialUpperTail(0, 10, 0.3), 1);
    assert.equal(binomialUpperTail(11, 10, 0.3), 0);
    // P(X >= 10), X ~ Bin(10, 0.3) = 0.3^10
    close(binomialUpperTail(10, 10, 0.3), 0.3 ** 10);
    // a large n stays finite and in [0, 1]
    const big = binomialUpperTail(5_200, 10_000, 0.5);
    assert.ok(big > 0 && big < 1e-4, String(big));
  });

  it('rateRatioTest: equal exposures, 12 against 3 (R: poisson.test(c(12, 3), c(10, 10)) one-sided p = 0.01758)', () => {
    const r = rateRatioTest(12, 10, 3, 10);
    close(r.ratio, 4);
    assert.ok(Math.abs(r.p - 0.01758) < 5e-5, String(r.p));
  });

  it('rateRatioTest: the exposures weigh in — the same counts over a longer candidate exposure are no evidence', () => {
    const r = rateRatioTest(12, 40, 3, 10);
    close(r.ratio, 1);
    assert.ok(r.p > 0.4);
    assert.equal(rateRatioTest(0, 5, 0, 5).ratio, 1);
    assert.equal(rateRatioTest(4, 5, 0, 5).ratio, Number.POSITIVE_INFINITY);
    assert.throws(() => rateRatioTest(1, 0, 1, 1), RangeError);
  });
});
