// `alert-triage calibrate` end to end: fit on the sample week, write a config that score accepts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
    // With the per-source false-positive term fitted too (--fit-source-precision), the sample week's fit
    // is no worse on its held-out days, so it is written (the default's is lower, within the noise: next test).
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
      '--fit-source-precision',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /source_precision\s+1 → 0\n/);
    assert.match(r.stdout, /^calibrated cfg-[0-9a-f]{12} → cfg-[0-9a-f]{12}, written to /);
    assert.match(r.stdout, /detector severity\s+NDCG@10 \d\.\d{3}/);
    assert.match(r.stdout, /likelihood\s+0\.40 → \d\.\d\d/);
    assert.match(r.stdout, /paging budget: [\d.]+ P1 a week \(the starting config's rate\)/);
    assert.match(r.stdout, /expected on the training days: [\d.]+ \[[\d.]+, [\d.]+\] P1 a week/);
    assert.match(r.stdout, /after\s+NDCG@10 \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
    assert.match(r.stderr, /alert-triage: calibrate: scoring 3,545 alerts/);
    assert.match(r.stderr, /alert-triage: calibrate: bootstrapping the held-out figures/);
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

  it('refuses a tuned config only when the paired change on the held-out days is wholly below 0, and says which', () => {
    // The sample week's held-out days are a quiet weekend: the default fit (source_precision held at 0)
    // ranks them lower (NDCG@10 0.137 → 0.024), but the paired change's interval reaches 0 — within the
    // resampling noise of two days — so it is written, saying so. Had the interval been wholly below 0,
    // it would be refused (exit 1, nothing written) unless --force; either way the decision follows the
    // printed interval.
    const dir = mkdtempSync(join(tmpdir(), 'alert-triage-cal-'));
    const out = join(dir, 'tuned.yaml');
    const args = [
      'calibrate',
      ...['--alerts', join(S, 'alerts.ndjson'), '--deploys', join(S, 'deploys.ndjson')],
      ...['--feedback', join(S, 'feedback.ndjson'), '--config', join(S, 'catalog.yaml')],
      ...['--out', out, '--p1-per-week', '20', '--no-progress'],
    ];
    const r = cli(args);
    const paired =
      /change \(paired\)\s+NDCG@10 (-?\d\.\d+) \[(-?\d\.\d+), (-?\d\.\d+)\] — refused only when wholly below 0/.exec(
        r.stdout,
      );
    assert.ok(paired, r.stdout);
    const [value, low, high] = paired.slice(1).map(Number) as [number, number, number];
    assert.ok(low <= value && value <= high, r.stdout);
    assert.ok(value < 0, 'the fit ranks the weekend lower');
    assert.match(
      r.stdout,
      /paging budget: 20 P1 a week, [\d.]+ pages \(P1\+P2\) a day \(the starting config's rate\)/,
    );
    assert.match(r.stdout, /source_precision\s+1 → 0\n/, 'held at 0 by default');
    assert.equal(r.stderr, '', '--no-progress');
    if (high < 0) {
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stdout,
        /^NOT written: the tuned config is worse than cfg-\w+ on the held-out days \(NDCG@10 \d\.\d+ → \d\.\d+, change -\d\.\d+ \[-\d\.\d+, -\d\.\d+\], wholly below 0\); --force writes it anyway/,
      );
      assert.equal(existsSync(out), false);
      const forced = cli([...args, '--force']);
      assert.equal(forced.status, 0, forced.stderr);
      assert.match(forced.stdout, /written to .*\(--force: it is worse on the held-out days\)/);
    } else {
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^calibrated cfg-\\w+ → cfg-\\w+, written to .*tuned\\.yaml \\(NDCG@10 lower on the held-out days by ${(-value).toFixed(3)}, within resampling noise: change -\\d\\.\\d+ \\[-\\d\\.\\d+, \\d\\.\\d+\\]\\)`,
        ),
      );
    }
    assert.equal(existsSync(out), true);
  });

  it('says what is missing', () => {
    const r = cli(['calibrate', '--alerts', join(S, 'alerts.ndjson')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /required option '--feedback <file>' not specified/);
  });
});
