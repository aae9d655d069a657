// Poison input: >10k hostile records interleaved with good alerts on the alerts topic of a running
// `alert-triage run` (child process). Each hostile one lands in the DLQ with its original bytes and a
// reason, the process never dies, no partition stalls, and every good alert is scored exactly once.
// The same hostile lines in a file: `alert-triage score` exits 2, every bad line is in the rejects
// file, every good line is scored.
//
//   RELIABILITY_SEED (4) picks the records and their order.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import type { Config } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import { codecFor, createTopics, json, readTopic, SAMPLE, SKIP } from '../integration/harness.ts';
import { hostileWorld } from './hostile.ts';
import {
  type Child,
  type ChildSetup,
  freePort,
  groupProgress,
  metricSum,
  metricsText,
  prng,
  produceSized,
  sleep,
  spawnCli,
  untilStageDrained,
  workDir,
  writeChildConfig,
} from './support.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 4);
const GOOD = 2_000;
const CATALOG = join(SAMPLE, 'catalog.yaml');
const hash = (b: Buffer | null) => (b === null ? 'tombstone' : createHash('sha1').update(b).digest('hex'));

describe('poison: hostile records on the alerts topic', { skip: SKIP }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  let child: Child | undefined;
  let world: ReturnType<typeof hostileWorld>;

  before(async () => {
    dir = workDir('poison');
    setup = writeChildConfig(dir, CATALOG, await freePort());
    config = loadConfigFile(setup.configPath);
    admin = await createTopics(config);
    const ids = await codecFor(config).registerSchemas(
      registryTopicsOf(config.topics, config.kafka.incident_stage),
    );
    const schemaId = ids[`${config.topics.alerts}-value`]!;
    world = hostileWorld({ seed: SEED, schemaId, binary: true, good: GOOD });
    // Good ones keep their order per model (event time); hostile ones are scattered between them.
    const mixed: { key: string | null; value: Buffer | null }[] = world.good.map((g) => ({
      key: g.model,
      value: g.value,
    }));
    const place = prng(SEED + 1);
    for (const h of world.hostile) {
      const at = Math.floor(place() * (mixed.length + 1));
      mixed.splice(at, 0, { key: ['fraud-scorer', 'search-ranker', null][at % 3] ?? null, value: h.value });
    }
    await produceSized(config.topics.alerts, mixed);
  });
  after(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await admin?.disconnect();
  });

  it('dead-letters every hostile record with a reason and scores every good one', {
    timeout: 600_000,
  }, async () => {
    const started = Date.now();
    const total = world.hostile.length + world.good.length;
    const log = join(dir, 'service.log');
    child = spawnCli(['run', '--config', setup.configPath], log);
    const deadline = Date.now() + 300_000;
    while ((await groupProgress(admin, setup.groupId, config.topics.alerts)).committed < total) {
      assert.ok(child.proc.exitCode === null, `the service died (see ${log})`);
      assert.ok(Date.now() < deadline, `a partition stalled (see ${log})`);
      await sleep(250);
    }
    await untilStageDrained(admin, config, setup.port, {
      deadline,
      alive: () => child?.proc.exitCode === null,
      log,
    });
    const processedMs = Date.now() - started;
    const metrics = await metricsText(setup.port);
    assert.ok(child.proc.exitCode === null, 'still running after the poison');
    child.proc.kill('SIGTERM');
    assert.equal((await child.exited).code, 0, 'SIGTERM exits 0');

    const dlq = await readTopic(config.topics.dlq, {
      expected: world.hostile.length,
      timeoutMs: 180_000,
      settleMs: 3_000,
    });
    const want = new Map<string, number>();
    for (const h of world.hostile) want.set(hash(h.value), (want.get(hash(h.value)) ?? 0) + 1);
    const codes: Record<string, number> = {};
    let withoutReason = 0;
    for (const m of dlq) {
      const code = m.headers?.[DLQ_HEADERS.code]?.toString();
      const message = m.headers?.[DLQ_HEADERS.message]?.toString();
      if (!code || !message) withoutReason++;
      codes[code ?? 'none'] = (codes[code ?? 'none'] ?? 0) + 1;
      const h = hash(m.value);
      want.set(h, (want.get(h) ?? 0) - 1);
    }
    const unmatched = [...want.values()].filter((n) => n !== 0).length;
    const scored = (
      await readTopic(config.topics.scored, { expected: GOOD, timeoutMs: 120_000, settleMs: 2_000 })
    ).map((m) => json<ScoredAlert>(m).alert_id);
    const byCategory: Record<string, number> = {};
    for (const h of world.hostile) byCategory[h.category] = (byCategory[h.category] ?? 0) + 1;
    const figures = {
      hostile_tried: world.hostile.length,
      by_category: byCategory,
      dead_lettered: dlq.length,
      dlq_codes: codes,
      dlq_metric_total: metricSum(metrics, 'alert_triage_dlq_records_total'),
      without_reason: withoutReason,
      unmatched_bytes: unmatched,
      good_fed: GOOD,
      good_scored: scored.length,
      good_distinct: new Set(scored).size,
      processing_wall_s: Math.round(processedMs / 1000),
      total_wall_s: Math.round((Date.now() - started) / 1000),
    };
    console.log(`RELIABILITY poison-stream ${JSON.stringify(figures)}`);
    assert.ok(world.hostile.length >= 10_000);
    assert.equal(dlq.length, world.hostile.length, 'every hostile record dead-lettered, once');
    assert.equal(withoutReason, 0, 'every DLQ record carries a code and a message');
    assert.equal(unmatched, 0, 'the DLQ holds exactly the original bytes of the hostile records');
    assert.equal(figures.dlq_metric_total, world.hostile.length);
    assert.deepEqual([...scored].sort(), world.good.map((g) => g.id).sort(), 'every good alert scored once');
  });
});

describe('poison: the same hostile lines in a file for `alert-triage score`', { skip: SKIP }, () => {
  it('exits 2, every bad line in the rejects file, every good line scored', {
    timeout: 300_000,
  }, async () => {
    const started = Date.now();
    const dir = workDir('poison-cli');
    const w = hostileWorld({ seed: SEED, schemaId: 1, binary: false, good: GOOD });
    const lines = [...w.good.map((g) => g.value), ...w.hostile.map((h) => h.value!)];
    w.shuffle(lines);
    const alerts = join(dir, 'alerts.ndjson');
    writeFileSync(alerts, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const out = join(dir, 'scored.ndjson');
    const rejectsFile = join(dir, 'rejects.ndjson');
    const cli = spawnCli(
      [
        'score',
        '--alerts',
        alerts,
        '--config',
        CATALOG,
        '--out',
        out,
        '--rejects',
        rejectsFile,
        '--no-progress',
      ],
      join(dir, 'cli.log'),
    );
    const exit = await cli.exited;
    const scored = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as ScoredAlert).alert_id);
    const rejects = readFileSync(rejectsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line?: number; error?: { code?: string; message?: string } });
    const codes: Record<string, number> = {};
    for (const r of rejects) codes[r.error?.code ?? 'none'] = (codes[r.error?.code ?? 'none'] ?? 0) + 1;
    const figures = {
      exit: exit.code,
      hostile_lines: w.hostile.length,
      rejected: rejects.length,
      reject_codes: codes,
      good_lines: GOOD,
      scored: scored.length,
      wall_s: Math.round((Date.now() - started) / 1000),
    };
    console.log(`RELIABILITY poison-cli ${JSON.stringify(figures)}`);
    assert.equal(exit.code, 2);
    assert.equal(rejects.length, w.hostile.length, 'every hostile line rejected');
    assert.ok(
      rejects.every((r) => r.error?.code && r.error.message && typeof r.line === 'number'),
      'each reject names its line and reason',
    );
    const badLines = new Set(
      lines.map((l, i) => (w.hostile.some((h) => h.value === l) ? i + 1 : 0)).filter(Boolean),
    );
    assert.deepEqual(
      rejects.map((r) => r.line).filter((n) => !badLines.has(n!)),
      [],
      'only hostile lines rejected',
    );
    assert.deepEqual([...scored].sort(), w.good.map((g) => g.id).sort(), 'every good line scored once');
  });
});
