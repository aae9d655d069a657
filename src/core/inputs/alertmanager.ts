// Prometheus Alertmanager webhook (payload version 4): one POST body holds a group of alerts.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import { emptyMapping, isObject, itemsOf, type NativeMapping, rejectPayload, stringOf } from './mapping.ts';
import { mapWebhookAlert } from './webhook-alert.ts';

export function mapAlertmanager(payload: unknown): NativeMapping {
  if (!isObject(payload)) return rejectPayload('alertmanager', payload, 'the webhook body, with `alerts`');
  const out = emptyMapping();
  const items = itemsOf(out, payload, 'alerts');
  if (!items) return out;
  const receiver = stringOf(payload.receiver);
  items.forEach((item, index) => {
    mapWebhookAlert(out, item, index, {
      idPrefix: 'am',
      source: 'alertmanager',
      extraLabels: [['receiver', receiver]],
    });
  });
  return out;
}
