// The producer behind POST /v1/ingest/<format>: idempotent (the broker drops a retried batch it already
// has), acks from all in-sync replicas, and send() resolves only once the broker has acknowledged every
// record — or rejects, bounded in time, so the HTTP answer is a 503 rather than a hung request.
import type { Kafka, Message, Producer } from 'kafkajs';

export interface IngestProducerOptions {
  kafka: Kafka;
  /** Longest a send (connect included) may take before it counts as failed. Default 15 s. */
  timeoutMs?: number;
}

export class IngestTimeout extends Error {
  readonly code = 'INGEST_TIMEOUT';
}

export class KafkaIngestProducer {
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private producer: Promise<Producer> | undefined;

  constructor(options: IngestProducerOptions) {
    this.kafka = options.kafka;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Writes `messages` to `topic`; resolves when the broker has acknowledged them all. */
  async send(topic: string, messages: Message[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new IngestTimeout(`no acknowledgement from the broker within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([this.write(topic, messages), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disconnects; a connect still pending (a broker that does not answer) is waited for 1 s at most. */
  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => {
      timer = setTimeout(r, 1_000);
      timer.unref();
    });
    await Promise.race([p.then((x) => x.disconnect()).catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  private async write(topic: string, messages: Message[]): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.send({ topic, messages, acks: -1 });
    } catch (err) {
      // A producer that failed is not trusted with the next request: the next one connects afresh.
      if (this.producer !== undefined) void this.close();
      throw err;
    }
  }

  private connected(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 5, maxRetryTime: 5_000 },
      });
      const p = producer.connect().then(() => producer);
      this.producer = p;
      p.catch(() => {
        if (this.producer === p) this.producer = undefined;
      });
    }
    return this.producer;
  }
}
