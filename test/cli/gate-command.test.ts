// `alert-triage gate` through the real binary: verdicts and their exit codes on small written histories,
// the JSON last line, --at and --baseline, and what it cannot judge (exit 2, never 1).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { GateVerdict } from '../../src/core/versions/verdict.ts';
import { cli, lines } from './support.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-16T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'alert-triage-gate-'));
const ALERTS = join(dir, 'alerts.ndjson');
const DEPLOYS = join(dir, 'deploys.ndjson');
const CONFIG = join(dir, 'catalog.yaml');

/**
 * fraud-scorer: v1 serves 48 h at 1 alert/h, v2 (deployed at T0 + 48 h) 24 h at 1/h plus 1.5/h of
 * performance_degradation; churn-model: v7 48 h, v8 24 h, both at 1/h.
 */
before(() => {
  const alerts: object[] = [];
  let n = 0;
  const every = (
    model: string,
    version: string,
    perHour: number,
    from: number,
    to: number,
    signal: string,
  ) => {
    for (let t = from; t < to; t += HOUR / perHour)
      alerts.push({
        alert_id: `a-${++n}`,
        event_time: Math.round(t),
        model_id: model,
        signal,
        model_version: version,
        severity: 'low',
        feature: `f${n}`, // distinct fingerprints: no dedup repeat
      });
  };
  const cut = T0 + 48 * HOUR;
  const end = T0 + 72 * HOUR;
  every('fraud-scorer', 'v1', 1, T0, cut, 'data_drift');
  every('fraud-scorer', 'v2', 1, cut, end, 'data_drift');
  every('fraud-scorer', 'v2', 1.5, cut + 60_000, end, 'performance_degradation');
  every('churn-model', 'v7', 1, T0, cut, 'data_drift');
  every('churn-model', 'v8', 1, cut, end, 'data_drift');
  alerts.sort((a, b) => (a as { event_time: number }).event_time - (b as { event_time: number }).event_time);
  writeFileSync(ALERTS, alerts.map((a) => JSON.stringify(a)).join('\n') + '\n');
  const deploy = (id: string, model: string, version: string, previous: string) =>
    JSON.stringify({
      event_id: id,
      event_time: cut,
      kind: 'model_deploy',
      model_id: model,
      version,
      previous_version: previous,
    });
  writeFileSync(
    DEPLOYS,
    `${deploy('d1', 'fraud-scorer', 'v2', 'v1')}\n${deploy('d2', 'churn-model', 'v8', 'v7')}\n`,
  );
  writeFileSync(
    CONFIG,
    'models:\n  fraud-scorer: { owner: risk-ml, revenue_per_hour: 12000 }\n  churn-model: { owner: crm-ml }\n',
  );
});

const gate = (...args: string[]) =>
  cli(['gate', '--alerts', ALERTS, '--deploys', DEPLOYS, '--config', CONFIG, ...args]);
const lastJson = (stdout: string) => JSON.parse(lines(stdout).at(-1)!) as GateVerdict;

describe('alert-triage gate', () => {
  it('regressed: exit 1, the sentence of the evidence, one JSON line last', () => {
    const r = gate('--model', 'fraud-scorer', '--version', 'v2');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^fraud-scorer v2: REGRESSED \(baseline v1\)/);
    // Judged at the latest alert (v2's 36th performance_degradation alert, 23 h 21 min after its deploy).
    assert.match(
      r.stdout,
      /fraud-scorer v2 raised 36 alerts where v1 had none over 23\.4 serving hours .*; p = /,
    );
    const v = lastJson(r.stdout);
    assert.equal(v.verdict, 'regressed');
    assert.equal(v.baseline, 'v1');
    assert.equal(v.at, T0 + 48 * HOUR + 60_000 + 35 * 40 * 60_000);
    assert.equal(v.candidate.serving_hours, 23.35);
    assert.equal(v.baseline_stats?.serving_hours, 48);
    assert.equal(v.test.decisive?.signal, 'performance_degradation');
    assert.deepEqual(v.rollback, { to_version: 'v1' }, 'the catalog allows rollback (the default)');
    assert.match(r.stdout, /rollback fraud-scorer to v1 \(the catalog allows it\)/);
  });

  it('ok: exit 0 for a version at its baseline rate', () => {
    const r = gate('--model', 'churn-model', '--version', 'v8');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).verdict, 'ok');
    assert.equal(lastJson(r.stdout).rollback, null);
    assert.match(r.stdout, /no rate raised significantly/);
  });

  it('--at: as of 3 serving hours the same version is insufficient evidence (exit 3); RFC 3339 or epoch ms', () => {
    const at = new Date(T0 + 51 * HOUR).toISOString();
    const r = gate('--model', 'fraud-scorer', '--version', 'v2', '--at', at);
    assert.equal(r.code, 3, r.stderr);
    const v = lastJson(r.stdout);
    assert.equal(v.verdict, 'insufficient_evidence');
    assert.equal(v.at, T0 + 51 * HOUR);
    assert.equal(v.candidate.serving_hours, 3);
    const ms = gate('--model', 'fraud-scorer', '--version', 'v2', '--at', String(T0 + 51 * HOUR));
    assert.deepEqual(lastJson(ms.stdout), v);
  });

  it('--baseline: v1 judged against v2 (lower rate) is ok', () => {
    const r = gate('--model', 'fraud-scorer', '--version', 'v1', '--baseline', 'v2');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).baseline, 'v2');
  });

  it('cannot judge: unknown model or version, bad --at, missing option or file: exit 2 with a clear message', () => {
    const m = gate('--model', 'nope', '--version', 'v2');
    assert.equal(m.code, 2);
    assert.match(m.stderr, /UNKNOWN_MODEL: unknown model "nope"/);
    const v = gate('--model', 'fraud-scorer', '--version', 'v9');
    assert.equal(v.code, 2);
    assert.match(v.stderr, /UNKNOWN_VERSION: unknown version "v9" of fraud-scorer: known v1, v2/);
    const b = gate('--model', 'fraud-scorer', '--version', 'v2', '--baseline', 'v0');
    assert.equal(b.code, 2);
    const at = gate('--model', 'fraud-scorer', '--version', 'v2', '--at', 'yesterday');
    assert.equal(at.code, 2);
    assert.match(at.stderr, /--at.*must be epoch milliseconds or an RFC 3339 time/);
    const missing = cli(['gate', '--model', 'fraud-scorer', '--version', 'v2', '--alerts', ALERTS]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '--deploys <file>'/);
    const file = gate('--model', 'fraud-scorer', '--version', 'v2', '--deploys', join(dir, 'none.ndjson'));
    assert.equal(file.code, 2);
    assert.match(file.stderr, /cannot read --deploys .*none\.ndjson: no such file/);
  });
});
