// Arize monitor alerts: a monitor whose status changed, with its model. The field names are those of
// Arize's Monitor in its public GraphQL API (id, name, monitorCategory, status, threshold, operator,
// latestComputedValue, the metric and the dimension it watches), nested under `monitor` with `model`
// beside it, or flat at the top level. docs/INPUTS.md says what was and was not checked against Arize.
import {
  defined,
  emptyMapping,
  firstString,
  isObject,
  type NativeMapping,
  numberOf,
  type Raw,
  reject,
  rejectPayload,
  stableHash,
  stringOf,
  timeOf,
} from './mapping.ts';
import { SEVERITY_LABELS, severityOf, signalFromName } from './vocabulary.ts';

const TIME_FIELDS = ['timestamp', 'triggeredAt', 'evaluatedAt', 'time'] as const;
const RESOLVED = new Set(['cleared', 'resolved', 'healthy', 'ok', 'recovered']);
const PREDICTION_DIMENSIONS = new Set(['predictionValue', 'predictionClass', 'predictionScore', 'actuals']);

export function mapArize(payload: unknown): NativeMapping {
  if (!isObject(payload))
    return rejectPayload('arize', payload, 'a monitor alert, with `monitor` and `model`');
  const out = emptyMapping();
  const monitor = isObject(payload.monitor) ? payload.monitor : payload;
  const model = isObject(payload.model) ? payload.model : isObject(monitor.model) ? monitor.model : undefined;
  const modelId =
    firstString([model], ['name', 'id']) ??
    firstString([payload, monitor], ['model_name', 'modelName', 'model_id']);
  if (modelId === undefined) {
    return reject(
      out,
      0,
      'MISSING_FIELD',
      'model.name',
      'is required (the Arize model the monitor watches: the catalog key)',
    );
  }
  const timeField =
    TIME_FIELDS.find((f) => payload[f] !== undefined || monitor[f] !== undefined) ?? 'timestamp';
  const time = timeOf(payload[timeField] ?? monitor[timeField]);
  if (!('ms' in time)) return reject(out, 0, time.code, timeField, time.reason);
  const name = stringOf(monitor.name);
  const monitorId = stringOf(monitor.id) ?? (name ? stableHash(modelId, name) : undefined);
  if (monitorId === undefined) {
    return reject(
      out,
      0,
      'MISSING_FIELD',
      'monitor.id',
      'is required (or monitor.name): it makes the alert id',
    );
  }
  const status = (stringOf(monitor.status) ?? stringOf(payload.status) ?? 'triggered').toLowerCase();
  const resolved = RESOLVED.has(status);
  const dimension = isObject(monitor.dimension) ? monitor.dimension : undefined;
  const dimensionCategory = stringOf(dimension?.category) ?? stringOf(monitor.dimensionCategory);
  const metric = firstString([monitor], ['metric', 'performanceMetric', 'driftMetric', 'dataQualityMetric']);
  const severityWord = firstString([monitor, payload], SEVERITY_LABELS);
  out.alerts.push(
    defined({
      alert_id: `arize:${monitorId}:${time.ms}${resolved ? ':resolved' : ''}`,
      event_time: time.ms,
      model_id: modelId,
      signal: signalOf(stringOf(monitor.monitorCategory), status, dimensionCategory, metric, name),
      source: 'arize',
      model_version: firstString([model, monitor], ['version', 'modelVersion', 'model_version']),
      feature: stringOf(dimension?.name) ?? stringOf(monitor.dimensionName) ?? stringOf(monitor.feature),
      metric,
      value:
        numberOf(monitor.latestComputedValue) ??
        numberOf(monitor.currentMetricValue) ??
        numberOf(monitor.value),
      threshold: numberOf(monitor.threshold) ?? numberOf(monitor.thresholdValue),
      severity: severityOf(severityWord),
      labels: labelsOf(monitor, payload, { status: resolved ? 'resolved' : status, severityWord, name }),
    }),
  );
  out.paths.push('monitor');
  return out;
}

/**
 * performance → performance_degradation; drift → data_drift, prediction_drift when it watches the
 * prediction or the actuals; dataQuality, or a monitor with no data → data_quality; else the words of the
 * metric and the monitor's name.
 */
function signalOf(
  category: string | undefined,
  status: string,
  dimensionCategory: string | undefined,
  metric: string | undefined,
  name: string | undefined,
): string {
  if (status === 'nodata' || status === 'no_data') return 'data_quality';
  if (category === 'performance') return 'performance_degradation';
  if (category === 'drift') {
    return dimensionCategory && PREDICTION_DIMENSIONS.has(dimensionCategory)
      ? 'prediction_drift'
      : 'data_drift';
  }
  if (category === 'dataQuality') return 'data_quality';
  return signalFromName(metric, name);
}

function labelsOf(
  monitor: Raw,
  payload: Raw,
  o: { status: string; severityWord: string | undefined; name: string | undefined },
): Raw {
  const space = isObject(payload.space) ? payload.space : undefined;
  return defined({
    status: o.status,
    monitor_name: o.name,
    monitor_category: stringOf(monitor.monitorCategory),
    operator: stringOf(monitor.operator),
    event: stringOf(payload.event),
    space: stringOf(space?.name) ?? stringOf(space?.id),
    monitor_url: stringOf(monitor.url) ?? stringOf(payload.url),
    severity: severityOf(o.severityWord) ? undefined : o.severityWord,
  });
}
