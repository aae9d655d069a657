// The input formats `score --input-format` (and later the ingest endpoint) accept, and their mappers.
// `alerttriage` is the contract itself (PRODUCT.md): one AnomalyAlert per record, no mapping.
import { mapAlertmanager } from './alertmanager.ts';
import { mapArize } from './arize.ts';
import { mapCloudEvents } from './cloudevents.ts';
import { mapEvidently } from './evidently.ts';
import { mapGrafana } from './grafana.ts';
import { isObject, type NativeMapper, type NativeMapping } from './mapping.ts';
import { mapWhylabs } from './whylabs.ts';

export type { NativeMapper, NativeMapping, NativeRejection } from './mapping.ts';

export const INPUT_FORMATS = [
  'alerttriage',
  'alertmanager',
  'grafana',
  'evidently',
  'whylabs',
  'arize',
  'cloudevents',
] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export type NativeFormat = Exclude<InputFormat, 'alerttriage'>;

export const NATIVE_MAPPERS: Record<NativeFormat, NativeMapper> = {
  alertmanager: mapAlertmanager,
  grafana: mapGrafana,
  evidently: mapEvidently,
  whylabs: mapWhylabs,
  arize: mapArize,
  cloudevents: mapCloudEvents,
};

/** What a rejected payload of each format is called in rejects and the DLQ. */
export const PAYLOAD_TYPES: Record<InputFormat, string> = {
  alerttriage: 'AnomalyAlert',
  alertmanager: 'AlertmanagerWebhook',
  grafana: 'GrafanaWebhook',
  evidently: 'EvidentlyTestResults',
  whylabs: 'WhyLabsNotification',
  arize: 'ArizeMonitorAlert',
  cloudevents: 'CloudEvent',
};

export function isInputFormat(v: string): v is InputFormat {
  return (INPUT_FORMATS as readonly string[]).includes(v);
}

/**
 * The native format a record looks like, for the hint when it was read as an AnomalyAlert and refused
 * (an Alertmanager body has no alert_id, model_id or signal); undefined when it looks like none.
 */
export function guessFormat(v: unknown): NativeFormat | undefined {
  if (Array.isArray(v))
    return v.length > 0 && isObject(v[0]) && 'specversion' in v[0] ? 'cloudevents' : undefined;
  if (!isObject(v)) return undefined;
  if ('specversion' in v) return 'cloudevents';
  if (Array.isArray(v.alerts)) return 'orgId' in v ? 'grafana' : 'alertmanager';
  if (Array.isArray(v.tests)) return 'evidently';
  if ('analyzerResult' in v || 'anomalySample' in v || 'columnStatistics' in v) return 'whylabs';
  if (isObject(v.monitor) || 'monitorCategory' in v) return 'arize';
  return undefined;
}

/** One payload of `format` → AnomalyAlert objects (to be validated by `parseAlert`) and rejected items. */
export function mapPayload(format: InputFormat, payload: unknown): NativeMapping {
  if (format === 'alerttriage')
    return { alerts: [payload as Record<string, unknown>], paths: [''], rejected: [] };
  return NATIVE_MAPPERS[format](payload);
}
