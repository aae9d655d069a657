// CloudEvents 1.0, JSON event format (structured mode): one event, or a JSON batch (an array of events,
// `application/cloudevents-batch+json`). `data` is an AnomalyAlert (the contract in PRODUCT.md); the
// event's own attributes fill what `data` leaves out.
// https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md
import {
  defined,
  emptyMapping,
  isObject,
  type NativeMapping,
  reject,
  rejectPayload,
  stableHash,
  stringOf,
  timeOf,
  typeName,
} from './mapping.ts';

const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

export function mapCloudEvents(payload: unknown): NativeMapping {
  const out = emptyMapping();
  if (Array.isArray(payload)) {
    payload.forEach((event, index) => {
      mapEvent(out, event, index, `[${index}]`);
    });
    return out;
  }
  if (!isObject(payload)) return rejectPayload('cloudevents', payload, 'an event or an array of events');
  mapEvent(out, payload, 0, 'event');
  return out;
}

/**
 * alert_id: `data.alert_id`, else `ce-` + a hash of the event's `source` and `id` (the pair CloudEvents
 * makes unique per event). event_time: `data.event_time`, else `time`. model_id: `data.model_id`, else
 * `subject`. source: `data.source`, else the event's `source`. The event's `type` is kept as the label
 * `ce_type`. `data_base64` is refused: the alert must be JSON.
 */
function mapEvent(out: NativeMapping, event: unknown, index: number, path: string): void {
  if (!isObject(event)) {
    reject(out, index, 'NOT_AN_OBJECT', path, `must be a CloudEvent object, got ${typeName(event)}`);
    return;
  }
  for (const attr of REQUIRED) {
    if (stringOf(event[attr]) === undefined) {
      reject(out, index, 'MISSING_FIELD', `${path}.${attr}`, 'is a required CloudEvents attribute');
      return;
    }
  }
  if (event.specversion !== '1.0') {
    reject(
      out,
      index,
      'BAD_ENUM',
      `${path}.specversion`,
      `must be "1.0", got ${JSON.stringify(event.specversion)}`,
    );
    return;
  }
  if (event.data === undefined && event.data_base64 !== undefined) {
    reject(
      out,
      index,
      'WRONG_TYPE',
      `${path}.data_base64`,
      'binary data is not supported: send the alert as JSON `data`',
    );
    return;
  }
  const data = event.data;
  if (!isObject(data)) {
    reject(
      out,
      index,
      data === undefined ? 'MISSING_FIELD' : 'NOT_AN_OBJECT',
      `${path}.data`,
      data === undefined
        ? 'is required (an AnomalyAlert)'
        : `must be an AnomalyAlert object, got ${typeName(data)}`,
    );
    return;
  }
  let eventTime: unknown = data.event_time;
  if (eventTime === undefined) {
    const t = timeOf(event.time);
    if (!('ms' in t)) {
      reject(out, index, t.code, `${path}.time`, `${t.reason} when data.event_time is absent`);
      return;
    }
    eventTime = t.ms;
  }
  // A non-object `labels` is passed on as it is, so parseAlert names it.
  const labels: unknown =
    data.labels === undefined
      ? { ce_type: event.type }
      : isObject(data.labels)
        ? { ce_type: event.type, ...data.labels }
        : data.labels;
  out.alerts.push(
    defined({
      ...data,
      alert_id: data.alert_id ?? `ce-${stableHash(String(event.source), String(event.id))}`,
      event_time: eventTime,
      model_id: data.model_id ?? event.subject,
      source: data.source ?? event.source,
      labels,
    }),
  );
  out.paths.push(path);
}
