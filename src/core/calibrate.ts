// Calibration: fit the likelihood model and the dimension weights to what feedback proved, and
// measure the ranking before and after on held-out days. Pure: the CLI hands in scored alerts and
// their feedback; everything here is arithmetic on them, deterministic for the same input.

import {
  type Interval,
  type PagingBudget,
  percentileInterval,
  resample,
  seededRandom,
  thresholdsForBudget,
} from './calibration-budget.ts';
import type { AlertFeedback, Severity } from './events.ts';
import { ROOT_CAUSES, type RootCauseLabel } from './events.ts';
import type { ScoredAlert } from './processor.ts';
import { feedbackGain, mean, ndcgAtK, precisionAtK, rankIds } from './ranking-quality.ts';
import { DIMENSIONS, type Dimension, logit } from './score.ts';
import type { TriageSettings } from './settings.ts';
import { assignTier } from './tier.ts';

/** One scored alert with what feedback said about it: the unit calibration works on. */
export interface LabelledAlert {
  alert: ScoredAlert;
  feedback: AlertFeedback | undefined;
}

export interface LikelihoodCoefficients {
  intercept: number;
  signal: number;
  confidence: number;
  persistence: number;
  deploy: number;
  source_precision: number;
  root_cause: Partial<Record<RootCauseLabel, number>>;
}

export type Weights = Record<Dimension, number>;

/** Tier thresholds and likelihood gates: they move with the likelihood's scale, so they are fitted too. */
export interface TierCuts {
  tiers: { P1: number; P2: number; P3: number };
  gates: { P1: { min_likelihood: number }; P2: { min_likelihood: number } };
}

export interface RankingQuality {
  /** Mean over days of NDCG@k (days with nothing actionable are left out). */
  ndcg: number;
  precisionAtK: number;
  /** Share of routed P1 alerts that feedback called actionable. */
  p1Precision: number;
  p1Paged: number;
  /** Share of paged alerts (routed P1 + P2) that were noise, false positives or duplicates. */
  pagedNoise: number;
  paged: number;
  days: number;
}

export interface CalibrationResult {
  likelihood: LikelihoodCoefficients;
  weights: Weights;
  cuts: TierCuts;
  train: { days: string[]; alerts: number; labelled: number; before: RankingQuality; after: RankingQuality };
  test: {
    days: string[];
    alerts: number;
    before: RankingQuality;
    after: RankingQuality;
    severity: RankingQuality;
  };
  /** Log loss of the likelihood model on the training alerts, before and after the fit. */
  logLoss: { before: number; after: number };
}

const K = 10;
/** A weight moves only for at least this much training NDCG@10: smaller gains are noise of the week. */
const MIN_WEIGHT_GAIN = 0.01;
const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The likelihood model's inputs, recovered from the evidence every ScoredAlert carries. */
export function likelihoodFeatures(a: ScoredAlert, priorFalsePositiveRate: number): number[] {
  const e = a.evidence;
  const cause = ROOT_CAUSES.map((label) => (a.root_cause.label === label ? a.root_cause.confidence : 0));
  return [
    1,
    logit(e.signal_likelihood),
    logit(e.confidence),
    e.persistence,
    e.deploy_strength,
    logit(1 - e.source_false_positive_rate) - logit(1 - priorFalsePositiveRate),
    ...cause,
  ];
}

function toVector(c: LikelihoodCoefficients): number[] {
  return [
    c.intercept,
    c.signal,
    c.confidence,
    c.persistence,
    c.deploy,
    c.source_precision,
    ...ROOT_CAUSES.map((l) => c.root_cause[l] ?? 0),
  ];
}

function fromVector(v: number[]): LikelihoodCoefficients {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const root_cause: Partial<Record<RootCauseLabel, number>> = {};
  ROOT_CAUSES.forEach((label, i) => {
    const x = r(v[6 + i]!);
    if (x !== 0) root_cause[label] = x;
  });
  return {
    intercept: r(v[0]!),
    signal: r(v[1]!),
    confidence: r(v[2]!),
    persistence: r(v[3]!),
    deploy: r(v[4]!),
    source_precision: r(v[5]!),
    root_cause,
  };
}

/** Index of the per-source false-positive term in likelihoodFeatures. */
const SOURCE_TERM = 5;
const withoutSourceTerm = (f: number[]) => f.map((v, j) => (j === SOURCE_TERM ? 0 : v));

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function logLoss(xs: number[][], ys: number[], w: number[]): number {
  let loss = 0;
  for (let i = 0; i < xs.length; i++) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, sigmoid(dot(xs[i]!, w))));
    loss -= ys[i]! * Math.log(p) + (1 - ys[i]!) * Math.log(1 - p);
  }
  return xs.length ? loss / xs.length : 0;
}

/**
 * Logistic regression by full-batch gradient descent from the current coefficients, with an L2 pull
 * back towards them (so a small sample moves them a little, not wildly). Deterministic.
 */
export function fitLikelihood(
  xs: number[][],
  ys: number[],
  start: LikelihoodCoefficients,
  options: { iterations?: number; rate?: number; l2?: number } = {},
): LikelihoodCoefficients {
  const w0 = toVector(start);
  const w = [...w0];
  const n = xs.length;
  if (n === 0) return start;
  const { iterations = 3000, rate = 0.5, l2 = 0.01 } = options;
  for (let it = 0; it < iterations; it++) {
    const grad = w.map((wi, j) => l2 * (wi - w0[j]!));
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const err = sigmoid(dot(x, w)) - ys[i]!;
      for (let j = 0; j < w.length; j++) grad[j]! += (err * x[j]!) / n;
    }
    for (let j = 0; j < w.length; j++) w[j]! -= rate * grad[j]!;
  }
  return fromVector(w);
}

/** The 0..100 priority of an alert's dimensions under other weights, with its likelihood replaced. */
function weightedPriority(a: ScoredAlert, likelihood: number, weights: Weights): number {
  const total = DIMENSIONS.reduce((s, d) => s + weights[d], 0);
  const value = (d: Dimension) => (d === 'likelihood' ? likelihood : a.components[d].value);
  return DIMENSIONS.reduce((s, d) => s + (100 * weights[d] * value(d)) / total, 0);
}

/** What an alert's priority, tier and likelihood become under other coefficients and weights. */
export function rescore(
  a: ScoredAlert,
  features: number[],
  likelihood: LikelihoodCoefficients,
  weights: Weights,
  config: TriageSettings,
  cuts: TierCuts = { tiers: config.scoring.tiers, gates: config.scoring.gates },
): { priority: number; tier: ScoredAlert['tier']; likelihood: number } {
  const l = sigmoid(dot(features, toVector(likelihood)));
  const raw = weightedPriority(a, l, weights);
  const t = assignTier(
    {
      priority: raw,
      likelihood: l,
      severity: a.components.severity.value,
      compliance: a.compliance,
      safety: a.safety,
    },
    { thresholds: cuts.tiers, floors: config.scoring.floors, gates: cuts.gates },
  );
  return { priority: t.priority, tier: t.tier, likelihood: l };
}

/**
 * Tier thresholds and gates such that most of the training's real incidents of each tier clear them:
 * the 20th percentile of the tuned priority (10th of the likelihood) over actionable alerts whose
 * postmortem tier is that tier or higher. Too few examples for a tier: its current value stays.
 */
export function fitCuts(
  alerts: LabelledAlert[],
  features: Map<string, number[]>,
  likelihood: LikelihoodCoefficients,
  weights: Weights,
  config: TriageSettings,
): TierCuts {
  const real = alerts.filter((a) => a.feedback?.outcome === 'actionable' && !a.alert.dedup.suppressed);
  const rank = { P1: 1, P2: 2, P3: 3, P4: 4 } as const;
  const scoredReal = real.map((a) => {
    const l = sigmoid(dot(features.get(a.alert.alert_id)!, toVector(likelihood)));
    const priority = weightedPriority(a.alert, l, weights);
    return { tier: rank[a.feedback!.true_tier ?? 'P3'], priority, likelihood: l };
  });
  const at = (tier: number, key: 'priority' | 'likelihood', q: number, fallback: number) => {
    const xs = scoredReal
      .filter((s) => s.tier <= tier)
      .map((s) => s[key])
      .sort((a, b) => a - b);
    return xs.length >= 5 ? xs[Math.floor(q * (xs.length - 1))]! : fallback;
  };
  const t = config.scoring.tiers;
  const g = config.scoring.gates;
  let P1 = at(1, 'priority', 0.2, t.P1);
  let P2 = at(2, 'priority', 0.2, t.P2);
  let P3 = at(3, 'priority', 0.2, t.P3);
  P1 = Math.min(100, Math.max(P1, 3));
  P2 = Math.min(P2, P1 - 1);
  P3 = Math.max(0, Math.min(P3, P2 - 1));
  const r1 = (x: number) => Math.round(x * 10) / 10;
  // Down, not to nearest: a gate rounded up would hold back the very alerts it was fitted to let through.
  const down3 = (x: number) => Math.floor(x * 1000) / 1000;
  return {
    tiers: { P1: r1(P1), P2: r1(P2), P3: r1(P3) },
    gates: {
      P1: { min_likelihood: down3(at(1, 'likelihood', 0.1, g.P1.min_likelihood)) },
      P2: { min_likelihood: down3(at(2, 'likelihood', 0.1, g.P2.min_likelihood)) },
    },
  };
}

/**
 * Ranking quality of a scoring (priority per alert id) over some days: per-day NDCG@k and P@k with
 * suppressed repeats ranked last (nobody sees them), P1 precision and the noise share of pages.
 */
export function rankingQuality(
  alerts: LabelledAlert[],
  score: (a: LabelledAlert) => { priority: number; tier: ScoredAlert['tier']; paged: boolean },
): RankingQuality {
  const byDay = new Map<string, LabelledAlert[]>();
  for (const a of alerts) {
    const day = new Date(a.alert.event_time).toISOString().slice(0, 10);
    const list = byDay.get(day) ?? [];
    list.push(a);
    byDay.set(day, list);
  }
  const ndcgs: number[] = [];
  const precisions: number[] = [];
  for (const list of byDay.values()) {
    const scored = new Map(list.map((a) => [a.alert.alert_id, { a, s: score(a) }]));
    const ranked = rankIds(
      [...scored.values()].map(({ a, s }) => ({
        id: a.alert.alert_id,
        // A suppressed repeat is shown to nobody: it ranks last.
        score: s.paged ? s.priority : -1,
        tiebreak: a.alert.event_time,
      })),
    ).map((id) => feedbackGain(scored.get(id)!.a.feedback));
    const n = ndcgAtK(ranked, K);
    if (n !== null) ndcgs.push(n);
    precisions.push(precisionAtK(ranked, K));
  }
  let p1 = 0;
  let p1Real = 0;
  let paged = 0;
  let pagedNoise = 0;
  for (const a of alerts) {
    const s = score(a);
    if (!s.paged) continue;
    const real = a.feedback?.outcome === 'actionable';
    if (s.tier === 'P1') {
      p1++;
      if (real) p1Real++;
    }
    if (s.tier === 'P1' || s.tier === 'P2') {
      paged++;
      if (!real) pagedNoise++;
    }
  }
  return {
    ndcg: round(mean(ndcgs)),
    precisionAtK: round(mean(precisions)),
    p1Precision: round(p1 ? p1Real / p1 : 0),
    p1Paged: p1,
    pagedNoise: round(paged ? pagedNoise / paged : 0),
    paged,
    days: byDay.size,
  };
}

/** The detectors' own ranking: severity, then earliest; "paged" = critical or high. */
export function severityBaseline(a: LabelledAlert) {
  const rank = SEVERITY_RANK[a.alert.alert.severity];
  return { priority: rank, tier: (rank >= 3 ? 'P2' : 'P4') as ScoredAlert['tier'], paged: true };
}

/**
 * Coordinate search over the weights (a grid of 0.05 steps), maximizing mean per-day NDCG@k on the
 * training alerts. Starts from the current weights; a change is taken only for a gain of at least
 * MIN_WEIGHT_GAIN (smaller ones fit the week's noise: weights fitted to five days of one week swung
 * from 0.06 to 0.39 for the likelihood); stops when no single change helps that much.
 */
export function fitWeights(
  alerts: LabelledAlert[],
  features: Map<string, number[]>,
  likelihood: LikelihoodCoefficients,
  start: Weights,
  config: TriageSettings,
): Weights {
  const objective = (w: Weights) =>
    rankingQuality(alerts, (a) => {
      const r = rescore(a.alert, features.get(a.alert.alert_id)!, likelihood, w, config);
      return { priority: r.priority, tier: r.tier, paged: !a.alert.dedup.suppressed };
    }).ndcg;
  let best = { ...start };
  let bestScore = objective(best);
  const grid = Array.from({ length: 13 }, (_, i) => i * 0.05);
  for (let round = 0; round < 4; round++) {
    let improved = false;
    for (const d of DIMENSIONS) {
      for (const v of grid) {
        const candidate = { ...best, [d]: v };
        if (DIMENSIONS.every((x) => candidate[x] === 0)) continue;
        const score = objective(candidate);
        if (score > bestScore + MIN_WEIGHT_GAIN) {
          best = candidate;
          bestScore = score;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  const total = DIMENSIONS.reduce((s, d) => s + best[d], 0);
  return Object.fromEntries(DIMENSIONS.map((d) => [d, Math.round((best[d] / total) * 100) / 100])) as Weights;
}

/** Splits by day: the first `trainShare` of the days train, the rest test (a time split, never shuffled). */
export function splitByDay(
  alerts: LabelledAlert[],
  trainShare: number,
): { train: LabelledAlert[]; test: LabelledAlert[] } {
  const days = [
    ...new Set(alerts.map((a) => new Date(a.alert.event_time).toISOString().slice(0, 10))),
  ].sort();
  const cut = Math.max(1, Math.min(days.length - 1, Math.round(days.length * trainShare)));
  const trainDays = new Set(days.slice(0, cut));
  const train = alerts.filter((a) => trainDays.has(new Date(a.alert.event_time).toISOString().slice(0, 10)));
  const test = alerts.filter((a) => !trainDays.has(new Date(a.alert.event_time).toISOString().slice(0, 10)));
  return { train, test };
}

export interface CalibrateOptions {
  /** Share of the days (earliest first) to fit on; the rest are held out. */
  trainShare?: number;
  /** The paging budget; a missing part defaults to the starting config's rate on the training days. */
  budget?: Partial<PagingBudget>;
  /** Seed of the bootstrap (same seed, same intervals). */
  seed?: number;
  /** Bootstrap replicates. */
  replicates?: number;
  /** Told each stage as it starts (the CLI prints it on stderr). */
  stage?: (name: string) => void;
  /**
   * Fit the per-source false-positive term (`likelihood.source_precision`) too. Off by default: that term's
   * input is learned from feedback as it arrives (the prior before any has), so a config fitted with it
   * pages by how much feedback has flowed. Off, it is set to 0 and the tuned config pages the same whether
   * feedback flows or not (README, "alert-triage calibrate").
   */
  fitSourcePrecision?: boolean;
}

/** Held-out figures with 95% bootstrap intervals (alerts resampled within each day). */
export interface HeldOutFigures {
  quality: RankingQuality;
  ndcg: Interval;
  p1Precision: Interval;
  pagedNoise: Interval;
  pagesPerDay: Interval;
}

export interface BudgetFit {
  budget: PagingBudget;
  /** Which parts of the budget were given; the others are the starting config's training rate. */
  given: { p1PerWeek: boolean; pagesPerDay: boolean };
  /** What the tuned thresholds page on the training days, with 95% intervals (days resampled). */
  expected: { p1PerWeek: Interval; pagesPerDay: Interval };
}

export interface CalibrationOutcome extends CalibrationResult {
  budget: BudgetFit;
  heldOut: {
    before: HeldOutFigures;
    after: HeldOutFigures;
    /**
     * NDCG@10 after minus before, its interval from paired replicates: each resamples the held-out days'
     * alerts once and ranks them both ways, so the noise both share cancels.
     */
    ndcgChange: Interval;
    seed: number;
    replicates: number;
  };
  /**
   * Worse on held-out days beyond resampling noise: NDCG@10 (the objective the fit maximizes) lower than
   * the starting config's in 97.5% of the paired replicates — the change's interval wholly below 0.
   */
  worse: boolean;
}

const dayOf = (a: LabelledAlert) => new Date(a.alert.event_time).toISOString().slice(0, 10);

export function calibrate(
  alerts: LabelledAlert[],
  config: TriageSettings,
  options: CalibrateOptions = {},
): CalibrationOutcome {
  const { trainShare = 0.7, seed = 1, replicates = 200, stage = () => undefined } = options;
  const prior = config.scoring.feedback_prior.false_positive_rate;
  const features = new Map(alerts.map((a) => [a.alert.alert_id, likelihoodFeatures(a.alert, prior)]));
  const { train, test } = splitByDay(alerts, trainShare);
  const labelled = train.filter((a) => a.feedback !== undefined);
  const xs = labelled.map((a) => features.get(a.alert.alert_id)!);
  const ys = labelled.map((a) => (a.feedback!.outcome === 'actionable' ? 1 : 0));
  const start: LikelihoodCoefficients = { ...config.scoring.likelihood };
  // Without the source term, its input is 0 for every alert, so the fit neither uses nor moves it.
  const fitSource = options.fitSourcePrecision === true;
  if (!fitSource) {
    for (const [id, f] of features) features.set(id, withoutSourceTerm(f));
  }
  const fitXs = fitSource ? xs : xs.map(withoutSourceTerm);
  const fitFrom: LikelihoodCoefficients = fitSource ? start : { ...start, source_precision: 0 };
  stage(
    `fitting the likelihood model on ${labelled.length} labelled alerts${fitSource ? '' : ' (source_precision held at 0)'}`,
  );
  const likelihood = fitLikelihood(fitXs, ys, fitFrom);
  stage('fitting the weights (coordinate search on NDCG@10)');
  const weights = fitWeights(labelled, features, likelihood, { ...config.scoring.weights }, config);
  const asScored = (a: LabelledAlert) => ({
    priority: a.alert.priority,
    tier: a.alert.tier,
    paged: !a.alert.dedup.suppressed,
  });
  const dayList = (xs: LabelledAlert[]) => [...new Set(xs.map(dayOf))].sort();
  const trainDays = dayList(train);

  stage('fitting the tier thresholds to the paging budget');
  const quantileCuts = fitCuts(labelled, features, likelihood, weights, config);
  const trainBefore = rankingQuality(train, asScored);
  const budget: PagingBudget = {
    p1PerWeek: options.budget?.p1PerWeek ?? round((trainBefore.p1Paged * 7) / trainDays.length),
    pagesPerDay: options.budget?.pagesPerDay ?? round(trainBefore.paged / trainDays.length),
  };
  const tierAt = train
    .filter((a) => !a.alert.dedup.suppressed)
    .map((a) => {
      const f = features.get(a.alert.alert_id)!;
      const l = sigmoid(dot(f, toVector(likelihood)));
      const raw = weightedPriority(a.alert, l, weights);
      const input = {
        priority: raw,
        likelihood: l,
        severity: a.alert.components.severity.value,
        compliance: a.alert.compliance,
        safety: a.alert.safety,
      };
      return (p1: number, p2: number) =>
        assignTier(input, {
          thresholds: { P1: p1 / 10, P2: p2 / 10, P3: 0 },
          floors: config.scoring.floors,
          gates: quantileCuts.gates,
        }).tier;
    });
  const t = thresholdsForBudget(tierAt, trainDays.length, budget);
  const cuts: TierCuts = {
    tiers: { P1: t.P1, P2: t.P2, P3: Math.max(0, Math.min(quantileCuts.tiers.P3, t.P2 - 1)) },
    gates: quantileCuts.gates,
  };
  const tuned = (a: LabelledAlert) => {
    const r = rescore(a.alert, features.get(a.alert.alert_id)!, likelihood, weights, config, cuts);
    return { priority: r.priority, tier: r.tier, paged: !a.alert.dedup.suppressed };
  };
  const random = seededRandom(seed);
  const trainAfter = rankingQuality(train, tuned);
  const expected = expectedPages(train, tuned, trainDays, replicates, random);

  stage(`bootstrapping the held-out figures (${replicates} replicates, seed ${seed})`);
  const [before, after, ndcgChange] = heldOutFigures(test, asScored, tuned, replicates, random);
  return {
    likelihood,
    weights,
    cuts,
    train: {
      days: trainDays,
      alerts: train.length,
      labelled: labelled.length,
      before: trainBefore,
      after: trainAfter,
    },
    test: {
      days: dayList(test),
      alerts: test.length,
      before: before.quality,
      after: after.quality,
      severity: rankingQuality(test, severityBaseline),
    },
    logLoss: {
      before: round(logLoss(xs, ys, toVector(start))),
      after: round(logLoss(fitXs, ys, toVector(likelihood))),
    },
    budget: {
      budget,
      given: {
        p1PerWeek: options.budget?.p1PerWeek !== undefined,
        pagesPerDay: options.budget?.pagesPerDay !== undefined,
      },
      expected,
    },
    heldOut: { before, after, ndcgChange, seed, replicates },
    worse: ndcgChange.high < 0,
  };
}

type Scoring = (a: LabelledAlert) => { priority: number; tier: ScoredAlert['tier']; paged: boolean };

/** P1 a week and pages a day on the training days, the interval from resampling whole days. */
function expectedPages(
  train: LabelledAlert[],
  score: Scoring,
  days: string[],
  replicates: number,
  random: () => number,
): BudgetFit['expected'] {
  const perDay = new Map(days.map((d) => [d, { p1: 0, pages: 0 }]));
  for (const a of train) {
    const s = score(a);
    if (!s.paged) continue;
    const d = perDay.get(dayOf(a))!;
    if (s.tier === 'P1') d.p1++;
    if (s.tier === 'P1' || s.tier === 'P2') d.pages++;
  }
  const counts = [...perDay.values()];
  const p1 = counts.map((c) => c.p1 * 7);
  const pages = counts.map((c) => c.pages);
  const reps = Array.from({ length: replicates }, () => resample(counts.length, random));
  const over = (xs: number[]) =>
    percentileInterval(
      round(mean(xs)),
      reps.map((idx) => mean(idx.map((i) => xs[i]!))),
    );
  return { p1PerWeek: over(p1), pagesPerDay: over(pages) };
}

/**
 * Held-out quality before and after, with intervals: each replicate resamples every day's alerts with
 * replacement once and ranks the sample both ways; the third figure is the paired change in NDCG@10.
 */
function heldOutFigures(
  test: LabelledAlert[],
  before: Scoring,
  after: Scoring,
  replicates: number,
  random: () => number,
): [HeldOutFigures, HeldOutFigures, Interval] {
  const byDay = new Map<string, LabelledAlert[]>();
  for (const a of test) byDay.set(dayOf(a), [...(byDay.get(dayOf(a)) ?? []), a]);
  const scorings = [before, after];
  const scores = scorings.map((score) => new Map(test.map((a) => [a, score(a)])));
  const reps: RankingQuality[][] = [[], []];
  for (let r = 0; r < replicates; r++) {
    const copies = new Map<LabelledAlert, LabelledAlert>();
    for (const list of byDay.values()) {
      resample(list.length, random).forEach((i, j) => {
        const a = list[i]!;
        copies.set({ alert: { ...a.alert, alert_id: `${a.alert.alert_id}#${j}` }, feedback: a.feedback }, a);
      });
    }
    const sample = [...copies.keys()];
    for (const k of [0, 1]) reps[k]!.push(rankingQuality(sample, (c) => scores[k]!.get(copies.get(c)!)!));
  }
  const days = Math.max(1, byDay.size);
  const figures = (k: number): HeldOutFigures => {
    const quality = rankingQuality(test, scorings[k]!);
    const qs = reps[k]!;
    return {
      quality,
      ndcg: percentileInterval(
        quality.ndcg,
        qs.map((q) => q.ndcg),
      ),
      p1Precision: percentileInterval(
        quality.p1Precision,
        qs.map((q) => q.p1Precision),
      ),
      pagedNoise: percentileInterval(
        quality.pagedNoise,
        qs.map((q) => q.pagedNoise),
      ),
      pagesPerDay: percentileInterval(
        round(quality.paged / days),
        qs.map((q) => q.paged / days),
      ),
    };
  };
  const [b, a] = [figures(0), figures(1)];
  const change = percentileInterval(
    round(a.quality.ndcg - b.quality.ndcg),
    reps[1]!.map((q, i) => q.ndcg - reps[0]![i]!.ndcg),
  );
  return [b, a, change];
}

const round = (x: number) => Math.round(x * 1000) / 1000;
