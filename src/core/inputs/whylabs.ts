// WhyLabs monitor notifications, as WhyLabs' notification service receives them for a monitor's actions
// (whylabs/whylabs-oss, observe/notification-service: MonitorEveryAnomalySQSMessage, MonitorDigestSQSMessage):
//   EVERY_ANOMALY: { id, mode, severity, monitorId, orgId, runId, analyzerResult }   → one alert
//   DIGEST:        { id, mode, severity, monitorId, orgId, datasetId, numAnomalies,
//                    columnStatistics[], segmentStatistics[], anomalySample[] }    → one per sampled anomaly
// An analyzer result names the resource (`datasetId`: the catalog key), the column, the metric, the analyzer
// type and its numbers (drift_metricValue / drift_threshold, threshold_metricValue and the calculated bounds).
import {
  defined,
  emptyMapping,
  isObject,
  type NativeMapping,
  numberOf,
  type Raw,
  reject,
  rejectPayload,
  stringOf,
  timeOf,
  typeName,
} from './mapping.ts';
import { signalFromName } from './vocabulary.ts';

/** WhyLabs' monitor severity (1 high, 2 medium, 3 low: its MonitorSeverity enum). */
const SEVERITY: Record<number, string> = { 1: 'high', 2: 'medium', 3: 'low' };
const QUALITY_METRICS =
  /count_null|null_ratio|unique_est|inferred_data_type|missing|seconds_since_last_upload|count_bool|column_list|schema/;
const PERFORMANCE_METRICS =
  /^(classification|regression|ranking)\b|accuracy|precision|recall|f1|auroc|auc|mse|mae|rmse/;
const STATISTICS = /^(median|mean|min|max|std_dev|variance|quantile|histogram_quantile)/;
const OUTPUT_COLUMN = /^(output|prediction|pred|score)([_-]|$)/i;

export function mapWhylabs(payload: unknown): NativeMapping {
  if (!isObject(payload)) return rejectPayload('whylabs', payload, 'a monitor notification');
  const out = emptyMapping();
  const common = {
    severity: SEVERITY[numberOf(payload.severity) ?? 0],
    labels: {
      monitor_id: stringOf(payload.monitorId),
      monitor_name: stringOf(payload.monitorName) ?? stringOf(payload.monitorDisplayName),
      org_id: stringOf(payload.orgId),
      run_id: stringOf(payload.runId),
      mode: stringOf(payload.mode),
    },
  };
  if (isObject(payload.analyzerResult)) {
    mapResult(out, payload.analyzerResult, 0, 'analyzerResult', payload, common);
    return out;
  }
  const sample = payload.anomalySample;
  if (Array.isArray(sample) && sample.length > 0) {
    sample.forEach((r, i) => {
      mapResult(out, r, i, `anomalySample[${i}]`, payload, common);
    });
    return out;
  }
  const columns = payload.columnStatistics;
  if (Array.isArray(columns) && columns.length > 0) {
    // A digest without its sample: one alert per column that had anomalies, at its earliest one.
    columns.forEach((c, i) => {
      const stats = isObject(c) ? c : {};
      const earliest = Math.min(
        numberOf(stats.earliestAnomalyDatasetTimestamp) ?? Number.POSITIVE_INFINITY,
        numberOf(stats.oldestAnomalyDatasetTimestamp) ?? Number.POSITIVE_INFINITY,
      );
      mapResult(
        out,
        isObject(c)
          ? {
              ...c,
              datasetTimestamp: Number.isFinite(earliest) ? earliest : undefined,
              id: `${stringOf(payload.id)}:${c.column}:${c.analyzerType}`,
            }
          : c,
        i,
        `columnStatistics[${i}]`,
        payload,
        common,
      );
    });
    return out;
  }
  return reject(
    out,
    -1,
    'MISSING_FIELD',
    'analyzerResult',
    'is required: an EVERY_ANOMALY notification carries analyzerResult, a DIGEST anomalySample or columnStatistics',
  );
}

function mapResult(
  out: NativeMapping,
  r: unknown,
  index: number,
  path: string,
  payload: Raw,
  common: { severity: string | undefined; labels: Record<string, string | undefined> },
): void {
  if (!isObject(r)) {
    reject(out, index, 'NOT_AN_OBJECT', path, `must be an analyzer result object, got ${typeName(r)}`);
    return;
  }
  const model = stringOf(r.datasetId) ?? stringOf(payload.datasetId);
  if (model === undefined) {
    reject(
      out,
      index,
      'MISSING_FIELD',
      `${path}.datasetId`,
      'is required (the WhyLabs resource id: the catalog key)',
    );
    return;
  }
  const time = timeOf(r.datasetTimestamp ?? r.creationTimestamp);
  if (!('ms' in time)) {
    reject(out, index, time.code, `${path}.datasetTimestamp`, time.reason);
    return;
  }
  const id = stringOf(r.analysisId) ?? stringOf(r.id);
  if (id === undefined) {
    reject(out, index, 'MISSING_FIELD', `${path}.analysisId`, 'is required (the stable id of the anomaly)');
    return;
  }
  const column = stringOf(r.column);
  const metric = stringOf(r.metric);
  const analyzer = stringOf(r.analyzerType);
  const [value, threshold] = numbersOf(r);
  out.alerts.push(
    defined({
      alert_id: `whylabs:${id}`,
      event_time: time.ms,
      model_id: model,
      signal: signalOf(analyzer, metric, column),
      source: 'whylabs',
      feature: column,
      metric,
      value,
      threshold,
      severity: common.severity,
      labels: defined({
        ...common.labels,
        monitor_id:
          (Array.isArray(r.monitorIds) ? stringOf(r.monitorIds[0]) : undefined) ?? common.labels.monitor_id,
        analyzer_id: stringOf(r.analyzerId),
        analyzer_type: analyzer,
        segment: stringOf(r.segment),
        anomaly_url: stringOf(r.url),
        anomalies: numberOf(r.numAnomalies ?? r.anomalyCount)?.toString(),
      }),
    }),
  );
  out.paths.push(path);
}

/**
 * By analyzer and metric: performance metrics (classification.*, regression.*) → performance_degradation;
 * missing values, types, schema, upload lag → data_quality; a drift analyzer → data_drift (prediction_drift
 * on an output column); a statistic's threshold (median, mean, quantiles) → feature_shift; else the words.
 */
function signalOf(
  analyzer: string | undefined,
  metric: string | undefined,
  column: string | undefined,
): string {
  const m = (metric ?? '').toLowerCase();
  if (PERFORMANCE_METRICS.test(m)) return 'performance_degradation';
  if (QUALITY_METRICS.test(m) || analyzer === 'missingDatapoint' || analyzer === 'column_list')
    return 'data_quality';
  if (analyzer === 'drift') return column && OUTPUT_COLUMN.test(column) ? 'prediction_drift' : 'data_drift';
  if (STATISTICS.test(m)) return 'feature_shift';
  return signalFromName(analyzer, m);
}

/** [value, threshold]: the drift score and its threshold, or the metric and the bound it crossed. */
function numbersOf(r: Raw): [number | undefined, number | undefined] {
  const drift = numberOf(r.drift_metricValue);
  if (drift !== undefined) return [drift, numberOf(r.drift_threshold)];
  const diff = numberOf(r.diff_metricValue);
  if (diff !== undefined) return [diff, numberOf(r.diff_threshold)];
  const v = numberOf(r.threshold_metricValue);
  if (v === undefined) return [undefined, undefined];
  const upper = numberOf(r.threshold_calculatedUpper) ?? numberOf(r.threshold_absoluteUpper);
  const lower = numberOf(r.threshold_calculatedLower) ?? numberOf(r.threshold_absoluteLower);
  return [v, upper !== undefined && v > upper ? upper : (lower ?? upper)];
}
