// Logging and metrics for the shell, behind one small interface: pino JSON logs with secrets
// redacted, and prom-client metrics on a registry of their own. The core never sees either; it
// returns CoreEvents, and recordCoreEvents / recordOutputs turn them into counts here; recordScored,
// recordSli and recordFeedbackOutcome feed the business views (impact at risk, SLAs, noise share).

import { type LevelWithSilent, type Logger as PinoLogger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Outcome, TIERS, type Tier } from './core/events.ts';
import type { IncidentEvent } from './core/incidents/types.ts';
import type { CoreEvent, Output, ScoredAlert } from './core/processor.ts';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable output through pino-pretty (an optional package, not installed by default). */
  pretty?: boolean;
  /** Where JSON lines go; stdout when absent. */
  destination?: NodeJS.WritableStream;
}

/**
 * Paths whose values never reach a log line. pino's paths are exact (no recursive wildcard), so the
 * deeper variants cover the config objects the shell logs (`{ config: { kafka: { sasl: … } } }`).
 * Note `*.key` also censors a one-level `key` field such as `{ record: { key } }`: log record keys
 * under another name (`record_key`) when they are wanted.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  '*.sasl.password',
  '*.*.sasl.password',
  'registry.password',
  '*.registry.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'ssl.key',
  '*.ssl.key',
  '*.*.ssl.key',
  '*.key',
  'token',
  '*.token',
  '*.*.token',
  'secret',
  '*.secret',
  '*.*.secret',
];

export const REDACT_CENSOR = '[redacted]';

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    name: 'alert-triage',
    level: options.level,
    redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.pretty) {
    if (options.destination)
      throw new Error('createLogger: pretty output writes to stdout; drop destination');
    try {
      import.meta.resolve('pino-pretty');
    } catch {
      throw new Error('createLogger: pretty logs need the pino-pretty package (npm install pino-pretty)');
    }
    // pino-pretty runs in a worker thread; it cannot take the level formatter above.
    return pino({
      ...base,
      formatters: {},
      transport: { target: 'pino-pretty', options: { destination: 1 } },
    });
  }
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}

export const METRIC_PREFIX = 'alert_triage_';

/** Every metric this service defines (without the process defaults), prefix included. */
export const METRIC_NAMES = [
  'records_consumed_total',
  'alerts_scored_total',
  'alerts_routed_total',
  'alerts_suppressed_total',
  'alerts_late_total',
  'dlq_records_total',
  'deploys_stored_total',
  'feedback_total',
  'actions_total',
  'processing_latency_seconds',
  'event_time_lag_seconds',
  'consumer_lag',
  'window_store_entries',
  'dedup_entries',
  'root_cause_training_examples',
  'rebalances_total',
  'transactions_total',
  'retries_total',
  'ready',
  'expected_impact_routed_total',
  'time_to_ack_seconds',
  'time_to_resolve_seconds',
  'sla_breaches_total',
  'feedback_outcomes_total',
  'gate_versions_watched',
  'gate_ledger_entries',
  'gate_versions',
  'gate_verdicts_total',
  'incidents_opened_total',
  'incidents_resolved_total',
  'pages_total',
  'page_resolves_total',
  'incident_members_silenced_total',
  'incident_members_inhibited_total',
  'incident_members_linked_total',
  'incident_members_late_total',
  'incidents_open',
  'incident_members_waiting',
  'drill_pages_total',
  'drill_time_to_page_seconds',
  'drill_time_to_ack_seconds',
  'drill_time_to_resolve_seconds',
  'drill_sla_total',
  'drill_last_seconds',
].map((n) => METRIC_PREFIX + n);

/** 0.5 s .. 1 h: from a drill's first alert to its page (the pipeline and the incident stage's hold). */
export const DRILL_PAGE_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** 0.1 ms .. 5 s: one batch through decode → step → produce. */
export const PROCESSING_LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** 0.1 s .. 1 day: how far behind its event time an alert is scored (replays show up at the top). */
export const EVENT_TIME_LAG_BUCKETS = [
  0.1,
  0.5,
  1,
  5,
  15,
  30,
  60,
  300,
  900,
  1800,
  3600,
  4 * 3600,
  12 * 3600,
  24 * 3600,
];

/**
 * 1 min .. 14 days: time from an alert's event time to its ack or resolution. The default SLAs
 * (15 min, 1 h, 4 h, 24 h, 7 days) are bucket bounds, so `le`-based SLO ratios are exact for them.
 */
export const SLI_BUCKETS = [
  60,
  300,
  900,
  1800,
  3600,
  2 * 3600,
  4 * 3600,
  8 * 3600,
  12 * 3600,
  24 * 3600,
  2 * 86_400,
  3 * 86_400,
  7 * 86_400,
  14 * 86_400,
];

/**
 * At most this many distinct values per producer-supplied label (product_area, source) on one
 * registry; later newcomers are counted under OTHER_LABEL so a misbehaving producer cannot blow up
 * the series count.
 */
export const MAX_LABEL_VALUES = 50;
export const OTHER_LABEL = 'other';
export const UNASSIGNED_PRODUCT_AREA = 'unassigned';
export const UNKNOWN_SOURCE = 'unknown';

export type SlaKind = 'ack' | 'resolve';
export const SLA_KINDS: readonly SlaKind[] = ['ack', 'resolve'];

export type DeployResult = 'stored' | 'duplicate' | 'expired' | 'late';
export type FeedbackResult = 'applied' | 'unmatched' | 'dropped';
export type TransactionResult = 'committed' | 'aborted';

export interface Metrics {
  /** This instance's registry: serve `registry.metrics()` with `registry.contentType`. */
  readonly registry: Registry;
  readonly recordsConsumed: Counter<'topic'>;
  readonly alertsScored: Counter<'tier'>;
  readonly alertsRouted: Counter<'tier'>;
  readonly alertsSuppressed: Counter;
  readonly alertsLate: Counter;
  readonly dlqRecords: Counter<'reason'>;
  /** label `result`: DeployResult */
  readonly deploysStored: Counter<'result'>;
  /** label `result`: FeedbackResult */
  readonly feedback: Counter<'result'>;
  readonly actions: Counter<'type'>;
  readonly processingLatency: Histogram;
  readonly eventTimeLag: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly windowStoreEntries: Gauge;
  readonly dedupEntries: Gauge;
  /** Confirmed causes the learned root-cause classifier has learned from (its training-set size). */
  readonly rootCauseTrainingExamples: Gauge;
  readonly rebalances: Counter;
  /** Model × version pairs the live version ledger knows (runtime/version-watch.ts). */
  readonly gateVersionsWatched: Gauge;
  /** label `kind` (hours, ids, changes): what the live version ledger holds, bounded by `gate.history`. */
  readonly gateLedgerEntries: Gauge<'kind'>;
  /** label `verdict`: how many watched versions the gate judges so, as of the ledger's latest alert. */
  readonly gateVersions: Gauge<'verdict'>;
  /** label `verdict`: answers of GET /v1/gate. */
  readonly gateVerdicts: Counter<'verdict'>;
  /** Versions the live regression watch called regressed (once each per instance's ledger). */
  readonly gateRegressions: Counter;
  /** POST /v1/ingest/<format> answers (format `unknown` for no such route), by HTTP status. */
  readonly ingestRequests: Counter<'format' | 'status'>;
  /** Alerts of ingest requests, by format and result: `accepted` (acknowledged by the broker) or `rejected`. */
  readonly ingestAlerts: Counter<'format' | 'result'>;
  /** label `result`: TransactionResult */
  readonly transactions: Counter<'result'>;
  readonly retries: Counter<'reason'>;
  /** 1 once deploy state is rebuilt and the consumers are in their group, else 0. */
  readonly ready: Gauge;
  /** Sum of expected_impact_per_hour over routed (non-suppressed) alerts: see recordScored. */
  readonly expectedImpactRouted: Counter<'tier' | 'product_area'>;
  /** Seconds from alert event time to ack: see recordSli. */
  readonly timeToAck: Histogram<'tier'>;
  /** Seconds from alert event time to resolution: see recordSli. */
  readonly timeToResolve: Histogram<'tier'>;
  /** label `kind`: SlaKind */
  readonly slaBreaches: Counter<'tier' | 'kind'>;
  /** label `outcome`: Outcome; `source`: the alert's source (detector), bounded. */
  readonly feedbackOutcomes: Counter<'outcome' | 'source'>;
  /** The incident stage (kafka.incident_stage): see recordIncidentEvents. */
  readonly incidentsOpened: Counter<'tier'>;
  readonly incidentsResolved: Counter<'by'>;
  readonly pages: Counter<'tier'>;
  readonly pageResolves: Counter<'tier'>;
  readonly pageAcknowledges: Counter<'tier'>;
  readonly membersSilenced: Counter;
  readonly membersInhibited: Counter;
  readonly membersLinked: Counter;
  readonly membersLate: Counter;
  readonly incidentsOpen: Gauge;
  readonly incidentMembersWaiting: Gauge;
  /** Drills (docs/DRILLS.md): see recordDrill. */
  readonly drillPages: Counter<'tier' | 'scenario'>;
  readonly drillTimeToPage: Histogram<'tier' | 'scenario'>;
  readonly drillTimeToAck: Histogram<'tier' | 'scenario'>;
  readonly drillTimeToResolve: Histogram<'tier' | 'scenario'>;
  /** label `kind`: ack or resolve; `result`: met or missed (against the tier's SLA; none for a tier without one). */
  readonly drillSla: Counter<'tier' | 'kind' | 'result'>;
  /** The latest drill's figures, label `stage`: page, ack, resolve. */
  readonly drillLast: Gauge<'stage' | 'tier' | 'scenario'>;
}

/** A fresh registry with every metric and the process defaults; never the global default registry. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers });
  const gauge = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers });
  const histogram = <L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: L[] = [],
  ) => new Histogram<L>({ name: METRIC_PREFIX + name, help, buckets, labelNames, registers });

  const ready = gauge(
    'ready',
    'Whether the service is ready: 1 once deploy state is rebuilt and the consumers are in their group, else 0.',
  );
  ready.set(0);
  const slaBreaches = counter(
    'sla_breaches_total',
    'Alerts acked (kind=ack) or resolved (kind=resolve) later than their tier SLA, by tier.',
    ['tier', 'kind'],
  );
  // Zero series for every tier and kind, so rate() and increase() read 0 rather than "no data".
  for (const tier of TIERS) for (const kind of SLA_KINDS) slaBreaches.inc({ tier, kind }, 0);
  const metrics = {
    registry,
    recordsConsumed: counter('records_consumed_total', 'Records consumed from the input topics.', ['topic']),
    alertsScored: counter(
      'alerts_scored_total',
      'Alerts scored, by assigned tier (suppressed repeats included).',
      ['tier'],
    ),
    alertsRouted: counter(
      'alerts_routed_total',
      'Alerts published to their tier topic (not suppressed), by tier.',
      ['tier'],
    ),
    alertsSuppressed: counter(
      'alerts_suppressed_total',
      'Alerts scored but not paged again: repeats of a fingerprint inside the dedup window.',
    ),
    alertsLate: counter(
      'alerts_late_total',
      'Alerts further behind stream time than the allowed lateness (deploy context may be incomplete).',
    ),
    dlqRecords: counter('dlq_records_total', 'Records written to the dead-letter topic, by error class.', [
      'reason',
    ]),
    deploysStored: counter(
      'deploys_stored_total',
      'Deploy events offered to the deploy window, by result: stored, duplicate or expired; late counts the stored ones that arrived after alerts they would have explained (also counted as stored).',
      ['result'],
    ),
    feedback: counter(
      'feedback_total',
      'Alert feedback records, by result: applied, unmatched (no alert found) or dropped (hold-back queue full).',
      ['result'],
    ),
    actions: counter(
      'actions_total',
      'Actions recommended (published to the actions topic), by type: rollback, containment, diagnostic.',
      ['type'],
    ),
    processingLatency: histogram(
      'processing_latency_seconds',
      'Wall-clock seconds to process one consumed batch of records (decode, step, encode, produce).',
      PROCESSING_LATENCY_BUCKETS,
    ),
    eventTimeLag: histogram(
      'event_time_lag_seconds',
      'Seconds between the event time of an alert and the moment it is scored.',
      EVENT_TIME_LAG_BUCKETS,
    ),
    consumerLag: gauge(
      'consumer_lag',
      'Records between the committed offset and the end of each input partition.',
      ['topic', 'partition'],
    ),
    windowStoreEntries: gauge('window_store_entries', 'Deploy events held in the deploy window.'),
    dedupEntries: gauge('dedup_entries', 'Fingerprints tracked by the dedup store.'),
    rootCauseTrainingExamples: gauge(
      'root_cause_training_examples',
      'Confirmed root causes (from feedback) the learned root-cause classifier has learned from.',
    ),
    rebalances: counter('rebalances_total', 'Consumer group rebalances this instance went through.'),
    gateVersionsWatched: gauge('gate_versions_watched', 'Model versions the live version ledger knows.'),
    gateLedgerEntries: gauge(
      'gate_ledger_entries',
      'What the live version ledger holds, by kind: hour tallies, alert ids remembered, version changes (bounded by gate.history).',
      ['kind'],
    ),
    gateVersions: gauge(
      'gate_versions',
      "Watched model versions by the gate's verdict as of the latest alert: ok, regressed, insufficient_evidence.",
      ['verdict'],
    ),
    gateVerdicts: counter('gate_verdicts_total', 'Answers of GET /v1/gate, by verdict.', ['verdict']),
    gateRegressions: counter(
      'gate_regressions_total',
      'Model versions the regression watch called regressed: a version_regression incident and its action, once per version.',
    ),
    ingestRequests: counter(
      'ingest_requests_total',
      'Answers of POST /v1/ingest/<format>, by format and status.',
      ['format', 'status'],
    ),
    ingestAlerts: counter(
      'ingest_alerts_total',
      'Alerts of POST /v1/ingest/<format>: accepted (acknowledged by the broker) or rejected, by format.',
      ['format', 'result'],
    ),
    transactions: counter('transactions_total', 'Producer transactions, by result: committed or aborted.', [
      'result',
    ]),
    retries: counter('retries_total', 'Retries of transient faults (broker, schema registry), by reason.', [
      'reason',
    ]),
    ready,
    expectedImpactRouted: counter(
      'expected_impact_routed_total',
      'Sum of expected_impact_per_hour (currency units per hour) over routed, non-suppressed alerts, by tier and product area (increase over 1h: impact at risk per hour).',
      ['tier', 'product_area'],
    ),
    timeToAck: histogram(
      'time_to_ack_seconds',
      'Seconds from an alert event time to its acknowledgement (from feedback), by tier.',
      SLI_BUCKETS,
      ['tier'],
    ),
    timeToResolve: histogram(
      'time_to_resolve_seconds',
      'Seconds from an alert event time to its resolution (from feedback), by tier.',
      SLI_BUCKETS,
      ['tier'],
    ),
    slaBreaches,
    feedbackOutcomes: counter(
      'feedback_outcomes_total',
      'Alert feedback by outcome (actionable, false_positive, duplicate, noise) and alert source; noise share = (false_positive + noise) / all.',
      ['outcome', 'source'],
    ),
    incidentsOpened: counter(
      'incidents_opened_total',
      'Incidents opened by the incident stage, by the tier of their first member.',
      ['tier'],
    ),
    incidentsResolved: counter(
      'incidents_resolved_total',
      'Incidents resolved, by timeout, feedback or source (a resolved native alert).',
      ['by'],
    ),
    pages: counter(
      'pages_total',
      'Pages written to the tier topics by the incident stage (an incident opening at a page tier, or rising), by tier.',
      ['tier'],
    ),
    pageResolves: counter(
      'page_resolves_total',
      'Resolves written to the tier topics (one per page of an incident that resolved), by tier: not pages.',
      ['tier'],
    ),
    pageAcknowledges: counter(
      'page_acknowledges_total',
      'Acknowledges written to the tier topics (one per page acknowledged by feedback), by tier: not pages.',
      ['tier'],
    ),
    membersSilenced: counter(
      'incident_members_silenced_total',
      'Alerts scored but never paged because a silence matched them.',
    ),
    membersInhibited: counter(
      'incident_members_inhibited_total',
      'Alerts that joined an open P1 incident by inhibition and did not page.',
    ),
    membersLinked: counter(
      'incident_members_linked_total',
      "Alerts no recorded change explains that joined another model's incident through an upstream service both depend on (incidents.upstream_window).",
    ),
    membersLate: counter(
      'incident_members_late_total',
      'Members that reached the incident stage after its watermark had passed them (taken at once, out of order).',
    ),
    incidentsOpen: gauge('incidents_open', 'Open incidents in the incident books this instance holds.'),
    incidentMembersWaiting: gauge(
      'incident_members_waiting',
      'Members held by the incident stage until the watermark passes them.',
    ),
    drillPages: counter(
      'drill_pages_total',
      'Pages of drills (marked [DRILL]), by tier and scenario: not in pages_total, which counts real pages only.',
      ['tier', 'scenario'],
    ),
    drillTimeToPage: histogram(
      'drill_time_to_page_seconds',
      "Seconds from a drill's first alert (event time) to its page on the tier topic (this service's clock).",
      DRILL_PAGE_BUCKETS,
      ['tier', 'scenario'],
    ),
    drillTimeToAck: histogram(
      'drill_time_to_ack_seconds',
      "Seconds from a drill's page to its acknowledgement (acked_at of feedback on one of its alerts).",
      SLI_BUCKETS,
      ['tier', 'scenario'],
    ),
    drillTimeToResolve: histogram(
      'drill_time_to_resolve_seconds',
      "Seconds from a drill's page to its incident's resolution (feedback, its source, or the time-out).",
      SLI_BUCKETS,
      ['tier', 'scenario'],
    ),
    drillSla: counter(
      'drill_sla_total',
      "Drills acknowledged / resolved within their tier's SLA (result met) or not (missed), by tier and kind (ack, resolve).",
      ['tier', 'kind', 'result'],
    ),
    drillLast: gauge(
      'drill_last_seconds',
      'The latest drill of each tier and scenario: its time to page, to ack and to resolve (label stage), in seconds.',
      ['stage', 'tier', 'scenario'],
    ),
  };
  // The same for the series whose labels are known in advance (tiers, verdicts): a dashboard panel reads 0
  // for a quiet service, never "no data" (test/integration/grafana-render.test.ts).
  for (const tier of TIERS) {
    for (const c of [metrics.pages, metrics.pageResolves, metrics.pageAcknowledges, metrics.incidentsOpened])
      c.inc({ tier }, 0);
  }
  for (const verdict of GATE_VERDICTS) {
    metrics.gateVerdicts.inc({ verdict }, 0);
    metrics.gateVersions.set({ verdict }, 0);
  }
  return metrics;
}

/** The gate's verdicts (core/versions), as the gate metrics label them. */
export const GATE_VERDICTS = ['ok', 'regressed', 'insufficient_evidence'] as const;

/** One drill figure (core/drill.ts: drillSummary) as the metrics count it. */
export type DrillObservation =
  | { stage: 'page'; tier: string; scenario: string; seconds: number }
  | { stage: 'ack' | 'resolve'; tier: string; scenario: string; seconds: number; withinSla: boolean | null };

export function recordDrill(metrics: Metrics, o: DrillObservation): void {
  const labels = { tier: o.tier, scenario: o.scenario };
  metrics.drillLast.set({ stage: o.stage, ...labels }, o.seconds);
  if (o.stage === 'page') {
    metrics.drillPages.inc(labels);
    metrics.drillTimeToPage.observe(labels, o.seconds);
    return;
  }
  (o.stage === 'ack' ? metrics.drillTimeToAck : metrics.drillTimeToResolve).observe(labels, o.seconds);
  if (o.withinSla !== null)
    metrics.drillSla.inc({ tier: o.tier, kind: o.stage, result: o.withinSla ? 'met' : 'missed' });
}

/** Counts the incident stage's events. */
export function recordIncidentEvents(metrics: Metrics, events: readonly IncidentEvent[]): void {
  for (const e of events) {
    if (e.type === 'incident_opened') metrics.incidentsOpened.inc({ tier: e.tier });
    else if (e.type === 'incident_resolved') metrics.incidentsResolved.inc({ by: e.by });
    else if (e.type === 'page') metrics.pages.inc({ tier: e.tier });
    else if (e.type === 'page_resolved') metrics.pageResolves.inc({ tier: e.tier });
    else if (e.type === 'page_acknowledged') metrics.pageAcknowledges.inc({ tier: e.tier });
    else if (e.type === 'member_silenced') metrics.membersSilenced.inc();
    else if (e.type === 'member_inhibited') metrics.membersInhibited.inc();
    else if (e.type === 'member_linked') metrics.membersLinked.inc();
    else if (e.type === 'member_late') metrics.membersLate.inc();
  }
}

/** Distinct values seen per label, per registry: the cap of MAX_LABEL_VALUES. */
const seenLabelValues = new WeakMap<Registry, Map<string, Set<string>>>();

/** `value` if the label has room for it (or already has it) on this registry, else OTHER_LABEL. */
function boundedLabel(metrics: Metrics, label: string, value: string): string {
  let labels = seenLabelValues.get(metrics.registry);
  if (!labels) {
    labels = new Map();
    seenLabelValues.set(metrics.registry, labels);
  }
  let seen = labels.get(label);
  if (!seen) {
    seen = new Set();
    labels.set(label, seen);
  }
  if (seen.has(value)) return value;
  if (seen.size >= MAX_LABEL_VALUES) return OTHER_LABEL;
  seen.add(value);
  return value;
}

/**
 * Adds a scored alert's expected_impact_per_hour to expected_impact_routed_total, unless the alert
 * was suppressed (a repeat puts no new impact at risk). Call once per scored alert. A product area
 * that is null or empty counts as 'unassigned'; non-finite or negative impacts are skipped.
 */
export function recordScored(metrics: Metrics, alert: ScoredAlert): void {
  if (alert.dedup.suppressed) return;
  const impact = alert.expected_impact_per_hour;
  if (!Number.isFinite(impact) || impact < 0) return;
  const area = alert.product_area ? alert.product_area : UNASSIGNED_PRODUCT_AREA;
  metrics.expectedImpactRouted.inc(
    { tier: alert.tier, product_area: boundedLabel(metrics, 'product_area', area) },
    impact,
  );
}

export interface SliObservation {
  tier: Tier;
  /** Epoch ms: the alert's event time, where the SLA clock starts (ScoredAlert.sla is relative to it). */
  alertEventTime: number;
  /** Epoch ms of the acknowledgement, when known. */
  ackedAt?: number | undefined;
  /** Epoch ms of the resolution, when known. */
  resolvedAt?: number | undefined;
  /** The tier's ack SLA in ms; null when the tier has none (no breach is ever counted). */
  slaAckMs: number | null;
  /** The tier's resolve SLA in ms; null when the tier has none. */
  slaResolveMs: number | null;
}

/**
 * Observes time-to-ack and time-to-resolve (seconds from the alert's event time; an ack stamped
 * before the event time counts as 0) and counts a breach when it took longer than the SLA (exactly
 * at the deadline is on time). Only what is known is recorded: an alert never acked is not
 * counted here. Call once per alert and timestamp (on the feedback that carries it).
 */
export function recordSli(metrics: Metrics, sli: SliObservation): void {
  const observe = (
    kind: SlaKind,
    at: number | undefined,
    slaMs: number | null,
    histogram: Histogram<'tier'>,
  ) => {
    if (at === undefined || !Number.isFinite(at) || !Number.isFinite(sli.alertEventTime)) return;
    const ms = Math.max(0, at - sli.alertEventTime);
    histogram.observe({ tier: sli.tier }, ms / 1000);
    if (slaMs !== null && ms > slaMs) metrics.slaBreaches.inc({ tier: sli.tier, kind });
  };
  observe('ack', sli.ackedAt, sli.slaAckMs, metrics.timeToAck);
  observe('resolve', sli.resolvedAt, sli.slaResolveMs, metrics.timeToResolve);
}

/**
 * Counts one feedback outcome for the noise share, by the alert's source (detector); a missing
 * source counts as 'unknown'. Noise share = (false_positive + noise) / all outcomes.
 */
export function recordFeedbackOutcome(
  metrics: Metrics,
  outcome: Outcome,
  source: string | null | undefined,
): void {
  const label = source ? boundedLabel(metrics, 'source', source) : UNKNOWN_SOURCE;
  metrics.feedbackOutcomes.inc({ outcome, source: label });
}

const DEPLOY_RESULT: Record<string, DeployResult> = {
  deploy_stored: 'stored',
  deploy_duplicate: 'duplicate',
  deploy_expired: 'expired',
};
const FEEDBACK_RESULT: Record<string, FeedbackResult> = {
  feedback_applied: 'applied',
  feedback_unmatched: 'unmatched',
  feedback_dropped: 'dropped',
};

/**
 * Counts what the core reported for one or more steps. `now` (epoch ms, the wall time the alerts
 * were scored at) feeds event_time_lag_seconds; window_expired is reflected by the gauges the shell
 * sets from the state's sizes, so it is not counted here.
 */
export function recordCoreEvents(
  metrics: Metrics,
  events: readonly CoreEvent[],
  now: number = Date.now(),
): void {
  for (const event of events) {
    switch (event.type) {
      case 'alert_scored':
        metrics.alertsScored.inc({ tier: event.tier });
        if (event.suppressed) metrics.alertsSuppressed.inc();
        else metrics.alertsRouted.inc({ tier: event.tier });
        if (event.late) metrics.alertsLate.inc();
        metrics.eventTimeLag.observe(Math.max(0, now - event.event_time) / 1000);
        break;
      case 'deploy_stored':
      case 'deploy_duplicate':
      case 'deploy_expired':
        metrics.deploysStored.inc({ result: DEPLOY_RESULT[event.type]! });
        break;
      case 'feedback_applied':
      case 'feedback_unmatched':
      case 'feedback_dropped':
        metrics.feedback.inc({ result: FEEDBACK_RESULT[event.type]! });
        break;
      case 'deploy_late':
        metrics.deploysStored.inc({ result: 'late' });
        break;
      case 'window_expired':
      case 'restore_ignored':
        break;
    }
  }
}

/** Counts the recommended actions among a step's outputs (the core reports them as outputs, not events). */
export function recordOutputs(metrics: Metrics, outputs: readonly Output[]): void {
  for (const output of outputs) {
    if (output.kind === 'action') metrics.actions.inc({ type: output.action.type });
  }
}

/** The metrics of `alert-triage notify` (its own registry: the notifier is its own process). */
export const NOTIFY_METRIC_NAMES = [
  'notify_records_total',
  'notify_deliveries_total',
  'notify_retries_total',
  'notify_request_duration_seconds',
].map((n) => METRIC_PREFIX + n);

export interface NotifyMetrics {
  readonly registry: Registry;
  /** label `result`: `routed`, `unrouted`, `invalid`, `drill_withheld`. */
  readonly records: Counter<'result'>;
  /** label `result`: `delivered`, `failed`, `duplicate` (already in the delivery log, not sent again). */
  readonly deliveries: Counter<'receiver' | 'result'>;
  /** label `reason`: `rate_limited` (429), `server_error` (5xx), `timeout`, `network`. */
  readonly retries: Counter<'receiver' | 'reason'>;
  readonly requestDuration: Histogram<'receiver'>;
}

export function createNotifyMetrics(): NotifyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  return {
    registry,
    records: new Counter({
      name: `${METRIC_PREFIX}notify_records_total`,
      help: 'Tier-topic records read by notify, by result: routed, unrouted (no route and no default), invalid, drill_withheld (a drill, not delivered).',
      labelNames: ['result'],
      registers,
    }),
    deliveries: new Counter({
      name: `${METRIC_PREFIX}notify_deliveries_total`,
      help: 'Deliveries by receiver and result: delivered, failed (a 4xx, or retries exhausted), duplicate (skipped: already delivered).',
      labelNames: ['receiver', 'result'],
      registers,
    }),
    retries: new Counter({
      name: `${METRIC_PREFIX}notify_retries_total`,
      help: 'Requests retried, by receiver and reason: rate_limited, server_error, timeout, network.',
      labelNames: ['receiver', 'reason'],
      registers,
    }),
    requestDuration: new Histogram({
      name: `${METRIC_PREFIX}notify_request_duration_seconds`,
      help: 'Time of one request to a receiver, answered or not.',
      labelNames: ['receiver'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
