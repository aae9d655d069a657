// Rebalance with the incident stage (kafka.incident_stage, the default): a generated week produced first,
// then `alert-triage run` instances A and B start on it together, A leaves mid-stream (SIGTERM: a graceful
// leave) and C joins while alerts are still to score, each a child process. Both consumer groups rebalance — stage 1's on the alerts and
// stage 2's on the repartition topic — so open incidents, held pages and the book's state move between
// processes. Afterwards every alert is scored once with the incident and page `score` gives it, each page
// is on its tier topic once (an open incident never pages twice), and ml.incidents holds score's incidents.
//
//   RELIABILITY_INCIDENT_REBALANCE_ALERTS (30000) tunes the run.
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
  freePort,
  groupProgress,
  isReady,
  producedStageWorld,
  STAGE_ENV,
  sleep,
  spawnCli,
  stageOutputs,
  untilStageDrained,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_INCIDENT_REBALANCE_ALERTS ?? 30_000);

interface Instance {
  id: string;
  port: number;
  child: Child;
  log: string;
}

/** The partitions each stage has on the instance now (its /readyz), or null while it is not up. */
async function assigned(port: number): Promise<{ stage1: number[]; stage2: number[] } | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await r.json()) as {
      details?: { assignedPartitions?: number[]; incidentStage?: { assignedPartitions?: number[] } };
    };
    return {
      stage1: body.details?.assignedPartitions ?? [],
      stage2: body.details?.incidentStage?.assignedPartitions ?? [],
    };
  } catch {
    return null;
  }
}

describe('rebalance with the incident stage: instances join and leave, every page once', {
  skip: SKIP,
}, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  const running: Instance[] = [];

  before(async () => {
    ({ dir, setup, config, admin } = await producedStageWorld('incident-rebalance', ALERTS));
  });
  after(async () => {
    for (const i of running)
      if (i.child.proc.exitCode === null && i.child.proc.signalCode === null) {
        i.child.proc.kill('SIGKILL');
        await i.child.exited;
      }
    await admin?.disconnect();
  });

  it(`moves both stages between instances over ${ALERTS} alerts, paging as score does`, {
    timeout: 600_000,
  }, async () => {
    const started = Date.now();
    const names = incidentStageNames(config);
    const committed = async () => (await groupProgress(admin, setup.groupId, config.topics.alerts)).committed;
    const events: string[] = [];
    const start = async (id: string, port: number): Promise<Instance> => {
      const log = join(dir, `service-${id}.log`);
      const child = spawnCli(['run', '--config', setup.configPath], log, {
        ...STAGE_ENV,
        KAFKA_INSTANCE_ID: id,
        HTTP_PORT: String(port),
      });
      const inst = { id, port, child, log };
      running.push(inst);
      events.push(`${id} started at ${await committed()} committed`);
      return inst;
    };
    const alive = (i: Instance) => i.child.proc.exitCode === null && i.child.proc.signalCode === null;
    const until = async (what: string, ok: () => Promise<boolean>, who: Instance[], ms = 240_000) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        for (const i of who) assert.ok(alive(i), `${i.id} exited by itself (see ${i.log})`);
        assert.ok(Date.now() < deadline, `${what}: not in time (see ${who.map((i) => i.log).join(', ')})`);
        await sleep(200);
      }
    };
    // Both stages of an instance hold partitions: each has taken part in the rebalance.
    const holdsBoth = async (i: Instance) => {
      const a = await assigned(i.port);
      return a !== null && a.stage1.length > 0 && a.stage2.length > 0;
    };

    const a = await start('a', setup.port);
    const b = await start('b', await freePort());
    await until('a and b split both stages', async () => (await holdsBoth(a)) && (await holdsBoth(b)), [
      a,
      b,
    ]);
    events.push(`a+b ${JSON.stringify({ a: await assigned(a.port), b: await assigned(b.port) })}`);
    await until('progress with two', async () => (await committed()) > ALERTS * 0.25, [a, b]);
    const leftAt = await committed();
    assert.ok(leftAt < ALERTS * 0.75, `a leaves mid-stream (${leftAt} of ${ALERTS} committed)`);
    a.child.proc.kill('SIGTERM');
    assert.equal((await a.child.exited).code, 0, 'a leaves with SIGTERM and exits 0');
    events.push(`a left at ${leftAt} committed`);
    const c = await start('c', await freePort());
    await until('b and c split both stages', async () => (await holdsBoth(b)) && (await holdsBoth(c)), [
      b,
      c,
    ]);
    const joinedAt = await committed();
    events.push(
      `b+c at ${joinedAt} committed ${JSON.stringify({ b: await assigned(b.port), c: await assigned(c.port) })}`,
    );
    assert.ok(joinedAt < ALERTS, `c joined while alerts were still to score (${joinedAt} of ${ALERTS})`);

    await until(
      'every alert committed, both ready',
      async () => (await committed()) === ALERTS && (await isReady(b.port)) && (await isReady(c.port)),
      [b, c],
      300_000,
    );
    const deadline = Date.now() + 300_000;
    for (const i of [b, c])
      await untilStageDrained(admin, config, i.port, { deadline, alive: () => alive(i), log: i.log });
    await sleep(2_000);
    for (const i of [b, c]) i.child.proc.kill('SIGTERM');
    for (const i of [b, c]) assert.equal((await i.child.exited).code, 0, `${i.id}: SIGTERM exits 0`);

    const out = await stageOutputs(config);
    const stage2 = await groupProgress(admin, names.groupId, names.repartition);
    console.log(
      `RELIABILITY incident-rebalance ${JSON.stringify({
        alerts_fed: ALERTS,
        events,
        scored_records: out.count('scored'),
        members_committed: stage2.committed,
        pages: out.pages,
        incident_records: out.count('incidents'),
        wall_s: Math.round((Date.now() - started) / 1000),
      })}`,
    );
    await assertOfflineIncidents(
      { config, read: out.read },
      { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
      'after instances joined and left',
      { regressionWatch: true },
    );
    rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });
});
