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
import type { Admin, KafkaMessage } from 'kafkajs';
import { type Config, incidentStageNames } from '../../src/config.ts';
import { ndjsonLines, produceLines, readTopics, SKIP } from '../integration/harness.ts';
import { assertOfflineIncidents, type ReadRecord } from '../runtime/conformance.ts';
import {
  type Child,
  type ChildSetup,
  groupProgress,
  isReady,
  prng,
  producedWorld,
  sleep,
  spawnCli,
  untilStageDrained,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_INCIDENT_ALERTS ?? 12_000);
const KILLS = Number(process.env.RELIABILITY_INCIDENT_KILLS ?? 3);
const SEED = Number(process.env.RELIABILITY_SEED ?? 4);
const ENV = { KAFKA_INCIDENT_STAGE: 'true' };

const toRead = (m: KafkaMessage): ReadRecord => ({
  key: m.key?.toString('utf8') ?? null,
  value: m.value?.toString('utf8') ?? null,
  // The conformance assertions read the tier records' `type` header.
  headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
});

describe('crash with the incident stage: SIGKILL, restart, every page once', { skip: SKIP }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  let child: Child | undefined;
  const log = () => join(dir, 'service.log');

  before(async () => {
    ({ dir, setup, config, admin } = await producedWorld(
      'incident-crash',
      ALERTS,
      async (c, d) => {
        await produceLines(c.topics.deployments, ndjsonLines(join(d, 'deploys.ndjson')), 'model_id');
        await produceLines(c.topics.alerts, ndjsonLines(join(d, 'alerts.ndjson')), 'model_id');
      },
      ENV,
    ));
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
      child = spawnCli(['run', '--config', setup.configPath], log(), ENV);
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
    child = spawnCli(['run', '--config', setup.configPath], log(), ENV);
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

    const t = config.topics;
    const topics = await readTopics([t.scored, t.P1, t.P2, t.P3, t.P4, t.incidents]);
    const world = {
      config,
      read: async (name: 'scored' | 'P1' | 'P2' | 'P3' | 'P4' | 'dlq' | 'actions' | 'incidents') =>
        (topics.get(t[name]) ?? []).map(toRead),
    };
    // The tier topics' triggers: their resolves are no pages.
    const tierRecords = ['P1', 'P2', 'P3', 'P4'].flatMap((tier) => topics.get(t[tier as 'P1']) ?? []);
    const isTrigger = (m: (typeof tierRecords)[number]) =>
      (JSON.parse(toRead(m).value!) as { action?: string }).action === 'trigger';
    const pages = tierRecords.filter(isTrigger).length;
    const resolves = tierRecords.length - pages;
    console.log(
      `RELIABILITY incident-crash ${JSON.stringify({
        alerts_fed: ALERTS,
        kills,
        scored_records: topics.get(t.scored)?.length,
        pages,
        resolves,
        incident_records: topics.get(t.incidents)?.length,
        seed: SEED,
        wall_s: Math.round((Date.now() - started) / 1000),
      })}`,
    );
    assert.equal(kills.length, KILLS);
    await assertOfflineIncidents(
      world,
      { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
      `after ${KILLS} SIGKILLs`,
      { regressionWatch: 'killed' },
    );
    rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });
});
