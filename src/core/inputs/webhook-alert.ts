// One alert of an Alertmanager-style webhook (Prometheus Alertmanager, Grafana unified alerting): labels
// and annotations → the contract's fields. Shared by alertmanager.ts and grafana.ts.
import {
  boundedLabels,
  defined,
  firstString,
  isObject,
  type NativeMapping,
  numberOf,
  type Raw,
  reject,
  stableHash,
  stringOf,
  timeOf,
  typeName,
} from './mapping.ts';
import { MODEL_LABELS, SEVERITY_LABELS, severityOf, signalOf } from './vocabulary.ts';

/** Labels read into the alert's own fields; every other label is passed on in `labels`. */
const FIELD_LABELS: Record<string, readonly string[]> = {
  model_id: MODEL_LABELS,
  severity: SEVERITY_LABELS,
  signal: ['signal'],
  source: ['source'],
  model_version: ['model_version', 'version'],
  feature: ['feature'],
  metric: ['metric', 'metric_name'],
  product_area: ['product_area'],
  region: ['region'],
  customer_segment: ['customer_segment', 'segment'],
  confidence: ['confidence'],
  affected_entities: ['affected_entities'],
  value: ['value'],
  threshold: ['threshold'],
};
const CONSUMED = new Set(Object.values(FIELD_LABELS).flat());
/** Annotations worth carrying to the on-call engineer (as labels of the same name). */
const KEPT_ANNOTATIONS = ['summary', 'description', 'runbook_url'] as const;

export interface WebhookAlertOptions {
  /** alert_id prefix: `am`, `grafana`. */
  idPrefix: string;
  /** `source` when no `source` label says otherwise. */
  source: string;
  /** Extra labels from the payload around the alert (Grafana's dashboard URL, …). */
  extraLabels?: Iterable<[string, unknown]>;
  /** A value from elsewhere in the payload (Grafana's `values`), used when no label or annotation has one. */
  value?: number;
}

/**
 * Maps `item` (one element of the payload's `alerts`) into `out`, or rejects it by name. A resolved alert
 * is mapped too: its event time is `endsAt`, its alert_id ends in `:resolved`, and its `status` label says
 * `resolved` (a firing one says `firing`), so incidents can later resolve on it.
 */
export function mapWebhookAlert(
  out: NativeMapping,
  item: unknown,
  index: number,
  options: WebhookAlertOptions,
): void {
  const path = `alerts[${index}]`;
  if (!isObject(item)) {
    reject(out, index, 'NOT_AN_OBJECT', path, `must be an object, got ${typeName(item)}`);
    return;
  }
  const labels = stringMap(item.labels);
  const annotations = stringMap(item.annotations);
  if (labels === undefined) {
    reject(
      out,
      index,
      item.labels === undefined ? 'MISSING_FIELD' : 'WRONG_TYPE',
      `${path}.labels`,
      'must be an object of strings',
    );
    return;
  }
  const maps = [labels, annotations];
  const read = (field: string) => firstString(maps, FIELD_LABELS[field]!);

  const model = read('model_id');
  if (model === undefined) {
    reject(
      out,
      index,
      'MISSING_FIELD',
      `${path}.labels`,
      `no model label: looked for ${MODEL_LABELS.join(', ')} (in labels, then annotations)`,
    );
    return;
  }
  const resolved = item.status === 'resolved';
  const starts = timeOf(item.startsAt);
  if (!('ms' in starts)) {
    reject(out, index, starts.code, `${path}.startsAt`, starts.reason);
    return;
  }
  const ends = resolved ? timeOf(item.endsAt) : undefined;
  if (ends && 'code' in ends && ends.code === 'BAD_TIMESTAMP') {
    reject(out, index, ends.code, `${path}.endsAt`, ends.reason);
    return;
  }
  const eventTime = ends && 'ms' in ends ? ends.ms : starts.ms;
  const fingerprint = stringOf(item.fingerprint) ?? stableHash(...sortedPairs(labels));
  const severityWord = read('severity');
  const rawValue = read('value');
  const value = numberOf(rawValue) ?? options.value;

  out.alerts.push(
    defined({
      alert_id: `${options.idPrefix}:${fingerprint}:${starts.ms}${resolved ? ':resolved' : ''}`,
      event_time: eventTime,
      model_id: model,
      signal: signalOf(read('signal'), labels.alertname, read('metric')),
      source: read('source') ?? options.source,
      model_version: read('model_version'),
      feature: read('feature'),
      metric: read('metric'),
      value,
      threshold: numberOf(read('threshold')),
      severity: severityOf(severityWord),
      confidence: numberOf(read('confidence')),
      affected_entities: numberOf(read('affected_entities')),
      product_area: read('product_area'),
      region: read('region'),
      customer_segment: read('customer_segment'),
      labels: boundedLabels([
        ...Object.entries(labels).filter(([k]) => !CONSUMED.has(k)),
        // An unknown severity word is not lost: the default applies and the word stays here.
        ['severity', severityOf(severityWord) ? undefined : severityWord],
        ['value', value === undefined ? rawValue : undefined],
        ...KEPT_ANNOTATIONS.map((k): [string, unknown] => [
          k,
          labels[k] === undefined ? annotations?.[k] : undefined,
        ]),
        ['status', resolved ? 'resolved' : 'firing'],
        ['started_at', new Date(starts.ms).toISOString()],
        ['source_url', stringOf(item.generatorURL)],
        ...(options.extraLabels ?? []),
      ]),
    }),
  );
  out.paths.push(path);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return v === null ? undefined : {};
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function sortedPairs(labels: Raw): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`);
}
