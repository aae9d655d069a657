// Rebalance: alerts produced continuously; instance A starts, B joins mid-stream, A leaves (stop())
// mid-stream, C joins, while production goes on. Afterwards every alert is on the scored topic exactly
// once (read_committed) and no alert was routed twice to the tier topics.
//
//   RELIABILITY_REBALANCE_ALERTS (30000) tunes the run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  createTopics,
  json,
  ndjsonLines,
  produceLines,
  readTopic,
  SKIP,
  startService,
  testConfig,
  waitUntil,
} from '../integration/harness.ts';
import { generateWorld, groupProgress, sleep, workDir } from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_REBALANCE_ALERTS ?? 30_000);
const SLICES = 30;

const instance = (config: Config, id: string): Config => ({
  ...config,
  kafka: { ...config.kafka, instance_id: id },
});

describe('rebalance: instances join and leave mid-stream', { skip: SKIP }, () => {
  let dir: string;
  let config: Config;
  let admin: Admin;
  const services: StreamService[] = [];
  let lines: string[] = [];

  before(async () => {
    dir = workDir('rebalance');
    generateWorld(dir, ALERTS);
    config = testConfig({}, join(dir, 'catalog.yaml'));
    // Alert by alert (kafka.incident_stage: false): it counts one tier record per routed alert. The stage's
    // rebalances are incident-rebalance.test.ts's, and the in-memory property cases' and conformance's.
    config = { ...config, kafka: { ...config.kafka, session_timeout: 6_000, incident_stage: false } };
    admin = await createTopics(config);
    await produceLines(config.topics.deployments, ndjsonLines(join(dir, 'deploys.ndjson')), 'model_id');
    lines = ndjsonLines(join(dir, 'alerts.ndjson'));
  });
  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await admin?.disconnect();
    // The generated alerts are large; the service log stays for a look after a failure.
    if (dir) rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });

  it('still exactly once, nothing re-paged', { timeout: 600_000 }, async () => {
    const started = Date.now();
    const events: string[] = [];
    const per = Math.ceil(lines.length / SLICES);
    let produced = 0;
    const producing = (async () => {
      for (let i = 0; i < lines.length; i += per) {
        await produceLines(config.topics.alerts, lines.slice(i, i + per), 'model_id');
        produced += Math.min(per, lines.length - i);
        await sleep(700);
      }
    })();
    const start = async (id: string) => {
      const s = startService(instance(config, id));
      services.push(s);
      await s.start();
      events.push(`${id} started at ${produced} produced`);
      return s;
    };
    const committed = async () =>
      (await groupProgress(admin, config.kafka.group_id, config.topics.alerts)).committed;

    const a = await start('a');
    await waitUntil('a scoring', async () => (await committed()) > ALERTS / 10, 120_000);
    const b1 = produced;
    await waitUntil('next slice produced', () => produced > b1, 30_000);
    const b = await start('b');
    await waitUntil(
      'a and b split the partitions',
      () => [a, b].every((s) => (s.health().details.assignedPartitions as number[]).length > 0),
      60_000,
    );
    events.push(`a+b split ${JSON.stringify([a, b].map((s) => s.health().details.assignedPartitions))}`);
    const mark = await committed();
    await waitUntil('progress with two', async () => (await committed()) > mark + ALERTS / 10, 120_000);
    // Leave right after a slice lands, so A stops with records in hand and a backlog behind them.
    const before = produced;
    await waitUntil('next slice produced', () => produced > before, 30_000);
    await sleep(30);
    assert.ok(produced < lines.length, 'A leaves while alerts are still being produced');
    const backlog = produced - (await committed());
    await a.stop();
    events.push(`a left with ${backlog} uncommitted behind it`);
    events.push(`a stopped at ${produced} produced, ${await committed()} committed`);
    const c = await start('c');
    await producing;
    events.push(`production done at ${Math.round((Date.now() - started) / 1000)} s`);
    await waitUntil('all committed', async () => (await committed()) >= lines.length, 240_000);
    events.push(`b+c ${JSON.stringify([b, c].map((s) => s.health().details.assignedPartitions))}`);

    const scored = (
      await readTopic(config.topics.scored, { expected: lines.length, timeoutMs: 120_000, settleMs: 3_000 })
    ).map((m) => json<ScoredAlert>(m));
    const seen = new Map<string, number>();
    for (const s of scored) seen.set(s.alert_id, (seen.get(s.alert_id) ?? 0) + 1);
    const ids = lines.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id);
    const lost = ids.filter((id) => !seen.has(id)).length;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const routed = new Map<string, number>();
    let wrongTier = 0;
    const shouldRoute = new Map(scored.filter((s) => !s.dedup.suppressed).map((s) => [s.alert_id, s.tier]));
    for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
      const expected = [...shouldRoute.values()].filter((t) => t === tier).length;
      for (const m of await readTopic(config.topics[tier], {
        expected,
        timeoutMs: 60_000,
        settleMs: 1_000,
      })) {
        const id = json<ScoredAlert>(m).alert_id;
        routed.set(id, (routed.get(id) ?? 0) + 1);
        if (shouldRoute.get(id) !== tier) wrongTier++;
      }
    }
    const pagedTwice = [...routed.values()].filter((n) => n > 1).length;
    const figures = {
      alerts_fed: lines.length,
      events,
      scored: scored.length,
      lost,
      duplicates,
      routed: routed.size,
      should_route: shouldRoute.size,
      paged_twice: pagedTwice,
      wrong_tier: wrongTier,
      wall_s: Math.round((Date.now() - started) / 1000),
    };
    console.log(`RELIABILITY rebalance ${JSON.stringify(figures)}`);
    assert.equal(lost, 0, 'nothing lost');
    assert.equal(duplicates, 0, 'nothing scored twice');
    assert.equal(scored.length, lines.length);
    assert.equal(pagedTwice, 0, 'nothing re-paged');
    assert.equal(wrongTier, 0, 'tier topics hold only non-suppressed alerts of their tier');
    assert.equal(routed.size, shouldRoute.size, 'every non-suppressed alert routed');
  });
});
