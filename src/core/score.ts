// Business-impact scoring: five dimensions normalized to 0..1, a weighted sum scaled to 0..100,
// and the expected impact per hour as the auditable business number. Every figure that moves the
// score is written into a sentence.

import type { AnomalyAlert, DeployKind, Severity, Signal } from './events.ts';
import { type DeployContext, round } from './join.ts';
import type { RootCause } from './root-cause.ts';
import type { ModelProfile, TriageSettings } from './settings.ts';
import type { SourceRate } from './source-reliability.ts';

export const DIMENSIONS = ['severity', 'likelihood', 'exposure', 'urgency', 'repair_confidence'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface Component {
  /** Normalized 0..1. */
  value: number;
  weight: number;
  /** Points of the 0..100 priority this dimension contributed. */
  contribution: number;
}

/** The raw evidence behind the dimensions, kept for audit and for calibration. */
export interface Evidence {
  detector_severity: Severity;
  magnitude: number | null;
  confidence: number;
  confidence_given: boolean;
  signal_likelihood: number;
  persistence: number;
  deploy_strength: number;
  source_false_positive_rate: number;
  source_observations: number;
  affected_share: number;
  affected_share_given: boolean;
  value_weight: number;
  revenue_per_hour: number;
}

export interface Score {
  priority: number;
  expected_impact_per_hour: number;
  components: Record<Dimension, Component>;
  evidence: Evidence;
  reasons: string[];
}

export interface ScoreInput {
  alert: AnomalyAlert;
  modelId: string;
  profile: ModelProfile;
  inCatalog: boolean;
  context: DeployContext;
  occurrences: number;
  source: SourceRate;
  rootCause: RootCause;
}

const DETECTOR_SEVERITY: Record<Severity, number> = {
  critical: 1,
  high: 0.75,
  medium: 0.5,
  low: 0.25,
  info: 0.1,
};
const ROLLING_OUT_MINUTES = 30;

export function scoreAlert(input: ScoreInput, config: TriageSettings): Score {
  const { alert, profile, context, occurrences, source, rootCause } = input;
  const s = config.scoring;
  const reasons: string[] = [];

  // Severity: the detector's own word, tempered by how far past its threshold the value is.
  const magnitude = magnitudeOf(alert, s.magnitude_scales);
  const detector = DETECTOR_SEVERITY[alert.severity];
  const severity = magnitude === null ? detector : 0.5 * detector + 0.5 * magnitude;
  if (magnitude !== null) {
    const off = relativeDeviation(alert.value!, alert.threshold!);
    reasons.push(
      `detector severity ${alert.severity}; ${alert.metric ?? 'value'} ${fmt(alert.value!)} vs threshold ${fmt(alert.threshold!)} (${Number.isFinite(off) ? pct(off) : 'fully'} off: magnitude ${magnitude.toFixed(2)})`,
    );
  } else {
    reasons.push(`detector severity ${alert.severity} (no value/threshold to weigh the magnitude)`);
  }

  // Exposure: share of traffic affected, weighted by the business value flowing through the model.
  const affectedGiven = alert.affected_entities !== undefined;
  const affectedShare = affectedGiven
    ? Math.min(1, alert.affected_entities! / profile.traffic_per_hour)
    : s.default_affected_share;
  const valueWeight = Math.min(1, Math.log10(1 + profile.revenue_per_hour) / Math.log10(1 + s.revenue_scale));
  const exposure = affectedShare * valueWeight;
  const catalogNote = input.inCatalog ? '' : ' (not in the catalog: defaults used)';
  reasons.push(
    `${input.modelId}${catalogNote} carries ${money(profile.revenue_per_hour)}/h; ${pct(affectedShare)} of its traffic affected${affectedGiven ? '' : ' (assumed: the alert gives no affected_entities)'}`,
  );

  // Likelihood: a logistic over log-odds of the evidence that this is real harm, not exposure.
  const sig = s.signals[alert.signal as Signal];
  const confidenceGiven = alert.confidence !== undefined;
  const confidence = alert.confidence ?? s.default_confidence;
  const persistence = occurrences > 1 ? 1 - 1 / occurrences : 0;
  const deployStrength = deployEvidence(
    context,
    alert.signal,
    s.change_relevance,
    config.windows.correlation / 60_000,
  );
  const prior = s.feedback_prior.false_positive_rate;
  const k = s.likelihood;
  const z =
    k.intercept +
    k.signal * logit(sig.likelihood) +
    k.confidence * logit(confidence) +
    k.persistence * persistence +
    k.deploy * deployStrength +
    k.source_precision * (logit(1 - source.rate) - logit(1 - prior)) +
    (k.root_cause[rootCause.label] ?? 0) * rootCause.confidence;
  const likelihood = 1 / (1 + Math.exp(-z));
  reasons.push(
    `likelihood ${likelihood.toFixed(2)}: ${alert.signal} is real harm ${pct(sig.likelihood)} of the time; detector confidence ${confidence.toFixed(2)}${confidenceGiven ? '' : ' (assumed)'}`,
  );
  if (occurrences > 1) reasons.push(`fired ${occurrences} times in this episode (persistent)`);
  const causeBias = k.root_cause[rootCause.label] ?? 0;
  if (causeBias !== 0) {
    reasons.push(
      `suspected ${rootCause.label} ${causeBias < 0 ? 'lowers' : 'raises'} the likelihood (log-odds ${causeBias > 0 ? '+' : ''}${(causeBias * rootCause.confidence).toFixed(2)})`,
    );
  }
  if (context.deploys.length > 0) {
    const c = context.deploys[0]!;
    const subject = c.via === 'model' ? (c.model_id ?? c.service ?? input.modelId) : `upstream ${c.service}`;
    reasons.push(
      `${c.kind}${c.version ? ` ${c.version}` : ''} of ${subject} ${minutes(c.minutes_before)} before the alert${context.deploys.length > 1 ? ` (+${context.deploys.length - 1} more changes in the window)` : ''}`,
    );
  }
  if (source.observations > 0) {
    reasons.push(
      `source ${alert.source ?? '(none)'} on ${alert.signal}: ${pct(source.rate)} false positives (shrunk, ${source.observations} feedback records)`,
    );
  }

  // Urgency: how fast harm accrues.
  const rollingOut = context.deploys.some((c) => c.minutes_before <= ROLLING_OUT_MINUTES);
  const urgency = Math.min(1, sig.urgency + (profile.safety ? 0.15 : 0) + (rollingOut ? 0.1 : 0));
  if (profile.safety) reasons.push('safety-critical model: harm accrues faster');

  // Repair confidence: how well the owner can act right now.
  const rollbackPath =
    profile.rollback_allowed && context.previous_version !== undefined && context.deploy_correlated;
  const repair = 0.4 * (profile.playbook ? 1 : 0) + 0.4 * (rollbackPath ? 1 : 0) + 0.2 * rootCause.confidence;
  const repairBits = [
    profile.playbook ? 'playbook available' : 'no playbook',
    rollbackPath
      ? `rollback to ${context.previous_version} possible`
      : profile.rollback_allowed
        ? 'no rollback target known'
        : 'rollback not allowed',
  ];
  reasons.push(`repair: ${repairBits.join(', ')}`);
  reasons.push(
    `suspected root cause ${rootCause.label} (${rootCause.confidence.toFixed(2)}): ${rootCause.reason}`,
  );

  const values: Record<Dimension, number> = {
    severity,
    likelihood,
    exposure,
    urgency,
    repair_confidence: repair,
  };
  const totalWeight = DIMENSIONS.reduce((sum, d) => sum + s.weights[d], 0);
  const components = {} as Record<Dimension, Component>;
  let priority = 0;
  for (const d of DIMENSIONS) {
    const contribution = (100 * s.weights[d] * values[d]) / totalWeight;
    priority += contribution;
    components[d] = {
      value: round(values[d], 4),
      weight: s.weights[d],
      contribution: round(contribution, 2),
    };
  }

  const impact = profile.revenue_per_hour * affectedShare * severity * likelihood;
  reasons.unshift(
    `expected impact ${money(impact)}/h = ${money(profile.revenue_per_hour)}/h × ${pct(affectedShare)} affected × severity ${severity.toFixed(2)} × likelihood ${likelihood.toFixed(2)}`,
  );

  return {
    priority: round(priority, 2),
    expected_impact_per_hour: round(impact, 2),
    components,
    evidence: {
      detector_severity: alert.severity,
      magnitude: magnitude === null ? null : round(magnitude, 4),
      confidence,
      confidence_given: confidenceGiven,
      signal_likelihood: sig.likelihood,
      persistence: round(persistence, 4),
      deploy_strength: deployStrength,
      source_false_positive_rate: round(source.rate, 4),
      source_observations: source.observations,
      affected_share: round(affectedShare, 4),
      affected_share_given: affectedGiven,
      value_weight: round(valueWeight, 4),
      revenue_per_hour: profile.revenue_per_hour,
    },
    reasons,
  };
}

const INPUT_SIGNALS: ReadonlySet<Signal> = new Set(['data_drift', 'feature_shift', 'data_quality']);

/**
 * 0..1: the strongest change in the window as evidence for this alert: closeness in time times how
 * much that kind of change explains this kind of signal (a model release does not shift its inputs).
 */
export function deployEvidence(
  context: DeployContext,
  signal: Signal,
  relevance: Record<'serving' | 'input', Record<DeployKind, number>>,
  windowMinutes: number,
): number {
  const table = INPUT_SIGNALS.has(signal) ? relevance.input : relevance.serving;
  let best = 0;
  for (const c of context.deploys) best = Math.max(best, changeCloseness(c, windowMinutes) * table[c.kind]);
  return Math.round(best * 1000) / 1000;
}

/** 0..1: how much a change of `kind` explains a signal of this class (input-side or serving-side). */
export function changeRelevance(
  signal: Signal,
  kind: DeployKind,
  relevance: Record<'serving' | 'input', Record<DeployKind, number>>,
): number {
  return (INPUT_SIGNALS.has(signal) ? relevance.input : relevance.serving)[kind];
}

/** 1 for a change right before the alert, falling linearly to 0 at the correlation window's edge. */
export function changeCloseness(c: { minutes_before: number }, windowMinutes: number): number {
  return Math.max(0, 1 - c.minutes_before / Math.max(1, windowMinutes));
}

/** 0..1: how far past its threshold the value is, relative to the metric's scale. */
export function magnitudeOf(
  alert: AnomalyAlert,
  scales: { default: number; metrics: Record<string, number> },
): number | null {
  if (alert.value === undefined || alert.threshold === undefined) return null;
  const metric = alert.metric;
  const scale =
    metric !== undefined && Object.hasOwn(scales.metrics, metric) ? scales.metrics[metric]! : scales.default;
  return Math.min(1, relativeDeviation(alert.value, alert.threshold) / scale);
}

/** |value - threshold| / |threshold|; a zero threshold broken at all counts as fully off. */
export function relativeDeviation(value: number, threshold: number): number {
  if (threshold === 0) return value === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(value - threshold) / Math.abs(threshold);
}

/** Log-odds, with p clamped to 0.01..0.99 so no evidence is ever certain. */
export function logit(p: number): number {
  const q = Math.min(0.99, Math.max(0.01, p));
  return Math.log(q / (1 - q));
}

export function money(x: number): string {
  const r = Math.round(x);
  const digits = r.toString();
  // Thousands separators by hand for the usual case (a safe integer prints as plain digits): the
  // regex below did the same at twice the cost, three times per alert. Anything else keeps it.
  if (!Number.isSafeInteger(r)) return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = r < 0 ? 1 : 0;
  const head = sign + ((digits.length - sign) % 3 || 3);
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  // Already 4 significant digits or fewer (most thresholds and values): rounding to 4 changes
  // nothing, so its shortest form is the answer, without toPrecision and a parse back.
  const s = String(x);
  if (s.length <= 6 && s.indexOf('e') < 0 && significantDigits(s) <= 4) return s;
  return String(Number(x.toPrecision(4)));
}

/** Significant digits of a plain decimal (no exponent) as String(number) writes it. */
function significantDigits(s: string): number {
  let n = 0;
  let leading = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) continue; // sign, point
    if (leading && c === 48) continue;
    leading = false;
    n++;
  }
  return n;
}

function minutes(m: number): string {
  return m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`;
}
