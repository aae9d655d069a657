// The bundled sample is what its generator writes: regenerate it and compare byte for byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

describe('bundled sample worlds', () => {
  for (const [dir, profile, seed, start] of [
    ['sample-week', 'sample', '7', '2026-11-16'],
    ['other-week', 'sample', '23', '2026-11-23'],
    ['cascade-week', 'cascades', '20', '2026-11-30'],
  ] as const) {
    it(`examples/${dir} is reproduced by the generator (profile ${profile}, seed ${seed})`, () => {
      const out = mkdtempSync(join(tmpdir(), 'alert-triage-world-'));
      const r = spawnSync(
        process.execPath,
        [
          'scripts/sample/generate-world.ts',
          ...['--profile', profile, '--seed', seed, '--start', start, '--days', '7', '--out', out],
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      for (const file of [
        'catalog.yaml',
        'alerts.ndjson',
        'deploys.ndjson',
        'feedback.ndjson',
        'truth.ndjson',
      ]) {
        const expected = readFileSync(join(ROOT, 'examples', dir, file));
        const actual = readFileSync(join(out, file));
        assert.ok(
          expected.equals(actual),
          `${file} differs from a fresh generation: regenerate it (examples/sample-week/README.md)`,
        );
      }
    });
  }
});
