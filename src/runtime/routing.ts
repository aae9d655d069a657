// Where every output of the step goes: one table, so "where is X written to Kafka?" has one answer.
//
//   output   topic                      key            partition        value
//   scored   topics.scored              model_id       by key           the ScoredAlert (scored codec)
//   tier     topics.P1 … P4             model_id       by key           the ScoredAlert (scored codec)
//   action   topics.actions             model_id       by key           the Action (action codec)
//   dedup    topics.dedup_changelog     fingerprint    the input's      the DedupEntry as JSON; null: a tombstone
//   member   (not wired: the incident stage's repartition topic comes with the stream's incident stage;
//            the service runs the step with incidents 'off', which makes none)
//   (a record that cannot be processed goes to topics.dlq with its original bytes: deadLetterRecord)
import type { OutputKind } from '../adapters/registry/codec.ts';
import type { Tier } from '../core/events.ts';
import type { Output } from '../core/processor.ts';
import type { InputRecord, OutputRecord } from './ports.ts';

export interface OutputTopics {
  scored: string;
  P1: string;
  P2: string;
  P3: string;
  P4: string;
  actions: string;
  dlq: string;
  dedup_changelog: string;
}

/** Where one output goes, and how its value is made: by a codec, or as plain JSON. */
export interface Route {
  topic: string;
  key: string;
  partition?: number;
  headers: Record<string, string>;
  value: { codec: OutputKind; record: object } | { json: unknown };
}

type Routes = { [K in Output['kind']]: (o: Extract<Output, { kind: K }>, t: OutputTopics) => Route };

export const ROUTES: Routes = {
  scored: (o, t) => ({
    topic: t.scored,
    key: o.key,
    headers: { tier: o.alert.tier },
    value: { codec: 'scored', record: o.alert },
  }),
  tier: (o, t) => ({
    topic: t[o.tier as Tier],
    key: o.key,
    headers: { tier: o.tier },
    value: { codec: 'scored', record: o.alert },
  }),
  action: (o, t) => ({
    topic: t.actions,
    key: o.key,
    headers: { type: o.action.type },
    value: { codec: 'action', record: o.action },
  }),
  // The changelog is partitioned like the alerts: partition p holds what alert partition p's episodes
  // are, so an instance restores only the partitions it is assigned.
  member: () => {
    throw new IncidentStageNotWired();
  },
  dedup: (o, t) => ({
    topic: t.dedup_changelog,
    key: o.fingerprint,
    partition: Number(o.lane),
    headers: {},
    value: { json: o.entry },
  }),
};

/** A member reached the stream runtime: the step ran with incidents 'inline', which the service does not yet. */
export class IncidentStageNotWired extends Error {
  readonly code = 'INCIDENT_STAGE_NOT_WIRED';
  readonly canRetry = false;
  constructor() {
    super("the incident stage is not wired in the stream yet: run the step with incidents 'off'");
    this.name = 'IncidentStageNotWired';
  }
}

export function routeOf(o: Output, topics: OutputTopics): Route {
  return (ROUTES[o.kind] as (o: Output, t: OutputTopics) => Route)(o, topics);
}

export interface DeadLetterReason {
  code: string;
  message: string;
  recordType: string;
}

/** Header names of a dead letter. */
export const DLQ_HEADERS = {
  topic: 'x-dlq-source-topic',
  partition: 'x-dlq-source-partition',
  offset: 'x-dlq-source-offset',
  code: 'x-dlq-error-code',
  message: 'x-dlq-error-message',
  recordType: 'x-dlq-record-type',
} as const;

const MAX_MESSAGE_HEADER = 2_000;

/** A dead letter: the original key, bytes and headers, where they came from, and why they failed. */
export function deadLetterRecord(
  dlqTopic: string,
  source: { topic: string; partition: number; record: InputRecord },
  reason: DeadLetterReason,
): OutputRecord {
  const r = source.record;
  return {
    topic: dlqTopic,
    key: r.key,
    value: r.value,
    headers: {
      ...(r.headers ?? {}),
      [DLQ_HEADERS.topic]: source.topic,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: r.offset,
      [DLQ_HEADERS.code]: reason.code,
      [DLQ_HEADERS.message]: reason.message.slice(0, MAX_MESSAGE_HEADER),
      [DLQ_HEADERS.recordType]: reason.recordType,
    },
  };
}
