// Shared by the native-input tests: the bundled example payloads, and mapping + validation in one step.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyAlert } from '../../../src/core/events.ts';
import { type InputFormat, mapPayload, type NativeMapping } from '../../../src/core/inputs/index.ts';
import { parseAlert } from '../../../src/core/parse-record.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'native');

export function example(format: InputFormat): unknown {
  return JSON.parse(readFileSync(join(EXAMPLES, `${format}.json`), 'utf8'));
}

/** Maps the payload and validates every alert with parseAlert, as the pipeline does; fails on any invalid one. */
export function mapped(
  format: InputFormat,
  payload: unknown,
): { alerts: AnomalyAlert[]; mapping: NativeMapping } {
  const mapping = mapPayload(format, payload);
  assert.equal(mapping.paths.length, mapping.alerts.length, 'one path per alert');
  const alerts = mapping.alerts.map((raw, i) => {
    const r = parseAlert(raw);
    assert.ok(r.ok, `${mapping.paths[i]}: ${r.ok ? '' : r.error.message}`);
    return r.value;
  });
  return { alerts, mapping };
}

export const clone = <T>(v: T): T => structuredClone(v);
