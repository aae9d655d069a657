// Broker restart with the incident stage (kafka.incident_stage, the default): a generated week produced
// first, `alert-triage run` as a child on it, and the broker stopped mid-stream (its data kept) for
// RELIABILITY_BROKER_DOWN_MS, then started again — while both stages have transactions open and members
// on their way through the repartition topic. Afterwards every alert is scored once with the incident and
// page `score` gives it, each page is on its tier topic once, and ml.incidents holds score's incidents.
//
// It restarts the broker, so it runs only against the infrastructure of scripts/infra/infra.sh, never
// against a broker it did not start (support.ts, ownInfra). The registry hang is outage.test.ts's (alert by
// alert): the stage reads and writes JSON between its stages, so the registry is stage 1's concern.
//
//   RELIABILITY_INCIDENT_OUTAGE_ALERTS (12000), RELIABILITY_BROKER_DOWN_MS (15000) tune the run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { type Config, incidentStageNames } from '../../src/config.ts';
import { createTopics, SKIP } from '../integration/harness.ts';
import { assertOfflineIncidents } from '../runtime/conformance.ts';
import {
  type Child,
  type ChildSetup,
  groupProgress,
  infra,
  isReady,
  ownInfra,
  producedStageWorld,
  restoreInfra,
  STAGE_ENV,
  sleep,
  spawnCli,
  stageOutputs,
  untilStageDrained,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_INCIDENT_OUTAGE_ALERTS ?? 12_000);
const BROKER_DOWN_MS = Number(process.env.RELIABILITY_BROKER_DOWN_MS ?? 15_000);

const skip = ownInfra(SKIP);

describe('broker restart with the incident stage: every page once, as score pages', { skip }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin | undefined;
  let child: Child | undefined;
  const log = () => join(dir, 'service.log');

  before(async () => {
    ({ dir, setup, config, admin } = await producedStageWorld('incident-outage', ALERTS));
  });
  after(async () => {
    restoreInfra();
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await admin?.disconnect().catch(() => undefined);
  });

  it(`the broker stopped for ${BROKER_DOWN_MS / 1000} s mid-stream: nothing lost, doubled or paged twice`, {
    timeout: 600_000,
  }, async () => {
    const started = Date.now();
    const names = incidentStageNames(config);
    const alive = () => child?.proc.exitCode === null && child.proc.signalCode === null;
    const waitFor = async (what: string, ok: () => Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        assert.ok(alive(), `service exited by itself (see ${log()})`);
        assert.ok(Date.now() < deadline, `timed out waiting for ${what} (see ${log()})`);
        await sleep(200);
      }
    };
    const alerts = async () => (await groupProgress(admin!, setup.groupId, config.topics.alerts)).committed;
    const members = async () => (await groupProgress(admin!, names.groupId, names.repartition)).committed;

    child = spawnCli(['run', '--config', setup.configPath], log(), STAGE_ENV);
    await waitFor('a quarter scored by stage 1', async () => (await alerts()) >= ALERTS / 4, 120_000);
    const atStop = { stage1: await alerts(), stage2: await members() };
    await admin!.disconnect();
    admin = undefined;
    infra('stop', 'kafka');
    const down = Date.now();
    await sleep(BROKER_DOWN_MS);
    assert.ok(alive(), `the service stays up while the broker is down (see ${log()})`);
    infra('start', 'kafka');
    const back = Date.now();
    admin = await createTopics(config); // a new admin client; the topics exist already
    await waitFor('ready again', () => isReady(setup.port), 180_000);
    const readyAgain = Date.now();
    await waitFor('every alert committed by stage 1', async () => (await alerts()) === ALERTS, 300_000);
    await untilStageDrained(admin, config, setup.port, {
      deadline: Date.now() + 300_000,
      alive,
      log: log(),
    });
    await sleep(2_000);
    child.proc.kill('SIGTERM');
    assert.equal((await child.exited).code, 0, 'SIGTERM exits 0');

    const out = await stageOutputs(config);
    console.log(
      `RELIABILITY incident-outage ${JSON.stringify({
        alerts_fed: ALERTS,
        committed_at_stop: atStop,
        broker_down_s: Math.round((back - down) / 1000),
        ready_again_after_s: Math.round((readyAgain - back) / 1000),
        scored_records: out.count('scored'),
        pages: out.pages,
        incident_records: out.count('incidents'),
        dead_lettered: out.count('dlq'),
        wall_s: Math.round((Date.now() - started) / 1000),
      })}`,
    );
    assert.ok(atStop.stage1 < ALERTS, 'the broker went away mid-stream');
    assert.equal(out.count('dlq'), 0, 'nothing transient dead-lettered');
    await assertOfflineIncidents(
      { config, read: out.read },
      { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
      'after a broker restart',
      { regressionWatch: true },
    );
    rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });
});
