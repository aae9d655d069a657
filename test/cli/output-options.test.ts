// `score --format csv`, the filters (output only, processing unchanged), and `explain` with filters.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CSV_COLUMNS, csvCell } from '../../src/cli/csv.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { CONTEXT, cli, lines, parseScored, readLines, SAMPLE } from './support.ts';

const ARGS = ['--alerts', join(SAMPLE, 'alerts.ndjson'), ...CONTEXT];
const dir = mkdtempSync(join(tmpdir(), 'alert-triage-output-'));
const strip = ({ scored_at: _, ...rest }: ScoredAlert) => rest;

describe('score: CSV and filters', () => {
  let all: ScoredAlert[];
  before(() => {
    const r = cli(['score', ...ARGS, '--format', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    all = parseScored(r.stdout);
  });

  it('--format csv: a header and one row per scored alert, the columns documented', () => {
    const r = cli(['score', ...ARGS, '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const rows = lines(r.stdout);
    assert.equal(rows[0], CSV_COLUMNS.map(([c]) => c).join(','));
    assert.equal(rows.length, all.length + 1);
    const first = rows[1]!;
    assert.ok(
      first.startsWith(
        `${all[0]!.alert_id},${new Date(all[0]!.event_time).toISOString()},${all[0]!.model_id},`,
      ),
    );
    assert.match(r.stderr, /3,545 alerts scored/, 'the summary goes to stderr, the rows to stdout');
  });

  it('quotes what needs quoting, and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
    assert.equal(csvCell(-3), '-3', 'numbers are left as they are');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(true), 'true');
  });

  it('filters what is written, never what is processed: the kept records are exactly those of the full run', () => {
    const since = Date.parse('2026-11-19T00:00:00Z');
    const until = Date.parse('2026-11-20T00:00:00Z');
    const out = join(dir, 'filtered.ndjson');
    const actions = join(dir, 'actions.ndjson');
    const r = cli([
      'score',
      ...ARGS,
      '--tier',
      'p1,P2',
      '--product-area',
      'ads',
      '--since',
      '2026-11-19',
      '--until',
      '2026-11-20T00:00:00Z',
      '--out',
      out,
      '--actions',
      actions,
      '--format',
      'ndjson',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const want = all.filter(
      (a) =>
        (a.tier === 'P1' || a.tier === 'P2') &&
        a.product_area === 'ads' &&
        a.event_time >= since &&
        a.event_time < until,
    );
    assert.ok(want.length > 5, `${want.length} alerts`);
    const got = readLines(out).map((l) => JSON.parse(l) as ScoredAlert);
    assert.deepEqual(got.map(strip), want.map(strip), 'same records, same scores, same dedup state');
    assert.match(
      r.stderr,
      new RegExp(
        `; ${want.length} written after --tier P1,P2 --product-area ads --since 2026-11-19T00:00:00.000Z`,
      ),
    );
    const opened = new Set(all.map((a) => a.incident_id)).size.toLocaleString('en-US');
    const pages = all.filter((a) => a.page).length.toLocaleString('en-US');
    assert.match(
      r.stderr,
      new RegExp(`3,545 alerts scored .*: ${opened} incidents opened, ${pages} pages`),
      'the summary counts every processed alert',
    );
    const kept = new Set(want.map((a) => a.alert_id));
    const acts = readLines(actions).map((l) => JSON.parse(l) as { alert_id: string });
    assert.ok(acts.length > 0 && acts.every((a) => kept.has(a.alert_id)), 'actions follow their alert');
  });

  it('filters by model, region and segment, and says so in the table of incidents', () => {
    const r = cli([
      'score',
      ...ARGS,
      '--model',
      'search-ranker',
      '--region',
      'eu-west-1',
      '--segment',
      'android',
      '--format',
      'table',
      '--top',
      '3',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const n = all.filter(
      (a) => a.model_id === 'search-ranker' && a.region === 'eu-west-1' && a.customer_segment === 'android',
    ).length;
    assert.match(
      r.stdout,
      new RegExp(
        `shown: ${n.toLocaleString('en-US')} alerts match --region eu-west-1 --segment android --model search-ranker`,
      ),
    );
    // One block per incident: its row, its title, its models beneath; every one has search-ranker.
    const blocks = r.stdout.split(/\n(?=\s*\d+\s+P[1-4]\s)/).slice(1);
    assert.equal(blocks.length, 3);
    assert.ok(
      blocks.every((b) => /^\s+search-ranker\s+P[1-4]\s+\d+ alerts?/m.test(b)),
      blocks.join('\n'),
    );
  });

  it('refuses a bad filter value with what is accepted', () => {
    const tier = cli(['score', ...ARGS, '--tier', 'P5']);
    assert.equal(tier.code, 1);
    assert.match(tier.stderr, /--tier .*P5 is not a tier \(P1, P2, P3, P4\)/);
    const since = cli(['score', ...ARGS, '--since', 'last tuesday']);
    assert.equal(since.code, 1);
    assert.match(
      since.stderr,
      /must be an RFC 3339 time \(2026-11-19T14:00:00Z\), a date \(2026-11-19\) or epoch ms/,
    );
  });
});

describe('explain with filters', () => {
  it('without an id, explains the top routed alerts that match', () => {
    const r = cli(['explain', ...ARGS, '--model', 'ads-bidder', '--tier', 'P1', '--top', '2']);
    assert.equal(r.code, 0, r.stderr);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('alert '));
    assert.equal(heads.length, 2);
    assert.ok(heads.every((h) => h.includes(' — ads-bidder — ')));
    assert.match(r.stdout, /^P1 {2}priority/m);
  });

  it('with an id outside the filters, says so and exits 1', () => {
    const r = cli(['explain', 'arz-228be548', ...ARGS, '--tier', 'P4']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alert arz-228be548 \(P1, ads-bidder\) does not match --tier P4/);
  });

  it('reads filters over a scored file too, as JSON', () => {
    const scored = join(dir, 'scored.ndjson');
    assert.equal(cli(['score', ...ARGS, '--out', scored, '--format', 'ndjson']).code, 0);
    const r = cli(['explain', '--scored', scored, '--region', 'us-east-1', '--top', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as ScoredAlert[];
    assert.equal(got.length, 3);
    assert.ok(got.every((a) => a.region === 'us-east-1' && !a.dedup.suppressed));
    assert.ok(got[0]!.priority >= got[1]!.priority && got[1]!.priority >= got[2]!.priority);
  });
});
