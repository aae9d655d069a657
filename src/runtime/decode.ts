// Text → core input: the decode stage shared by every source (NDJSON files, Kafka records).
import type { InvalidRecord, Result } from '../core/errors.ts';
import type { CoreInput } from '../core/events.ts';
import { INPUT_FORMATS, PAYLOAD_TYPES } from '../core/inputs/index.ts';
import { FORMAT_HEADER, ingestFormatOf, mapIngest, rejectionMessage } from '../core/inputs/ingest.ts';
import { parseAlert, parseDeploy, parseFeedback, parseJson } from '../core/parse-record.ts';

export type InputKind = 'alert' | 'deploy' | 'feedback';

export const RECORD_TYPE: Record<InputKind, string> = {
  alert: 'AnomalyAlert',
  deploy: 'DeployEvent',
  feedback: 'AlertFeedback',
};

/** Decoded record plus the event time the merge orders by. */
export type Decoded = { input: CoreInput; eventTime: number };

export function decodeValue(kind: InputKind, value: unknown, at: number): Result<Decoded, InvalidRecord> {
  switch (kind) {
    case 'alert': {
      const r = parseAlert(value);
      return r.ok
        ? { ok: true, value: { input: { kind, alert: r.value, at }, eventTime: r.value.event_time } }
        : r;
    }
    case 'deploy': {
      const r = parseDeploy(value);
      return r.ok
        ? { ok: true, value: { input: { kind, deploy: r.value, at }, eventTime: r.value.event_time } }
        : r;
    }
    case 'feedback': {
      const r = parseFeedback(value);
      return r.ok
        ? { ok: true, value: { input: { kind, feedback: r.value, at }, eventTime: r.value.event_time } }
        : r;
    }
  }
}

export function decodeJsonText(kind: InputKind, text: string, at: number): Result<Decoded, InvalidRecord> {
  const json = parseJson(text, RECORD_TYPE[kind]);
  return json.ok ? decodeValue(kind, json.value, at) : json;
}

/** A header value as Kafka clients hand it over (bytes, text, or repeated). */
type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface AlertRecordDecoded {
  /** The alerts the record carries: one for an AnomalyAlert, any number for another tool's payload. */
  decoded: Decoded[];
  /** Why the record (or some items of its payload) goes to the DLQ. */
  refused?: { code: string; message: string; recordType: string };
}

/**
 * An alerts-topic record's value (already decoded from JSON or Avro) → its alerts. With the
 * `alert-triage-format` header (e.g. `alertmanager`), the value is that tool's payload, mapped by the
 * same mapper as `score --input-format` and `POST /v1/ingest/<format>`; items it refuses are named in
 * `refused`, the others are scored. Without the header (or with `native`): one AnomalyAlert.
 */
export function decodeAlertRecord(
  value: unknown,
  headers: Record<string, HeaderValue> | undefined,
  at: number,
): AlertRecordDecoded {
  const header = headerText(headers?.[FORMAT_HEADER]);
  if (header === undefined) {
    const r = decodeValue('alert', value, at);
    return r.ok
      ? { decoded: [r.value] }
      : {
          decoded: [],
          refused: { code: r.error.code, message: r.error.message, recordType: 'AnomalyAlert' },
        };
  }
  const format = ingestFormatOf(header.trim().toLowerCase());
  if (format === undefined) {
    const message = `header ${FORMAT_HEADER}: unknown input format ${JSON.stringify(header.slice(0, 64))} (one of native, ${INPUT_FORMATS.join(', ')})`;
    return { decoded: [], refused: { code: 'UNKNOWN_INPUT_FORMAT', message, recordType: 'AnomalyAlert' } };
  }
  const m = mapIngest(format, value);
  // A batch's order means nothing (Alertmanager groups by labels): event-time order, as `score` reads it.
  const decoded = m.alerts
    .map((alert) => ({ input: { kind: 'alert' as const, alert, at }, eventTime: alert.event_time }))
    .sort((a, b) => a.eventTime - b.eventTime);
  if (m.rejected.length === 0) return { decoded };
  return {
    decoded,
    refused: {
      code: m.rejected[0]!.code,
      message: rejectionMessage(format, m),
      recordType: PAYLOAD_TYPES[format],
    },
  };
}

function headerText(v: HeaderValue): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  const text = typeof first === 'string' ? first : first.toString('utf8');
  return text === '' ? undefined : text;
}
