// Incidents on the command line, through the real binary on the bundled weeks: the scored records' new
// fields, --incidents-out, `alert-triage incidents` and its filters, explain, and silences in a file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { IncidentRecord, TierRecord } from '../../src/core/incidents/types.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { cli, lines, ROOT, readLines } from './support.ts';

const CASCADE = join(ROOT, 'examples', 'cascade-week');
const ARGS = [
  '--alerts',
  join(CASCADE, 'alerts.ndjson'),
  '--deploys',
  join(CASCADE, 'deploys.ndjson'),
  '--config',
  join(CASCADE, 'catalog.yaml'),
];

describe('score with incidents (the cascade week)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-triage-incidents-'));
  let scored: ScoredAlert[];
  let incidents: IncidentRecord[];
  let tierRecords: TierRecord[];
  let summaryPages: number;

  before(() => {
    const r = cli([
      'score',
      ...ARGS,
      '--out',
      join(dir, 'scored.ndjson'),
      '--incidents-out',
      join(dir, 'incidents.ndjson'),
      '--pages-out',
      join(dir, 'pages.ndjson'),
      '--no-progress',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /[\d,]+ incidents opened, [\d,]+ pages \(P1 \d+ · P2 \d+\), 0 silenced, \d+ inhibited/,
    );
    summaryPages = Number(/([\d,]+) pages \(/.exec(r.stderr)![1]!.replace(/,/g, ''));
    tierRecords = readLines(join(dir, 'pages.ndjson')).map((l) => JSON.parse(l) as TierRecord);
    scored = readLines(join(dir, 'scored.ndjson')).map((l) => JSON.parse(l) as ScoredAlert);
    incidents = readLines(join(dir, 'incidents.ndjson')).map((l) => JSON.parse(l) as IncidentRecord);
  });

  it('every scored alert carries incident_id, page, silenced_by and the sentences of its incident', () => {
    assert.equal(scored.length, lines(readFileSync(join(CASCADE, 'alerts.ndjson'), 'utf8')).length);
    for (const a of scored) {
      assert.match(a.incident_id!, /^inc-[0-9a-f]{16}$/);
      assert.equal(typeof a.page, 'boolean');
      assert.equal(a.silenced_by, null);
      assert.ok(a.incident!.reasons.length >= 1);
      assert.ok(!a.reasons.some((r) => r.includes(a.incident_id!)), 'incident sentences stay out of reasons');
      assert.equal(a.paging.pagerduty.dedup_key, a.incident_id);
    }
    // A dedup repeat pages only as what corroborates a lone alert left waiting (corroborate_tiers).
    const repeats = scored.filter((a) => a.page && a.dedup.suppressed);
    for (const a of repeats)
      assert.ok(
        a.incident!.reasons.some((x) => /^a repeat of .* the condition persisted$/.test(x)),
        `${a.alert_id} is a repeat that paged without saying why`,
      );
    assert.ok(repeats.length < scored.filter((a) => a.page).length / 4, 'most pages are no repeats');
  });

  it('--pages has every page, and a resolve after each (the week is over): resolves are not pages', () => {
    const triggers = tierRecords.filter((r) => r.action === 'trigger');
    const resolves = tierRecords.filter((r) => r.action === 'resolve');
    assert.equal(triggers.length, scored.filter((a) => a.page).length);
    assert.equal(triggers.length, summaryPages, 'the summary counts the triggers alone');
    assert.equal(resolves.length, triggers.length, 'every incident timed out: each page resolved once');
    const at = new Map(tierRecords.map((r, i) => [r.page_id, i]));
    for (const r of resolves) {
      const page = tierRecords[at.get(r.resolves)!];
      assert.ok(page?.action === 'trigger', `${r.page_id} resolves a page`);
      assert.ok(at.get(r.resolves)! < at.get(r.page_id)!, 'after its page');
      assert.equal(r.page_id, `${page.page_id}:resolve`);
      assert.deepEqual([r.tier, r.incident_id], [page.tier, page.incident_id], 'on its page’s tier topic');
      assert.deepEqual(r.pagerduty, { event_action: 'resolve', dedup_key: r.incident_id });
      assert.equal(r.incident.status, 'resolved');
    }
  });

  it('--incidents-out has the latest record of every incident, once, in order of opening', () => {
    const ids = new Set(scored.map((a) => a.incident_id));
    assert.equal(incidents.length, ids.size);
    assert.equal(new Set(incidents.map((i) => i.incident_id)).size, incidents.length);
    for (let i = 1; i < incidents.length; i++)
      assert.ok(incidents[i - 1]!.first_event_time <= incidents[i]!.first_event_time);
    const members = new Map<string, number>();
    for (const a of scored) members.set(a.incident_id!, (members.get(a.incident_id!) ?? 0) + 1);
    for (const inc of incidents) {
      assert.equal(inc.members, members.get(inc.incident_id));
      assert.equal(inc.status, 'resolved', 'the week is over: every incident timed out');
      assert.equal(inc.pages, scored.filter((a) => a.incident_id === inc.incident_id && a.page).length);
    }
    // The largest cascade of the week: one schema or pipeline change, several models, few pages.
    const big = incidents
      .filter((i) => i.cause !== null)
      .sort((a, b) => b.models.length - a.models.length)[0]!;
    assert.ok(big.models.length >= 5, `${big.title}`);
    assert.ok(big.pages <= 3, `${big.pages} pages for ${big.title}`);
  });

  it('alert-triage incidents lists them highest first, with the filters, as a table or JSON', () => {
    const table = cli(['incidents', ...ARGS, '--tier', 'P1', '--top', '3']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /[\d,]+ of [\d,]+ incidents match --tier P1, the top 3 shown/);
    const rows = table.stdout.split('\n').filter((l) => /^\s*\d+\s+P[1-4]\s/.test(l));
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => /^\s*\d+\s+P1\s/.test(r)));

    const json = cli([
      'incidents',
      ...ARGS,
      '--format',
      'json',
      '--product-area',
      'payments',
      '--since',
      '2026-12-02',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const got = lines(json.stdout).map((l) => JSON.parse(l) as IncidentRecord);
    const since = Date.parse('2026-12-02T00:00:00Z');
    const want = incidents.filter((i) => i.product_areas.includes('payments') && i.last_event_time >= since);
    assert.equal(got.length, want.length);
    assert.deepEqual(new Set(got.map((i) => i.incident_id)), new Set(want.map((i) => i.incident_id)));
    assert.match(json.stderr, /incidents match --product-area payments --since 2026-12-02T00:00:00.000Z/);

    const model = cli(['incidents', ...ARGS, '--format', 'json', '--model', 'fraud-scorer']);
    const byModel = lines(model.stdout).map((l) => JSON.parse(l) as IncidentRecord);
    assert.ok(
      byModel.length > 0 && byModel.every((i) => i.models.some((m) => m.model_id === 'fraud-scorer')),
    );
  });

  it('explain names the incident an alert joined, whether it paged, and why', () => {
    const joined = scored.find((a) => a.incident?.how === 'cause' && !a.page && !a.dedup.suppressed)!;
    const r = cli(['explain', joined.alert_id, ...ARGS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^incident: ${joined.incident_id} \\(change:[^)]+\\), not paged$`, 'm'),
    );
    assert.match(r.stdout, /^ {2}- joined incident inc-[0-9a-f]+ opened .* ago by /m);
    assert.match(r.stdout, /^ {2}- not paged: incident inc-[0-9a-f]+ already paged at P[12]/m);
  });
});

describe('silence add | list | expire on a file, and score applying it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-triage-silences-'));
  const file = join(dir, 'silences.ndjson');

  it('adds, lists and expires silences in the file, and refuses bad input with exit 2', () => {
    // A silence over the whole cascade week that also ends after today, whenever the test runs: longer than
    // the default maximum (7 d), so the config's max_silence must allow it, on writing and on reading.
    const silenceArgs = [
      '--match',
      'model_id="fraud-scorer"',
      '--starts-at',
      '2026-11-29T00:00:00Z',
      '--ends-at',
      '2099-01-01T00:00:00Z',
      '--comment',
      'fraud-scorer retraining',
      '--created-by',
      'alice',
    ];
    const tooLong = cli(['silence', 'add', '--file', file, ...silenceArgs]);
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /longer than the maximum of 7d/);
    const wide = join(dir, 'wide.yaml');
    writeFileSync(wide, 'incidents:\n  max_silence: 100000d\n');
    const ok = cli(['silence', 'add', '--file', file, '--config', wide, ...silenceArgs]);
    assert.equal(ok.code, 0, ok.stderr);
    const id = ok.stdout.trim();
    assert.match(id, /^sil-[0-9a-f]{16}$/);
    assert.match(ok.stderr, /added sil-[0-9a-f]+: model_id="fraud-scorer"/);

    const refused = cli(['silence', 'list', '--file', file]);
    assert.equal(refused.code, 1, 'read back with the default maximum, the record is refused');
    assert.match(refused.stderr, /silences\.ndjson:1: invalid Silence: ends_at: the silence lasts/);
    const list = cli(['silence', 'list', '--file', file, '--config', wide]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${id}\\s+model_id="fraud-scorer"`));

    const bad = cli([
      'silence',
      'add',
      '--file',
      file,
      '--match',
      'env=prod',
      '--duration',
      '2h',
      '--comment',
      'x',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown matcher name "env"/);

    const wideCatalog = join(dir, 'catalog.yaml');
    writeFileSync(
      wideCatalog,
      `${readFileSync(join(CASCADE, 'catalog.yaml'), 'utf8')}\nincidents:\n  max_silence: 100000d\n`,
    );
    const scored = cli([
      'score',
      ...ARGS.slice(0, 4),
      '--config',
      wideCatalog,
      '--silences',
      file,
      '--format',
      'ndjson',
      '--no-progress',
    ]);
    assert.equal(scored.code, 0, scored.stderr);
    const alerts = lines(scored.stdout).map((l) => JSON.parse(l) as ScoredAlert);
    const fraud = alerts.filter((a) => a.model_id === 'fraud-scorer');
    assert.ok(fraud.length > 0 && fraud.every((a) => a.silenced_by === id && !a.page));
    assert.ok(alerts.filter((a) => a.model_id !== 'fraud-scorer').every((a) => a.silenced_by === null));
    assert.match(scored.stderr, new RegExp(`${fraud.length.toLocaleString('en-US')} silenced`));

    const expire = cli(['silence', 'expire', id, '--file', file, '--config', wide]);
    assert.equal(expire.code, 0, expire.stderr);
    assert.match(expire.stdout, new RegExp(`expired ${id}`));
    assert.match(
      cli(['silence', 'list', '--file', file, '--config', wide]).stdout,
      /no active or pending silences/,
    );
    assert.match(
      cli(['silence', 'list', '--all', '--file', file, '--config', wide]).stdout,
      new RegExp(`${id}.*expired`),
    );
    assert.equal(readLines(file).length, 2, 'the file keeps both records of the id, as the topic would');
  });

  it('says where --file and --config go in its help, and --silences must exist', () => {
    const help = cli(['silence', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--file <f>\s+the silence file/);
    const missing = cli(['score', ...ARGS, '--silences', join(dir, 'nope.ndjson')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read --silences .*no such file/);
  });
});
