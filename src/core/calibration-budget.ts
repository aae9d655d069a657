// The paging budget of a calibration and the intervals around its figures. Tier thresholds fitted to
// quantiles of the training's real incidents move with every week's mix (one week's fit paged 4 P1s on
// the next, another 110); thresholds set to a budget of pages move only with the score distribution.
// Pure and deterministic: the bootstrap draws from a seeded generator.

/** How many pages the tuned config may send: P1 alerts a week, and P1 + P2 alerts a day. */
export interface PagingBudget {
  p1PerWeek: number;
  pagesPerDay: number;
}

/** An alert's tier under candidate P1 / P2 thresholds (tenths of a priority point). */
export type TierAt = (p1Tenths: number, p2Tenths: number) => 'P1' | 'P2' | 'P3' | 'P4';

/**
 * The P1 and P2 thresholds (0.1 steps) whose counts on the training alerts come closest to the budget:
 * the P1 threshold first (P1 alerts ≈ p1PerWeek × days / 7), then the P2 threshold below it (P1 + P2
 * alerts ≈ pagesPerDay × days). Counts fall as a threshold rises, so each is a bisection.
 */
export function thresholdsForBudget(
  tierAt: TierAt[],
  days: number,
  budget: PagingBudget,
): { P1: number; P2: number } {
  const p1Target = (budget.p1PerWeek * days) / 7;
  const pagesTarget = budget.pagesPerDay * days;
  const p1Count = (t: number) => tierAt.filter((f) => f(t, Math.max(0, t - 10)) === 'P1').length;
  const p1 = closest(p1Count, p1Target, 1, 1000);
  const pageCount = (t: number) =>
    tierAt.filter((f) => {
      const tier = f(p1, t);
      return tier === 'P1' || tier === 'P2';
    }).length;
  const p2 = closest(pageCount, pagesTarget, 0, p1 - 1);
  return { P1: p1 / 10, P2: p2 / 10 };
}

/**
 * An integer t in [lo, hi] whose count(t) (non-increasing in t) is nearest the target (the larger count
 * on a tie): the middle of the range of t giving that count, so the cut sits between the last alert
 * in and the first alert out rather than on either.
 */
function closest(count: (t: number) => number, target: number, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  /** The smallest t in [lo, hi] with count(t) ≤ x (hi + 1 if none). */
  const firstAtMost = (x: number) => {
    let a = lo;
    let b = hi + 1;
    while (a < b) {
      const m = Math.floor((a + b) / 2);
      if (count(m) <= x) b = m;
      else a = m + 1;
    }
    return a;
  };
  let t = firstAtMost(target);
  if (t > hi) return hi;
  if (t > lo && count(t - 1) - target <= target - count(t)) t = firstAtMost(count(t - 1));
  const c = count(t);
  const end = Math.min(hi, firstAtMost(c - 1) - 1);
  return Math.floor((t + end) / 2);
}

/** mulberry32: a small seeded generator, enough for resampling. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  value: number;
  /** The 2.5th and 97.5th percentiles of the bootstrap replicates. */
  low: number;
  high: number;
}

/** A 95% percentile interval around `value` from bootstrap replicates. */
export function percentileInterval(value: number, replicates: number[]): Interval {
  const xs = [...replicates].sort((a, b) => a - b);
  if (xs.length === 0) return { value, low: value, high: value };
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.round(q * (xs.length - 1))))]!;
  return { value, low: at(0.025), high: at(0.975) };
}

/** Indices drawn with replacement, as many as there are items. */
export function resample(n: number, random: () => number): number[] {
  return Array.from({ length: n }, () => Math.floor(random() * n));
}
