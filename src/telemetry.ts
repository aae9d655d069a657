// Logging and metrics for the shell, behind one small interface: pino JSON logs with secrets
// redacted, and prom-client metrics on a registry of their own. The core never sees either; it
// returns CoreEvents, and recordCoreEvents / recordOutputs turn them into counts here.
import { type LevelWithSilent, type Logger as PinoLogger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreEvent, Output } from './core/processor.ts';

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
  'rebalances_total',
  'transactions_total',
  'retries_total',
  'ready',
].map((n) => METRIC_PREFIX + n);

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

export type DeployResult = 'stored' | 'duplicate' | 'expired';
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
  readonly rebalances: Counter;
  /** label `result`: TransactionResult */
  readonly transactions: Counter<'result'>;
  readonly retries: Counter<'reason'>;
  /** 1 once deploy state is rebuilt and the consumers are in their group, else 0. */
  readonly ready: Gauge;
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
  const histogram = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name: METRIC_PREFIX + name, help, buckets, registers });

  const ready = gauge(
    'ready',
    'Whether the service is ready: 1 once deploy state is rebuilt and the consumers are in their group, else 0.',
  );
  ready.set(0);
  return {
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
      'Deploy events offered to the deploy window, by result: stored, duplicate or expired.',
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
    rebalances: counter('rebalances_total', 'Consumer group rebalances this instance went through.'),
    transactions: counter('transactions_total', 'Producer transactions, by result: committed or aborted.', [
      'result',
    ]),
    retries: counter('retries_total', 'Retries of transient faults (broker, schema registry), by reason.', [
      'reason',
    ]),
    ready,
  };
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
      case 'window_expired':
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
