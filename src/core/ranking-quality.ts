// Ranking quality against feedback: NDCG@k and precision@k, the yardsticks for comparing a ranking
// (alert-triage's priority, or the detectors' own severity) with what incidents later proved.
import type { AlertFeedback, Tier } from './events.ts';

const TIER_GAIN: Record<Tier, number> = { P1: 3, P2: 2, P3: 1, P4: 0 };

/**
 * Graded relevance of an alert from its feedback: the postmortem's realised impact where given
 * (log10 of 1 + impact, so 10 → 1, 1,000 → 3, 50,000 → 4.7), else its tier (P1 3 … P4 0), else 1
 * for actionable; false positives, noise and duplicates are worth 0.
 */
export function feedbackGain(f: AlertFeedback | undefined): number {
  if (f?.outcome !== 'actionable') return 0;
  if (f.impact !== undefined && f.impact > 0) return Math.log10(1 + f.impact);
  return f.true_tier ? TIER_GAIN[f.true_tier] : 1;
}

/** NDCG@k of gains listed in ranked order; `null` when no item has any gain (nothing to find). */
export function ndcgAtK(rankedGains: readonly number[], k: number): number | null {
  const dcg = (gains: readonly number[]) =>
    gains.slice(0, k).reduce((sum, g, i) => sum + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg([...rankedGains].sort((a, b) => b - a));
  return ideal === 0 ? null : dcg(rankedGains) / ideal;
}

/** Share of the top k that has any gain. */
export function precisionAtK(rankedGains: readonly number[], k: number): number {
  const top = rankedGains.slice(0, k);
  return top.length === 0 ? 0 : top.filter((g) => g > 0).length / top.length;
}

export interface RankedItem {
  id: string;
  /** Higher ranks first. */
  score: number;
  /** Ties broken by this, ascending (e.g. event time). */
  tiebreak: number;
}

export function rankIds(items: readonly RankedItem[]): string[] {
  return [...items]
    .sort((a, b) => b.score - a.score || a.tiebreak - b.tiebreak || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((i) => i.id);
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
