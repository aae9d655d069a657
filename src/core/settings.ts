// What the core is given: the scoring part of the configuration (catalog, weights, tiers, windows,
// SLAs, escalation), never the connection settings (brokers, credentials, topics). config.ts builds
// it, validated, and `version` hashes exactly this, so a record's `config_version` names what scored it.
import type { AccrualSettings } from './accrual.ts';
import type { DeployKind, RootCauseLabel, Signal, Tier } from './events.ts';
import type { Matcher } from './silence-matchers.ts';
import type { Silence } from './silences.ts';

export interface ModelProfile {
  owner: string;
  product_area?: string;
  revenue_per_hour: number;
  traffic_per_hour: number;
  compliance: string[];
  safety: boolean;
  rollback_allowed: boolean;
  upstream: string[];
  playbook?: string;
  escalation?: string[];
}

export type SignalProfile = { likelihood: number; urgency: number };

export interface FloorRule {
  tier: Tier;
  min_likelihood: number;
  min_severity: number;
}

export interface ScoringSettings {
  weights: {
    severity: number;
    likelihood: number;
    exposure: number;
    urgency: number;
    repair_confidence: number;
  };
  tiers: { P1: number; P2: number; P3: number };
  floors: { compliance: FloorRule; safety: FloorRule };
  gates: { P1: { min_likelihood: number }; P2: { min_likelihood: number } };
  revenue_scale: number;
  magnitude_scales: { default: number; metrics: Record<string, number> };
  default_affected_share: number;
  default_confidence: number;
  signals: Record<Signal, SignalProfile>;
  change_relevance: Record<'serving' | 'input', Record<DeployKind, number>>;
  likelihood: {
    intercept: number;
    signal: number;
    confidence: number;
    persistence: number;
    deploy: number;
    source_precision: number;
    root_cause: Partial<Record<RootCauseLabel, number>>;
  };
  root_cause: { learn: boolean; min_examples: number; min_confidence: number };
  feedback_prior: { false_positive_rate: number; strength: number };
  /** Accumulated impact of a fingerprint's run of alerts raises their priority (accrual.ts). */
  accrual: AccrualSettings;
}

export interface WindowSettings {
  correlation: number;
  deploy_retention: number;
  max_deploys_per_key: number;
  dedup: number;
  renotify_after: number;
  feedback_lookup: number;
  max_tracked_alerts: number;
  allowed_lateness: number;
}

/** A service or pipeline of the catalog (`services:`): who owns a change to it. */
export interface ServiceProfile {
  owner: string;
  product_area?: string;
  playbook?: string;
}

/**
 * Alertmanager's inhibit rule, scoped to what the incident stage can see deterministically: while an open
 * incident whose cause explains the alert's model matches `source`, an alert matching `target` (with
 * equal values of `equal`) joins that incident and does not page. docs/INCIDENTS.md says the limits.
 */
export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** The `incidents:` block: grouping, paging, silences and inhibition (docs/INCIDENTS.md). */
export interface IncidentSettings {
  /** An incident takes a same-model alert within this of its last member. */
  gap: number;
  /** ...and within this of its first: a model incident cannot grow for ever. */
  max_lifetime: number;
  /** 0..1: a change below this (relevance x closeness) is no suspected cause. */
  min_cause_strength: number;
  /**
   * A model in a change's incident keeps that change as its alerts' suspected cause while it explains
   * them at least this strongly (≤ min_cause_strength), though another explains one better. null: off.
   */
  keep_cause_strength: number | null;
  /** A change made after an alert's condition began firing (its dedup episode's first alert) is no cause of it. */
  cause_precedes_firing: boolean;
  page_tiers: Tier[];
  /** ms a first page below the highest page tier is held for a member at a higher one (0: none). */
  group_wait: number;
  /**
   * Tiers at which an incident no change explains pages only from its second alert (not a dedup repeat):
   * a lone alert with no suspected cause is scored and kept, not paged. Empty: every first alert pages.
   */
  corroborate_tiers: Tier[];
  /**
   * An incident an inhibition candidate opens (its change came too long before the alert to be its
   * suspected cause) waits for corroboration at `corroborate_tiers` too, like one no change explains.
   */
  corroborate_candidates: boolean;
  /**
   * Labels that say where a model is served (cluster, node pool): alerts no change explains, on any
   * models, that carry all of them with equal values join one incident within `gap` (Alertmanager's
   * `group_by`). Empty: none.
   */
  group_by: string[];
  /**
   * ms: alerts no change explains, on different models one upstream service feeds, within this of each
   * other join one incident, an unrecorded change upstream suspected (routing.ts, rule 5). null: off.
   */
  upstream_window: number | null;
  /** Silences from the config, parsed; those on `ml.silences` come as inputs. */
  silences: Silence[];
  max_silence: number;
  inhibit: InhibitRule[];
}

/** The settings the step function scores with. */
export interface TriageSettings {
  readonly models: Readonly<Record<string, ModelProfile>>;
  readonly defaults: ModelProfile;
  readonly scoring: ScoringSettings;
  readonly windows: WindowSettings;
  readonly sla: Record<Tier, { ack: number | null; resolve: number | null }>;
  readonly escalation: Record<Tier, string[]>;
  /** service → models whose catalog `upstream` lists it. */
  readonly downstream: Readonly<Record<string, readonly string[]>>;
  /** service → its owner (an upstream change goes to the pipeline's team). */
  readonly services: Readonly<Record<string, ServiceProfile>>;
  readonly incidents: IncidentSettings;
  /** Stable hash of everything above: the `config_version` of every output. */
  readonly version: string;
}

/**
 * The `gate:` block: the test a version's verdict comes from (docs/GATE.md). Not part of `version`: it
 * changes no score, only what the gate answers.
 */
export interface GateSettings {
  /** Family-wise false-alarm rate of one look: split over the total and each signal (Bonferroni). */
  alpha: number;
  /** Below this rate ratio an increase is no regression, however significant (the minimum effect). */
  min_rate_ratio: number;
  /** Counted alerts the candidate needs in the test that flags it. */
  min_alerts: number;
  /** Serving time (ms) the candidate needs before the gate says more than insufficient_evidence. */
  min_serving: number;
  /** Serving time (ms) the baseline needs. */
  min_baseline_serving: number;
  /**
   * How far back (ms, event time) the ledger keeps serving time and alert tallies: no verdict counts
   * exposure older than this, and the ledger's memory and a verdict's cost are bounded by it.
   */
  history: number;
}

/**
 * `incidents.group_by`'s default: the serving-infrastructure labels the Kubernetes SLO monitors put on
 * their alerts (and the sample worlds' do). An alert without all of them is not grouped by them.
 */
export const DEFAULT_GROUP_BY: readonly string[] = ['k8s_cluster', 'node_pool'];

export const DEFAULT_GATE: GateSettings = {
  alpha: 0.03,
  min_rate_ratio: 1.5,
  min_alerts: 5,
  min_serving: 8 * 3_600_000,
  min_baseline_serving: 12 * 3_600_000,
  history: 30 * 24 * 3_600_000,
};
