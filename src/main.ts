// Composition root of `alert-triage run`: config (file + environment), logger, metrics, codec,
// the stream service and its HTTP surface; drains on SIGTERM.

import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { loadConfigFile } from './adapters/file/config-file.ts';
import { handleConsole } from './adapters/http/console-routes.ts';
import { createHttpServer } from './adapters/http/server.ts';
import { createKafka } from './adapters/kafka/client.ts';
import { KafkaIngestProducer } from './adapters/kafka/ingest-producer.ts';
import { KafkaPlainSink } from './adapters/kafka/pipeline-ports.ts';
import { kafkaSilenceStore } from './adapters/kafka/silence-store.ts';
import { codecOptionsOf, createCodec } from './adapters/registry/codec.ts';
import { consoleSilences } from './cli/console-silences.ts';
import { ConsoleReadModel } from './console/read-model.ts';
import { drillOfId } from './core/drill.ts';
import type { AlertFeedback, DeployEvent } from './core/events.ts';
import type { IncidentOutput } from './core/incidents/types.ts';
import { INGEST_ROUTES } from './core/inputs/ingest.ts';
import type { Output } from './core/processor.ts';
import { consoleFeed } from './runtime/console-feed.ts';
import { isDrillOutput, statusRecord } from './runtime/drill-tracker.ts';
import { createIngest } from './runtime/ingest.ts';
import { RegressionPublisher } from './runtime/regression-publisher.ts';
import { metricsObserver } from './runtime/service-metrics.ts';
import { StreamService } from './runtime/stream-service.ts';
import { VersionWatch } from './runtime/version-watch.ts';
import { createLogger, createMetrics } from './telemetry.ts';

/**
 * What the service's console keeps: the latest scored alerts and incidents (each alert ~4 KB). 50,000 held
 * ~200 MB, which a backlog drained with the incident stage showed as memory still growing late in the drain.
 */
const CONSOLE_MAX_ALERTS = 5_000;
export interface RunOptions {
  config?: string;
  env: Record<string, string | undefined>;
  /** Resolves when the service should stop (SIGTERM/SIGINT by default). */
  until?: Promise<unknown>;
}

export async function runService(options: RunOptions): Promise<number> {
  // Listen first: a SIGTERM during start-up must still stop the service cleanly, not kill it.
  const stop =
    options.until ??
    new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
  const config = loadConfigFile(options.config, options.env);
  const logger = createLogger({ level: config.log.level });
  const metrics = createMetrics();
  const codec = createCodec({
    ...codecOptionsOf(config),
    onCompatibility: (o) => {
      if (o.set)
        logger.info(o, `schema registry: subject ${o.subject} had no compatibility level; set ${o.level}`);
      else if (o.level !== o.wanted)
        logger.warn(
          o,
          `schema registry: subject ${o.subject} keeps the compatibility level ${o.level} set on it (not ${o.wanted}): ` +
            'the registry does not hold producers to what this service can read',
        );
    },
  });
  // The live version ledger (GET /v1/gate): fed the committed outputs and every deploy, beside the metrics.
  const watch = new VersionWatch(config);
  // What its regression watch calls (a version_regression incident and its rollback or diagnostic) is
  // written outside the pipeline's transactions: it was fed committed outputs, and its keys are stable.
  const regressionSink = new KafkaPlainSink(createKafka(config, logger, '-versions'));
  const t = config.topics;
  const regressions = new RegressionPublisher({
    codec,
    sink: regressionSink,
    topics: { ...t, ...(config.kafka.incident_stage ? {} : { incidents: undefined }) },
    log: logger,
  });
  watch.onRegression = (outputs) => {
    metrics.gateRegressions.inc(outputs.filter((o) => o.kind === 'incident').length);
    void regressions.publish(outputs);
  };
  const counted = metricsObserver(metrics, config);
  // The console at / reads what the service computed, bounded in memory (the latest 50,000 alerts).
  const consoleModel = new ConsoleReadModel(CONSOLE_MAX_ALERTS);
  const feed = consoleFeed(consoleModel);
  const observer = {
    ...counted,
    outputs: (outputs: Output[]) => {
      counted.outputs?.(outputs);
      // A drill's alerts and deploys are no evidence about a version's serving (docs/DRILLS.md).
      watch.outputs(outputs.some(isDrillOutput) ? outputs.filter((o) => !isDrillOutput(o)) : outputs);
      feed.outputs(outputs);
    },
    incidentOutputs: (outputs: IncidentOutput[]) => {
      counted.incidentOutputs?.(outputs);
      feed.outputs(outputs);
    },
    feedback: (f: AlertFeedback) => {
      counted.feedback?.(f);
      feed.feedback(f);
    },
    deploy: (d: DeployEvent) => {
      if (drillOfId(d.event_id) === null) watch.deploy(d);
    },
  };
  watch.onVerdict = (verdict) => metrics.gateVerdicts.inc({ verdict });
  const census = setInterval(() => {
    const c = watch.census();
    metrics.gateVersionsWatched.set(c.watched);
    for (const [kind, n] of Object.entries(watch.ledger.sizes())) metrics.gateLedgerEntries.set({ kind }, n);
    for (const [verdict, n] of Object.entries(c.byVerdict)) metrics.gateVersions.set({ verdict }, n);
  }, 30_000);
  census.unref();
  const service = new StreamService({ config, logger, codec, observer });
  // POST /v1/ingest/<format>: on only with a token in the environment, which is never logged nor in config.
  const token = options.env.ALERT_TRIAGE_INGEST_TOKEN?.trim() || undefined;
  const ingestProducer = token
    ? new KafkaIngestProducer({ kafka: createKafka(config, logger, '-ingest') })
    : undefined;
  const ingest = ingestProducer
    ? createIngest({ topic: config.topics.alerts, ports: { codec, producer: ingestProducer }, log: logger })
    : undefined;
  // The console writes silences (to ml.silences, which the incident stage reads) only with a token in the
  // environment and the stage on; otherwise it is read-only, and says how to turn writes on.
  const consoleToken = options.env.ALERT_TRIAGE_CONSOLE_TOKEN?.trim() || undefined;
  if (consoleToken && !config.kafka.incident_stage)
    logger.warn(
      'ALERT_TRIAGE_CONSOLE_TOKEN is set but kafka.incident_stage is off: the console stays read-only (silences live on ml.silences, which only the incident stage reads)',
    );
  const consoleStore =
    consoleToken && config.kafka.incident_stage
      ? kafkaSilenceStore({
          kafka: createKafka(config, logger, '-console'),
          topic: config.topics.silences,
          limits: { maxDurationMs: config.incidents.max_silence },
          groupId: `${config.kafka.group_id}.console.${randomBytes(4).toString('hex')}`,
          logger,
          onBad: (bad) => logger.warn(bad, 'console: a bad record on the silence topic, skipped'),
        })
      : undefined;
  const http = createHttpServer({
    port: config.http.port,
    metrics,
    ...(ingest && token
      ? {
          ingest: {
            token,
            maxBodyBytes: config.http.ingest.max_body_bytes,
            formats: INGEST_ROUTES,
            handle: async (format: string, body: unknown) => {
              const answer = await ingest(format, body);
              metrics.ingestAlerts.inc({ format, result: 'accepted' }, answer.accepted);
              metrics.ingestAlerts.inc({ format, result: 'rejected' }, answer.rejected);
              return answer;
            },
            answered: (format: string | null, status: number) =>
              metrics.ingestRequests.inc({ format: format ?? 'unknown', status: String(status) }),
          },
        }
      : {}),
    gate: (query) => watch.answer(query),
    console: (req, res) =>
      handleConsole(req, res, {
        model: consoleModel,
        now: Date.now,
        drills: () => service.drillFigures(),
        ...(consoleToken && consoleStore
          ? {
              token: consoleToken,
              ...consoleSilences({
                store: consoleStore,
                now: Date.now,
                user: `console@${userInfo().username}`,
                limits: { maxDurationMs: config.incidents.max_silence },
                held: () => service.heldSilences() ?? [],
              }),
            }
          : {}),
      }),
    health: () => {
      const h = service.health();
      metrics.ready.set(h.ready ? 1 : 0);
      return h;
    },
  });
  const { port } = await http.start();
  logger.info(
    {
      config_version: config.version,
      brokers: config.kafka.brokers,
      registry: config.registry.url,
      http_port: port,
      ingest: token
        ? `on: POST /v1/ingest/{${INGEST_ROUTES.join(',')}}`
        : 'off (ALERT_TRIAGE_INGEST_TOKEN not set)',
      kafka: config.kafka,
      registry_auth: config.registry,
    },
    'alert-triage starting',
  );
  let failed = false;
  const started = service.start().then(
    () => 'started',
    (err: unknown) => {
      failed = true;
      logger.fatal({ err }, 'alert-triage could not start');
      return 'start failed';
    },
  );
  let reason = await Promise.race([started, stop]);
  if (reason === 'started') {
    logger.info({ config_version: config.version }, 'alert-triage running');
    // Say on topics.status what this service reads and whether it accepts drills: `alert-triage drill`
    // checks there, on the cluster it writes to, before it writes (docs/DRILLS.md). Best effort: a
    // missing topic costs the drills, never the service.
    const instance = config.kafka.instance_id ?? `${hostname()}-${process.pid}`;
    void regressionSink
      .send([statusRecord(config, Date.now(), instance)])
      .then(() =>
        logger.info({ topic: t.status, drills: config.drills.enabled }, 'status published on topics.status'),
      )
      .catch((err: unknown) =>
        logger.warn(
          { err, topic: t.status },
          'could not publish the service status (create the topic with `alert-triage topics`): drills will be refused',
        ),
      );
    reason = await stop;
  }
  logger.info({ reason }, 'stopping: finishing the batch in hand, committing, leaving the group');
  await service.stop();
  await regressions.drain();
  await regressionSink.close();
  await http.stop();
  await ingestProducer?.close();
  await consoleStore?.close();
  logger.info('stopped');
  return failed ? 1 : 0;
}
