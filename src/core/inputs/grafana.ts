// Grafana unified alerting webhook contact point: Alertmanager's body plus `orgId`, `title`, `state`,
// `message`, and per alert `values` (query ref → number), `valueString`, dashboard and panel URLs.
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
import {
  emptyMapping,
  isObject,
  itemsOf,
  type NativeMapping,
  numberOf,
  type Raw,
  rejectPayload,
  stringOf,
} from './mapping.ts';
import { mapWebhookAlert } from './webhook-alert.ts';

export function mapGrafana(payload: unknown): NativeMapping {
  if (!isObject(payload)) return rejectPayload('grafana', payload, 'the webhook body, with `alerts`');
  const out = emptyMapping();
  const items = itemsOf(out, payload, 'alerts');
  if (!items) return out;
  const org = payload.orgId === undefined ? undefined : String(payload.orgId);
  items.forEach((item, index) => {
    const alert = isObject(item) ? item : {};
    const values = isObject(alert.values) ? alert.values : undefined;
    mapWebhookAlert(out, item, index, {
      idPrefix: 'grafana',
      source: 'grafana',
      value: grafanaValue(alert, values),
      extraLabels: [
        ['grafana_org_id', org],
        ['dashboard_url', stringOf(alert.dashboardURL)],
        ['panel_url', stringOf(alert.panelURL)],
        ...Object.entries(values ?? {}).map(([ref, v]): [string, unknown] => [`value_${ref}`, v]),
      ],
    });
  });
  return out;
}

/**
 * The observed value: `values[<value_ref label>]`, else `values.B` (the reduce step of Grafana's default
 * rule: A query, B reduce, C threshold), else the only entry of `values`, else the first `value=` of the
 * older `valueString`. A `value` label or annotation, when numeric, is preferred over all of these.
 */
function grafanaValue(alert: Raw, values: Raw | undefined): number | undefined {
  if (values) {
    const labels = isObject(alert.labels) ? alert.labels : {};
    const ref = stringOf(labels.value_ref);
    const keys = Object.keys(values);
    const pick =
      ref !== undefined
        ? values[ref]
        : 'B' in values
          ? values.B
          : keys.length === 1
            ? values[keys[0]!]
            : undefined;
    const n = numberOf(pick);
    if (n !== undefined) return n;
  }
  const m =
    typeof alert.valueString === 'string'
      ? /value=([-+]?[\d.]+(?:[eE][-+]?\d+)?)/.exec(alert.valueString)
      : null;
  return m ? numberOf(m[1]) : undefined;
}
