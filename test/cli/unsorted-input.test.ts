// An input not sorted by event time gives the answers a sorted one gives, and stderr says it was sorted.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CONTEXT, cli, readLines, SAMPLE, shuffled, withoutScoredAt } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-unsorted-'));
const alerts = join(dir, 'alerts.ndjson');
const deploys = join(dir, 'deploys.ndjson');
writeFileSync(alerts, `${shuffled(readLines(join(SAMPLE, 'alerts.ndjson'))).join('\n')}\n`);
writeFileSync(deploys, `${shuffled(readLines(join(SAMPLE, 'deploys.ndjson'))).join('\n')}\n`);
const config = ['--config', join(SAMPLE, 'catalog.yaml')];

describe('score: inputs not in event-time order', () => {
  let sorted: string[];
  /** The sorted run's summary counts: incidents, pages, silenced, inhibited, repeats, late. */
  let counts: string;
  const countsOf = (stderr: string) => /: (\d[\d,]* incidents opened, .* late)/.exec(stderr)?.[1];
  before(() => {
    const r = cli(['score', '--alerts', join(SAMPLE, 'alerts.ndjson'), ...CONTEXT, '--format', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    sorted = withoutScoredAt(r.stdout);
    counts = countsOf(r.stderr)!;
    assert.ok(counts, r.stderr);
    assert.doesNotMatch(r.stderr, /not in event-time order/, 'a sorted file is not reported');
    assert.match(r.stderr, /3,545 alerts scored .* 1,097 suppressed as repeats, 0 late, 0 rejected/);
  });

  it('sorts shuffled alerts and deploys in memory: every record the same as from the sorted files', () => {
    const r = cli(['score', '--alerts', alerts, '--deploys', deploys, ...config, '--format', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`alerts file ${alerts} is not in event-time order \\(3,5\\d\\d of 3,545 records`),
    );
    assert.match(
      r.stderr,
      /deploys file .* is not in event-time order .*; sorted it in memory before scoring/,
    );
    assert.equal(countsOf(r.stderr), counts, 'the same incidents, pages, silenced, inhibited, repeats');
    assert.deepEqual(withoutScoredAt(r.stdout), sorted);
  });

  it('sorts on disk past --sort-memory: the same records, and no temporary file left', () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const r = cli(
      [
        'score',
        '--alerts',
        alerts,
        '--deploys',
        deploys,
        ...config,
        '--format',
        'ndjson',
        '--sort-memory',
        '0.2',
      ],
      {
        TMPDIR: tmp,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /alerts file .* sorted it on disk \(\d+ temporary runs\) before scoring/);
    assert.deepEqual(withoutScoredAt(r.stdout), sorted);
    assert.deepEqual(readdirSync(tmp), []);
  });
});
