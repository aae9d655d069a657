// `score --input-format <format>`: the bundled example of each format scored end to end, a bad item of a
// batch rejected alone (with its line, its place in the payload and the field), and the formats in --help.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { INPUT_FORMATS } from '../../src/core/inputs/index.ts';
import { CONTEXT, cli, NATIVE, parseScored, readLines } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-native-'));
const example = (f: string) => JSON.parse(readFileSync(join(NATIVE, `${f}.json`), 'utf8'));

describe('score --input-format', () => {
  const expected: Record<string, number> = {
    alertmanager: 3,
    grafana: 2,
    evidently: 2,
    whylabs: 2,
    arize: 1,
    cloudevents: 2,
  };
  for (const [format, count] of Object.entries(expected)) {
    it(`scores the ${format} example (one pretty-printed document)`, () => {
      const r = cli([
        'score',
        '--input-format',
        format,
        '--alerts',
        join(NATIVE, `${format}.json`),
        ...CONTEXT,
        '--format',
        'ndjson',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const scored = parseScored(r.stdout);
      assert.equal(scored.length, count);
      for (const a of scored) {
        assert.ok(a.priority >= 0 && a.priority <= 100);
        assert.equal(a.alert.source === undefined, false, 'every mapper names the source');
      }
    });
  }

  it('joins an Alertmanager alert with the deploy context like any alert', () => {
    const r = cli([
      'score',
      '--input-format',
      'alertmanager',
      '--alerts',
      join(NATIVE, 'alertmanager.json'),
      ...CONTEXT,
      '--format',
      'ndjson',
    ]);
    const errors = parseScored(r.stdout).find((a) => a.alert.signal === 'error_rate')!;
    assert.equal(errors.model_id, 'ads-bidder');
    assert.equal(errors.tier, 'P1');
    assert.ok(
      errors.context.deploy_correlated,
      'the v32 deploy and the clickstream-etl change are in its window',
    );
    assert.equal(errors.alert.labels?.status, 'firing');
  });

  it('reads one payload per line, and rejects a bad item alone with its line and place; the rest is scored', () => {
    const good = example('alertmanager');
    const bad = structuredClone(good);
    delete bad.alerts[1].labels.model;
    bad.alerts[2].startsAt = 'soon';
    const file = join(dir, 'webhooks.ndjson');
    writeFileSync(file, `${JSON.stringify(good)}\nnot json\n${JSON.stringify(bad)}\n`);
    const rejects = join(dir, 'rejects.ndjson');
    const r = cli([
      'score',
      '--input-format',
      'alertmanager',
      '--alerts',
      file,
      ...CONTEXT,
      '--format',
      'ndjson',
      '--rejects',
      rejects,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(parseScored(r.stdout).length, 4, 'three from line 1, one from line 3');
    assert.match(r.stderr, new RegExp(`${file}:2: MALFORMED_JSON: not JSON`));
    assert.match(r.stderr, new RegExp(`${file}:3: MISSING_FIELD: alerts\\[1\\]\\.labels: no model label`));
    assert.match(r.stderr, new RegExp(`${file}:3: BAD_TIMESTAMP: alerts\\[2\\]\\.startsAt`));
    assert.match(r.stderr, /3 record\(s\) rejected/);
    const rows = readLines(rejects).map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.map((x) => [x.line, x.item ?? null, x.record_type, x.error.code, x.input]),
      [
        [2, null, 'AlertmanagerWebhook', 'MALFORMED_JSON', 'alert'],
        [3, 'alerts[1].labels', 'AlertmanagerWebhook', 'MISSING_FIELD', 'alert'],
        [3, 'alerts[2].startsAt', 'AlertmanagerWebhook', 'BAD_TIMESTAMP', 'alert'],
      ],
    );
    assert.equal(rows[1].raw, JSON.stringify(bad), 'the payload it came in');
  });

  it('rejects a mapped alert the contract refuses, naming the item and the field', () => {
    const ce = example('cloudevents');
    ce[0].data.confidence = 7;
    const file = join(dir, 'ce.json');
    writeFileSync(file, JSON.stringify(ce, null, 2));
    const r = cli([
      'score',
      '--input-format',
      'cloudevents',
      '--alerts',
      file,
      '--format',
      'ndjson',
      '--rejects',
      join(dir, 'ce.rejects'),
    ]);
    assert.equal(r.code, 2);
    assert.equal(parseScored(r.stdout).length, 1);
    assert.match(
      r.stderr,
      /:1: OUT_OF_RANGE: \[0\]: invalid AnomalyAlert: confidence: must be within 0\.\.1, got 7/,
    );
  });

  it('says which --input-format a webhook body read as an AnomalyAlert looks like', () => {
    const file = join(dir, 'am.ndjson');
    writeFileSync(file, `${JSON.stringify(example('alertmanager'))}\n`);
    const r = cli(['score', '--alerts', file, '--format', 'ndjson', '--rejects', join(dir, 'am.rejects')]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /MISSING_FIELD: invalid AnomalyAlert: alert_id: is required;.* \(it looks like alertmanager input: try --input-format alertmanager\)/,
    );
  });

  it('lists every format in --help', () => {
    const r = cli(['score', '--help']);
    assert.equal(r.code, 0);
    for (const f of INPUT_FORMATS) assert.match(r.stdout, new RegExp(`^  ${f}\\s`, 'm'), f);
    assert.match(r.stdout, /--input-format <format>/);
    const bad = cli(['score', '--input-format', 'nagios', '--alerts', 'x']);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /Allowed choices are alerttriage, alertmanager, grafana, evidently, whylabs, arize, cloudevents/,
    );
  });
  it('a resolved Alertmanager alert resolves the incident its firing alert joined (--incidents-out)', () => {
    const body = example('alertmanager');
    const auc = { ...body.alerts[2], startsAt: '2026-11-19T13:50:41.117Z' };
    const firing = {
      ...body,
      status: 'firing',
      alerts: [{ ...auc, status: 'firing', endsAt: '0001-01-01T00:00:00Z' }],
    };
    const resolved = { ...body, status: 'resolved', alerts: [auc] };
    const file = join(dir, 'firing-then-resolved.ndjson');
    writeFileSync(file, `${JSON.stringify(firing)}\n${JSON.stringify(resolved)}\n`);
    const incidentsOut = join(dir, 'resolved-incidents.ndjson');
    // The lone firing alert is a P2 that no change explains: it pages at once only without the
    // corroboration wait (corroborate_tiers), which is not what this case is about.
    const config = join(dir, 'catalog-no-corroboration.yaml');
    writeFileSync(config, `${readFileSync(CONTEXT[3]!, 'utf8')}\nincidents:\n  corroborate_tiers: []\n`);
    const r = cli([
      'score',
      '--input-format',
      'alertmanager',
      '--alerts',
      file,
      ...CONTEXT.slice(0, 2),
      '--config',
      config,
      '--format',
      'ndjson',
      '--incidents-out',
      incidentsOut,
      '--pages-out',
      join(dir, 'resolved-pages.ndjson'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const scored = parseScored(r.stdout);
    assert.equal(scored.length, 2);
    const [f, done] = scored;
    assert.equal(done!.alert_id, `${f!.alert_id}:resolved`);
    assert.equal(done!.incident_id, f!.incident_id);
    assert.equal(done!.page, false);
    const incidents = readLines(incidentsOut).map(
      (l) => JSON.parse(l) as { incident_id: string; resolved_by: string; resolved_at: number },
    );
    const inc = incidents.find((i) => i.incident_id === f!.incident_id)!;
    assert.equal(inc.resolved_by, 'source');
    assert.equal(inc.resolved_at, Date.parse(auc.endsAt));
    // On the tier topic: the page, then its resolve at endsAt, saying the source resolved it.
    const tier = readLines(join(dir, 'resolved-pages.ndjson')).map(
      (l) => JSON.parse(l) as { action: string; incident_id: string; event_time: number; reason: string },
    );
    assert.equal(f!.page, true, 'the firing alert pages');
    assert.deepEqual(
      tier.map((t) => [t.action, t.incident_id]),
      [
        ['trigger', f!.incident_id],
        ['resolve', f!.incident_id],
      ],
    );
    assert.equal(tier[1]!.event_time, Date.parse(auc.endsAt));
    assert.equal(tier[1]!.reason, `resolved by its source (${done!.alert_id})`);
  });
});
