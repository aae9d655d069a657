// Telemetry: secrets never reach a log line; every metric is registered and counted from the core's events.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { CoreEvent, Output, ScoredAlert } from '../src/core/processor.ts';
import {
  createLogger,
  createMetrics,
  MAX_LABEL_VALUES,
  METRIC_NAMES,
  type Metrics,
  OTHER_LABEL,
  REDACT_PATHS,
  recordCoreEvents,
  recordDrill,
  recordFeedbackOutcome,
  recordIncidentEvents,
  recordOutputs,
  recordScored,
  recordSli,
  SLI_BUCKETS,
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
  {
    type: 'feedback_applied',
    alert_id: 'a1',
    outcome: 'actionable',
    source: 'evidently',
    tier: 'P1',
    alert_event_time: T - 3_600_000,
    acked_at: null,
    resolved_at: null,
    learned_root_cause: false,
  },
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
    metrics.expectedImpactRouted.inc({ tier: 'P1', product_area: 'checkout' }, 1200);
    metrics.timeToAck.observe({ tier: 'P1' }, 600);
    metrics.timeToResolve.observe({ tier: 'P1' }, 7200);
    metrics.feedbackOutcomes.inc({ outcome: 'noise', source: 'drift-monitor' });
    metrics.gateVersionsWatched.set(3);
    metrics.gateVersions.set({ verdict: 'regressed' }, 1);
    metrics.gateLedgerEntries.set({ kind: 'hours' }, 3);
    metrics.gateVerdicts.inc({ verdict: 'ok' });
    recordIncidentEvents(metrics, [
      { type: 'incident_opened', incident_id: 'i', key: 'change:c', tier: 'P1', event_time: T },
      { type: 'incident_resolved', incident_id: 'i', by: 'timeout', at: T, members: 2 },
      { type: 'page', incident_id: 'i', alert_id: 'a', tier: 'P1' },
      { type: 'page_resolved', incident_id: 'i', page_id: 'i:1:resolve', tier: 'P1' },
      { type: 'member_silenced', alert_id: 'b', silence_id: 's' },
      { type: 'member_inhibited', alert_id: 'c', incident_id: 'i' },
      { type: 'member_linked', alert_id: 'e', incident_id: 'i', service: 'feature-store' },
      { type: 'member_late', alert_id: 'd', event_time: T },
    ]);
    metrics.incidentsOpen.set(1);
    metrics.incidentMembersWaiting.set(4);
    recordDrill(metrics, { stage: 'page', tier: 'P1', scenario: 'bad-deploy', seconds: 3.5 });
    recordDrill(metrics, { stage: 'ack', tier: 'P1', scenario: 'bad-deploy', seconds: 240, withinSla: true });
    recordDrill(metrics, {
      stage: 'resolve',
      tier: 'P1',
      scenario: 'bad-deploy',
      seconds: 20_000,
      withinSla: false,
    });
    const text = await metrics.registry.metrics();
    assert.equal(METRIC_NAMES.length, 44);
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
    assert.match(text, /^alert_triage_pages_total\{tier="P1"\} 1$/m);
    // A resolve is counted apart: never as a page.
    assert.match(text, /^alert_triage_page_resolves_total\{tier="P1"\} 1$/m);
    assert.match(text, /^alert_triage_incidents_opened_total\{tier="P1"\} 1$/m);
    assert.match(text, /^alert_triage_incident_members_linked_total 1$/m);
    // Drills: their own figures, by tier and scenario, and against the SLA.
    assert.match(
      text,
      /^alert_triage_drill_time_to_page_seconds_bucket\{le="5",tier="P1",scenario="bad-deploy"\} 1$/m,
    );
    assert.match(
      text,
      /^alert_triage_drill_last_seconds\{stage="ack",tier="P1",scenario="bad-deploy"\} 240$/m,
    );
    assert.match(text, /^alert_triage_drill_sla_total\{tier="P1",kind="ack",result="met"\} 1$/m);
    assert.match(text, /^alert_triage_drill_sla_total\{tier="P1",kind="resolve",result="missed"\} 1$/m);
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

const MIN = 60_000;
const HOUR = 60 * MIN;
const P = 'alert_triage_';

function scored(over: {
  tier?: ScoredAlert['tier'];
  impact?: number;
  product_area?: string | null;
  suppressed?: boolean;
}): ScoredAlert {
  return {
    tier: over.tier ?? 'P1',
    expected_impact_per_hour: over.impact ?? 100,
    product_area: over.product_area === undefined ? 'checkout' : over.product_area,
    dedup: { fingerprint: 'f', occurrences: 1, suppressed: over.suppressed ?? false },
  } as ScoredAlert;
}

describe('recordScored', () => {
  it('sums expected impact per hour over routed alerts, by tier and product area', async () => {
    const metrics = createMetrics();
    recordScored(metrics, scored({ tier: 'P1', impact: 1200.5, product_area: 'checkout' }));
    recordScored(metrics, scored({ tier: 'P1', impact: 300, product_area: 'checkout' }));
    recordScored(metrics, scored({ tier: 'P2', impact: 40, product_area: 'search' }));
    const name = `${P}expected_impact_routed_total`;
    assert.equal(await value(metrics, name, { tier: 'P1', product_area: 'checkout' }), 1500.5);
    assert.equal(await value(metrics, name, { tier: 'P2', product_area: 'search' }), 40);
    const text = await metrics.registry.metrics();
    assert.match(text, /^# TYPE alert_triage_expected_impact_routed_total counter$/m);
    assert.match(
      text,
      /^alert_triage_expected_impact_routed_total\{tier="P1",product_area="checkout"\} 1500\.5$/m,
    );
  });

  it('skips suppressed repeats and unusable impacts; a missing product area is unassigned', async () => {
    const metrics = createMetrics();
    recordScored(metrics, scored({ impact: 999, suppressed: true }));
    recordScored(metrics, scored({ impact: Number.NaN }));
    recordScored(metrics, scored({ impact: -5 }));
    recordScored(metrics, scored({ tier: 'P3', impact: 7, product_area: null }));
    recordScored(metrics, scored({ tier: 'P3', impact: 3, product_area: '' }));
    const metric = await metrics.registry.getSingleMetric(`${P}expected_impact_routed_total`)!.get();
    assert.deepEqual(
      metric.values.map((v) => ({ labels: v.labels, value: v.value })),
      [{ labels: { tier: 'P3', product_area: 'unassigned' }, value: 10 }],
    );
  });

  it('caps the number of product areas; newcomers past the cap count as other', async () => {
    const metrics = createMetrics();
    for (let i = 0; i < MAX_LABEL_VALUES + 5; i++) {
      recordScored(metrics, scored({ impact: 1, product_area: `area-${i}` }));
    }
    recordScored(metrics, scored({ impact: 1, product_area: 'area-0' }));
    const metric = await metrics.registry.getSingleMetric(`${P}expected_impact_routed_total`)!.get();
    const areas = new Set(metric.values.map((v) => v.labels.product_area));
    assert.equal(areas.size, MAX_LABEL_VALUES + 1);
    assert.ok(areas.has(OTHER_LABEL));
    const name = `${P}expected_impact_routed_total`;
    assert.equal(await value(metrics, name, { product_area: OTHER_LABEL }), 5);
    assert.equal(await value(metrics, name, { product_area: 'area-0' }), 2);
    // the cap is per registry: another instance starts afresh
    const other = createMetrics();
    recordScored(other, scored({ impact: 1, product_area: `area-${MAX_LABEL_VALUES + 1}` }));
    assert.equal(await value(other, name, { product_area: `area-${MAX_LABEL_VALUES + 1}` }), 1);
  });
});

describe('recordSli', () => {
  const P1_SLA = { slaAckMs: 15 * MIN, slaResolveMs: 4 * HOUR };

  it('observes time to ack and resolve in seconds from the event time, by tier', async () => {
    const metrics = createMetrics();
    recordSli(metrics, {
      tier: 'P1',
      alertEventTime: T,
      ackedAt: T + 10 * MIN,
      resolvedAt: T + 3 * HOUR,
      ...P1_SLA,
    });
    const text = await metrics.registry.metrics();
    assert.match(text, /^# TYPE alert_triage_time_to_ack_seconds histogram$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_sum\{tier="P1"\} 600$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_count\{tier="P1"\} 1$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_bucket\{le="300",tier="P1"\} 0$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_bucket\{le="900",tier="P1"\} 1$/m);
    assert.match(text, /^alert_triage_time_to_resolve_seconds_sum\{tier="P1"\} 10800$/m);
    assert.match(text, /^alert_triage_time_to_resolve_seconds_bucket\{le="7200",tier="P1"\} 0$/m);
    assert.match(text, /^alert_triage_time_to_resolve_seconds_bucket\{le="14400",tier="P1"\} 1$/m);
    for (const kind of ['ack', 'resolve']) {
      assert.equal(await value(metrics, `${P}sla_breaches_total`, { tier: 'P1', kind }), 0, kind);
    }
  });

  it('counts a breach only when later than the SLA; the deadline itself is on time', async () => {
    const metrics = createMetrics();
    const breaches = (tier: string, kind: string) => value(metrics, `${P}sla_breaches_total`, { tier, kind });
    recordSli(metrics, {
      tier: 'P1',
      alertEventTime: T,
      ackedAt: T + 15 * MIN,
      resolvedAt: T + 4 * HOUR,
      ...P1_SLA,
    });
    assert.equal(await breaches('P1', 'ack'), 0);
    assert.equal(await breaches('P1', 'resolve'), 0);
    recordSli(metrics, { tier: 'P1', alertEventTime: T, ackedAt: T + 15 * MIN + 1, ...P1_SLA });
    assert.equal(await breaches('P1', 'ack'), 1);
    assert.equal(await breaches('P1', 'resolve'), 0);
    recordSli(metrics, {
      tier: 'P2',
      alertEventTime: T,
      resolvedAt: T + 25 * HOUR,
      slaAckMs: HOUR,
      slaResolveMs: 24 * HOUR,
    });
    assert.equal(await breaches('P2', 'ack'), 0);
    assert.equal(await breaches('P2', 'resolve'), 1);
    assert.equal(await breaches('P1', 'resolve'), 0);
  });

  it('never counts a breach for a tier without an SLA, and records only known timestamps', async () => {
    const metrics = createMetrics();
    recordSli(metrics, {
      tier: 'P4',
      alertEventTime: T,
      ackedAt: T + 30 * 86_400_000,
      resolvedAt: T + 60 * 86_400_000,
      slaAckMs: null,
      slaResolveMs: null,
    });
    recordSli(metrics, { tier: 'P2', alertEventTime: T, slaAckMs: HOUR, slaResolveMs: 24 * HOUR });
    recordSli(metrics, {
      tier: 'P3',
      alertEventTime: T,
      ackedAt: T - 5_000,
      slaAckMs: 86_400_000,
      slaResolveMs: null,
    });
    const text = await metrics.registry.metrics();
    assert.match(text, /^alert_triage_time_to_ack_seconds_count\{tier="P4"\} 1$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_bucket\{le="1209600",tier="P4"\} 0$/m);
    assert.match(text, /^alert_triage_time_to_ack_seconds_bucket\{le="\+Inf",tier="P4"\} 1$/m);
    assert.doesNotMatch(text, /^alert_triage_time_to_\w+_seconds_count\{tier="P2"\}/m);
    // an ack stamped before the event time (clock skew) counts as 0 s
    assert.match(text, /^alert_triage_time_to_ack_seconds_sum\{tier="P3"\} 0$/m);
    for (const tier of ['P2', 'P3', 'P4']) {
      for (const kind of ['ack', 'resolve']) {
        assert.equal(await value(metrics, `${P}sla_breaches_total`, { tier, kind }), 0, `${tier} ${kind}`);
      }
    }
  });

  it('exposes a zero breach series for every tier and kind from the start', async () => {
    const text = await createMetrics().registry.metrics();
    for (const tier of ['P1', 'P2', 'P3', 'P4']) {
      for (const kind of ['ack', 'resolve']) {
        assert.match(
          text,
          new RegExp(`^alert_triage_sla_breaches_total\\{tier="${tier}",kind="${kind}"\\} 0$`, 'm'),
        );
      }
    }
  });

  it('buckets from one minute to fourteen days, with the default SLAs as bounds', () => {
    assert.equal(SLI_BUCKETS[0], 60);
    assert.equal(SLI_BUCKETS.at(-1), 14 * 86_400);
    for (const sla of [15 * 60, 3600, 4 * 3600, 24 * 3600, 7 * 86_400])
      assert.ok(SLI_BUCKETS.includes(sla), `${sla}`);
    assert.deepEqual(
      [...SLI_BUCKETS].sort((a, b) => a - b),
      SLI_BUCKETS,
    );
  });
});

describe('recordFeedbackOutcome', () => {
  it('counts outcomes by source, so the noise share can be computed', async () => {
    const metrics = createMetrics();
    recordFeedbackOutcome(metrics, 'actionable', 'drift-monitor');
    recordFeedbackOutcome(metrics, 'false_positive', 'drift-monitor');
    recordFeedbackOutcome(metrics, 'noise', 'drift-monitor');
    recordFeedbackOutcome(metrics, 'noise', 'drift-monitor');
    recordFeedbackOutcome(metrics, 'duplicate', undefined);
    recordFeedbackOutcome(metrics, 'actionable', null);
    const name = `${P}feedback_outcomes_total`;
    assert.equal(await value(metrics, name, { outcome: 'noise', source: 'drift-monitor' }), 2);
    assert.equal(await value(metrics, name, { outcome: 'false_positive', source: 'drift-monitor' }), 1);
    assert.equal(await value(metrics, name, { outcome: 'duplicate', source: 'unknown' }), 1);
    assert.equal(await value(metrics, name, { outcome: 'actionable', source: 'unknown' }), 1);
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    const all = metric.values.reduce((n, v) => n + v.value, 0);
    const noisy = metric.values
      .filter((v) => v.labels.outcome === 'false_positive' || v.labels.outcome === 'noise')
      .reduce((n, v) => n + v.value, 0);
    assert.equal(noisy / all, 3 / 6);
  });

  it('caps the number of sources', async () => {
    const metrics = createMetrics();
    for (let i = 0; i <= MAX_LABEL_VALUES; i++) recordFeedbackOutcome(metrics, 'noise', `detector-${i}`);
    const name = `${P}feedback_outcomes_total`;
    assert.equal(await value(metrics, name, { source: OTHER_LABEL }), 1);
    assert.equal(await value(metrics, name, { source: `detector-${MAX_LABEL_VALUES}` }), 0);
  });
});
