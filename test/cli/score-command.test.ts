// End to end through the real binary: the bundled sample week, bad input, the table, explain, help.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Action } from '../../src/core/actions.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alert-triage.js');
const SAMPLE = join(ROOT, 'examples', 'sample-week');
const SAMPLE_ARGS = [
  '--alerts',
  join(SAMPLE, 'alerts.ndjson'),
  '--deploys',
  join(SAMPLE, 'deploys.ndjson'),
  '--config',
  join(SAMPLE, 'catalog.yaml'),
];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readNdjson = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe('score: the bundled sample week', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-triage-'));
  let scored: ScoredAlert[];
  let actions: Action[];
  let byId: Map<string, ScoredAlert>;

  before(() => {
    const r = cli([
      'score',
      ...SAMPLE_ARGS,
      '--out',
      join(dir, 'scored.ndjson'),
      '--actions',
      join(dir, 'actions.ndjson'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    scored = readNdjson<ScoredAlert>(join(dir, 'scored.ndjson'));
    actions = readNdjson<Action>(join(dir, 'actions.ndjson'));
    byId = new Map(scored.map((a) => [a.alert_id, a]));
  });

  it('writes one ScoredAlert per input alert, with the contract fields', () => {
    const inputs = readFileSync(join(SAMPLE, 'alerts.ndjson'), 'utf8').split('\n').filter(Boolean).length;
    assert.equal(scored.length, inputs);
    assert.equal(byId.size, inputs, 'alert ids are unique');
    for (const field of [
      'alert_id',
      'model_id',
      'event_time',
      'scored_at',
      'priority',
      'tier',
      'expected_impact_per_hour',
      'components',
      'reasons',
      'context',
      'owner',
      'escalation',
      'playbook',
      'sla',
      'root_cause',
      'dedup',
      'config_version',
      'alert',
    ]) {
      assert.ok(field in scored[0]!, field);
    }
    for (const a of scored) {
      assert.ok(a.priority >= 0 && a.priority <= 100, a.alert_id);
      assert.equal(typeof a.event_time, 'number');
    }
  });

  it('pages the bad ads-bidder deploy at P1 and recommends rolling back to the previous version', () => {
    const a = byId.get('arz-228be548')!;
    assert.equal(a.tier, 'P1');
    assert.equal(a.alert.severity, 'medium', 'the detector itself only said medium');
    assert.equal(a.root_cause.label, 'deployment_regression');
    assert.ok(
      a.reasons.some((r) => r.includes('model_deploy v32')),
      a.reasons.join('\n'),
    );
    const rollback = actions.find((x) => x.alert_id === 'arz-228be548' && x.type === 'rollback');
    assert.deepEqual(rollback?.params, { to_version: 'v31', from_version: 'v32' });
  });

  it('pages the upstream clickstream-etl pipeline break at P1, as a data problem with no rollback', () => {
    const a = byId.get('dq-68f31768')!;
    assert.equal(a.tier, 'P1');
    assert.equal(a.root_cause.label, 'data_pipeline');
    assert.ok(a.reasons.some((r) => r.startsWith('data_pipeline_change of upstream clickstream-etl')));
    assert.ok(!actions.some((x) => x.alert_id === 'dq-68f31768' && x.type === 'rollback'));
  });

  it('pages the quiet low-severity regressions on the regulated and the safety model', () => {
    for (const id of ['fair-d895edb8', 'csm-c42bae39']) {
      const a = byId.get(id)!;
      assert.equal(a.alert.severity, 'low', id);
      assert.ok(a.tier === 'P1' || a.tier === 'P2', `${id} is ${a.tier}`);
    }
  });

  it('does not page the weekend population-wide drift on the most valuable model', () => {
    const seasonal = scored.filter(
      (a) => a.model_id === 'search-ranker' && a.root_cause.label === 'seasonal_drift',
    );
    assert.ok(seasonal.length > 50, `found ${seasonal.length}`);
    assert.ok(seasonal.some((a) => a.alert.severity === 'critical'));
    for (const a of seasonal) assert.ok(a.tier === 'P3' || a.tier === 'P4', `${a.alert_id} is ${a.tier}`);
    assert.ok(
      seasonal[0]!.reasons.some((r) => r.startsWith('suspected seasonal_drift lowers the likelihood')),
    );
  });

  it('never pages the noisy legacy monitor at P1 or P2, though it says critical', () => {
    const legacy = scored.filter((a) => a.alert.source === 'drift-sentinel-legacy');
    assert.ok(legacy.filter((a) => a.alert.severity === 'critical').length > 100);
    assert.deepEqual(
      legacy.filter((a) => a.tier === 'P1' || a.tier === 'P2').map((a) => a.alert_id),
      [],
    );
  });

  it('suppresses flapping repeats but keeps them on the scored stream', () => {
    const suppressed = scored.filter((a) => a.dedup.suppressed);
    assert.ok(suppressed.length > 100);
    for (const a of suppressed) assert.ok(a.dedup.occurrences > 1, a.alert_id);
  });

  it('gives the same priorities, tiers and reasons on a second run', () => {
    const again = cli(['score', ...SAMPLE_ARGS, '--format', 'ndjson']);
    assert.equal(again.code, 0);
    const second = again.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScoredAlert);
    const strip = ({ scored_at: _, ...rest }: ScoredAlert) => rest;
    assert.deepEqual(second.map(strip), scored.map(strip));
  });
});

describe('score: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-triage-bad-'));
  const alerts = join(dir, 'alerts.ndjson');
  const good = (id: string, t: number) =>
    JSON.stringify({
      alert_id: id,
      event_time: t,
      model_id: 'fraud-scorer',
      signal: 'latency',
      severity: 'high',
    });
  writeFileSync(
    alerts,
    [
      good('g1', 1_794_787_200_000),
      '{"alert_id": "b1", "event_time": "not a time", "model_id": "m", "signal": "latency"}',
      'this is not json',
      good('g2', 1_794_787_260_000),
      '{"alert_id": "b2", "event_time": 1794787300000, "model_id": "m", "signal": "telepathy", "confidence": 7}',
      '',
      good('g3', 1_794_787_320_000),
    ].join('\n'),
  );

  it('reports each bad line with file and line, writes it to the rejects file, scores the rest, exits 2', () => {
    const rejects = join(dir, 'rejects.ndjson');
    const r = cli(['score', '--alerts', alerts, '--format', 'ndjson', '--rejects', rejects]);
    assert.equal(r.code, 2);
    const ids = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as ScoredAlert).alert_id);
    assert.deepEqual(ids, ['g1', 'g2', 'g3']);
    assert.match(r.stderr, new RegExp(`${alerts}:2: BAD_TIMESTAMP: invalid AnomalyAlert: event_time`));
    assert.match(r.stderr, new RegExp(`${alerts}:3: MALFORMED_JSON`));
    assert.match(
      r.stderr,
      /:5: BAD_ENUM: .*signal: must be one of .*confidence: must be within 0\.\.1, got 7/,
    );
    assert.match(r.stderr, /3 record\(s\) rejected/);
    const rejected = readNdjson<{ line: number; raw: string; error: { code: string } }>(rejects);
    assert.deepEqual(
      rejected.map((x) => [x.line, x.error.code]),
      [
        [2, 'BAD_TIMESTAMP'],
        [3, 'MALFORMED_JSON'],
        [5, 'BAD_ENUM'],
      ],
    );
    assert.equal(rejected[1]!.raw, 'this is not json', 'the original line is kept whole');
  });

  it('names the bad config key and exits 1', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'models:\n  m: { ownr: x }\nscoring:\n  weights: { likelihood: -1 }\n');
    const r = cli(['score', '--alerts', alerts, '--config', config, '--format', 'ndjson']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /models\.m\.ownr: unknown key/);
    assert.match(r.stderr, /scoring\.weights\.likelihood: /);
  });

  it('says which input file is missing and exits 1', () => {
    const r = cli(['score', '--alerts', join(dir, 'nope.ndjson'), '--format', 'ndjson']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read .*nope\.ndjson/);
  });
});

describe('score --format table, explain, help', () => {
  it('prints the triage table: one row per incident, its models beneath with their alert counts', () => {
    const r = cli(['score', ...SAMPLE_ARGS, '--format', 'table', '--top', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /alerts scored with cfg-[0-9a-f]{12}: [\d,]+ incidents opened, [\d,]+ pages \(P1 \d+ · P2 [\d,]+\), \d+ silenced, \d+ inhibited/,
    );
    const rows = r.stdout.split('\n').filter((l) => /^\s*\d+\s+P[1-4]\s/.test(l));
    assert.equal(rows.length, 5);
    assert.ok(
      rows.every((row) => /\sP1\s.*\sinc-[0-9a-f]{16}\s/.test(row)),
      'the top five incidents of the week are P1',
    );
    assert.match(r.stdout, /data_pipeline_change of clickstream-etl \(dep-[0-9a-f]+\): 6 models affected/);
    assert.match(r.stdout, /^\s+ads-bidder\s+P1\s+\d+ alerts\s+[\d,]+\/h$/m);
    assert.match(r.stdout, /… and 2 more models \(\d+ alerts\)/);
  });

  it('explains one alert from the inputs, with every dimension and its actions', () => {
    const r = cli(['explain', 'arz-228be548', ...SAMPLE_ARGS]);
    assert.equal(r.code, 0, r.stderr);
    for (const d of ['severity', 'likelihood', 'exposure', 'urgency', 'repair_confidence', 'weighted sum']) {
      assert.match(r.stdout, new RegExp(`^${d}\\s`, 'm'));
    }
    assert.match(r.stdout, /model_deploy v31 → v32 of ads-bidder/);
    assert.match(r.stdout, /rollback: rollback_model \{"to_version":"v31"/);
  });

  it('explain with an unknown id exits 1', () => {
    const r = cli(['explain', 'no-such-alert', ...SAMPLE_ARGS]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alert no-such-alert not found/);
  });

  it('--help explains each command', () => {
    const top = cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /score\b.*\n.*explain/s);
    const score = cli(['score', '--help']);
    assert.equal(score.code, 0);
    assert.match(score.stdout, /--alerts <file>/);
    assert.match(score.stdout, /Exit codes: 0 all records valid/);
  });
});
