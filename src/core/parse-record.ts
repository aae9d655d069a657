// Validation of raw (already JSON-decoded) records into the typed events of events.ts.
// Hand-written rather than a schema library: it is on the hot path of every record, and it
// must report every bad field by name without throwing.

import { type FieldIssue, type InvalidRecord, invalidRecord, type Result } from './errors.ts';
import {
  type AlertFeedback,
  type AnomalyAlert,
  DEPLOY_KINDS,
  type DeployEvent,
  OUTCOMES,
  SEVERITIES,
  SIGNALS,
  TIERS,
} from './events.ts';
import { parseJsonText } from './json-text.ts';

export const LIMITS = { maxStringLength: 2048, maxLabels: 100 } as const;

// RFC 3339 date-time; Date.parse alone accepts too many other shapes.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_EPOCH_MS = 8.64e15;

type Raw = Record<string, unknown>;

/** Reads the fields of one raw record, collecting every problem instead of throwing. */
export class FieldReader {
  readonly issues: FieldIssue[] = [];
  readonly raw: Raw;
  constructor(raw: Raw) {
    this.raw = raw;
  }

  private missing(field: string): void {
    this.issues.push({ code: 'MISSING_FIELD', field, reason: 'is required' });
  }

  string(field: string, required: true): string;
  string(field: string, required?: false): string | undefined;
  string(field: string, required = false): string | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) {
      if (required) this.missing(field);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.issues.push({ code: 'WRONG_TYPE', field, reason: `must be a string, got ${typeName(v)}` });
      return undefined;
    }
    if (required && v.length === 0) {
      this.issues.push({ code: 'MISSING_FIELD', field, reason: 'must not be empty' });
      return undefined;
    }
    if (v.length > LIMITS.maxStringLength) {
      this.issues.push({
        code: 'TOO_LARGE',
        field,
        reason: `longer than ${LIMITS.maxStringLength} characters`,
      });
      return undefined;
    }
    return v;
  }

  enumOf<T extends string>(field: string, values: readonly T[], required: true): T;
  enumOf<T extends string>(field: string, values: readonly T[], required?: false): T | undefined;
  enumOf<T extends string>(field: string, values: readonly T[], required = false): T | undefined {
    const v = required ? this.string(field, true) : this.string(field);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.issues.push({
        code: 'BAD_ENUM',
        field,
        reason: `must be one of ${values.join(', ')}, got ${JSON.stringify(v.slice(0, 64))}`,
      });
      return undefined;
    }
    return v as T;
  }

  number(field: string, range?: { min?: number; max?: number }): number | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') {
      this.issues.push({ code: 'WRONG_TYPE', field, reason: `must be a number, got ${typeName(v)}` });
      return undefined;
    }
    if (!Number.isFinite(v)) {
      this.issues.push({ code: 'NOT_FINITE', field, reason: 'must be a finite number' });
      return undefined;
    }
    if ((range?.min !== undefined && v < range.min) || (range?.max !== undefined && v > range.max)) {
      this.issues.push({
        code: 'OUT_OF_RANGE',
        field,
        reason: `must be within ${range.min ?? '-inf'}..${range.max ?? 'inf'}, got ${v}`,
      });
      return undefined;
    }
    return v;
  }

  timestamp(field: string, required: true): number;
  timestamp(field: string, required?: false): number | undefined;
  timestamp(field: string, required = false): number | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) {
      if (required) this.missing(field);
      return undefined;
    }
    const ms = toEpochMillis(v);
    if (ms === undefined) {
      this.issues.push({
        code: 'BAD_TIMESTAMP',
        field,
        reason: `must be epoch milliseconds or an RFC 3339 string, got ${describe(v)}`,
      });
    }
    return ms;
  }

  labels(field: string): Record<string, string> | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) {
      this.issues.push({
        code: 'WRONG_TYPE',
        field,
        reason: `must be an object of strings, got ${typeName(v)}`,
      });
      return undefined;
    }
    // A for-in over the parsed object, not Object.entries + fromEntries (two arrays per label per
    // alert). JSON.parse makes plain objects, so for-in sees exactly their own keys, in their order.
    let count = 0;
    for (const k in v) if (Object.hasOwn(v, k)) count++;
    if (count > LIMITS.maxLabels) {
      this.issues.push({ code: 'TOO_LARGE', field, reason: `more than ${LIMITS.maxLabels} labels` });
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      const val = v[k];
      if (typeof val !== 'string') {
        this.issues.push({
          code: 'WRONG_TYPE',
          field: `${field}.${k}`,
          reason: `must be a string, got ${typeName(val)}`,
        });
        return undefined;
      }
      if (k.length > LIMITS.maxStringLength || val.length > LIMITS.maxStringLength) {
        this.issues.push({ code: 'TOO_LARGE', field: `${field}.${k}`, reason: 'label too long' });
        return undefined;
      }
      // A "__proto__" key is defined as an own data property (as fromEntries did), never a prototype.
      if (k === '__proto__')
        Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
      else out[k] = val;
    }
    return out;
  }
}

export function toEpochMillis(v: unknown): number | undefined {
  if (typeof v === 'number') {
    return Number.isFinite(v) && v >= 0 && v <= MAX_EPOCH_MS ? Math.trunc(v) : undefined;
  }
  if (typeof v === 'string') {
    const m = RFC3339.exec(v);
    if (!m) return undefined;
    // Date.parse rolls impossible dates over (Feb 30 → Mar 2): check the fields ourselves.
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
      return undefined;
    }
    const ms = Date.parse(v);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  }
  return undefined;
}

function isPlainObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 64));
  if (typeof v === 'number') return String(v);
  return typeName(v);
}

/**
 * Copies only the defined fields, in order, so outputs never carry `"x": undefined`. A copy, not
 * `delete`: deleting a property drops an object into V8's dictionary mode for good, which made every
 * read of an alert or deploy a hash lookup, serializing an alert 1.7x slower and a deploy-window
 * entry 3x larger (docs/BENCHMARKS.md).
 */
function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function reader(recordType: string, raw: unknown): FieldReader | InvalidRecord {
  if (!isPlainObject(raw)) {
    return invalidRecord(recordType, [
      { code: 'NOT_AN_OBJECT', field: '', reason: `must be a JSON object, got ${typeName(raw)}` },
    ]);
  }
  return new FieldReader(raw);
}

export function parseAlert(raw: unknown): Result<AnomalyAlert, InvalidRecord> {
  const r = reader('AnomalyAlert', raw);
  if (!(r instanceof FieldReader)) return { ok: false, error: r };
  // Field by field in the contract's order, optional ones only when defined: the same object
  // `compact` would make, without a generic keyed copy per field (this runs for every alert).
  const alert = {
    alert_id: r.string('alert_id', true),
    event_time: r.timestamp('event_time', true),
    model_id: r.string('model_id', true),
    signal: r.enumOf('signal', SIGNALS, true),
  } as AnomalyAlert;
  const source = r.string('source');
  if (source !== undefined) alert.source = source;
  const modelVersion = r.string('model_version');
  if (modelVersion !== undefined) alert.model_version = modelVersion;
  const feature = r.string('feature');
  if (feature !== undefined) alert.feature = feature;
  const metric = r.string('metric');
  if (metric !== undefined) alert.metric = metric;
  const value = r.number('value');
  if (value !== undefined) alert.value = value;
  const threshold = r.number('threshold');
  if (threshold !== undefined) alert.threshold = threshold;
  alert.severity = r.enumOf('severity', SEVERITIES) ?? 'medium';
  const confidence = r.number('confidence', { min: 0, max: 1 });
  if (confidence !== undefined) alert.confidence = confidence;
  const affected = r.number('affected_entities', { min: 0 });
  if (affected !== undefined) alert.affected_entities = affected;
  const productArea = r.string('product_area');
  if (productArea !== undefined) alert.product_area = productArea;
  const region = r.string('region');
  if (region !== undefined) alert.region = region;
  const segment = r.string('customer_segment');
  if (segment !== undefined) alert.customer_segment = segment;
  const labels = r.labels('labels');
  if (labels !== undefined) alert.labels = labels;
  return r.issues.length
    ? { ok: false, error: invalidRecord('AnomalyAlert', r.issues) }
    : { ok: true, value: alert };
}

export function parseDeploy(raw: unknown): Result<DeployEvent, InvalidRecord> {
  const r = reader('DeployEvent', raw);
  if (!(r instanceof FieldReader)) return { ok: false, error: r };
  const deploy: DeployEvent = compact({
    event_id: r.string('event_id', true),
    event_time: r.timestamp('event_time', true),
    kind: r.enumOf('kind', DEPLOY_KINDS, true),
    model_id: r.string('model_id'),
    service: r.string('service'),
    version: r.string('version'),
    previous_version: r.string('previous_version'),
    actor: r.string('actor'),
    commit: r.string('commit'),
    description: r.string('description'),
    region: r.string('region'),
  });
  if (!r.issues.length && deploy.model_id === undefined && deploy.service === undefined) {
    r.issues.push({
      code: 'MISSING_FIELD',
      field: 'model_id',
      reason: 'one of model_id or service is required',
    });
  }
  return r.issues.length
    ? { ok: false, error: invalidRecord('DeployEvent', r.issues) }
    : { ok: true, value: deploy };
}

export function parseFeedback(raw: unknown): Result<AlertFeedback, InvalidRecord> {
  const r = reader('AlertFeedback', raw);
  if (!(r instanceof FieldReader)) return { ok: false, error: r };
  const feedback: AlertFeedback = compact({
    alert_id: r.string('alert_id', true),
    event_time: r.timestamp('event_time', true),
    outcome: r.enumOf('outcome', OUTCOMES, true),
    true_tier: r.enumOf('true_tier', TIERS),
    root_cause: r.string('root_cause'),
    impact: r.number('impact'),
    acked_at: r.timestamp('acked_at'),
    resolved_at: r.timestamp('resolved_at'),
  });
  return r.issues.length
    ? { ok: false, error: invalidRecord('AlertFeedback', r.issues) }
    : { ok: true, value: feedback };
}

/** JSON text → record. JSON.parse never pollutes prototypes: "__proto__" becomes an own key. */
/** JSON text → value, within the product's one set of limits (json-text.ts). */
export function parseJson(text: string, recordType: string): Result<unknown, InvalidRecord> {
  return parseJsonText(text, recordType);
}
