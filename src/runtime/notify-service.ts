// `alert-triage notify` on Kafka: a consumer group (`<group_id>.notify`, read_committed) on the tier
// topics; each record delivered by the Notifier, its offset committed only once every delivery of it is
// over (delivered, or failed for good). The delivery log (topics.notify_log) is read back before the
// first fetch, so what a previous run delivered is skipped even if its offset was never committed.
import { hostname } from 'node:os';
import type { EachBatchPayload } from 'kafkajs';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { createHttpServer } from '../adapters/http/server.ts';
import { partitionCounts } from '../adapters/kafka/admin.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { DeliveryLogTopic } from '../adapters/kafka/delivery-log-topic.ts';
import { codecOptionsOf, createCodec } from '../adapters/registry/codec.ts';
import { tierRecordFromWire } from '../adapters/registry/tier-wire.ts';
import { isConfluentFramed } from '../adapters/registry/wire-format.ts';
import { createLogger, createNotifyMetrics } from '../telemetry.ts';
import { Notifier } from './notifier.ts';
import { livePorts, notifyObserver, summaryOf } from './notify-observer.ts';
import { buildReceivers } from './notify-receivers.ts';

export interface NotifyServiceOptions {
  /** `--deliver-drills`: a drill's records reach the receivers too (docs/DRILLS.md). */
  deliverDrills?: boolean;
  config?: string;
  env: Record<string, string | undefined>;
  until?: Promise<unknown>;
}

export async function runNotifyService(options: NotifyServiceOptions): Promise<number> {
  let stop!: (reason: string) => void;
  const stopped = new Promise<string>((r) => {
    stop = r;
  });
  const onSignal = (s: string) => () => stop(s);
  process.once('SIGTERM', onSignal('SIGTERM'));
  process.once('SIGINT', onSignal('SIGINT'));
  void options.until?.then(() => stop('until'));
  const stopping = new AbortController();
  const config = loadConfigFile(options.config, options.env);
  const receivers = buildReceivers(config.notify, options.env, options.config);
  const logger = createLogger({ level: config.log.level });
  const metrics = createNotifyMetrics();
  const { observe, tally } = notifyObserver(logger, metrics);
  const kafka = createKafka(config, logger, '-notify');
  const admin = kafka.admin();
  const log = new DeliveryLogTopic(kafka, config.topics.notify_log);
  const notifier = new Notifier(
    config.notify,
    receivers,
    livePorts((e) => log.append(e), metrics, stopping.signal),
    observe,
    { deliverDrills: options.deliverDrills === true || config.drills.deliver },
  );
  void stopped.then(() => {
    notifier.stop();
    stopping.abort();
  });
  // Tier records written with output.format avro (tier-record.avsc) are decoded through the registry;
  // JSON ones parsed as they are. Each record says which it is by its first byte (Confluent framing).
  const codec = createCodec(codecOptionsOf(config));
  const topics = config.notify.tiers.map((t) => config.topics[t]);
  const groupId = `${config.kafka.group_id}.notify`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: config.kafka.session_timeout,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 200,
  });
  let ready = false;
  const http = createHttpServer({
    port: config.http.port,
    metrics,
    health: () => ({ live: true, ready, details: { delivered: notifier.delivered } }),
  });
  const { port } = await http.start();
  logger.info(
    {
      config_version: config.version,
      topics,
      group_id: groupId,
      receivers: Object.keys(receivers),
      http_port: port,
    },
    'alert-triage notify starting',
  );
  let failed = false;
  try {
    await admin.connect();
    await partitionCounts(admin, [...topics, config.topics.notify_log]);
    const instance = config.kafka.instance_id ?? `${hostname()}-${process.pid}`;
    const restored = notifier.restore(await log.readAll(admin, `${groupId}-log-${instance}`));
    await log.connect();
    logger.info({ restored, topic: config.topics.notify_log }, 'notify: delivery log read back');
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      ready = true;
      logger.info(
        { member: payload.memberId, assignment: payload.memberAssignment },
        'notify running: in its group',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: config.notify.start_from === 'earliest' });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (p) => deliverBatch(p),
    });
  } catch (err) {
    failed = true;
    logger.fatal({ err }, 'alert-triage notify could not start');
    stop('start failed');
  }

  async function deliverBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Long retries must not cost the group membership: heartbeat while a record is being delivered.
    const beat = setInterval(() => void heartbeat().catch(() => {}), 3_000);
    try {
      for (const m of batch.messages) {
        if (!isRunning() || isStale()) return;
        const source = `${batch.topic}[${batch.partition}]@${m.offset}`;
        tally.records++;
        let value: unknown;
        if (m.value && isConfluentFramed(m.value)) {
          try {
            value = tierRecordFromWire((await codec.decode(m.value)) as Record<string, unknown>);
          } catch (e) {
            observe({
              type: 'invalid',
              source,
              error: {
                code: 'AVRO_DECODE_FAILED',
                field: '',
                message: `not a tier record in Avro: ${(e as Error).message}`,
              },
            });
            value = undefined;
          }
        } else
          try {
            value = m.value ? JSON.parse(m.value.toString('utf8')) : null;
          } catch (e) {
            observe({
              type: 'invalid',
              source,
              error: { code: 'MALFORMED_JSON', field: '', message: `not JSON: ${(e as Error).message}` },
            });
            value = undefined;
          }
        if (value !== undefined && (await notifier.deliver(value, source)) === 'stopped') return;
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(m.offset) + 1n).toString() },
        ]);
      }
    } finally {
      clearInterval(beat);
    }
  }

  const reason = await stopped;
  logger.info({ reason }, 'notify stopping: finishing the deliveries in flight, leaving the group');
  notifier.stop();
  await consumer.disconnect().catch((err: unknown) => logger.warn({ err }, 'notify: consumer disconnect'));
  await log.close().catch(() => {});
  await admin.disconnect().catch(() => {});
  await http.stop();
  logger.info({ summary: summaryOf(tally) }, 'notify stopped');
  return failed ? 1 : 0;
}
