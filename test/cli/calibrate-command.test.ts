// `alert-triage calibrate` end to end: fit on the sample week, write a config that score accepts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alert-triage.js');
const S = join(ROOT, 'examples', 'sample-week');
const O = join(ROOT, 'examples', 'other-week');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });

describe('calibrate', () => {
  it('fits on one week, reports before/after against severity, and writes a config score accepts', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'alert-triage-cal-')), 'tuned.yaml');
    const r = cli([
      'calibrate',
      '--alerts',
      join(S, 'alerts.ndjson'),
      '--deploys',
      join(S, 'deploys.ndjson'),
      '--feedback',
      join(S, 'feedback.ndjson'),
      '--config',
      join(S, 'catalog.yaml'),
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^calibrated cfg-[0-9a-f]{12} → cfg-[0-9a-f]{12}, written to /);
    assert.match(r.stdout, /detector severity\s+NDCG@10 \d\.\d{3}/);
    assert.match(r.stdout, /likelihood\s+0\.40 → \d\.\d\d/);
    const [from, to] = /calibrated (cfg-\w+) → (cfg-\w+)/.exec(r.stdout)!.slice(1);
    assert.notEqual(from, to);
    const written = readFileSync(out, 'utf8');
    assert.match(written, /^# Written by alert-triage calibrate from cfg-/);
    assert.match(written, /fraud-scorer:/, 'the catalog is kept');
    const scored = cli([
      'score',
      '--alerts',
      join(O, 'alerts.ndjson'),
      '--deploys',
      join(O, 'deploys.ndjson'),
      '--config',
      out,
      '--format',
      'table',
      '--top',
      '3',
    ]);
    assert.equal(scored.status, 0, scored.stderr);
    assert.match(scored.stdout, new RegExp(`scored with ${to}`));
  });

  it('says what is missing', () => {
    const r = cli(['calibrate', '--alerts', join(S, 'alerts.ndjson')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /required option '--feedback <file>' not specified/);
  });
});
