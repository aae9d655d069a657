// A reader of every partition of some topics, private to this instance (its own consumer group,
// nothing committed). The service uses it for the inputs every instance needs whole — deploys,
// feedback — and for the dedup changelog. It knows how far it has read: whether it has rebuilt the
// state that existed at start, and how far each topic's event time has come (its watermark).
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

export interface BroadcastTopic {
  topic: string;
  /** Where to start: the beginning, or the first record at or after this wall time (ms). */
  startAt: 'beginning' | { timestamp: number };
}

export interface BroadcastReaderOptions {
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  topics: BroadcastTopic[];
  logger: Logger;
  /** Handles one record; returns its event time when it has one (for the watermark). */
  onRecord(topic: string, partition: number, message: KafkaMessage): Promise<number | undefined>;
  /** Test hook: sleep this long before each batch, to make this reader run behind. */
  delayPerBatchMs?: number;
}

interface PartitionState {
  /** Next offset to read. */
  position: bigint;
  /** High watermark last seen. */
  high: bigint;
  /** Offset that must be reached for the state present at start to be rebuilt. */
  startTarget: bigint;
  maxEventTime: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BroadcastReader {
  private readonly options: BroadcastReaderOptions;
  private readonly consumer: Consumer;
  private readonly partitions = new Map<string, PartitionState>();
  private highsRefreshedAt = 0;
  private stopped = false;

  constructor(options: BroadcastReaderOptions) {
    this.options = options;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 250,
    });
  }

  async start(): Promise<void> {
    const { admin, topics } = this.options;
    for (const t of topics) {
      const highs = await admin.fetchTopicOffsets(t.topic);
      const from =
        t.startAt === 'beginning'
          ? highs.map((h) => ({ partition: h.partition, offset: h.low }))
          : await admin.fetchTopicOffsetsByTimestamp(t.topic, t.startAt.timestamp);
      for (const h of highs) {
        const start = BigInt(from.find((f) => f.partition === h.partition)?.offset ?? h.low);
        const high = BigInt(h.high);
        const s = start < 0n || start > high ? high : start;
        this.partitions.set(key(t.topic, h.partition), {
          position: s,
          high,
          startTarget: high,
          maxEventTime: Number.NEGATIVE_INFINITY,
        });
      }
    }
    this.highsRefreshedAt = Date.now();
    // Positions follow every processed batch, including batches of only transaction markers.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const p = this.partitions.get(key(payload.topic, payload.partition));
      if (p && payload.lastOffset !== null) p.position = maxBig(p.position, BigInt(payload.lastOffset) + 1n);
    });
    // Seek on every join, not once after run(): run() can return before the group exists (a join
    // that failed is retried later by kafkajs, and seek() then throws), and a consumer restarted by
    // kafkajs after a crash would otherwise start again from the beginning. The listener runs after
    // the assignment and before the first fetch; it seeks each partition to the next offset to read.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      for (const [k, p] of this.partitions) {
        const [topic, partition] = parseKey(k);
        this.consumer.seek({ topic, partition, offset: p.position.toString() });
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: topics.map((t) => t.topic), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: (p) => this.onBatch(p),
    });
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.options.delayPerBatchMs) await sleep(this.options.delayPerBatchMs);
    const p = this.partitions.get(key(batch.topic, batch.partition));
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const eventTime = await this.options.onRecord(batch.topic, batch.partition, message);
      if (p) {
        if (eventTime !== undefined && eventTime > p.maxEventTime) p.maxEventTime = eventTime;
        p.position = maxBig(p.position, BigInt(message.offset) + 1n);
      }
    }
    // Not batch.highWatermark: that is the high watermark, past any open transaction, which this
    // read_committed reader cannot reach until the transaction ends (after a SIGKILL, when the
    // transaction times out: a minute). The highs come from refreshHighs (ListOffsets read_committed:
    // the last stable offset), so catching up means reaching what can be read.
    await heartbeat();
  }

  /** True once every partition has been read up to where it stood at start. */
  get rebuilt(): boolean {
    for (const p of this.partitions.values()) if (p.position < p.startTarget) return false;
    return true;
  }

  /** Records behind the last known high watermarks, per topic-partition (for the lag gauge). */
  lag(): { topic: string; partition: number; lag: number }[] {
    return [...this.partitions].map(([k, p]) => {
      const [topic, partition] = parseKey(k);
      return { topic, partition, lag: Number(p.high > p.position ? p.high - p.position : 0n) };
    });
  }

  /**
   * How far `topic` is known complete in event time: +∞ when every partition is read to its end,
   * else the lowest, over partitions still behind, of the highest event time read there.
   */
  watermark(topic: string): number {
    let w = Number.POSITIVE_INFINITY;
    for (const [k, p] of this.partitions) {
      if (!k.startsWith(`${topic}\u0000`) || p.position >= p.high) continue;
      w = Math.min(w, p.maxEventTime);
    }
    return w;
  }

  /** Refreshes the high watermarks (rate-limited), so "read to the end" means the end now. */
  async refreshHighs(minIntervalMs = 250): Promise<void> {
    if (Date.now() - this.highsRefreshedAt < minIntervalMs) return;
    this.highsRefreshedAt = Date.now();
    // The topics side by side: the service asks before every chunk, and each ask is two round trips.
    const all = await Promise.all(
      this.options.topics.map(async (t) => ({
        topic: t.topic,
        highs: await this.options.admin.fetchTopicOffsets(t.topic),
      })),
    );
    for (const { topic, highs } of all) {
      for (const h of highs) {
        const p = this.partitions.get(key(topic, h.partition));
        if (p) p.high = maxBig(p.high, BigInt(h.high));
      }
    }
  }

  /** Waits until every partition of `topic` has been read to the high watermark it has now. */
  async catchUp(topic: string, timeoutMs: number, heartbeat?: () => Promise<void>): Promise<boolean> {
    this.highsRefreshedAt = 0;
    await this.refreshHighs();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let behind = false;
      for (const [k, p] of this.partitions)
        if (k.startsWith(`${topic}\u0000`) && p.position < p.high) behind = true;
      if (!behind) return true;
      if (this.stopped || Date.now() > deadline) return false;
      await sleep(25);
      await heartbeat?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
  }
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const parseKey = (k: string): [string, number] => {
  const [topic, partition] = k.split('\u0000') as [string, string];
  return [topic, Number(partition)];
};
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
