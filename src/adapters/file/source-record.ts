// A record of an input file on its way to the decoder: a line of our own format (its text), an alert
// mapped from another tool's payload (its value), or an item the mapper refused (the reason).
import { toEpochMillis } from '../../core/parse-record.ts';
import type { SourceLine } from './ndjson-source.ts';

export interface Refusal {
  /** What the payload is (`AlertmanagerWebhook`, …), for the rejects file. */
  recordType: string;
  code: string;
  field: string;
  message: string;
}

export interface SourceRecord extends SourceLine {
  /** The record already parsed (an AnomalyAlert object mapped from a native payload); else `text` is parsed. */
  value?: unknown;
  /** Where in its payload the record came from (`alerts[2]`), for error messages. */
  item?: string;
  /** The mapper refused this item: it goes to the rejects as it is. `text` is then its payload. */
  refused?: Refusal;
  /** Bytes this record stands for (its share of the payload line), for the sort's memory bound. */
  size?: number;
}

/** The record's event time in epoch ms, or undefined when it has none (it will be rejected). */
export function eventTimeOf(r: SourceRecord): number | undefined {
  if (r.refused) return undefined;
  let value = r.value;
  if (value === undefined) {
    try {
      value = JSON.parse(r.text);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null
    ? toEpochMillis((value as { event_time?: unknown }).event_time)
    : undefined;
}

export function sizeOf(r: SourceRecord): number {
  return r.size ?? r.text.length;
}
