// `alert-triage topics`: every topic the service reads or writes, with partitions, retention and compaction.
import type { Admin, ITopicConfig } from 'kafkajs';
import { type Config, incidentStageNames } from '../../config.ts';
import { DELIVERY_MEMORY_MS } from '../../core/notify/delivery-book.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface TopicSpec {
  topic: string;
  partitions: number;
  configs: Record<string, string>;
}

/** The topic plan, pure, so it can be printed and tested without a broker. */
export function topicSpecs(config: Config): TopicSpec[] {
  const t = config.topics;
  const p = config.kafka.partitions;
  const retain = (days: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(days * DAY_MS) });
  // Deploys must outlive the window the service rebuilds at start; keep a week beyond it.
  const deployDays = Math.ceil(config.windows.deploy_retention / DAY_MS) + 7;
  const feedbackDays = Math.ceil(config.windows.feedback_lookup / DAY_MS) + 7;
  const compacted = {
    'cleanup.policy': 'compact',
    'min.compaction.lag.ms': '60000',
    'segment.ms': String(HOUR_MS),
    'delete.retention.ms': String(HOUR_MS),
    'min.cleanable.dirty.ratio': '0.25',
  };
  const names = incidentStageNames(config);
  // The incident stage's topics, with it on: its repartition topic (kept like the alerts), the changelog
  // of its books (compacted, partitioned like it), the incident records (compacted, key incident_id) and
  // the silences (compacted, key silence id). One partition for the silences: a handful a day, and every
  // instance reads the topic whole, so more partitions would buy no parallelism; with one, the CLI reads
  // it to a single end offset and the topic's order is the order every instance applies them in.
  const stage: TopicSpec[] = config.kafka.incident_stage
    ? [
        { topic: names.repartition, partitions: p.incidents, configs: retain(7) },
        { topic: names.changelog, partitions: p.incidents, configs: compacted },
        { topic: t.incidents, partitions: p.outputs, configs: compacted },
        { topic: t.silences, partitions: 1, configs: compacted },
      ]
    : [];
  return [
    { topic: t.alerts, partitions: p.alerts, configs: retain(7) },
    { topic: t.deployments, partitions: p.deployments, configs: retain(deployDays) },
    { topic: t.feedback, partitions: p.feedback, configs: retain(feedbackDays) },
    { topic: t.scored, partitions: p.outputs, configs: retain(30) },
    ...(['P1', 'P2', 'P3', 'P4'] as const).map((tier) => ({
      topic: t[tier],
      partitions: p.outputs,
      configs: retain(14),
    })),
    { topic: t.actions, partitions: p.outputs, configs: retain(14) },
    { topic: t.dlq, partitions: p.dlq, configs: { ...retain(30), 'max.message.bytes': String(2 << 20) } },
    // Partitioned like the alerts (partition p holds alert partition p's episodes); expired episodes
    // are tombstoned, so compaction keeps only live ones and a restart reads what is live, not history.
    { topic: t.dedup_changelog, partitions: p.alerts, configs: compacted },
    // What `notify` delivered, key <receiver>/<page_id>: compacted, and deleted after the tier topics'
    // retention (a page no longer on its topic can never be read again, so its entry is not needed).
    {
      topic: t.notify_log,
      partitions: p.outputs,
      configs: {
        ...compacted,
        'cleanup.policy': 'compact,delete',
        'retention.ms': String(DELIVERY_MEMORY_MS),
      },
    },
    // What each service says about itself, key group id (docs/DRILLS.md): a record per start, the
    // latest kept; one partition, read whole by `alert-triage drill`.
    { topic: t.status, partitions: 1, configs: compacted },
    ...stage,
  ];
}

export interface EnsureResult {
  /** Existing topics given more partitions (the changelog, to match the alerts). */
  grown: string[];
  created: string[];
  existing: string[];
}

export async function ensureTopics(admin: Admin, config: Config): Promise<EnsureResult> {
  const specs = topicSpecs(config);
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor: config.kafka.replication_factor,
      configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
    }));
    try {
      await admin.createTopics({ topics, waitForLeaders: true });
    } catch (err) {
      // Created, but the broker that answered does not know them yet (a fresh KRaft broker does so for
      // a moment): wait for them below rather than fail a command that did its work.
      if ((err as { code?: number }).code !== UNKNOWN_TOPIC) throw err;
    }
    await partitionCounts(
      admin,
      missing.map((s) => s.topic),
    );
  }
  // A changelog with fewer partitions than the alerts (the alerts grew) is grown to match.
  const changelog = specs.find((s) => s.topic === config.topics.dedup_changelog)!;
  let grown: string[] = [];
  if (existing.has(changelog.topic)) {
    const have = (await partitionCounts(admin, [changelog.topic])).get(changelog.topic) ?? 0;
    if (have < changelog.partitions) {
      await admin.createPartitions({
        topicPartitions: [{ topic: changelog.topic, count: changelog.partitions }],
      });
      grown = [changelog.topic];
    }
  }
  return {
    grown,
    created: missing.map((s) => s.topic),
    existing: specs.filter((s) => existing.has(s.topic)).map((s) => s.topic),
  };
}

/** kafkajs' UNKNOWN_TOPIC_OR_PARTITION: a broker that has not learnt of a topic created a moment ago. */
const UNKNOWN_TOPIC = 3;

/**
 * Partition count of each topic. A topic created a moment ago may be unknown to the broker answering
 * for a few seconds (a fresh KRaft broker is seen doing so after `createTopics` with `waitForLeaders`):
 * that is retried for up to `waitMs`; a topic still unknown then is an error naming it.
 */
export async function partitionCounts(
  admin: Admin,
  topics: readonly string[],
  { waitMs = 10_000 } = {},
): Promise<Map<string, number>> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      return new Map(found.map((x) => [x.name, x.partitions.length]));
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== UNKNOWN_TOPIC || Date.now() > until) {
        if (code === UNKNOWN_TOPIC)
          throw new Error(
            `topics unknown to the cluster: ${topics.join(', ')} (run \`alert-triage topics\`)`,
            {
              cause: err,
            },
          );
        throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
