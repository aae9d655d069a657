// What every native-input mapper returns, and the small readers they share. A mapper turns one payload
// of another tool (unknown JSON) into AnomalyAlert-shaped objects; `parseAlert` validates them after.
// A bad item of a batch is rejected alone, with the field named; the payload's other items are kept.
import { hash64 } from '../dedup.ts';
import type { RecordErrorCode } from '../errors.ts';
import { LIMITS, toEpochMillis } from '../parse-record.ts';

export type Raw = Record<string, unknown>;

export interface NativeRejection {
  /** The item's position in the payload's batch (0 for a one-alert payload); -1 when the payload itself is bad. */
  index: number;
  code: RecordErrorCode;
  /** Path of the offending field in the native payload, e.g. `alerts[2].labels`. */
  field: string;
  message: string;
}

export interface NativeMapping {
  /** AnomalyAlert JSON objects (event_time in epoch ms), still to be validated by `parseAlert`. */
  alerts: Raw[];
  /** Where each alert came from in the payload (`alerts[2]`), parallel to `alerts`, for error messages. */
  paths: string[];
  rejected: NativeRejection[];
}

export type NativeMapper = (payload: unknown) => NativeMapping;

export function emptyMapping(): NativeMapping {
  return { alerts: [], paths: [], rejected: [] };
}

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function reject(
  out: NativeMapping,
  index: number,
  code: RecordErrorCode,
  field: string,
  reason: string,
): NativeMapping {
  out.rejected.push({ index, code, field, message: field ? `${field}: ${reason}` : reason });
  return out;
}

/** The payload is not even the shape of the format: one rejection for all of it. */
export function rejectPayload(format: string, payload: unknown, expected: string): NativeMapping {
  return reject(
    emptyMapping(),
    -1,
    'NOT_AN_OBJECT',
    '',
    `a ${format} payload must be a JSON object (${expected}), got ${typeName(payload)}`,
  );
}

/** A required array of items (Alertmanager's `alerts`), or a rejection naming it. */
export function itemsOf(out: NativeMapping, payload: Raw, field: string): unknown[] | undefined {
  const v = payload[field];
  if (Array.isArray(v)) return v;
  reject(
    out,
    -1,
    v === undefined ? 'MISSING_FIELD' : 'WRONG_TYPE',
    field,
    v === undefined ? 'is required (an array of alerts)' : `must be an array, got ${typeName(v)}`,
  );
  return undefined;
}

export function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The first non-empty string among `names` in each of `maps`, in order (labels before annotations). */
export function firstString(
  maps: readonly (Raw | undefined)[],
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    for (const m of maps) {
      const v = m?.[name];
      if (typeof v === 'string' && v.length > 0) return v;
    }
  }
  return undefined;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number, or a string that is one ("0.82"); anything else is undefined. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMBER.test(v.trim())) return Number(v.trim());
  return undefined;
}

// Python's isoformat() of a naive datetime (Evidently's timestamps): no offset. Read as UTC.
const NAIVE_ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/**
 * A timestamp field (epoch ms or RFC 3339), read into epoch ms; a rejection naming the field when it is
 * absent or unreadable. Go's zero time (`0001-01-01T00:00:00Z`, Alertmanager's "not ended") counts as absent.
 */
export function timeOf(
  value: unknown,
  options: { naiveIsUtc?: boolean } = {},
): { ms: number } | { code: 'MISSING_FIELD' | 'BAD_TIMESTAMP'; reason: string } {
  if (value === undefined || value === null || value === '' || isZeroTime(value)) {
    return { code: 'MISSING_FIELD', reason: 'is required' };
  }
  const text = typeof value === 'string' && options.naiveIsUtc && NAIVE_ISO.test(value) ? `${value}Z` : value;
  const ms = toEpochMillis(text);
  if (ms !== undefined) return { ms };
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeName(value);
  return { code: 'BAD_TIMESTAMP', reason: `must be epoch milliseconds or an RFC 3339 string, got ${shown}` };
}

export function isZeroTime(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('0001-01-01');
}

/** A short, stable id part from any number of strings (the producer gave no fingerprint). */
export function stableHash(...parts: string[]): string {
  return hash64(parts.join('\u0000'));
}

/**
 * Labels as `parseAlert` takes them: strings only, each value cut to the length limit, at most the
 * label limit (the last slot then says how many were left out), so a long Grafana description or a
 * chatty label set never turns a good alert into a TOO_LARGE reject.
 */
export function boundedLabels(entries: Iterable<[string, unknown]>): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  let dropped = 0;
  for (const [k, v] of entries) {
    if (v === undefined || v === null || v === '') continue;
    const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (kept >= LIMITS.maxLabels - 1 || k.length > LIMITS.maxStringLength || k === '__proto__') {
      dropped++;
      continue;
    }
    out[k] = text.length > LIMITS.maxStringLength ? `${text.slice(0, LIMITS.maxStringLength - 1)}…` : text;
    kept++;
  }
  if (dropped > 0) out.labels_dropped = String(dropped);
  return out;
}

/** Copies the defined fields only: the object `parseAlert` reads carries no `"x": undefined`. */
export function defined(o: Raw): Raw {
  const out: Raw = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
