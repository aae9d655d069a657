// The delivery log on Kafka (`topics.notify_log`, compacted, key `<receiver>/<page_id>`): read back
// whole at start — by a consumer of a group of its own that never commits, so it always starts at the
// beginning — and appended to by an idempotent producer before a record's offset is committed.
import type { Admin, Kafka, Producer } from 'kafkajs';
import { readDeliveryEntry } from '../../core/notify/delivery-book.ts';
import { deliveryKey } from '../../core/notify/request.ts';
import type { DeliveryEntry } from '../../core/notify/types.ts';

export class DeliveryLogTopic {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly producer: Producer;

  constructor(kafka: Kafka, topic: string) {
    this.kafka = kafka;
    this.topic = topic;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Every entry the topic holds, up to its end offsets when the read began. */
  async readAll(admin: Admin, groupId: string): Promise<DeliveryEntry[]> {
    const offsets = await admin.fetchTopicOffsets(this.topic);
    const remaining = new Map<number, bigint>();
    for (const o of offsets) if (BigInt(o.high) > BigInt(o.low)) remaining.set(o.partition, BigInt(o.high));
    const entries: DeliveryEntry[] = [];
    if (remaining.size === 0) return entries;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (remaining.size === 0) resolve();
        };
        consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        // Positions follow each batch, including a batch of only transaction markers or compacted gaps.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          const end = remaining.get(payload.partition);
          if (end !== undefined && payload.lastOffset !== null && BigInt(payload.lastOffset) + 1n >= end)
            remaining.delete(payload.partition);
          check();
        });
        void consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                if (!m.value) continue;
                try {
                  const e = readDeliveryEntry(JSON.parse(m.value.toString('utf8')));
                  if (e) entries.push(e);
                } catch {
                  // Not one of ours: ignored (the log only ever skips deliveries it can read).
                }
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return entries;
  }

  async append(entry: DeliveryEntry): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: deliveryKey(entry.receiver, entry.page_id), value: JSON.stringify(entry) }],
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
