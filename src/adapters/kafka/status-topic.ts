// topics.status on Kafka (compacted, key group id; docs/DRILLS.md): what each running service said about
// itself when it started. `alert-triage drill` reads it whole, on the cluster it is about to write to.
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { readServiceStatus, type ServiceStatus } from '../../core/drill.ts';
import { BroadcastReader } from './broadcast-reader.ts';

export class StatusTopicError extends Error {
  readonly code = 'STATUS_TOPIC_UNREADABLE';
  readonly canRetry = true;
}

/**
 * The latest status of every group on `topic`; [] when the topic does not exist or is empty (no service
 * has said anything: the drill is refused, not sent blind).
 */
export async function readStatuses(o: {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  groupId: string;
  timeoutMs: number;
}): Promise<ServiceStatus[]> {
  const admin = o.kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(o.topic)) return [];
    const offsets = await admin.fetchTopicOffsets(o.topic);
    if (offsets.every((p) => BigInt(p.high) <= BigInt(p.low))) return [];
    const latest = new Map<string, ServiceStatus | null>();
    const reader = new BroadcastReader({
      kafka: o.kafka,
      admin,
      groupId: o.groupId,
      topics: [{ topic: o.topic, startAt: 'beginning' }],
      logger: o.logger,
      onRecord: async (_topic, _partition, m) => {
        const key = m.key?.toString('utf8');
        if (key === undefined) return undefined;
        let value: unknown = null;
        try {
          value = m.value === null ? null : JSON.parse(m.value.toString('utf8'));
        } catch {
          value = null;
        }
        latest.set(key, readServiceStatus(value));
        return undefined;
      },
    });
    try {
      await reader.start();
      const deadline = Date.now() + o.timeoutMs;
      while (!reader.rebuilt) {
        if (Date.now() > deadline)
          throw new StatusTopicError(`${o.topic}: not read to its end within ${o.timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await reader.stop().catch(() => undefined);
    }
    return [...latest.values()].filter((s): s is ServiceStatus => s !== null);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
