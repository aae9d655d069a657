// The event contracts of PRODUCT.md, as the core sees them after validation.
// Timestamps are epoch milliseconds here, whatever form they had on the wire.
import type { DedupEntry } from './dedup.ts';
import type { ModelMemory } from './incidents/routing.ts';
import type { MemberNote } from './incidents/types.ts';
import type { DeployContext } from './join.ts';
import type { OpsgenieFields, PagerDutyFields } from './paging.ts';
import type { RootCause } from './root-cause.ts';
import type { Component, Dimension, Evidence } from './score.ts';

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
 * in one lane, which holds their dedup episodes. The offline CLI has a single lane.
 *
 * Besides the records, the stream runtime tells the core everything it changes (nothing else touches
 * the state): which lanes it reads (`lanes`), which of them have records still to read (`tick`),
 * dedup episodes read back from the changelog (`restore`), and the transaction around a chunk of
 * alerts (`transaction`: an abort puts the whole state back as it was at `begin`).
 */
export type CoreInput =
  | { kind: 'alert'; alert: AnomalyAlert; at: number; lane?: string }
  /**
   * A change event. `replay`: read again after a rewind (see `stream_time_rewound`), so one an alert
   * was already scored without is not reported as late a second time.
   */
  | { kind: 'deploy'; deploy: DeployEvent; at: number; replay?: boolean }
  | { kind: 'feedback'; feedback: AlertFeedback; at: number }
  /**
   * Wall-time punctuation. `behind`: the lanes whose partitions have records still to read (every
   * other lane is caught up). `streamTime`: moves the lanes (or `lane`) to at least this alert time.
   */
  | { kind: 'tick'; at: number; behind?: readonly string[]; streamTime?: number; lane?: string }
  /** The lanes read from now on: new ones open (holding the stream time until read), others close. */
  | { kind: 'lanes'; assigned: readonly string[]; at: number }
  /**
   * A dedup episode from the changelog; `entry: null` is a tombstone. With `memory`, the record is what
   * the lane remembered of a model for incidents instead (fingerprint and entry are then unused).
   */
  | {
      kind: 'restore';
      lane: string;
      fingerprint: string;
      entry: DedupEntry | null;
      memory?: { model_id: string; value: ModelMemory };
      at: number;
    }
  | { kind: 'transaction'; op: 'begin' | 'commit' | 'abort'; at: number };

/** The scored record of PRODUCT.md: on `ml.alerts.scored` for every alert, on its tier topic when routed. */
export interface ScoredAlert {
  alert_id: string;
  model_id: string;
  event_time: number;
  scored_at: number;
  priority: number;
  tier: Tier;
  expected_impact_per_hour: number;
  components: Record<Dimension, Component>;
  reasons: string[];
  context: DeployContext;
  owner: string;
  escalation: string[];
  playbook: string | null;
  sla: { ack_by: number | null; resolve_by: number | null };
  root_cause: { label: RootCause['label']; confidence: number; by: string };
  dedup: { fingerprint: string; occurrences: number; suppressed: boolean };
  config_version: string;
  product_area: string | null;
  region: string | null;
  customer_segment: string | null;
  compliance: string[];
  safety: boolean;
  evidence: Evidence;
  /** What moved the tier away from the thresholds (a floor or a gate), if anything. */
  tier_adjustment: string | null;
  late: boolean;
  paging: { pagerduty: PagerDutyFields; opsgenie: OpsgenieFields };
  alert: AnomalyAlert;
  // Set by the incident stage (docs/INCIDENTS.md): the offline CLI runs it; the stream does not yet,
  // so they are optional until it does.
  /** The incident this alert joined. */
  incident_id?: string;
  /** Whether this alert made a page on its tier topic. */
  page?: boolean;
  /** The silence that matched it (it never pages), or null. */
  silenced_by?: string | null;
  /** Which incident and why, whether it paged and why: sentences kept out of `reasons`. */
  incident?: MemberNote;
}
