// Calibration on small, made-up data whose answer is known.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  calibrate,
  fitLikelihood,
  type LabelledAlert,
  rankingQuality,
  splitByDay,
} from '../../src/core/calibrate.ts';
import type { AlertFeedback } from '../../src/core/events.ts';
import { createState, createStep, type ScoredAlert } from '../../src/core/processor.ts';
import { aConfig, alertInput, anAlert, HOUR, T0 } from '../fixtures/builders.ts';

const START = {
  intercept: 0,
  signal: 0,
  confidence: 0,
  persistence: 0,
  deploy: 0,
  source_precision: 0,
  root_cause: {},
};

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('fitLikelihood', () => {
  it('recovers the coefficients of a known logistic model', () => {
    const rand = lcg(7);
    const truth = [-1, 0.5, 2, 0, 1.5, 0];
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = [1, rand() * 4 - 2, rand() * 4 - 2, 0, rand(), 0, 0, 0, 0, 0, 0, 0];
      const p = 1 / (1 + Math.exp(-x.slice(0, 6).reduce((s, v, j) => s + v * truth[j]!, 0)));
      xs.push(x);
      ys.push(rand() < p ? 1 : 0);
    }
    const fit = fitLikelihood(xs, ys, START, { l2: 0 });
    assert.ok(Math.abs(fit.intercept - -1) < 0.3, `intercept ${fit.intercept}`);
    assert.ok(Math.abs(fit.signal - 0.5) < 0.2, `signal ${fit.signal}`);
    assert.ok(Math.abs(fit.confidence - 2) < 0.3, `confidence ${fit.confidence}`);
    assert.ok(Math.abs(fit.deploy - 1.5) < 0.4, `deploy ${fit.deploy}`);
  });

  it('leaves the coefficients alone with no data', () => {
    assert.deepEqual(fitLikelihood([], [], START), START);
  });
});

/** Four days of 12 alerts, 3 real each; `flipFrom`: from that day on the real ones are the unconfident ones. */
function scoredWeek(flipFrom = 4): LabelledAlert[] {
  const config = aConfig();
  const step = createStep(config);
  const state = createState(config);
  const out: LabelledAlert[] = [];
  for (let day = 0; day < 4; day++) {
    for (let i = 0; i < 12; i++) {
      const real = i % 4 === 0;
      const confident = day < flipFrom ? real : !real;
      const alert = anAlert({
        alert_id: `d${day}-${i}`,
        event_time: T0 + day * 24 * HOUR + i * HOUR,
        feature: `f${i}`,
        confidence: confident ? 0.95 : 0.3,
        severity: real ? 'low' : 'critical',
      });
      const r = step(state, alertInput(alert));
      const scored = r.outputs.find((o) => o.kind === 'scored')!.alert as ScoredAlert;
      const feedback: AlertFeedback = {
        alert_id: alert.alert_id,
        event_time: alert.event_time + HOUR,
        outcome: real ? 'actionable' : 'noise',
        ...(real ? { true_tier: 'P1' as const } : {}),
      };
      out.push({ alert: scored, feedback });
    }
  }
  return out;
}

describe('rankingQuality and splitByDay', () => {
  const week = scoredWeek();

  it('splits by day, earliest days first, never shuffled', () => {
    const { train, test } = splitByDay(week, 0.5);
    const day = (a: LabelledAlert) => new Date(a.alert.event_time).toISOString().slice(0, 10);
    assert.deepEqual([...new Set(train.map(day))], ['2026-11-16', '2026-11-17']);
    assert.deepEqual([...new Set(test.map(day))], ['2026-11-18', '2026-11-19']);
  });

  it('a ranking that puts the real incidents first scores NDCG 1; severity, which puts them last, scores less', () => {
    const perfect = rankingQuality(week, (a) => ({
      priority: a.feedback?.outcome === 'actionable' ? 100 : 0,
      tier: 'P3',
      paged: true,
    }));
    assert.equal(perfect.ndcg, 1);
    assert.equal(perfect.days, 4);
    const bySeverity = rankingQuality(week, (a) => ({
      priority: a.alert.alert.severity === 'critical' ? 4 : 1,
      tier: a.alert.alert.severity === 'critical' ? 'P1' : 'P4',
      paged: true,
    }));
    assert.ok(bySeverity.ndcg < 0.6, `${bySeverity.ndcg}`);
    assert.equal(bySeverity.p1Precision, 0, 'every critical was noise');
    assert.equal(bySeverity.pagedNoise, 1);
  });
});

describe('calibrate', () => {
  it('sets the P1 threshold to the budget on the training days and is deterministic for a seed', () => {
    const week = scoredWeek();
    const r = calibrate(week, aConfig(), { trainShare: 0.75, budget: { p1PerWeek: 21, pagesPerDay: 4 } });
    // 3 training days: 21 a week = 9 P1s, the 3 real alerts of each day.
    assert.equal(r.train.after.p1Paged, 9);
    assert.equal(r.train.after.p1Precision, 1);
    assert.equal(r.budget.expected.p1PerWeek.value, 21);
    assert.deepEqual(r.budget.given, { p1PerWeek: true, pagesPerDay: true });
    assert.ok(r.heldOut.after.ndcg.low <= r.heldOut.after.ndcg.value);
    assert.ok(r.heldOut.after.ndcg.value <= r.heldOut.after.ndcg.high);
    const again = calibrate(week, aConfig(), { trainShare: 0.75, budget: { p1PerWeek: 21, pagesPerDay: 4 } });
    assert.deepEqual(again.heldOut, r.heldOut);
  });

  it('judges worse on the paired change in NDCG@10, not on the two points', () => {
    const budget = { p1PerWeek: 21, pagesPerDay: 4 };
    const check = (r: ReturnType<typeof calibrate>) => {
      const c = r.heldOut.ndcgChange;
      const point = Math.round((r.test.after.ndcg - r.test.before.ndcg) * 1000) / 1000;
      assert.ok(Math.abs(c.value - point) < 1e-9, `${c.value} vs ${point}`);
      assert.ok(c.low <= c.value && c.value <= c.high, JSON.stringify(c));
      assert.equal(r.worse, c.high < 0);
      return c;
    };
    // A tie is not worse (the sample week's refusal, wholly below 0, is calibrate-command.test.ts's).
    for (const flip of [4, 2]) {
      const r = calibrate(scoredWeek(flip), aConfig(), { trainShare: 0.5, budget });
      check(r);
      if (r.heldOut.ndcgChange.value === 0) assert.equal(r.worse, false);
    }
  });

  it("defaults the budget to the starting config's rate on the training days", () => {
    const r = calibrate(scoredWeek(), aConfig(), { trainShare: 0.75 });
    assert.deepEqual(r.budget.given, { p1PerWeek: false, pagesPerDay: false });
    assert.equal(r.budget.budget.p1PerWeek, Math.round((r.train.before.p1Paged * 7 * 1000) / 3) / 1000);
    assert.equal(r.budget.budget.pagesPerDay, Math.round((r.train.before.paged * 1000) / 3) / 1000);
  });

  it('holds the per-source false-positive term at 0 unless asked, so the fit does not depend on how much feedback flowed', () => {
    const week = scoredWeek();
    // The same alerts as a scorer fed feedback would see them: every source found 90% false positives.
    const fed = week.map((a) => ({
      ...a,
      alert: { ...a.alert, evidence: { ...a.alert.evidence, source_false_positive_rate: 0.9 } },
    }));
    const options = { trainShare: 0.75, budget: { p1PerWeek: 21, pagesPerDay: 4 } };
    const cold = calibrate(week, aConfig(), options);
    const warm = calibrate(fed, aConfig(), options);
    assert.equal(cold.likelihood.source_precision, 0);
    assert.deepEqual(warm.likelihood, cold.likelihood);
    assert.deepEqual(warm.weights, cold.weights);
    assert.deepEqual(warm.cuts, cold.cuts);
    assert.deepEqual(warm.budget.expected, cold.budget.expected);
    const fitted = calibrate(fed, aConfig(), { ...options, fitSourcePrecision: true });
    assert.notEqual(fitted.likelihood.source_precision, 0);
    assert.notDeepEqual(fitted.likelihood, cold.likelihood);
  });
});
