// Hostile input, seeded: at least 10k records that must each be rejected with a reason, and good
// alerts (JSON, Avro, and JSON carrying `__proto__` / `constructor` keys) that must each be scored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import { ROOT } from '../integration/harness.ts';
import { prng } from './support.ts';

export interface Hostile {
  category: string;
  /** null = a tombstone (Kafka only). */
  value: Buffer | null;
}
export interface Good {
  id: string;
  model: string;
  value: Buffer;
}

const MODELS = ['fraud-scorer', 'search-ranker', 'churn-predictor', 'unknown-model-x'];
const BASE = Date.parse('2026-11-16T10:00:00Z');

export function alertType() {
  return avro.Type.forSchema(JSON.parse(readFileSync(join(ROOT, 'schemas/anomaly-alert.avsc'), 'utf8')));
}

function goodObject(id: string, i: number, model: string): Record<string, unknown> {
  return {
    alert_id: id,
    event_time: BASE + i * 1_000,
    model_id: model,
    signal: 'latency',
    feature: `f-${id}`,
    severity: 'high',
    confidence: 0.9,
  };
}

/**
 * `schemaId` is the registered AnomalyAlert id (for truncated Avro and the Avro good ones); `binary`
 * false leaves out what cannot be a line of an NDJSON file (tombstones, newline bytes, Avro frames).
 */
export function hostileWorld(opts: { seed: number; schemaId: number; binary: boolean; good: number }) {
  const r = prng(opts.seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const type = alertType();
  const avroOf = (o: Record<string, unknown>) =>
    type.toBuffer({
      source: null,
      model_version: null,
      feature: null,
      metric: null,
      value: null,
      threshold: null,
      severity: null,
      confidence: null,
      affected_entities: null,
      product_area: null,
      region: null,
      customer_segment: null,
      labels: null,
      ...o,
    });
  const hostile: Hostile[] = [];
  const add = (category: string, n: number, make: (i: number) => Buffer | string | null) => {
    for (let i = 0; i < n; i++) {
      const v = make(i);
      hostile.push({ category, value: v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v) });
    }
  };
  const noNewline = (b: Buffer) => {
    for (let i = 0; i < b.length; i++) if (b[i] === 0x0a || b[i] === 0x0d) b[i] = 0x20;
    // A line of only blanks is skipped by a file reader, not rejected: keep one visible byte.
    b[0] = 0x7e;
    return b;
  };
  const base = (i: number) => goodObject(`bad-${i}`, i, pick(MODELS));
  const withField = (i: number, field: string, raw: string) => {
    const o = base(i);
    delete o[field];
    return `${JSON.stringify(o).slice(0, -1)},"${field}":${raw}}`;
  };

  add('random_bytes', 2000, () => {
    const b = Buffer.from(Array.from({ length: 1 + int(300) }, () => int(256)));
    return opts.binary ? b : noNewline(b);
  });
  if (opts.binary) {
    add('truncated_avro', 1000, (i) => {
      const full = avroOf(base(i));
      return frame(opts.schemaId, full.subarray(0, int(full.length)));
    });
    add('unknown_schema_id', 1000, (i) => frame(2_000_000_000 + (i % 50), avroOf(base(i))));
    add('tombstone', 200, () => null);
  }
  add('wrong_magic_byte', 1000, (i) => {
    const b = Buffer.concat([Buffer.from([1 + int(255), 0, 0, 0, 1]), Buffer.from(JSON.stringify(base(i)))]);
    return opts.binary ? b : noNewline(b);
  });
  const wrongTypes: [string, string][] = [
    ['alert_id', '7'],
    ['alert_id', '{"x":1}'],
    ['model_id', '[]'],
    ['model_id', 'true'],
    ['signal', '"meteor_strike"'],
    ['signal', '3'],
    ['severity', '5'],
    ['severity', '"apocalyptic"'],
    ['confidence', '"high"'],
    ['value', 'true'],
    ['threshold', '[1,2]'],
    ['affected_entities', '"many"'],
    ['labels', '[1,2,3]'],
    ['labels', '{"a":{"b":1}}'],
    ['event_time', '{"ms":1}'],
    ['event_time', '[1794787207818]'],
  ];
  add('wrong_types', 1500, (i) => withField(i, ...pick(wrongTypes)));
  add('deep_nesting', 500, (i) => {
    const n = i % 2 === 0 ? 10_000 : 65 + int(2_000);
    return i % 4 < 2
      ? `${'['.repeat(n)}${']'.repeat(n)}`
      : withField(i, 'labels', `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
  });
  add('huge_900kb', 20, (i) => withField(i, 'source', JSON.stringify('x'.repeat(900_000 + int(20_000)))));
  const protoKeys = ['__proto__', 'constructor', 'prototype'];
  add('proto_keys', 1000, (i) => {
    // Every required field is present only under a prototype-ish key: it must not count.
    const o = base(i);
    const { alert_id, model_id, ...rest } = o;
    const key = pick(protoKeys);
    const inner = JSON.stringify({ alert_id, model_id });
    return `{"${key}":${inner},${JSON.stringify(rest).slice(1)}`;
  });
  const badTimes = [
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    '1e999',
    '-1e999',
    '-5',
    '8640000000000001',
    '"not a date"',
    '""',
    'true',
    'null',
    '"2026-11-16T25:61:00Z"',
    '"+275760-09-13T00:00:01Z"',
    '1.7976931348623157e308',
  ];
  add('bad_timestamps', 1500, (i) => withField(i, 'event_time', pick(badTimes)));
  const badNumbers: [string, string][] = [
    ['confidence', '1e999'],
    ['confidence', '"NaN"'],
    ['confidence', '"Infinity"'],
    ['value', '-1e999'],
    ['value', '"NaN"'],
    ['threshold', '1e999'],
    ['affected_entities', '1e999'],
    ['affected_entities', '"Infinity"'],
  ];
  add('bad_numbers', 1000, (i) => withField(i, ...pick(badNumbers)));
  add('truncated_json', 1000, (i) => {
    const full = JSON.stringify(base(i));
    return full.slice(0, 1 + int(full.length - 1));
  });
  if (!opts.binary)
    // The Avro frames as lines of a text file (line breaks blanked): not JSON, so rejected.
    add('avro_frame_as_line', 1000, (i) => noNewline(Buffer.from(frame(opts.schemaId, avroOf(base(i))))));
  add(
    'null_and_empty_json',
    300,
    (i) => pick(['null', '{}', '[]', '""', '0', 'false', '"alert"'])! + ' '.repeat(i % 2),
  );

  const good: Good[] = [];
  for (let i = 0; i < opts.good; i++) {
    const id = `good-${i}`;
    const model = pick(MODELS);
    const o = goodObject(id, i, model);
    let value: Buffer;
    if (opts.binary && i % 10 === 0) value = frame(opts.schemaId, avroOf(o));
    else if (i % 20 === 1)
      // Valid, plus keys that must neither crash nor pollute anything.
      value = Buffer.from(
        `${JSON.stringify(o).slice(0, -1)},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
      );
    else value = Buffer.from(JSON.stringify(o));
    good.push({ id, model, value });
  }
  return { hostile, good, shuffle: <T>(xs: T[]) => shuffleInPlace(xs, r) };
}

function shuffleInPlace<T>(xs: T[], r: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
