// The dedup changelog, read back per partition: after an assignment, each newly assigned alert
// partition's changelog partition is read from its start to its end, and nothing else. One consumer
// in a group of its own holds every changelog partition, paused; a restore seeks the partitions it
// needs to their start, resumes them, and pauses them again once read. It never reads the records this
// instance writes afterwards (they are paused), so a changelog costs nothing while the service runs.
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface ChangelogReaderOptions {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  groupId: string;
  logger: Logger;
}

interface Restore {
  /** Next offset to read, and the end it must reach (the last stable offset when the restore began). */
  position: bigint;
  target: bigint;
  onRecord: (partition: number, key: string, value: Buffer | null) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runtime's `Changelog` port on Kafka (structurally: adapters serve the runtime, they do not import it). */
export class ChangelogReader {
  private readonly o: ChangelogReaderOptions;
  private readonly consumer: Consumer;
  private readonly active = new Map<number, Restore>();
  private joined: Promise<void> | undefined;
  private stopped = false;

  constructor(options: ChangelogReaderOptions) {
    this.o = options;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
    });
  }

  async start(): Promise<void> {
    const topic = this.o.topic;
    let resolveJoined!: () => void;
    this.joined = new Promise((r) => {
      resolveJoined = r;
    });
    // On every join (after the assignment, before the first fetch): everything paused but what is
    // being restored, which is sought to where its restore has got to.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.consumer.pause([{ topic }]);
      for (const [partition, r] of this.active) {
        this.consumer.seek({ topic, partition, offset: r.position.toString() });
        this.consumer.resume([{ topic, partitions: [partition] }]);
      }
      resolveJoined();
    });
    // Positions follow every processed batch, including batches of only transaction markers.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const r = this.active.get(payload.partition);
      if (r && payload.topic === topic && payload.lastOffset !== null) {
        const next = BigInt(payload.lastOffset) + 1n;
        if (next > r.position) r.position = next;
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (p) => this.onBatch(p) });
  }

  async restore(
    partitions: readonly number[],
    onRecord: (partition: number, key: string, value: Buffer | null) => void,
  ): Promise<void> {
    const topic = this.o.topic;
    await this.joined;
    const offsets = await this.o.admin.fetchTopicOffsets(topic);
    const todo: number[] = [];
    for (const p of partitions) {
      const o = offsets.find((x) => x.partition === p);
      if (!o)
        throw new Error(`${topic} has no partition ${p}: it must have as many partitions as the alerts`);
      const low = BigInt(o.low);
      const high = BigInt(o.high);
      if (high <= low) continue;
      this.active.set(p, { position: low, target: high, onRecord });
      todo.push(p);
    }
    if (todo.length === 0) return;
    try {
      for (const p of todo)
        this.consumer.seek({ topic, partition: p, offset: this.active.get(p)!.position.toString() });
      this.consumer.resume([{ topic, partitions: todo }]);
      for (;;) {
        if (this.stopped) throw new Error('changelog reader stopped');
        if (todo.every((p) => this.active.get(p)!.position >= this.active.get(p)!.target)) return;
        await sleep(10);
      }
    } finally {
      for (const p of todo) this.active.delete(p);
      if (!this.stopped) this.consumer.pause([{ topic, partitions: todo }]);
    }
  }

  private async onBatch({ batch, isRunning, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    const r = this.active.get(batch.partition);
    if (!r) return;
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) return;
      const offset = BigInt(m.offset);
      if (offset >= r.position && m.key) r.onRecord(batch.partition, m.key.toString('utf8'), m.value);
      if (offset + 1n > r.position) r.position = offset + 1n;
    }
    await heartbeat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
  }
}
