// Crash with the incident stage (kafka.incident_stage): a generated week, `alert-triage run` as a child
// process SIGKILLed at seeded random moments — in stage 1, in stage 2, or between them — and restarted;
// afterwards every alert is scored once with the incident and page `score` gives it, each page is on its
// tier topic once (an open incident never pages twice), and ml.incidents holds score's incidents.
//
//   RELIABILITY_INCIDENT_ALERTS (12000), RELIABILITY_INCIDENT_KILLS (3), RELIABILITY_SEED (4) tune the run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { type Config, incidentStageNames } from '../../src/config.ts';
import { SKIP } from '../integration/harness.ts';
import { assertOfflineIncidents } from '../runtime/conformance.ts';
import {
  type Child,
  type ChildSetup,
  groupProgress,
  isReady,
  prng,
  producedStageWorld,
  STAGE_ENV,
  sleep,
  spawnCli,
  stageOutputs,
  untilStageDrained,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_INCIDENT_ALERTS ?? 12_000);
const KILLS = Number(process.env.RELIABILITY_INCIDENT_KILLS ?? 3);
const SEED = Number(process.env.RELIABILITY_SEED ?? 4);

describe('crash with the incident stage: SIGKILL, restart, every page once', { skip: SKIP }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  let child: Child | undefined;
  const log = () => join(dir, 'service.log');

  before(async () => {
    ({ dir, setup, config, admin } = await producedStageWorld('incident-crash', ALERTS));
  });
  after(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await admin?.disconnect();
  });

  it(`survives ${KILLS} SIGKILLs over ${ALERTS} alerts, paging as score does`, {
    timeout: 600_000,
  }, async () => {
    const started = Date.now();
    const random = prng(SEED);
    const names = incidentStageNames(config);
    const alerts = () => groupProgress(admin, setup.groupId, config.topics.alerts);
    const stage = () => groupProgress(admin, names.groupId, names.repartition);
    const kills: { stage1: number; stage2: number; delayMs: number }[] = [];
    const targets = Array.from({ length: KILLS }, () => 0.1 + random() * 0.8).sort((a, b) => a - b);
    for (const fraction of targets) {
      child = spawnCli(['run', '--config', setup.configPath], log(), STAGE_ENV);
      const target = Math.floor(fraction * ALERTS);
      const deadline = Date.now() + 240_000;
      while ((await alerts()).committed < target) {
        assert.ok(child.proc.exitCode === null, `service exited by itself (see ${log()})`);
        assert.ok(Date.now() < deadline, `no progress to ${target} (see ${log()})`);
        await sleep(100);
      }
      const delayMs = Math.floor(random() * 3_000);
      await sleep(delayMs);
      child.proc.kill('SIGKILL');
      assert.equal((await child.exited).signal, 'SIGKILL');
      kills.push({ stage1: (await alerts()).committed, stage2: (await stage()).committed, delayMs });
    }
    child = spawnCli(['run', '--config', setup.configPath], log(), STAGE_ENV);
    // Drained through both stages: every alert scored (the stage's last members wait for the partitions
    // to be idle for max_partition_idle), and this process ready, so SIGTERM is a drain. (Not the sum
    // of the stage's committed offsets: it was above zero while it still had 3,000 members to read.)
    const deadline = Date.now() + 300_000;
    // Stage 1 first: every alert committed and this process ready.
    while (!((await alerts()).committed === ALERTS && (await isReady(setup.port)))) {
      assert.ok(child.proc.exitCode === null, `service exited by itself (see ${log()})`);
      assert.ok(
        Date.now() < deadline,
        `not every alert committed in time: ${JSON.stringify({ kills, committed: (await alerts()).committed })} (see ${log()})`,
      );
      await sleep(3_000);
    }
    // Then stage 2: every member read and none waiting (support.ts says how it tells).
    await untilStageDrained(admin, config, setup.port, {
      deadline,
      alive: () => child?.proc.exitCode === null,
      log: log(),
    });
    await sleep(2_000);
    child.proc.kill('SIGTERM');
    assert.equal((await child.exited).code, 0, 'SIGTERM exits 0');

    const out = await stageOutputs(config);
    console.log(
      `RELIABILITY incident-crash ${JSON.stringify({
        alerts_fed: ALERTS,
        kills,
        scored_records: out.count('scored'),
        pages: out.pages,
        resolves: out.resolves,
        incident_records: out.count('incidents'),
        seed: SEED,
        wall_s: Math.round((Date.now() - started) / 1000),
      })}`,
    );
    assert.equal(kills.length, KILLS);
    await assertOfflineIncidents(
      { config, read: out.read },
      { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
      `after ${KILLS} SIGKILLs`,
      { regressionWatch: 'killed' },
    );
    rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });
});
