// Validation of raw JSON records: every bad field named, never a throw, nothing polluted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvalidRecord, Result } from '../../src/core/errors.ts';
import {
  LIMITS,
  parseAlert,
  parseDeploy,
  parseFeedback,
  parseJson,
  toEpochMillis,
} from '../../src/core/parse-record.ts';
import { T0 } from '../fixtures/builders.ts';

const T0_ISO = '2026-11-16T10:00:00Z';

/** A minimal valid raw alert, as it would arrive from JSON. */
function rawAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    alert_id: 'a-1',
    event_time: T0_ISO,
    model_id: 'fraud-scorer',
    signal: 'performance_degradation',
    ...over,
  };
}

function rawDeploy(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: 'd-1', event_time: T0, kind: 'model_deploy', model_id: 'fraud-scorer', ...over };
}

function rawFeedback(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { alert_id: 'a-1', event_time: T0, outcome: 'actionable', ...over };
}

function expectOk<T>(r: Result<T, InvalidRecord>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.message}`);
  return r.value;
}

function expectError<T>(r: Result<T, InvalidRecord>): InvalidRecord {
  if (r.ok) assert.fail(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

const issueOf = (e: InvalidRecord) => e.issues.map((i) => ({ code: i.code, field: i.field }));

describe('parseAlert: valid records', () => {
  it('accepts an RFC 3339 and an epoch-ms timestamp for the same instant', () => {
    const fromIso = expectOk(parseAlert(rawAlert({ event_time: T0_ISO })));
    const fromMs = expectOk(parseAlert(rawAlert({ event_time: T0 })));
    assert.equal(fromIso.event_time, T0);
    assert.equal(fromMs.event_time, T0);
  });

  it('honours a numeric offset in RFC 3339', () => {
    const a = expectOk(parseAlert(rawAlert({ event_time: '2026-11-16T11:30:00+01:30' })));
    assert.equal(a.event_time, T0);
  });

  it('defaults severity to medium, and keeps a given one', () => {
    assert.equal(expectOk(parseAlert(rawAlert())).severity, 'medium');
    assert.equal(expectOk(parseAlert(rawAlert({ severity: 'critical' }))).severity, 'critical');
  });

  it('keeps optional fields and leaves absent ones out entirely', () => {
    const a = expectOk(parseAlert(rawAlert({ metric: 'auc', value: 0.8, threshold: 0.9, confidence: 1 })));
    assert.deepEqual(a, {
      alert_id: 'a-1',
      event_time: T0,
      model_id: 'fraud-scorer',
      signal: 'performance_degradation',
      metric: 'auc',
      value: 0.8,
      threshold: 0.9,
      severity: 'medium',
      confidence: 1,
    });
    assert.equal(Object.hasOwn(a, 'feature'), false);
  });

  it('ignores unknown extra fields', () => {
    const a = expectOk(parseAlert(rawAlert({ colour: 'blue', nested: { x: 1 } })));
    assert.equal(Object.hasOwn(a, 'colour'), false);
    assert.equal(Object.hasOwn(a, 'nested'), false);
  });

  it('treats null like an absent optional field', () => {
    const a = expectOk(parseAlert(rawAlert({ feature: null, confidence: null })));
    assert.equal(Object.hasOwn(a, 'feature'), false);
    assert.equal(Object.hasOwn(a, 'confidence'), false);
  });
});

describe('parseAlert: invalid records', () => {
  for (const field of ['alert_id', 'event_time', 'model_id', 'signal']) {
    it(`names a missing ${field}`, () => {
      const raw = rawAlert();
      delete raw[field];
      const e = expectError(parseAlert(raw));
      assert.equal(e.code, 'MISSING_FIELD');
      assert.deepEqual(issueOf(e), [{ code: 'MISSING_FIELD', field }]);
      assert.match(e.message, new RegExp(`${field}: is required`));
      assert.equal(e.canRetry, false);
      assert.equal(e.recordType, 'AnomalyAlert');
    });
  }

  it('rejects an empty required string as missing', () => {
    const e = expectError(parseAlert(rawAlert({ alert_id: '' })));
    assert.deepEqual(issueOf(e), [{ code: 'MISSING_FIELD', field: 'alert_id' }]);
  });

  it('reports a wrong type with the type it got', () => {
    const e = expectError(parseAlert(rawAlert({ model_id: 42 })));
    assert.deepEqual(issueOf(e), [{ code: 'WRONG_TYPE', field: 'model_id' }]);
    assert.match(e.message, /model_id: must be a string, got number/);
    const n = expectError(parseAlert(rawAlert({ value: '0.8' })));
    assert.deepEqual(issueOf(n), [{ code: 'WRONG_TYPE', field: 'value' }]);
  });

  it('rejects values outside an enum', () => {
    const e = expectError(parseAlert(rawAlert({ signal: 'vibes' })));
    assert.deepEqual(issueOf(e), [{ code: 'BAD_ENUM', field: 'signal' }]);
    assert.match(e.message, /"vibes"/);
    const s = expectError(parseAlert(rawAlert({ severity: 'CRITICAL' })));
    assert.deepEqual(issueOf(s), [{ code: 'BAD_ENUM', field: 'severity' }]);
  });

  it('rejects non-finite numbers', () => {
    for (const v of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const e = expectError(parseAlert(rawAlert({ value: v })));
      assert.deepEqual(issueOf(e), [{ code: 'NOT_FINITE', field: 'value' }]);
    }
  });

  it('rejects a confidence outside 0..1 and negative affected_entities', () => {
    const e = expectError(parseAlert(rawAlert({ confidence: 1.5 })));
    assert.deepEqual(issueOf(e), [{ code: 'OUT_OF_RANGE', field: 'confidence' }]);
    const neg = expectError(parseAlert(rawAlert({ confidence: -0.1 })));
    assert.equal(neg.code, 'OUT_OF_RANGE');
    const ents = expectError(parseAlert(rawAlert({ affected_entities: -1 })));
    assert.deepEqual(issueOf(ents), [{ code: 'OUT_OF_RANGE', field: 'affected_entities' }]);
  });

  it('accepts the range boundaries of confidence', () => {
    assert.equal(expectOk(parseAlert(rawAlert({ confidence: 0 }))).confidence, 0);
    assert.equal(expectOk(parseAlert(rawAlert({ confidence: 1 }))).confidence, 1);
  });

  for (const bad of ['yesterday', '2026-13-45T00:00:00Z', '2026-11-16', '1794823200000', -1, true]) {
    it(`rejects the timestamp ${JSON.stringify(bad)}`, () => {
      const e = expectError(parseAlert(rawAlert({ event_time: bad })));
      assert.deepEqual(issueOf(e), [{ code: 'BAD_TIMESTAMP', field: 'event_time' }]);
    });
  }

  for (const impossible of ['2026-02-30T00:00:00Z', '2026-11-16T24:00:00Z', '2026-04-31T10:00:00Z']) {
    it(`rejects the calendar-impossible ${impossible}`, () => {
      const e = expectError(parseAlert(rawAlert({ event_time: impossible })));
      assert.equal(e.code, 'BAD_TIMESTAMP');
    });
  }

  it('accepts February 29 in a leap year only', () => {
    assert.equal(parseAlert(rawAlert({ event_time: '2028-02-29T00:00:00Z' })).ok, true);
    assert.equal(parseAlert(rawAlert({ event_time: '2027-02-29T00:00:00Z' })).ok, false);
  });

  it('lists every bad field, in the issues and in the message', () => {
    const e = expectError(
      parseAlert({
        alert_id: 7,
        event_time: 'soon',
        signal: 'nope',
        confidence: 2,
        value: Number.POSITIVE_INFINITY,
      }),
    );
    assert.deepEqual(
      new Set(issueOf(e).map((i) => `${i.code}:${i.field}`)),
      new Set([
        'WRONG_TYPE:alert_id',
        'BAD_TIMESTAMP:event_time',
        'MISSING_FIELD:model_id',
        'BAD_ENUM:signal',
        'NOT_FINITE:value',
        'OUT_OF_RANGE:confidence',
      ]),
    );
    for (const field of ['alert_id', 'event_time', 'model_id', 'signal', 'value', 'confidence']) {
      assert.match(e.message, new RegExp(`${field}: `));
    }
    // The record's code is its first issue's.
    assert.equal(e.code, e.issues[0]!.code);
  });

  for (const [name, raw] of [
    ['an array', [rawAlert()]],
    ['null', null],
    ['a string', 'alert'],
    ['a number', 3],
  ] as const) {
    it(`rejects ${name} as NOT_AN_OBJECT`, () => {
      const e = expectError(parseAlert(raw));
      assert.equal(e.code, 'NOT_AN_OBJECT');
      assert.equal(e.issues.length, 1);
    });
  }

  it('rejects a string longer than the limit as TOO_LARGE', () => {
    const e = expectError(parseAlert(rawAlert({ feature: 'x'.repeat(LIMITS.maxStringLength + 1) })));
    assert.deepEqual(issueOf(e), [{ code: 'TOO_LARGE', field: 'feature' }]);
    assert.equal(
      expectOk(parseAlert(rawAlert({ feature: 'x'.repeat(LIMITS.maxStringLength) }))).feature?.length,
      2048,
    );
  });
});

describe('parseAlert: labels', () => {
  it('keeps string labels', () => {
    const a = expectOk(parseAlert(rawAlert({ labels: { team: 'risk', env: 'prod' } })));
    assert.deepEqual(a.labels, { team: 'risk', env: 'prod' });
  });

  it('rejects a non-string label value, naming the label', () => {
    const e = expectError(parseAlert(rawAlert({ labels: { team: 'risk', count: 3 } })));
    assert.deepEqual(issueOf(e), [{ code: 'WRONG_TYPE', field: 'labels.count' }]);
  });

  it('rejects labels that are not an object', () => {
    const e = expectError(parseAlert(rawAlert({ labels: ['a', 'b'] })));
    assert.deepEqual(issueOf(e), [{ code: 'WRONG_TYPE', field: 'labels' }]);
  });

  it('rejects more labels than the limit', () => {
    const many = Object.fromEntries(Array.from({ length: LIMITS.maxLabels + 1 }, (_, i) => [`k${i}`, 'v']));
    const e = expectError(parseAlert(rawAlert({ labels: many })));
    assert.deepEqual(issueOf(e), [{ code: 'TOO_LARGE', field: 'labels' }]);
  });

  it('keeps a "__proto__" label as an own key without touching any prototype', () => {
    const parsed = parseJson(
      `{"alert_id":"a-1","event_time":${T0},"model_id":"m","signal":"other","labels":{"__proto__":"x","polluted":"no"}}`,
      'AnomalyAlert',
    );
    const a = expectOk(parseAlert(expectOk(parsed)));
    const labels = a.labels!;
    assert.equal(Object.hasOwn(labels, '__proto__'), true);
    assert.equal(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.keys(labels).sort(), ['__proto__', 'polluted']);
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('parseDeploy', () => {
  it('accepts a deploy naming a model or a service', () => {
    assert.equal(expectOk(parseDeploy(rawDeploy())).model_id, 'fraud-scorer');
    const s = expectOk(parseDeploy(rawDeploy({ model_id: undefined, service: 'feature-pipeline' })));
    assert.equal(s.service, 'feature-pipeline');
    assert.equal(Object.hasOwn(s, 'model_id'), false);
  });

  it('needs model_id or service', () => {
    const e = expectError(parseDeploy(rawDeploy({ model_id: undefined })));
    assert.equal(e.code, 'MISSING_FIELD');
    assert.match(e.message, /model_id or service/);
  });

  it('rejects an unknown kind', () => {
    const e = expectError(parseDeploy(rawDeploy({ kind: 'yolo_deploy' })));
    assert.deepEqual(issueOf(e), [{ code: 'BAD_ENUM', field: 'kind' }]);
    assert.equal(e.recordType, 'DeployEvent');
  });
});

describe('parseFeedback', () => {
  it('accepts a valid true_tier and lifecycle timestamps in either form', () => {
    const f = expectOk(
      parseFeedback(rawFeedback({ true_tier: 'P2', acked_at: T0_ISO, resolved_at: T0 + 1 })),
    );
    assert.equal(f.true_tier, 'P2');
    assert.equal(f.acked_at, T0);
    assert.equal(f.resolved_at, T0 + 1);
  });

  it('rejects a true_tier outside P1..P4', () => {
    const e = expectError(parseFeedback(rawFeedback({ true_tier: 'P5' })));
    assert.deepEqual(issueOf(e), [{ code: 'BAD_ENUM', field: 'true_tier' }]);
    assert.equal(e.recordType, 'AlertFeedback');
  });

  it('rejects an unknown outcome', () => {
    const e = expectError(parseFeedback(rawFeedback({ outcome: 'meh' })));
    assert.deepEqual(issueOf(e), [{ code: 'BAD_ENUM', field: 'outcome' }]);
  });
});

describe('parseJson', () => {
  it('returns MALFORMED_JSON for broken text', () => {
    for (const text of ['{"alert_id":', '', 'not json', "{'a':1}"]) {
      const e = expectError(parseJson(text, 'AnomalyAlert'));
      assert.equal(e.code, 'MALFORMED_JSON');
      assert.equal(e.recordType, 'AnomalyAlert');
    }
  });

  it('turns deeply nested input into an error result, never a throw', () => {
    const n = 100_000;
    for (const text of ['['.repeat(n) + ']'.repeat(n), '{"a":'.repeat(n) + '1' + '}'.repeat(n)]) {
      const json = parseJson(text, 'AnomalyAlert');
      const result = json.ok ? parseAlert(json.value) : json;
      assert.equal(result.ok, false);
    }
  });

  it('a deeply nested label value is rejected, not walked', () => {
    const n = 100_000;
    const text = `{"alert_id":"a","event_time":${T0},"model_id":"m","signal":"other","labels":{"k":${'['.repeat(n)}${']'.repeat(n)}}}`;
    const json = parseJson(text, 'AnomalyAlert');
    const result = json.ok ? parseAlert(json.value) : json;
    assert.equal(result.ok, false);
  });
});

describe('toEpochMillis', () => {
  it('truncates fractional epoch milliseconds and accepts zero', () => {
    assert.equal(toEpochMillis(T0 + 0.9), T0);
    assert.equal(toEpochMillis(0), 0);
  });

  it('keeps millisecond precision from fractional RFC 3339 seconds', () => {
    assert.equal(toEpochMillis('2026-11-16T10:00:00.250Z'), T0 + 250);
  });

  it('rejects epochs beyond the Date range', () => {
    assert.equal(toEpochMillis(8.64e15 + 1), undefined);
  });
});
