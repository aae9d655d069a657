// Shared by the CLI tests: the real binary, the bundled sample week, NDJSON reading, a seeded shuffle.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScoredAlert } from '../../src/core/processor.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alert-triage.js');
export const SAMPLE = join(ROOT, 'examples', 'sample-week');
export const NATIVE = join(ROOT, 'examples', 'native');
export const CONTEXT = [
  '--deploys',
  join(SAMPLE, 'deploys.ndjson'),
  '--config',
  join(SAMPLE, 'catalog.yaml'),
];

export function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const lines = (text: string) => text.split('\n').filter(Boolean);
export const parseScored = (text: string) => lines(text).map((l) => JSON.parse(l) as ScoredAlert);
export const readLines = (path: string) => lines(readFileSync(path, 'utf8'));

/** The same records without the wall-clock stamp, to compare two runs. */
export const withoutScoredAt = (text: string) => lines(text).map((l) => l.replace(/"scored_at":\d+,/, ''));

/** Fisher–Yates with a fixed LCG: the same "random" order on every run. */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
