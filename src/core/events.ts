// The event contracts of PRODUCT.md, as the core sees them after validation.
// Timestamps are epoch milliseconds here, whatever form they had on the wire.

export const SIGNALS = [
  'data_drift',
  'prediction_drift',
  'performance_degradation',
  'data_quality',
  'feature_shift',
  'latency',
  'error_rate',
  'other',
] as const;
export type Signal = (typeof SIGNALS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DEPLOY_KINDS = [
  'model_deploy',
  'code_deploy',
  'feature_flag',
  'config_change',
  'data_pipeline_change',
  'schema_change',
  'rollback',
] as const;
export type DeployKind = (typeof DEPLOY_KINDS)[number];

export const OUTCOMES = ['actionable', 'false_positive', 'duplicate', 'noise'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const TIERS = ['P1', 'P2', 'P3', 'P4'] as const;
export type Tier = (typeof TIERS)[number];

export const ROOT_CAUSES = [
  'deployment_regression',
  'data_pipeline',
  'upstream_schema_change',
  'seasonal_drift',
  'infrastructure',
  'unknown',
] as const;
export type RootCauseLabel = (typeof ROOT_CAUSES)[number];

export interface AnomalyAlert {
  alert_id: string;
  event_time: number;
  model_id: string;
  signal: Signal;
  source?: string;
  model_version?: string;
  feature?: string;
  metric?: string;
  value?: number;
  threshold?: number;
  /** Defaults to `medium` when the producer leaves it out. */
  severity: Severity;
  confidence?: number;
  affected_entities?: number;
  product_area?: string;
  region?: string;
  customer_segment?: string;
  labels?: Record<string, string>;
}

export interface DeployEvent {
  event_id: string;
  event_time: number;
  kind: DeployKind;
  model_id?: string;
  service?: string;
  version?: string;
  previous_version?: string;
  actor?: string;
  commit?: string;
  description?: string;
  region?: string;
}

export interface AlertFeedback {
  alert_id: string;
  event_time: number;
  outcome: Outcome;
  true_tier?: Tier;
  root_cause?: string;
  impact?: number;
  acked_at?: number;
  resolved_at?: number;
}

/**
 * A point in processing: the shell supplies wall time as `at`; the core never reads a clock.
 * `lane` names an independently ordered alert sequence (a Kafka partition); alerts of one model stay
 * in one lane. Each lane keeps its own stream time, so one partition racing ahead never makes
 * another's alerts look late. The offline CLI has a single lane.
 */
export type CoreInput =
  | { kind: 'alert'; alert: AnomalyAlert; at: number; lane?: string }
  | { kind: 'deploy'; deploy: DeployEvent; at: number }
  | { kind: 'feedback'; feedback: AlertFeedback; at: number }
  | { kind: 'tick'; streamTime: number; at: number; lane?: string };
