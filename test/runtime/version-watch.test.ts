// The live version ledger against `alert-triage gate`: a generated week of the `versions` profile through
// the stream pipeline on in-memory ports (two instances, partitions moving between them, commits failing
// and chunks read again) feeds a VersionWatch; its answer over HTTP is the offline gate's last line, for
// a slow regression and for a good version.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { createHttpServer } from '../../src/adapters/http/server.ts';
import type { Action } from '../../src/core/actions.ts';
import type { IncidentOutput } from '../../src/core/incidents/types.ts';
import { VersionWatch } from '../../src/runtime/version-watch.ts';
import type { VersionTruth } from '../../src/sample/versions.ts';
import { createMetrics } from '../../src/telemetry.ts';
import { cli, lines } from '../cli/support.ts';
import { PipelineDriver } from '../fixtures/pipeline-driver.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'alert-triage-watch-'));
const file = (name: string) => join(dir, name);

describe('GET /v1/gate from the live ledger', () => {
  let watch: VersionWatch;
  let versions: VersionTruth[];
  let url: (q: string) => string;
  let stop: () => Promise<void>;
  let driver: PipelineDriver;
  const called: IncidentOutput[] = [];

  before(async () => {
    const gen = spawnSync(
      process.execPath,
      [
        'scripts/sample/generate-world.ts',
        ...['--profile', 'versions', '--seed', '9', '--start', '2026-12-07', '--days', '5', '--out', dir],
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(gen.status, 0, gen.stderr);
    versions = lines(readFileSync(file('versions.ndjson'), 'utf8')).map((l) => JSON.parse(l) as VersionTruth);
    const config = loadConfigFile(file('catalog.yaml'));
    watch = new VersionWatch(config);
    watch.onRegression = (o) => called.push(...o);
    driver = new PipelineDriver({
      config,
      partitions: 3,
      instances: 2,
      seed: 11,
      commitFailures: 0.3,
      rebalances: 0.02,
      observer: { outputs: (o) => watch.outputs(o), deploy: (d) => watch.deploy(d) },
    });
    driver.produce('deployments', lines(readFileSync(file('deploys.ndjson'), 'utf8')));
    driver.produce('alerts', lines(readFileSync(file('alerts.ndjson'), 'utf8')));
    await driver.start();
    await driver.drain();
    const server = createHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics(),
      health: () => ({ live: true, ready: true, details: {} }),
      gate: (q) => watch.answer(q),
    });
    const { port } = await server.start();
    url = (q) => `http://127.0.0.1:${port}/v1/gate?${q}`;
    stop = () => server.stop();
  });
  after(() => stop());

  it('answers what `alert-triage gate` prints last, for a slow regression and a good version', async () => {
    assert.ok(driver.failedCommits > 0, 'some chunks were undone and read again');
    const picks = ['slow_regression', 'good'].map((k) => versions.find((v) => v.kind === k)!);
    for (const v of picks) {
      const offline = cli([
        'gate',
        ...['--model', v.model, '--version', v.version],
        ...[
          '--alerts',
          file('alerts.ndjson'),
          '--deploys',
          file('deploys.ndjson'),
          '--config',
          file('catalog.yaml'),
        ],
      ]);
      assert.ok([0, 1, 3].includes(offline.code!), offline.stderr);
      const res = await fetch(url(`model=${encodeURIComponent(v.model)}&version=${v.version}`));
      assert.equal(res.status, 200);
      assert.deepEqual(
        await res.json(),
        JSON.parse(lines(offline.stdout).at(-1)!),
        `${v.model} ${v.version}`,
      );
    }
  });

  it('calls the regressions `score` calls, once each, with the same records (incident and action)', () => {
    const run = cli([
      'score',
      ...[
        '--alerts',
        file('alerts.ndjson'),
        '--deploys',
        file('deploys.ndjson'),
        '--config',
        file('catalog.yaml'),
      ],
      ...['--out', file('scored.ndjson'), '--incidents-out', file('incidents.ndjson')],
      ...['--actions', file('actions.ndjson')],
    ]);
    assert.equal(run.code, 0, run.stderr);
    const offline = lines(readFileSync(file('incidents.ndjson'), 'utf8'))
      .map((l) => JSON.parse(l) as { kind?: string; incident_id: string })
      .filter((i) => i.kind === 'version_regression');
    const actions = lines(readFileSync(file('actions.ndjson'), 'utf8'))
      .map((l) => JSON.parse(l) as Action)
      .filter((a) => a.alert_id.startsWith('inc-'));
    const slow = versions.filter((v) => v.kind === 'slow_regression');
    assert.ok(slow.length > 0 && offline.length > 0, 'the week has slow regressions, and score called some');
    const streamed = called.flatMap((o) => (o.kind === 'incident' ? [o.incident] : []));
    const streamedActions = called.flatMap((o) => (o.kind === 'action' ? [o.action] : []));
    const byId = <T extends { incident_id: string }>(xs: T[]) =>
      [...xs].sort((x, y) => (x.incident_id < y.incident_id ? -1 : 1));
    assert.deepEqual(JSON.parse(JSON.stringify(byId(streamed))), byId(offline));
    assert.equal(new Set(streamed.map((i) => i.incident_id)).size, streamed.length, 'once per version');
    const byAction = (xs: Action[]) => [...xs].sort((x, y) => (x.action_id < y.action_id ? -1 : 1));
    assert.deepEqual(JSON.parse(JSON.stringify(byAction(streamedActions))), byAction(actions));
    assert.equal(streamedActions.length, streamed.length, 'one action per regression');
  });

  it('404 for an unknown model or version, 400 without both', async () => {
    const v = versions[0]!;
    const model = await fetch(url('model=nope&version=v1'));
    assert.equal(model.status, 404);
    assert.equal(((await model.json()) as { code: string }).code, 'UNKNOWN_MODEL');
    const version = await fetch(url(`model=${v.model}&version=v999`));
    assert.equal(version.status, 404);
    assert.equal(((await version.json()) as { code: string }).code, 'UNKNOWN_VERSION');
    assert.equal((await fetch(url(`model=${v.model}`))).status, 400);
    assert.equal((await fetch(url(`model=${v.model}&version=${v.version}&at=soon`))).status, 400);
  });

  it('gives the same answers alert by alert (kafka.incident_stage off: stage 1 writes the outputs)', async () => {
    const base = loadConfigFile(file('catalog.yaml'));
    const config = loadConfigFile(file('catalog.yaml'), { KAFKA_INCIDENT_STAGE: 'false' });
    assert.equal(config.kafka.incident_stage, false);
    const staged = new VersionWatch(config);
    const d = new PipelineDriver({
      config,
      partitions: 3,
      instances: 2,
      seed: 12,
      observer: { outputs: (o) => staged.outputs(o), deploy: (x) => staged.deploy(x) },
    });
    d.produce('deployments', lines(readFileSync(file('deploys.ndjson'), 'utf8')));
    d.produce('alerts', lines(readFileSync(file('alerts.ndjson'), 'utf8')));
    await d.start();
    await d.drain();
    assert.equal(base.kafka.incident_stage, true, 'the ledger above ran with the default: the stage on');
    for (const v of versions) {
      const q = new URLSearchParams({ model: v.model, version: v.version });
      assert.deepEqual(staged.answer(q), watch.answer(q), `${v.model} ${v.version}`);
    }
  });

  it('the census counts every watched version by verdict', () => {
    const c = watch.census();
    assert.equal(c.watched, c.byVerdict.ok + c.byVerdict.regressed + c.byVerdict.insufficient_evidence);
    assert.ok(c.watched >= versions.length);
  });
});
