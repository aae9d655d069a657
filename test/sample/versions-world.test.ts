// The `versions` profile of the generator: what versions.ndjson says was planted is what the files hold —
// each slow regression is a model_deploy whose version serves for days while its model's alerts of the
// planted signal come at about the planted extra rate, in low or info severity; good versions are deploys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { VersionTruth } from '../../src/sample/versions.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const HOUR = 3_600_000;
const read = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const timeOf = (v: unknown) => (typeof v === 'number' ? v : Date.parse(String(v)));

describe('the versions profile of the generator', () => {
  const out = mkdtempSync(join(tmpdir(), 'alert-triage-versions-'));
  let versions: VersionTruth[];
  let deploys: Record<string, unknown>[];
  let alerts: Record<string, unknown>[];

  before(() => {
    const r = spawnSync(
      process.execPath,
      [
        'scripts/sample/generate-world.ts',
        ...['--profile', 'versions', '--seed', '5', '--start', '2026-12-07', '--days', '7', '--out', out],
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    versions = read(join(out, 'versions.ndjson')) as unknown as VersionTruth[];
    deploys = read(join(out, 'deploys.ndjson'));
    alerts = read(join(out, 'alerts.ndjson'));
  });

  it('plants slow regressions and good versions, each a model_deploy of its model and version', () => {
    const kinds = new Set(versions.map((v) => v.kind));
    for (const k of ['slow_regression', 'good', 'bad_deploy'])
      assert.ok(kinds.has(k as VersionTruth['kind']), k);
    for (const v of versions) {
      const d = deploys.find((x) => x.model_id === v.model && x.version === v.version);
      assert.ok(d, `${v.model} ${v.version}`);
      assert.equal(d.kind, 'model_deploy');
      assert.equal(timeOf(d.event_time), v.deployed_at);
    }
  });

  it('a slow regression serves a day or more and raises its signal in low or info severity, at about the planted rate', () => {
    for (const v of versions.filter((x) => x.kind === 'slow_regression')) {
      const next = deploys
        .filter((d) => d.model_id === v.model && (d.kind === 'model_deploy' || d.kind === 'rollback'))
        .map((d) => timeOf(d.event_time))
        .filter((t) => t > v.deployed_at)
        .sort((a, b) => a - b)[0]!;
      const served = (next - v.deployed_at) / HOUR;
      assert.ok(served >= 48, `${v.model} ${v.version} served ${served} h`);
      const theirs = alerts.filter(
        (a) =>
          a.model_id === v.model &&
          a.signal === v.signal &&
          a.alert_id !== undefined &&
          timeOf(a.event_time) >= v.deployed_at &&
          timeOf(a.event_time) < next &&
          (a.severity === 'low' || a.severity === 'info' || a.severity === undefined),
      );
      // At least the planted trickle (other scenarios add some of the same signal), within Poisson noise.
      const expected = v.extra_per_hour! * served;
      assert.ok(
        theirs.length >= expected - 4 * Math.sqrt(expected),
        `${theirs.length} of ~${expected.toFixed(0)}`,
      );
    }
  });
});
