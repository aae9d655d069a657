// Where every output of the step goes: one table, so "where is X written to Kafka?" has one answer.
//
//   output   topic                      key            partition        value
//   scored   topics.scored              model_id       by key           the ScoredAlert (scored codec)
//   tier     topics.P1 … P4             model_id       by key           the ScoredAlert (scored codec)
//   action   topics.actions             model_id       by key           the Action (action codec)
//   dedup    topics.dedup_changelog     fingerprint    the input's      the DedupEntry as JSON; null: a tombstone
//   memory   topics.dedup_changelog     memory:<model>  the input's     what the lane remembers of the model (JSON)
//   member   <group>-incidents-repartition  the route  by key           {type:'member', member} (JSON)
//            beside them, after each chunk: {type:'watermark', …} to every partition (watermarkRecords)
// and the incident stage's (incident-stage.ts), from the repartition topic:
//   scored   topics.scored              model_id       by key           the ScoredAlert with its incident
//   page     topics.P1 … P4             incident_id    by key           the PageRecord (page codec, action 'trigger')
//   acknowledge topics.P1 … P4          incident_id    by key           the AcknowledgeRecord (page codec, action 'acknowledge')
//   resolve  topics.P1 … P4             incident_id    by key           the ResolveRecord (page codec, action 'resolve'),
//            on the tier topic of the page it resolves: a consumer counts pages by action === 'trigger'
//   action   topics.actions             model_id       by key           the Action (action codec)
//   incident topics.incidents           incident_id    by key           the IncidentRecord (incident codec)
//   (its state goes to <group>-incidents-changelog, partitioned like the repartition topic)
//   (a record that cannot be processed goes to topics.dlq with its original bytes: deadLetterRecord)
import type { OutputKind } from '../adapters/registry/codec.ts';
import { DRILL_HEADER, drillOfId, drillOfTierRecord } from '../core/drill.ts';
import type { Tier } from '../core/events.ts';
import type { IncidentMember, IncidentOutput } from '../core/incidents/types.ts';
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
  /** With the incident stage: its repartition topic (members go there instead of scored/tier/action). */
  repartition?: string;
  incidents?: string;
}

/** Where one output goes, and how its value is made: by a codec, or as plain JSON. */
export interface Route {
  topic: string;
  key: string;
  partition?: number;
  headers: Record<string, string>;
  value: { codec: OutputKind; record: object } | { json: unknown };
}

/** The `drill` header of a drill's record (docs/DRILLS.md), else none. */
function drillHeader(alertId: string): Record<string, string> {
  const drill = drillOfId(alertId);
  return drill === null ? {} : { [DRILL_HEADER]: drill };
}
function drillOf(record: object): Record<string, string> {
  const drill = drillOfTierRecord(record);
  return drill === null ? {} : { [DRILL_HEADER]: drill };
}

type Routes = { [K in Output['kind']]: (o: Extract<Output, { kind: K }>, t: OutputTopics) => Route };

export const ROUTES: Routes = {
  scored: (o, t) => ({
    topic: t.scored,
    key: o.key,
    headers: { tier: o.alert.tier, ...drillHeader(o.alert.alert_id) },
    value: { codec: 'scored', record: o.alert },
  }),
  tier: (o, t) => ({
    topic: t[o.tier as Tier],
    key: o.key,
    headers: { tier: o.tier, ...drillHeader(o.alert.alert_id) },
    value: { codec: 'scored', record: o.alert },
  }),
  // A drill's action says so in a header too: whoever automates rollbacks from this topic can skip it.
  action: (o, t) => ({
    topic: t.actions,
    key: o.key,
    headers: { type: o.action.type, ...drillHeader(o.action.alert_id) },
    value: { codec: 'action', record: o.action },
  }),
  // The changelog is partitioned like the alerts: partition p holds what alert partition p's episodes
  // are, so an instance restores only the partitions it is assigned.
  member: (o, t) => {
    if (t.repartition === undefined) throw new IncidentStageNotWired();
    return {
      topic: t.repartition,
      key: o.key,
      headers: {},
      value: { json: { type: 'member', member: o.member } satisfies StageRecord },
    };
  },
  memory: (o, t) => ({
    topic: t.dedup_changelog,
    key: `${MEMORY_PREFIX}${o.model_id}`,
    partition: Number(o.lane),
    headers: {},
    value: { json: o.memory },
  }),
  dedup: (o, t) => ({
    topic: t.dedup_changelog,
    key: o.fingerprint,
    partition: Number(o.lane),
    headers: {},
    value: { json: o.entry },
  }),
};

/** Changelog keys of what a lane remembers of a model for incidents (dedup entries are keyed by fingerprint). */
export const MEMORY_PREFIX = 'memory:';

/** A record of the repartition topic: a member routed to its incident, or where a source partition stands. */
export type StageRecord =
  | { type: 'member'; member: IncidentMember }
  | {
      type: 'watermark';
      /** Partitions of the alert topic: the stage waits to hear from each of them. */
      sources: number;
      /**
       * Per alert partition of the writer: its stream time (no member below it will come from there,
       * but late ones), or null before its first alert; idle: caught up and quiet for max_partition_idle;
       * next: the alert offset the writer has committed up to (in this record's transaction for a chunk's
       * own partition), so the stage can tell members still on their way from a partition said idle.
       */
      at: Record<string, { time: number | null; idle: boolean; next?: string }>;
    };

/** One watermark record for every partition of the repartition topic. */
export function watermarkRecords(
  topic: string,
  partitions: number,
  value: Extract<StageRecord, { type: 'watermark' }>,
): OutputRecord[] {
  const json = JSON.stringify(value);
  return Array.from({ length: partitions }, (_, q) => ({ topic, key: null, value: json, partition: q }));
}

type IncidentRoutes = {
  [K in IncidentOutput['kind']]: (o: Extract<IncidentOutput, { kind: K }>, t: OutputTopics) => Route;
};

/** The incident stage's outputs. */
export const INCIDENT_ROUTES: IncidentRoutes = {
  scored: (o, t) => ROUTES.scored(o, t),
  page: (o, t) => ({
    topic: t[o.tier as Tier],
    key: o.key,
    headers: { tier: o.tier, type: 'page', ...drillOf(o.page) },
    value: { codec: 'page', record: o.page },
  }),
  resolve: (o, t) => ({
    topic: t[o.tier as Tier],
    key: o.key,
    headers: { tier: o.tier, type: 'resolve', ...drillOf(o.resolve) },
    value: { codec: 'page', record: o.resolve },
  }),
  acknowledge: (o, t) => ({
    topic: t[o.tier as Tier],
    key: o.key,
    headers: { tier: o.tier, type: 'acknowledge', ...drillOf(o.acknowledge) },
    value: { codec: 'page', record: o.acknowledge },
  }),
  action: (o, t) => ROUTES.action(o, t),
  incident: (o, t) => {
    if (t.incidents === undefined) throw new IncidentStageNotWired();
    return {
      topic: t.incidents,
      key: o.key,
      headers: { status: o.incident.status },
      value: { codec: 'incident', record: o.incident },
    };
  },
};

export function incidentRouteOf(o: IncidentOutput, topics: OutputTopics): Route {
  return (INCIDENT_ROUTES[o.kind] as (o: IncidentOutput, t: OutputTopics) => Route)(o, topics);
}

/** A member reached the stream runtime: the step ran with incidents 'inline', which the service does not yet. */
export class IncidentStageNotWired extends Error {
  readonly code = 'INCIDENT_STAGE_NOT_WIRED';
  readonly canRetry = false;
  constructor() {
    super("the incident stage's topics are not given: run the step with incidents 'off', or give them");
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
  /** Kafka Connect's stage of the failure; by default from the code (decoding and validation: VALUE_CONVERTER). */
  stage?: ConnectStage;
  /** Which part of ours failed on it (Connect's `class.name`): the alert pipeline by default. */
  executingClass?: string;
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

/**
 * Kafka Connect's dead-letter context headers (DeadLetterQueueReporter with `errors.deadletterqueue.context.
 * headers.enable=true`), beside ours, so tooling written for Connect's DLQs reads ours: UTF-8 strings, as
 * Connect writes them. `connector.name` is `alert-triage`; `task.id` the source partition (one task per
 * partition); `exception.class.name` our error's class (CodecError, InvalidRecord, ProcessingError); no
 * `exception.stacktrace` (a record's error has none worth shipping).
 */
export const CONNECT_DLQ_HEADERS = {
  topic: '__connect.errors.topic',
  partition: '__connect.errors.partition',
  offset: '__connect.errors.offset',
  connectorName: '__connect.errors.connector.name',
  taskId: '__connect.errors.task.id',
  stage: '__connect.errors.stage',
  executingClass: '__connect.errors.class.name',
  exceptionClass: '__connect.errors.exception.class.name',
  exceptionMessage: '__connect.errors.exception.message',
} as const;

/** Connect's stages (org.apache.kafka.connect.runtime.errors.Stage) that ours map to. */
export type ConnectStage = 'VALUE_CONVERTER' | 'TASK_PUT';

/** Codes of a record that could not be decoded (the codec's). */
const CODEC_CODES = new Set([
  'EMPTY_VALUE',
  'UNDECODABLE',
  'MALFORMED_JSON',
  'UNKNOWN_SCHEMA_ID',
  'AVRO_DECODE_FAILED',
  'TRUNCATED_FRAME',
  'RECORD_TOO_LARGE',
  'SCHEMA_UNRESOLVABLE',
]);
/** Codes of a decoded value that is not a valid record (core/errors.ts; a stage record of ours). */
const RECORD_CODES = new Set([
  'NOT_AN_OBJECT',
  'MISSING_FIELD',
  'WRONG_TYPE',
  'BAD_ENUM',
  'BAD_TIMESTAMP',
  'NOT_FINITE',
  'OUT_OF_RANGE',
  'TOO_LARGE',
  'BAD_STAGE_RECORD',
  // A bad ml.silences record (core/silences.ts decodeSilenceRecord).
  'BAD_MATCHER',
  'BAD_REGEX',
  'BAD_WINDOW',
  'TOO_BROAD',
  'KEY_MISMATCH',
]);

function errorClassOf(code: string): string {
  if (CODEC_CODES.has(code)) return 'CodecError';
  if (RECORD_CODES.has(code)) return 'InvalidRecord';
  return 'ProcessingError';
}

const MAX_MESSAGE_HEADER = 2_000;

/** A dead letter: the original key, bytes and headers, where they came from, and why they failed. */
export function deadLetterRecord(
  dlqTopic: string,
  source: { topic: string; partition: number; record: InputRecord },
  reason: DeadLetterReason,
): OutputRecord {
  const r = source.record;
  const errorClass = errorClassOf(reason.code);
  const stage = reason.stage ?? (errorClass === 'ProcessingError' ? 'TASK_PUT' : 'VALUE_CONVERTER');
  const message = reason.message.slice(0, MAX_MESSAGE_HEADER);
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
      [DLQ_HEADERS.message]: message,
      [DLQ_HEADERS.recordType]: reason.recordType,
      // A record dead-lettered before (by Connect, or by us upstream) gets this failure's context instead.
      [CONNECT_DLQ_HEADERS.topic]: source.topic,
      [CONNECT_DLQ_HEADERS.partition]: String(source.partition),
      [CONNECT_DLQ_HEADERS.offset]: r.offset,
      [CONNECT_DLQ_HEADERS.connectorName]: 'alert-triage',
      [CONNECT_DLQ_HEADERS.taskId]: String(source.partition),
      [CONNECT_DLQ_HEADERS.stage]: stage,
      [CONNECT_DLQ_HEADERS.executingClass]: reason.executingClass ?? 'alert-triage.pipeline',
      [CONNECT_DLQ_HEADERS.exceptionClass]: errorClass,
      [CONNECT_DLQ_HEADERS.exceptionMessage]: `${reason.code}: ${message}`,
    },
  };
}
