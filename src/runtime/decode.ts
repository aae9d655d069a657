// Text → core input: the decode stage shared by every source (NDJSON files, Kafka records).
import type { InvalidRecord, Result } from '../core/errors.ts';
import type { CoreInput } from '../core/events.ts';
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
