// `alert-triage drill` without a broker: --help, named errors for a bad scenario or model, --dry-run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alert-triage.js');
const CATALOG = join(ROOT, 'examples', 'sample-week', 'catalog.yaml');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'drill', ...args], { encoding: 'utf8' });

describe('alert-triage drill', () => {
  it('explains itself', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    for (const s of [
      '--scenario',
      'bad-deploy',
      'seasonal-drift',
      '--speed',
      'drills.enabled',
      '[DRILL]',
      'Exit codes',
    ])
      assert.ok(r.stdout.includes(s), s);
  });

  it('names a bad scenario and a bad model, exit 1', () => {
    const s = run(['--scenario', 'outage', '--config', CATALOG, '--dry-run']);
    assert.equal(s.status, 1);
    assert.match(
      s.stderr,
      /DRILL_UNKNOWN_SCENARIO: --scenario outage: no such drill; one of bad-deploy, cascade/,
    );
    const m = run(['--scenario', 'bad-deploy', '--model', 'nope', '--config', CATALOG, '--dry-run']);
    assert.equal(m.status, 1);
    assert.match(m.stderr, /DRILL_UNKNOWN_MODEL: --model nope: not in the catalog of the config/);
  });

  it('--dry-run prints the records with their topics and headers, and the drill last', () => {
    const r = run(['--scenario', 'cascade', '--config', CATALOG, '--dry-run', '--seed', '3']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const drill = lines.at(-1);
    assert.equal(drill.dry_run, true);
    assert.match(drill.drill_id, /^cascade-\d{8}t\d{6}z-0003$/);
    for (const rec of lines.slice(0, -1)) {
      assert.ok(['ml.anomalies', 'ml.deployments'].includes(rec.topic));
      assert.equal(rec.headers.drill, drill.drill_id);
    }
    assert.equal(drill.ack.topic, 'ml.alert-feedback');
  });
});
