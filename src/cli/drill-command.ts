// `alert-triage drill` (docs/DRILLS.md): builds a labelled drill from the sample world's scenarios on the
// config's catalog (src/sample/drill.ts), checks on topics.status that the cluster's service reading those
// topics is drill-enabled, and produces the drill's change events and alerts to its input topics at
// their (squeezed) times. The last line on stdout is one JSON object: the drill and how to acknowledge it.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { KafkaIngestProducer } from '../adapters/kafka/ingest-producer.ts';
import { readStatuses } from '../adapters/kafka/status-topic.ts';
import type { Config } from '../config.ts';
import { drillTarget } from '../core/drill.ts';
import { buildDrill, type Drill, DrillError } from '../sample/drill.ts';
import { createLogger } from '../telemetry.ts';
import { type CliIo, EXIT } from './score-command.ts';

export interface DrillOptions {
  scenario: string;
  model?: string;
  config?: string;
  brokers?: string;
  speed: number;
  seed?: number;
  dryRun?: boolean;
  timeout: number;
}

/** Exit code of a drill refused: the cluster has no drill-enabled service reading those topics. */
export const DRILL_REFUSED = 3;

/** What a person (or a test) sends to topics.feedback to acknowledge the drill's page now. */
export function ackFeedback(drill: Drill, now: number): Record<string, unknown> {
  const first = drill.records.find((r) => r.kind === 'alert');
  return {
    alert_id: first ? (first.value as { alert_id: string }).alert_id : '',
    event_time: now,
    outcome: 'actionable',
    acked_at: now,
  };
}

function summaryLine(drill: Drill, config: Config, extra: Record<string, unknown>): string {
  return JSON.stringify({
    drill_id: drill.drill_id,
    scenario: drill.scenario,
    models: drill.models,
    service: drill.service,
    expected_tier: drill.expected_tier,
    summary: drill.summary,
    alerts: drill.records.filter((r) => r.kind === 'alert').length,
    deploys: drill.records.filter((r) => r.kind === 'deploy').length,
    started_at: drill.started_at,
    ends_at: drill.ends_at,
    topics: { alerts: config.topics.alerts, deployments: config.topics.deployments },
    ack: { topic: config.topics.feedback, record: ackFeedback(drill, drill.ends_at) },
    ...extra,
  });
}

export async function drillCommand(opts: DrillOptions, io: CliIo): Promise<number> {
  const loaded = loadConfigFile(opts.config, process.env);
  const config: Config = opts.brokers
    ? { ...loaded, kafka: { ...loaded.kafka, brokers: opts.brokers.split(',').map((b) => b.trim()) } }
    : loaded;
  let drill: Drill;
  try {
    drill = buildDrill({
      scenario: opts.scenario,
      ...(opts.model === undefined ? {} : { model: opts.model }),
      seed: opts.seed ?? Date.now() % 0x10000,
      now: Date.now(),
      speed: opts.speed,
      models: config.models,
    });
  } catch (err) {
    if (err instanceof DrillError) {
      io.stderr.write(`alert-triage drill: ${err.code}: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
  const topicOf = (kind: 'alert' | 'deploy') =>
    kind === 'alert' ? config.topics.alerts : config.topics.deployments;
  if (opts.dryRun) {
    for (const r of drill.records)
      io.stdout.write(
        `${JSON.stringify({ at: r.at, topic: topicOf(r.kind), key: r.key, headers: r.headers, value: r.value })}\n`,
      );
    io.stdout.write(`${summaryLine(drill, config, { dry_run: true })}\n`);
    return EXIT.ok;
  }

  const logger = createLogger({ level: 'error', destination: io.stderr });
  const kafka = createKafka(config, logger, '-drill');
  const statuses = await readStatuses({
    kafka,
    topic: config.topics.status,
    logger,
    groupId: `${config.kafka.group_id}.drill.${process.pid}-${Date.now()}`,
    timeoutMs: opts.timeout * 1000,
  });
  const target = drillTarget(statuses, {
    alerts: config.topics.alerts,
    deployments: config.topics.deployments,
  });
  if (!target.ok) {
    io.stderr.write(`alert-triage drill: ${target.refusal.code}: ${target.refusal.message}\n`);
    return DRILL_REFUSED;
  }
  io.stderr.write(
    `drill ${drill.drill_id}: ${drill.summary}\n` +
      `  service: group ${target.service.group_id} (instance ${target.service.instance}, drills enabled)\n` +
      `  ${drill.records.length} records to ${config.topics.alerts} and ${config.topics.deployments} over ` +
      `${Math.round((drill.ends_at - Date.now()) / 1000)} s (--speed ${drill.speed})\n`,
  );
  const producer = new KafkaIngestProducer({ kafka });
  try {
    for (const r of drill.records) {
      const wait = r.at - Date.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      await producer.send(topicOf(r.kind), [
        { key: r.key, value: JSON.stringify(r.value), headers: r.headers },
      ]);
      const id =
        r.kind === 'alert'
          ? (r.value as { alert_id: string }).alert_id
          : (r.value as { event_id: string }).event_id;
      io.stderr.write(`  ${new Date().toISOString()} ${r.kind} ${id} → ${topicOf(r.kind)}\n`);
    }
  } finally {
    await producer.close();
  }
  io.stdout.write(`${summaryLine(drill, config, { group_id: target.service.group_id })}\n`);
  return EXIT.ok;
}
