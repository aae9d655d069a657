// `alert-triage topics`: every topic the service reads or writes, with partitions, retention and compaction.
import type { Admin, ITopicConfig } from 'kafkajs';
import type { Config } from '../../config.ts';

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
    {
      topic: t.dedup_changelog,
      partitions: p.alerts,
      configs: {
        'cleanup.policy': 'compact',
        'min.compaction.lag.ms': '60000',
        'segment.ms': String(HOUR_MS),
        'delete.retention.ms': String(HOUR_MS),
        'min.cleanable.dirty.ratio': '0.25',
      },
    },
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
    await admin.createTopics({ topics, waitForLeaders: true });
  }
  // A changelog with fewer partitions than the alerts (the alerts grew) is grown to match.
  const changelog = specs.find((s) => s.topic === config.topics.dedup_changelog)!;
  let grown: string[] = [];
  if (existing.has(changelog.topic)) {
    const { topics } = await admin.fetchTopicMetadata({ topics: [changelog.topic] });
    const have = topics[0]?.partitions.length ?? 0;
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
