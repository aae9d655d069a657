// The ports of the alert pipeline: everything it reads, writes and waits on, as small interfaces.
// The Kafka adapters implement them for the service (adapters/kafka/pipeline-ports.ts); in-memory
// fakes implement them for the broker-free test driver. The pipeline never sees a Kafka client.
import type { OutputKind, SchemaKind } from '../adapters/registry/codec.ts';

/** One input record as a consumer hands it over. */
export interface InputRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** One output record; `partition` is set where the partition is part of the contract (the changelog). */
export interface OutputRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[] | undefined>;
  partition?: number;
}

/** Bytes ↔ values: JSON, or Avro through the schema registry. Errors carry `code` and `canRetry`. */
export interface Codec {
  decode(value: Buffer, reader?: SchemaKind): Promise<unknown>;
  encode(kind: OutputKind, topic: string, record: object): Promise<Buffer>;
}

/**
 * Where a chunk's outputs go: one transaction per chunk of one input partition, committed with the
 * offset after its last record, so a chunk is published whole or not at all.
 */
export interface TransactionalSink {
  /** Made ready to write for `partition`; whoever wrote for it before is fenced off (its transaction aborted). */
  prepare(partition: number): Promise<void>;
  commit(partition: number, records: OutputRecord[], nextOffset: string): Promise<void>;
  /** After a failed commit the partition's writer is not trusted again: the next prepare makes a new one. */
  reset(partition: number): Promise<void>;
}

/** Records that are written on their own, outside any transaction (dead letters of the side inputs). */
export interface PlainSink {
  send(records: OutputRecord[]): Promise<void>;
}

/** How far the side inputs (deploys, feedback) are read, in event time. */
export interface SideInputs {
  /** +∞ when every partition is read to its end, else the lowest event time reached where one is behind. */
  watermark(kind: 'deploy' | 'feedback'): number;
  /** Learns where the side inputs end now (rate-limited to once per `minIntervalMs`). */
  refresh(minIntervalMs?: number): Promise<void>;
  /**
   * Reads the deploy input again from where it was first read to where it ends now, each record handed
   * to the pipeline's `sideRecord` with `replay` (after the core's `stream_time_rewound`: partitions
   * taken over may need deploys the window had already let go). Resolves when read.
   */
  reread?(kind: 'deploy'): Promise<void>;
}

/** Where each assigned alert partition stands: the next offset to process against the end of its log. */
export interface AlertLog {
  progress(partitions: readonly number[]): Promise<Map<number, { position: bigint; end: bigint }>>;
}

/** The dedup changelog, read back per input partition after an assignment. */
export interface Changelog {
  /** Reads these partitions from their start to their current end, handing every record to `onRecord`. */
  restore(
    partitions: readonly number[],
    onRecord: (partition: number, key: string, value: Buffer | null) => void,
  ): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PipelinePorts {
  codec: Codec;
  sink: TransactionalSink;
  deadLetters: PlainSink;
  side: SideInputs;
  alertLog: AlertLog;
  changelog: Changelog;
  clock: Clock;
}
