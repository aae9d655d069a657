// What monitors measure, and values/thresholds consistent with each metric's direction.
import type { Rng } from './prng.ts';
import type { QualityMetric } from './world-catalog.ts';

export interface MetricDef {
  name: string;
  dir: 'up' | 'down';
  thresholds: readonly number[];
  /** full-magnitude breach: relative (x threshold) for "up", absolute for "down" */
  span: number;
  cap?: number;
  floor?: number;
  digits: number;
}

const m = (
  name: string,
  dir: 'up' | 'down',
  thresholds: number[],
  span: number,
  digits: number,
  cap?: number,
): MetricDef => ({
  name,
  dir,
  thresholds,
  span,
  digits,
  ...(cap === undefined ? {} : { cap }),
  ...(dir === 'down' ? { floor: 0 } : {}),
});

export const METRICS = {
  psi: m('psi', 'up', [0.1, 0.2, 0.25], 4, 4),
  ks_stat: m('ks_stat', 'up', [0.1, 0.15], 3, 4, 1),
  js_divergence: m('js_divergence', 'up', [0.05, 0.1], 4, 4, 1),
  wasserstein: m('wasserstein', 'up', [0.1, 0.2], 5, 4),
  mean_shift_sigma: m('mean_shift_sigma', 'up', [2, 3], 3, 2),
  null_rate: m('null_rate', 'up', [0.01, 0.02, 0.05], 40, 4, 1),
  out_of_range_rate: m('out_of_range_rate', 'up', [0.005, 0.01], 30, 4, 1),
  row_count_ratio: m('row_count_ratio', 'down', [0.8, 0.9], 0.75, 3),
  schema_mismatch_rate: m('schema_mismatch_rate', 'up', [0.001], 600, 4, 1),
  p99_latency_ms: m('p99_latency_ms', 'up', [150, 250, 400], 10, 0),
  p95_latency_ms: m('p95_latency_ms', 'up', [80, 120, 200], 8, 0),
  error_rate: m('error_rate', 'up', [0.01, 0.02], 25, 4, 1),
  label_delay_hours: m('label_delay_hours', 'up', [24, 48], 2, 1),
  training_serving_skew: m('training_serving_skew', 'up', [0.05], 4, 4, 1),
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

export function fromQuality(qm: QualityMetric): MetricDef {
  return {
    name: qm.name,
    dir: qm.dir,
    thresholds: [qm.threshold],
    span: qm.span,
    digits: qm.digits,
    ...(qm.dir === 'down' ? { floor: 0 } : {}),
  };
}

function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A breached reading. `magnitude` 0..1 is how far past the threshold (0 = just over);
 * the result is always on the bad side of the threshold, as a monitor that fired would report.
 */
export function breach(
  rng: Rng,
  def: MetricDef,
  magnitude: number,
  threshold?: number,
): { value: number; threshold: number } {
  const thr = threshold ?? rng.pick(def.thresholds);
  const mag = Math.max(0.004, magnitude);
  let value: number;
  if (def.dir === 'up') {
    value = thr * (1 + mag * def.span);
    if (def.cap !== undefined) value = Math.min(def.cap, value);
  } else {
    value = thr - mag * def.span;
    if (def.floor !== undefined) value = Math.max(def.floor, value);
  }
  const digits = Math.max(def.digits, 0);
  let v = roundTo(value, digits);
  // keep the reading strictly on the bad side after rounding
  const step = 10 ** -digits;
  if (def.dir === 'up' && v <= thr) v = roundTo(thr + step, digits);
  if (def.dir === 'down' && v >= thr) v = roundTo(thr - step, digits);
  return { value: v, threshold: thr };
}
