// The paging budget and the bootstrap intervals of a calibration, on data whose answer is known.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  percentileInterval,
  resample,
  seededRandom,
  type TierAt,
  thresholdsForBudget,
} from '../../src/core/calibration-budget.ts';

/** One alert per priority 0, 1, …, 99: P1 from the P1 threshold up, P2 from the P2 threshold. */
const alerts: TierAt[] = Array.from(
  { length: 100 },
  (_, p) => (p1: number, p2: number) => (p * 10 >= p1 ? 'P1' : p * 10 >= p2 ? 'P2' : 'P4'),
);

describe('thresholdsForBudget', () => {
  it('sets the P1 threshold to page the budget of P1s and the P2 threshold to the budget of pages', () => {
    // 7 days: 10 P1 a week = 10 alerts from 90 up; 3 pages a day = 21 alerts from 79 up.
    assert.deepEqual(thresholdsForBudget(alerts, 7, { p1PerWeek: 10, pagesPerDay: 3 }), {
      P1: 89.5,
      P2: 78.5,
    });
  });

  it('scales the budget to the training days', () => {
    // 14 days: 10 P1 a week = 20 alerts; 1 page a day = 14 pages, fewer than the P1s: no P2 band.
    const t = thresholdsForBudget(alerts, 14, { p1PerWeek: 10, pagesPerDay: 1 });
    assert.equal(t.P1, 79.5);
    assert.equal(t.P2, 79.4);
  });

  it('takes the nearest count when the budget falls between two', () => {
    // 7 days, 2.4 P1 a week: 2 alerts (98 up) is nearer than 3; 2.6, 3 is.
    assert.equal(thresholdsForBudget(alerts, 7, { p1PerWeek: 2.4, pagesPerDay: 50 }).P1, 97.5);
    assert.equal(thresholdsForBudget(alerts, 7, { p1PerWeek: 2.6, pagesPerDay: 50 }).P1, 96.5);
  });
});

describe('bootstrap helpers', () => {
  it('the same seed draws the same sample; another seed another', () => {
    const a = resample(50, seededRandom(3));
    assert.deepEqual(a, resample(50, seededRandom(3)));
    assert.notDeepEqual(a, resample(50, seededRandom(4)));
    assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < 50));
  });

  it('a percentile interval spans the middle 95% of the replicates', () => {
    const reps = Array.from({ length: 201 }, (_, i) => i);
    assert.deepEqual(percentileInterval(100, reps), { value: 100, low: 5, high: 195 });
    assert.deepEqual(percentileInterval(1, []), { value: 1, low: 1, high: 1 });
  });
});
