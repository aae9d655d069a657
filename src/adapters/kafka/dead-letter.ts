// Dead-letter records: the original bytes and headers, where they came from, and why they failed.
import type { IHeaders, Message } from 'kafkajs';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface DeadLetterReason {
  code: string;
  message: string;
  recordType?: string;
}

export const DLQ_HEADERS = {
  topic: 'x-dlq-source-topic',
  partition: 'x-dlq-source-partition',
  offset: 'x-dlq-source-offset',
  code: 'x-dlq-error-code',
  message: 'x-dlq-error-message',
  recordType: 'x-dlq-record-type',
} as const;

const MAX_MESSAGE_HEADER = 2_000;

export function deadLetter(source: DeadLetterSource, reason: DeadLetterReason): Message {
  const headers: IHeaders = { ...(source.headers ?? {}) };
  headers[DLQ_HEADERS.topic] = source.topic;
  headers[DLQ_HEADERS.partition] = String(source.partition);
  headers[DLQ_HEADERS.offset] = source.offset;
  headers[DLQ_HEADERS.code] = reason.code;
  headers[DLQ_HEADERS.message] = reason.message.slice(0, MAX_MESSAGE_HEADER);
  if (reason.recordType) headers[DLQ_HEADERS.recordType] = reason.recordType;
  return { key: source.key, value: source.value, headers };
}
