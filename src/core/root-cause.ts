// Suspected root cause: the function type every classifier implements, and the transparent rules
// that answer until the learned classifier (root-cause-model.ts) has enough confirmed causes.
import type { AnomalyAlert, DeployKind, RootCauseLabel, Signal } from './events.ts';
import type { DeployContext } from './join.ts';

export interface RootCauseInput {
  alert: AnomalyAlert;
  context: DeployContext;
  /** Share of the model's traffic the alert covers, 0..1. */
  affectedShare: number;
  occurrences: number;
  /** The correlation window, in minutes: a change at its edge is weak evidence. */
  windowMinutes: number;
}

export interface RootCause {
  label: RootCauseLabel;
  confidence: number;
  /** One sentence a human can check. */
  reason: string;
  /** Which classifier produced it (`rules`, or a learned model's name). */
  by: string;
}

export type RootCauseClassifier = (input: RootCauseInput) => RootCause;

const MODEL_CHANGES: ReadonlySet<DeployKind> = new Set([
  'model_deploy',
  'code_deploy',
  'feature_flag',
  'config_change',
]);
const SERVING_SIGNALS: ReadonlySet<Signal> = new Set([
  'performance_degradation',
  'prediction_drift',
  'error_rate',
  'latency',
]);
const DATA_SIGNALS: ReadonlySet<Signal> = new Set(['data_quality', 'feature_shift', 'data_drift']);
const DRIFT_SIGNALS: ReadonlySet<Signal> = new Set(['data_drift', 'feature_shift', 'prediction_drift']);

export const classifyByRules: RootCauseClassifier = ({ alert, context, affectedShare, windowMinutes }) => {
  const found = (pred: (kind: DeployKind, via: 'model' | 'upstream') => boolean) =>
    context.deploys.find((c) => pred(c.kind, c.via));
  const closeness = (minutesBefore: number) => Math.max(0, Math.min(1, 1 - minutesBefore / windowMinutes));
  const rc = (label: RootCauseLabel, confidence: number, reason: string): RootCause => ({
    label,
    confidence: Math.round(confidence * 100) / 100,
    reason,
    by: 'rules',
  });

  const schema = found((k) => k === 'schema_change');
  if (schema && (DATA_SIGNALS.has(alert.signal) || alert.signal === 'error_rate')) {
    return rc(
      'upstream_schema_change',
      0.6 + 0.3 * closeness(schema.minutes_before),
      `schema_change of ${schema.service ?? schema.model_id} ${schema.minutes_before} min before a ${alert.signal} alert`,
    );
  }
  const pipeline = found((k) => k === 'data_pipeline_change');
  if (pipeline && DATA_SIGNALS.has(alert.signal)) {
    return rc(
      'data_pipeline',
      0.55 + 0.3 * closeness(pipeline.minutes_before),
      `data_pipeline_change of ${pipeline.service ?? pipeline.model_id} ${pipeline.minutes_before} min before`,
    );
  }
  const change = found((k, via) => via === 'model' && MODEL_CHANGES.has(k));
  if (change && (SERVING_SIGNALS.has(alert.signal) || alert.signal === 'data_quality')) {
    return rc(
      'deployment_regression',
      0.5 + 0.4 * closeness(change.minutes_before),
      `${change.kind}${change.version ? ` ${change.version}` : ''} ${change.minutes_before} min before a ${alert.signal} alert`,
    );
  }
  if ((alert.signal === 'latency' || alert.signal === 'error_rate') && !context.deploy_correlated) {
    return rc(
      'infrastructure',
      0.5,
      `${alert.signal} with no change to the model or its inputs in the window`,
    );
  }
  if (alert.signal === 'data_quality' && !context.deploy_correlated) {
    return rc(
      'data_pipeline',
      0.4,
      'data_quality break with no recorded change: likely an upstream data fault',
    );
  }
  if (DRIFT_SIGNALS.has(alert.signal) && !context.deploy_correlated && affectedShare >= 0.8) {
    return rc(
      'seasonal_drift',
      0.55,
      `population-wide ${alert.signal} (${Math.round(affectedShare * 100)}% of traffic) with no change in the window`,
    );
  }
  if (change) {
    return rc('deployment_regression', 0.35, `${change.kind} ${change.minutes_before} min before`);
  }
  return rc('unknown', 0.2, 'no rule matched');
};

/** A change to the model this close (closeness ≥ this, 1 = at the alert) is a direct, strong correlation. */
const DIRECT_CLOSENESS = 0.5;
/** A learned answer at least this confident keeps its label against a direct change, and says so. */
const LEARNED_OUTWEIGHS = 0.8;

/**
 * One decision for label, reason and actions: a direct, strong change to the model — a model, code,
 * config or flag change via the model, in the first half of the window, nearer than any upstream schema
 * or pipeline change, before a serving alert — makes the answer deployment_regression, and the reason
 * says what yielded. Only a learned answer of confidence ≥ 0.8 keeps its label against it, and its reason
 * then names the change it outweighs. Without this the rules' schema-first order labelled an alert
 * upstream_schema_change 93 min after a schema change while model deploy v31 had gone out 46 min before,
 * and the actions followed the wrong label. (Data-quality alerts are left out: on the generated weeks a
 * model change before one was as often not the cause.)
 */
export function agreeWithDirectChange(cause: RootCause, input: RootCauseInput): RootCause {
  if (cause.label === 'deployment_regression') return cause;
  const { alert, context, windowMinutes } = input;
  if (!SERVING_SIGNALS.has(alert.signal)) return cause;
  const direct = context.deploys.find((c) => c.via === 'model' && MODEL_CHANGES.has(c.kind));
  if (direct === undefined) return cause;
  const closeness = Math.max(0, Math.min(1, 1 - direct.minutes_before / windowMinutes));
  if (closeness < DIRECT_CLOSENESS) return cause;
  const nearerInput = context.deploys.some(
    (c) =>
      (c.kind === 'schema_change' || c.kind === 'data_pipeline_change') &&
      c.minutes_before < direct.minutes_before,
  );
  if (nearerInput) return cause;
  const change = `${direct.kind}${direct.version ? ` ${direct.version}` : ''} ${direct.minutes_before} min before a ${alert.signal} alert`;
  if (cause.by !== 'rules' && cause.confidence >= LEARNED_OUTWEIGHS)
    return { ...cause, reason: `${cause.reason}; it outweighs ${change}, a direct change to the model` };
  return {
    label: 'deployment_regression',
    confidence: Math.round((0.5 + 0.4 * closeness) * 100) / 100,
    reason: `${change}, a direct change to the model (${cause.by} said ${cause.label}: ${cause.reason})`,
    by: cause.by,
  };
}
