// Telemetry: secrets never reach a log line; every metric is registered and counted from the core's events.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { CoreEvent, Output } from '../src/core/processor.ts';
import {
  createLogger,
  createMetrics,
  METRIC_NAMES,
  type Metrics,
  REDACT_PATHS,
  recordCoreEvents,
  recordOutputs,
} from '../src/telemetry.ts';

const SECRET = 'hunter2-very-secret';

function captured() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

/** Resolves once pino's write to the stream has been delivered. */
const flushed = () => new Promise((resolve) => setImmediate(resolve));

async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  assert.ok(metric, `metric ${name} is registered`);
  const sample = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return sample?.value ?? 0;
}

describe('createLogger', () => {
  it('censors nested passwords, SASL and registry credentials, authorization headers, keys and tokens', async () => {
    const out = captured();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        password: SECRET,
        kafka: { brokers: ['kafka:19092'], sasl: { mechanism: 'plain', username: 'svc', password: SECRET } },
        sasl: { password: SECRET },
        registry: { url: 'http://registry:8080', username: 'svc', password: SECRET },
        config: { kafka: { sasl: { password: SECRET }, ssl: { key: SECRET } } },
        headers: { authorization: `Bearer ${SECRET}` },
        req: { headers: { authorization: `Basic ${SECRET}` } },
        ssl: { key: SECRET },
        token: SECRET,
        webhook: { token: SECRET, secret: SECRET },
      },
      'connecting',
    );
    await flushed();
    const text = out.text();
    assert.ok(!text.includes(SECRET), `secret leaked: ${text}`);
    const line = JSON.parse(text);
    assert.equal(line.msg, 'connecting');
    assert.equal(line.level, 'info');
    assert.equal(line.password, '[redacted]');
    assert.equal(line.kafka.sasl.password, '[redacted]');
    assert.equal(line.kafka.sasl.username, 'svc');
    assert.deepEqual(line.kafka.brokers, ['kafka:19092']);
    assert.equal(line.sasl.password, '[redacted]');
    assert.equal(line.registry.password, '[redacted]');
    assert.equal(line.registry.url, 'http://registry:8080');
    assert.equal(line.config.kafka.sasl.password, '[redacted]');
    assert.equal(line.config.kafka.ssl.key, '[redacted]');
    assert.equal(line.headers.authorization, '[redacted]');
    assert.equal(line.req.headers.authorization, '[redacted]');
    assert.equal(line.ssl.key, '[redacted]');
    assert.equal(line.token, '[redacted]');
    assert.deepEqual(line.webhook, { token: '[redacted]', secret: '[redacted]' });
  });

  it('redacts in child loggers and honours the level', async () => {
    const out = captured();
    const log = createLogger({ level: 'warn', destination: out.stream }).child({ component: 'consumer' });
    log.info({ password: SECRET }, 'hidden by level');
    log.warn({ sasl: { password: SECRET } }, 'shown');
    await flushed();
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].component, 'consumer');
    assert.equal(lines[0].sasl.password, '[redacted]');
  });

  it('explains what pretty output needs when pino-pretty is missing', (t) => {
    try {
      import.meta.resolve('pino-pretty');
      t.skip('pino-pretty is installed');
      return;
    } catch {}
    assert.throws(() => createLogger({ level: 'info', pretty: true }), /pino-pretty/);
  });

  it('exports the redact paths the brief names', () => {
    for (const path of ['password', '*.password', 'sasl.password', '*.sasl.password', 'registry.password']) {
      assert.ok(REDACT_PATHS.includes(path), path);
    }
    for (const path of ['*.authorization', 'headers.authorization', 'ssl.key', '*.key', 'token', '*.token']) {
      assert.ok(REDACT_PATHS.includes(path), path);
    }
    assert.ok(REDACT_PATHS.includes('secret') && REDACT_PATHS.includes('*.secret'));
  });
});

const T = Date.UTC(2026, 10, 16, 12);
const SAMPLE_EVENTS: CoreEvent[] = [
  {
    type: 'alert_scored',
    alert_id: 'a1',
    tier: 'P1',
    priority: 82,
    suppressed: false,
    late: false,
    event_time: T - 2_000,
  },
  {
    type: 'alert_scored',
    alert_id: 'a2',
    tier: 'P1',
    priority: 80,
    suppressed: true,
    late: false,
    event_time: T - 2_000,
  },
  {
    type: 'alert_scored',
    alert_id: 'a3',
    tier: 'P3',
    priority: 35,
    suppressed: false,
    late: true,
    event_time: T - 7_200_000,
  },
  { type: 'deploy_stored', event_id: 'd1', event_time: T },
  { type: 'deploy_stored', event_id: 'd2', event_time: T },
  { type: 'deploy_duplicate', event_id: 'd1', event_time: T },
  { type: 'deploy_expired', event_id: 'd0', event_time: T - 86_400_000 * 2 },
  { type: 'feedback_applied', alert_id: 'a1', outcome: 'actionable' },
  { type: 'feedback_unmatched', alert_id: 'zz', outcome: 'noise' },
  { type: 'feedback_dropped', alert_id: 'a9', outcome: 'false_positive' },
  { type: 'window_expired', deploys: 3, fingerprints: 1 },
];

describe('createMetrics + recordCoreEvents', () => {
  it('counts the core events by tier and result', async () => {
    const metrics = createMetrics();
    recordCoreEvents(metrics, SAMPLE_EVENTS, T);
    const p = 'alert_triage_';
    assert.equal(await value(metrics, `${p}alerts_scored_total`, { tier: 'P1' }), 2);
    assert.equal(await value(metrics, `${p}alerts_scored_total`, { tier: 'P3' }), 1);
    assert.equal(await value(metrics, `${p}alerts_routed_total`, { tier: 'P1' }), 1);
    assert.equal(await value(metrics, `${p}alerts_routed_total`, { tier: 'P3' }), 1);
    assert.equal(await value(metrics, `${p}alerts_suppressed_total`), 1);
    assert.equal(await value(metrics, `${p}alerts_late_total`), 1);
    assert.equal(await value(metrics, `${p}deploys_stored_total`, { result: 'stored' }), 2);
    assert.equal(await value(metrics, `${p}deploys_stored_total`, { result: 'duplicate' }), 1);
    assert.equal(await value(metrics, `${p}deploys_stored_total`, { result: 'expired' }), 1);
    for (const result of ['applied', 'unmatched', 'dropped']) {
      assert.equal(await value(metrics, `${p}feedback_total`, { result }), 1, result);
    }
    const text = await metrics.registry.metrics();
    assert.match(text, /^alert_triage_event_time_lag_seconds_count 3$/m);
    assert.match(text, new RegExp(`^alert_triage_event_time_lag_seconds_sum ${2 + 2 + 7200}$`, 'm'));
    assert.match(text, /^alert_triage_event_time_lag_seconds_bucket\{le="1"\} 0$/m);
    assert.match(text, /^alert_triage_event_time_lag_seconds_bucket\{le="5"\} 2$/m);
  });

  it('counts recommended actions from the outputs', async () => {
    const metrics = createMetrics();
    const action = (type: 'rollback' | 'diagnostic') =>
      ({ kind: 'action', key: 'm', action: { type } }) as Output;
    recordOutputs(metrics, [action('rollback'), action('diagnostic'), action('diagnostic')]);
    assert.equal(await value(metrics, 'alert_triage_actions_total', { type: 'rollback' }), 1);
    assert.equal(await value(metrics, 'alert_triage_actions_total', { type: 'diagnostic' }), 2);
  });

  it('exposes every metric, documented, with its samples, in the Prometheus text format', async () => {
    const metrics = createMetrics();
    recordCoreEvents(metrics, SAMPLE_EVENTS, T);
    metrics.recordsConsumed.inc({ topic: 'ml.anomalies' }, 3);
    metrics.dlqRecords.inc({ reason: 'MALFORMED_JSON' });
    metrics.actions.inc({ type: 'rollback' });
    metrics.processingLatency.observe(0.004);
    metrics.consumerLag.set({ topic: 'ml.anomalies', partition: '0' }, 12);
    metrics.windowStoreEntries.set(40);
    metrics.dedupEntries.set(7);
    metrics.rebalances.inc();
    metrics.transactions.inc({ result: 'committed' });
    metrics.retries.inc({ reason: 'broker' });
    metrics.ready.set(1);
    const text = await metrics.registry.metrics();
    assert.equal(METRIC_NAMES.length, 18);
    for (const name of METRIC_NAMES) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has help text`);
      assert.match(
        text,
        new RegExp(`^${name}(_bucket|_sum|_count)?(\\{[^}]*\\})? \\d`, 'm'),
        `${name} has a sample`,
      );
    }
    assert.match(text, /^# TYPE alert_triage_processing_latency_seconds histogram$/m);
    assert.match(text, /^alert_triage_processing_latency_seconds_bucket\{le="0\.0001"\} 0$/m);
    assert.match(text, /^alert_triage_event_time_lag_seconds_bucket\{le="86400"\} 3$/m);
    assert.match(text, /^alert_triage_consumer_lag\{topic="ml\.anomalies",partition="0"\} 12$/m);
    assert.match(text, /^alert_triage_ready 1$/m);
    // default process metrics, on this registry and with the prefix
    assert.match(text, /^alert_triage_process_cpu_user_seconds_total /m);
    assert.match(text, /^alert_triage_nodejs_eventloop_lag_seconds /m);
  });

  it('starts not ready', async () => {
    assert.equal(await value(createMetrics(), 'alert_triage_ready'), 0);
  });

  it('gives each call its own registry: several instances do not conflict', async () => {
    const a = createMetrics();
    const b = createMetrics();
    assert.notEqual(a.registry, b.registry);
    a.rebalances.inc();
    assert.equal(await value(a, 'alert_triage_rebalances_total'), 1);
    assert.equal(await value(b, 'alert_triage_rebalances_total'), 0);
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('alert_triage_rebalances_total'), undefined);
  });
});
