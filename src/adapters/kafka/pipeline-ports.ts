// The pipeline's ports on Kafka: per-partition transactional writers, the alert log's progress, and
// a plain writer for side-input dead letters. (The changelog is changelog-reader.ts, the side inputs
// broadcast-reader.ts.) They fit the runtime's port interfaces (runtime/ports.ts) by shape: an adapter
// serves the runtime and does not import it; the service checks the fit where it wires them.
import type { Admin, Kafka, Message, Producer } from 'kafkajs';

/** One record to write, as the runtime hands it over (its `OutputRecord`). */
export interface OutputRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[] | undefined>;
  partition?: number;
}

/** The broker refuses a record batch over message.max.bytes (1 MiB by default): send in slices. */
const MAX_SEND_BYTES = 512 * 1024;

export interface TransactionalSinkOptions {
  kafka: Kafka;
  /** The input topic and group whose offsets each transaction commits. */
  alertsTopic: string;
  groupId: string;
  /** One transactional id per input partition: whoever owns the partition next fences this one. */
  transactionalIdOf: (partition: number) => string;
}

export class KafkaTransactionalSink {
  private readonly o: TransactionalSinkOptions;
  private readonly producers = new Map<number, Promise<Producer>>();

  constructor(options: TransactionalSinkOptions) {
    this.o = options;
  }

  /** Connected, with its transactional id initialized: the previous owner of the partition is fenced. */
  async prepare(partition: number): Promise<void> {
    await this.producerFor(partition);
  }

  async commit(partition: number, records: OutputRecord[], nextOffset: string): Promise<void> {
    const producer = await this.producerFor(partition);
    const tx = await producer.transaction();
    try {
      for (const topicMessages of slicesOf(records, MAX_SEND_BYTES)) await tx.sendBatch({ topicMessages });
      await tx.sendOffsets({
        consumerGroupId: this.o.groupId,
        topics: [{ topic: this.o.alertsTopic, partitions: [{ partition, offset: nextOffset }] }],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }

  async reset(partition: number): Promise<void> {
    const p = this.producers.get(partition);
    this.producers.delete(partition);
    await p?.then((x) => x.disconnect()).catch(() => undefined);
  }

  /** Lets go of the writers of partitions no longer assigned. */
  async retain(partitions: readonly number[]): Promise<void> {
    const keep = new Set(partitions);
    await Promise.all([...this.producers.keys()].filter((p) => !keep.has(p)).map((p) => this.reset(p)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((p) => this.reset(p)));
  }

  private producerFor(partition: number): Promise<Producer> {
    let p = this.producers.get(partition);
    if (!p) {
      const producer = this.o.kafka.producer({
        transactionalId: this.o.transactionalIdOf(partition),
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 60_000,
      });
      // kafkajs' connect() asks only for an idempotent producer id: the transactional id — and with it the
      // fence of whoever wrote this partition before (its open transaction aborted, a committing one
      // finished first) — is initialized by the first transaction. So one is begun and aborted here
      // (empty: no EndTxn is sent), and `prepare` really fences before the caller reads the offsets.
      p = producer
        .connect()
        .then(() => producer.transaction())
        .then((tx) => tx.abort())
        .then(() => producer);
      // A writer that could not connect is not kept: the next call tries again.
      p.catch(() => {
        if (this.producers.get(partition) === p) this.producers.delete(partition);
      });
      this.producers.set(partition, p);
    }
    return p;
  }
}

export class KafkaPlainSink {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  async send(records: OutputRecord[]): Promise<void> {
    await this.connect();
    for (const topicMessages of slicesOf(records, MAX_SEND_BYTES)) {
      await this.producer.sendBatch({ topicMessages });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** Progress of the alert partitions: the group's committed offset (where reading resumes) against the end. */
export class KafkaAlertLog {
  private readonly admin: Admin;
  private readonly topic: string;
  private readonly groupId: string;

  constructor(admin: Admin, topic: string, groupId: string) {
    this.admin = admin;
    this.topic = topic;
    this.groupId = groupId;
  }

  async progress(partitions: readonly number[]): Promise<Map<number, { position: bigint; end: bigint }>> {
    const [ends, committed] = await this.ask();
    const done = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    const out = new Map<number, { position: bigint; end: bigint }>();
    for (const partition of partitions) {
      const e = ends.find((x) => x.partition === partition);
      if (!e) continue;
      const position = done.get(partition) ?? -1n;
      out.set(partition, { position: position >= 0n ? position : BigInt(e.low), end: BigInt(e.high) });
    }
    return out;
  }

  /**
   * Both answers; a group coordinator that moved or is still loading (NOT_COORDINATOR, which kafkajs' admin
   * does not retry) is asked again a few times before the caller's own retry takes over.
   */
  private async ask() {
    for (let attempt = 0; ; attempt++) {
      try {
        return await Promise.all([
          this.admin.fetchTopicOffsets(this.topic),
          this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
        ]);
      } catch (err) {
        const e = err as { type?: string; retriable?: boolean };
        if (attempt >= 3 || e.retriable !== true) throw err;
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  }
}

/** Groups records by topic into sends of at most about `maxBytes` of values each. */
export function slicesOf(
  records: OutputRecord[],
  maxBytes: number,
): { topic: string; messages: Message[] }[][] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const m: Message = { key: r.key, value: r.value };
    if (r.headers) m.headers = r.headers;
    if (r.partition !== undefined) m.partition = r.partition;
    const list = byTopic.get(r.topic);
    if (list) list.push(m);
    else byTopic.set(r.topic, [m]);
  }
  const slices: { topic: string; messages: Message[] }[][] = [];
  let slice: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const [topic, messages] of byTopic) {
    let current: Message[] = [];
    for (const m of messages) {
      const size = (m.value ? m.value.length : 0) + 64;
      if (bytes + size > maxBytes && (current.length > 0 || slice.length > 0)) {
        if (current.length > 0) slice.push({ topic, messages: current });
        slices.push(slice);
        slice = [];
        current = [];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
    if (current.length > 0) slice.push({ topic, messages: current });
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}
