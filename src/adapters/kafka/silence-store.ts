// The CLI's silence store on the compacted `ml.silences` topic (`alert-triage silence … --kafka`): `put`
// produces the silence keyed by its id (add, and expire — the same silence with `ends_at` moved, so the
// record stays and `list --all` shows it, as in the file store); `all` reads the topic from its beginning
// to the end it has now, the latest value per key, a tombstone removing its key. A bad record is skipped
// and reported to `onBad` (the CLI names it on stderr; the stream dead-letters it).
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import {
  decodeSilenceRecord,
  type Silence,
  type SilenceLimits,
  silenceMessage,
} from '../../core/silences.ts';
import { partitionCounts } from './admin.ts';
import { BroadcastReader } from './broadcast-reader.ts';

export interface BadSilenceRecord {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  message: string;
}

export interface KafkaSilenceStoreOptions {
  kafka: Kafka;
  topic: string;
  limits: SilenceLimits;
  /** The private reader's group (nothing is committed); unique per use. */
  groupId: string;
  logger: Logger;
  onBad?: (bad: BadSilenceRecord) => void;
  /** Longest `all` waits to have read the topic to its end. */
  readTimeoutMs?: number;
}

export class KafkaSilenceStoreError extends Error {
  readonly code = 'SILENCE_TOPIC';
  readonly canRetry = false;
}

export interface KafkaSilenceStore {
  put(s: Silence): Promise<void>;
  /** The latest state of every silence on the topic, in the order their ids were first seen. */
  all(): Promise<Silence[]>;
  close(): Promise<void>;
}

export function kafkaSilenceStore(o: KafkaSilenceStoreOptions): KafkaSilenceStore {
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  const connectedAdmin = async () => {
    if (!admin) {
      admin = o.kafka.admin();
      await admin.connect();
    }
    // A topic the broker would create on first write would not be compacted: refuse, naming the fix.
    await partitionCounts(admin, [o.topic], { waitMs: 0 }).catch((err: Error) => {
      if (!err.message.startsWith('topics unknown')) throw err;
      throw new KafkaSilenceStoreError(
        `${o.topic} does not exist on the cluster: \`alert-triage topics\` with kafka.incident_stage on creates it, compacted`,
        { cause: err },
      );
    });
    return admin;
  };
  return {
    async put(s) {
      await connectedAdmin();
      if (!producer) {
        producer = o.kafka.producer({
          allowAutoTopicCreation: false,
          idempotent: false,
          maxInFlightRequests: 1,
        });
        await producer.connect();
      }
      await producer.send({ topic: o.topic, acks: -1, messages: [silenceMessage(s)] });
    },
    async all() {
      const a = await connectedAdmin();
      const offsets = await a.fetchTopicOffsets(o.topic);
      if (offsets.every((p) => BigInt(p.high) <= BigInt(p.low))) return [];
      const latest = new Map<string, Silence | null>();
      const reader = new BroadcastReader({
        kafka: o.kafka,
        admin: a,
        groupId: o.groupId,
        topics: [{ topic: o.topic, startAt: 'beginning' }],
        logger: o.logger,
        onRecord: async (topic, partition, m) => {
          const read = decodeSilenceRecord(
            m.key === null ? null : m.key.toString('utf8'),
            m.value === null ? null : m.value.toString('utf8'),
            o.limits,
          );
          if (read.kind === 'silence') latest.set(read.silence.id, read.silence);
          else if (read.kind === 'removed') latest.set(read.id, null);
          else o.onBad?.({ topic, partition, offset: m.offset, code: read.code, message: read.message });
          return undefined;
        },
      });
      try {
        await reader.start();
        const deadline = Date.now() + (o.readTimeoutMs ?? 30_000);
        while (!reader.rebuilt) {
          if (Date.now() > deadline)
            throw new KafkaSilenceStoreError(
              `${o.topic}: not read to its end within ${(o.readTimeoutMs ?? 30_000) / 1000} s`,
            );
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await reader.stop().catch(() => undefined);
      }
      return [...latest.values()].filter((s): s is Silence => s !== null);
    },
    async close() {
      await producer?.disconnect().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
