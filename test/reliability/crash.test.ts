// Crash: 100k alerts, `alert-triage run` as a child process SIGKILLed at seeded random moments and
// restarted each time; afterwards the scored topic (read_committed) holds every alert exactly once and
// each tier topic exactly the non-suppressed alerts of its tier, each once.
//
//   RELIABILITY_ALERTS (100000), RELIABILITY_KILLS (5), RELIABILITY_SEED (4) tune the run.
// Alert by alert (kafka.incident_stage: false): this checks stage 1's exactly-once, each alert its own
// record on its tier topic. The default (the incident stage) is crashed in incident-crash.test.ts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { json, ndjsonLines, produceLines, readTopic, SKIP } from '../integration/harness.ts';
import {
  type Child,
  type ChildSetup,
  checkTierTopics,
  groupProgress,
  isReady,
  prng,
  producedWorld,
  scoredOnce,
  sleep,
  spawnCli,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_ALERTS ?? 100_000);
const KILLS = Number(process.env.RELIABILITY_KILLS ?? 5);
const SEED = Number(process.env.RELIABILITY_SEED ?? 4);

describe('crash: SIGKILL at random moments, restart, nothing lost, nothing doubled', { skip: SKIP }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  let child: Child | undefined;
  let alertIds: string[] = [];
  const log = () => join(dir, 'service.log');
  const ENV = { KAFKA_INCIDENT_STAGE: 'false' };

  before(async () => {
    ({ dir, setup, config, admin } = await producedWorld(
      'crash',
      ALERTS,
      async (c, d) => {
        const lines = ndjsonLines(join(d, 'alerts.ndjson'));
        alertIds = lines.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id);
        await produceLines(c.topics.deployments, ndjsonLines(join(d, 'deploys.ndjson')), 'model_id');
        await produceLines(c.topics.alerts, lines, 'model_id');
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
    // The generated alerts are large; the service log stays for a look after a failure.
    if (dir) rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });

  it(`survives ${KILLS} SIGKILLs over ${ALERTS} alerts`, { timeout: 900_000 }, async () => {
    const started = Date.now();
    const random = prng(SEED);
    const progress = () => groupProgress(admin, setup.groupId, config.topics.alerts);
    const { end } = await progress();
    assert.equal(end, ALERTS, 'all alerts produced');
    // Kill points: seeded fractions of the backlog committed, plus a seeded delay so the kill lands
    // anywhere in the next transactions, not just after a commit.
    const targets = Array.from({ length: KILLS }, () => 0.05 + random() * 0.85).sort((a, b) => a - b);
    const kills: { at: number; committed: number; delayMs: number }[] = [];
    for (const fraction of targets) {
      child = spawnCli(['run', '--config', setup.configPath], log(), ENV);
      const target = Math.floor(fraction * ALERTS);
      const deadline = Date.now() + 240_000;
      let committed = 0;
      for (;;) {
        committed = (await progress()).committed;
        if (committed >= target) break;
        assert.ok(child.proc.exitCode === null, `service exited by itself (see ${log()})`);
        assert.ok(Date.now() < deadline, `no progress to ${target} (at ${committed}; see ${log()})`);
        await sleep(100);
      }
      const delayMs = Math.floor(random() * 1_500);
      await sleep(delayMs);
      child.proc.kill('SIGKILL');
      const exit = await child.exited;
      assert.equal(exit.signal, 'SIGKILL');
      kills.push({ at: target, committed: (await progress()).committed, delayMs });
    }
    // The last run: to the end of the backlog, then SIGTERM.
    child = spawnCli(['run', '--config', setup.configPath], log(), ENV);
    const deadline = Date.now() + 300_000;
    // Drained, and this last process up and ready (a SIGTERM before its handler exists is not a drain).
    while ((await progress()).committed < ALERTS || !(await isReady(setup.port))) {
      assert.ok(child.proc.exitCode === null, `service exited by itself (see ${log()})`);
      assert.ok(Date.now() < deadline, `backlog not drained (see ${log()})`);
      await sleep(250);
    }
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, 'SIGTERM exits 0');
    const processedMs = Date.now() - started;

    const scored = (
      await readTopic(config.topics.scored, { expected: ALERTS, timeoutMs: 180_000, settleMs: 3_000 })
    ).map((m) => json<ScoredAlert>(m));
    const { distinct, lost, duplicates } = scoredOnce(scored, alertIds);
    const tierReport = await checkTierTopics(config, scored, { timeoutMs: 120_000, settleMs: 2_000 });
    const figures = {
      alerts_fed: ALERTS,
      kills_survived: kills.length,
      kills,
      scored_records: scored.length,
      distinct_scored: distinct,
      lost: lost.length,
      duplicates,
      tiers: tierReport,
      seed: SEED,
      processing_wall_s: Math.round(processedMs / 1000),
      total_wall_s: Math.round((Date.now() - started) / 1000),
    };
    console.log(`RELIABILITY crash ${JSON.stringify(figures)}`);
    assert.equal(kills.length, KILLS);
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} alerts lost`);
    assert.equal(duplicates, 0, 'no alert scored twice');
    assert.equal(scored.length, ALERTS);
    for (const [tier, r] of Object.entries(tierReport)) {
      assert.equal(r.twice, 0, `${tier}: paged twice`);
      assert.equal(r.wrong, 0, `${tier}: not exactly the non-suppressed ${tier} alerts`);
      assert.equal(r.got, r.expected, `${tier}: count`);
    }
  });
});
