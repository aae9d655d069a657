// Evidently test results as JSON: the legacy `TestSuite.json()` (`tests[]` of name, description, status,
// group, parameters) or a Report snapshot's `dict()`/`json()` (`metrics[]`, and `tests[]` of id, name,
// description, metric_config, test_config, status). Neither names the model or the time of the run, so
// the payload must add them the way Evidently's saved snapshots do: `timestamp` and `metadata.model_id`
// (a top-level `model_id` also works). One alert per failed test; passed and skipped tests give none.
import {
  defined,
  emptyMapping,
  firstString,
  isObject,
  itemsOf,
  type NativeMapping,
  numberOf,
  type Raw,
  reject,
  rejectPayload,
  stableHash,
  stringOf,
  timeOf,
  typeName,
} from './mapping.ts';
import { signalFromName, wordsOf } from './vocabulary.ts';

/** Evidently's test status → the detector severity of the alert it becomes (others make no alert). */
const SEVERITY_BY_STATUS: Record<string, string> = { FAIL: 'high', WARNING: 'medium', ERROR: 'low' };
const GROUP_SIGNAL: Record<string, string> = {
  classification: 'performance_degradation',
  regression: 'performance_degradation',
  recsys: 'performance_degradation',
  data_integrity: 'data_quality',
  data_quality: 'data_quality',
};
const TARGET_COLUMN = /^(target|prediction|pred|output|label|score)s?$/i;
const STATISTIC = /\b(mean|median|min|max|quantile|std|sum)\b/i;

export function mapEvidently(payload: unknown): NativeMapping {
  if (!isObject(payload))
    return rejectPayload('evidently', payload, 'a test suite or snapshot, with `tests`');
  const out = emptyMapping();
  const metadata = isObject(payload.metadata) ? payload.metadata : undefined;
  const model = firstString([metadata, payload], ['model_id']);
  if (model === undefined) {
    return reject(
      out,
      -1,
      'MISSING_FIELD',
      'metadata.model_id',
      "is required: Evidently's JSON names no model; add metadata.model_id (Report(model_id=…)) or model_id",
    );
  }
  const time = timeOf(payload.timestamp, { naiveIsUtc: true });
  if (!('ms' in time)) {
    return reject(
      out,
      -1,
      time.code,
      'timestamp',
      `${time.reason} (the run's time; a naive ISO time is read as UTC)`,
    );
  }
  const tests = itemsOf(out, payload, 'tests');
  if (!tests) return out;
  const metricValues = new Map<string, number>();
  if (Array.isArray(payload.metrics)) {
    for (const m of payload.metrics) {
      if (!isObject(m) || typeof m.id !== 'string') continue;
      const v = numberOf(m.value) ?? (isObject(m.value) ? numberOf(m.value.value) : undefined);
      if (v !== undefined) metricValues.set(m.id, v);
    }
  }
  tests.forEach((test, index) => {
    const path = `tests[${index}]`;
    if (!isObject(test)) {
      reject(out, index, 'NOT_AN_OBJECT', path, `must be a test result object, got ${typeName(test)}`);
      return;
    }
    const status = stringOf(test.status)?.toUpperCase();
    if (status === undefined) {
      reject(
        out,
        index,
        'MISSING_FIELD',
        `${path}.status`,
        'is required (SUCCESS, FAIL, WARNING, ERROR, SKIPPED)',
      );
      return;
    }
    const severity = SEVERITY_BY_STATUS[status];
    if (severity === undefined) return; // passed or skipped: nothing to triage
    const name = stringOf(test.name) ?? stringOf(test.id) ?? `test ${index}`;
    const config = isObject(test.metric_config) ? test.metric_config : undefined;
    const params = isObject(config?.params) ? config.params : {};
    const parameters = isObject(test.parameters) ? test.parameters : {};
    const testConfig = isObject(test.test_config) ? test.test_config : {};
    const metricType = shortType(params.type);
    const group = stringOf(test.group);
    const feature = firstString([params, parameters], ['column', 'column_name']);
    const metricId = stringOf(config?.metric_id);
    out.alerts.push(
      defined({
        alert_id: `evidently:${stableHash(model, String(time.ms), metricId ?? '', stringOf(test.id) ?? '', name, group ?? '', feature ?? '')}`,
        event_time: time.ms,
        model_id: model,
        signal: signalOf(status, group, feature, metricType, name),
        source: 'evidently',
        model_version: stringOf(metadata?.model_version),
        feature,
        metric:
          firstString([params, parameters], ['method', 'stattest', 'stattest_name']) ?? metricType ?? name,
        value:
          (metricId ? metricValues.get(metricId) : undefined) ??
          numberOf(parameters.value) ??
          numberOf(parameters.score) ??
          actualValue(test.description),
        threshold:
          numberOf(testConfig.threshold) ??
          numberOf(parameters.threshold) ??
          conditionBound(parameters.condition),
        severity,
        labels: {
          test_name: name.slice(0, 512),
          test_status: status,
          ...(group ? { test_group: group } : {}),
          ...(typeof test.description === 'string' ? { description: test.description.slice(0, 2000) } : {}),
          ...(Array.isArray(payload.tags)
            ? { tags: payload.tags.filter((t) => typeof t === 'string').join(',') }
            : {}),
          ...(typeof payload.version === 'string' ? { evidently_version: payload.version } : {}),
        },
      }),
    );
    out.paths.push(path);
  });
  return out;
}

/**
 * ERROR (the test could not be computed, usually missing data) → data_quality; a test group or metric
 * type that says what it measures decides next (classification → performance_degradation, …; drift of a
 * target or prediction column → prediction_drift; a column statistic → feature_shift); else the name.
 */
function signalOf(
  status: string,
  group: string | undefined,
  column: string | undefined,
  metricType: string | undefined,
  name: string,
): string {
  if (status === 'ERROR') return 'data_quality';
  const byGroup = group ? GROUP_SIGNAL[group] : undefined;
  if (byGroup) return byGroup;
  // What the metric is says more than the test's title, which often holds a column name too.
  let guess = signalFromName(group, metricType);
  if (guess === 'other') guess = signalFromName(name);
  if (guess === 'data_drift' && column && TARGET_COLUMN.test(column)) return 'prediction_drift';
  if (guess === 'other' && STATISTIC.test(`${wordsOf(metricType ?? '')} ${name}`)) return 'feature_shift';
  return guess;
}

/** `evidently:metric_v2:ValueDrift` → `ValueDrift`. */
function shortType(v: unknown): string | undefined {
  const s = stringOf(v);
  return s ? s.slice(s.lastIndexOf(':') + 1) : undefined;
}

/** The legacy suites' `condition` (`{"lt": 0.3}`): its first numeric bound is the threshold. */
function conditionBound(condition: unknown): number | undefined {
  if (!isObject(condition)) return undefined;
  for (const key of ['lt', 'lte', 'gt', 'gte', 'eq', 'not_eq']) {
    const n = numberOf((condition as Raw)[key]);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Snapshot tests say "Actual value 0.270 >= 0.100": the observed value when no metric result is given. */
function actualValue(description: unknown): number | undefined {
  if (typeof description !== 'string') return undefined;
  const m = /actual value (-?[\d.]+(?:e[-+]?\d+)?)/i.exec(description);
  return m ? numberOf(m[1]) : undefined;
}
