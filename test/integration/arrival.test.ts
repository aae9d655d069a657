// Late side input on the real broker, with the default windows: change events that arrive after the
// alerts they explain are counted, and the alerts keep the answer they were given — unless
// kafka.side_input_grace waits for them. (A backlog produced in one burst into an idle service is a
// case of the conformance suite, test/runtime/conformance.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import type { CoreEvent, ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  createTopics,
  json,
  ndjsonLines,
  produceLines,
  ROOT,
  readTopic,
  SKIP,
  startService,
  testConfig,
  waitUntil,
} from './harness.ts';

const verdict = (a: ScoredAlert) =>
  JSON.stringify({ priority: a.priority, tier: a.tier, reasons: a.reasons, suppressed: a.dedup.suppressed });

async function offline(config: Config, dir: string): Promise<Map<string, string>> {
  const byId = new Map<string, string>();
  await runOffline(
    config,
    { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
    { scored: (a) => void byId.set(a.alert_id, verdict(a)), rejected: () => undefined },
  );
  return byId;
}

interface Run {
  scored: ScoredAlert[];
  expected: Map<string, string>;
  late: number;
}

/** Starts an idle service, then produces `first` and, `gapMs` later, `second` (each in one burst). */
async function arrive(
  week: string,
  order: 'deploys-first' | 'alerts-first',
  gapMs: number,
  kafka: Record<string, unknown> = {},
): Promise<Run> {
  const dir = join(ROOT, 'examples', week);
  const base = testConfig({}, join(dir, 'catalog.yaml'));
  const config = testConfig(
    { topics: base.topics, kafka: { ...base.kafka, ...kafka } },
    join(dir, 'catalog.yaml'),
  );
  const admin: Admin = await createTopics(config);
  let late = 0;
  const service: StreamService = startService(config, {
    observer: {
      coreEvents: (events: CoreEvent[]) => {
        for (const e of events) if (e.type === 'deploy_late') late++;
      },
    },
  });
  try {
    const expected = await offline(config, dir);
    await service.start();
    await waitUntil('ready', () => service.health().ready, 30_000);
    const alerts = ndjsonLines(join(dir, 'alerts.ndjson'));
    const deploys = ndjsonLines(join(dir, 'deploys.ndjson'));
    const [first, second] =
      order === 'deploys-first'
        ? [
            () => produceLines(config.topics.deployments, deploys, 'model_id'),
            () => produceLines(config.topics.alerts, alerts, 'model_id'),
          ]
        : [
            () => produceLines(config.topics.alerts, alerts, 'model_id'),
            () => produceLines(config.topics.deployments, deploys, 'model_id'),
          ];
    await first();
    await new Promise((r) => setTimeout(r, gapMs));
    await second();
    const scored = (
      await readTopic(config.topics.scored, { expected: alerts.length, timeoutMs: 120_000 })
    ).map((m) => json<ScoredAlert>(m));
    // The late deploys are counted as they are read: wait until all of them are.
    if (order === 'alerts-first')
      await waitUntil('deploys read', () => service.health().details.deploysRebuilt === true);
    return { scored, expected, late };
  } finally {
    await service.stop();
    await admin.disconnect();
  }
}

const differing = (run: Run) => run.scored.filter((a) => verdict(a) !== run.expected.get(a.alert_id));

describe('arrival: alerts first, deploys 2 s later (late side input)', { skip: SKIP }, () => {
  let plain: Run;
  let graced: Run;
  before(async () => {
    plain = await arrive('cascade-week', 'alerts-first', 2_000);
    graced = await arrive('cascade-week', 'alerts-first', 2_000, { side_input_grace: '4s' });
  });

  it('by default scores every alert at once with what was known, and counts the deploys that came too late', () => {
    assert.equal(plain.scored.length, plain.expected.size);
    assert.equal(new Set(plain.scored.map((a) => a.alert_id)).size, plain.expected.size);
    const diff = differing(plain);
    console.log(
      `late side input: ${plain.late} deploys late; ${diff.length} of ${plain.scored.length} alerts differ`,
    );
    assert.ok(plain.late > 0, 'the deploys arrived after the alerts: counted as late');
    assert.ok(diff.length > 0, 'scored without their deploys');
  });

  it('with kafka.side_input_grace longer than the gap, waits for them and gives the offline answer', () => {
    assert.equal(graced.scored.length, graced.expected.size);
    const diff = differing(graced);
    assert.equal(diff.length, 0, `${diff.length} of ${graced.scored.length} differ`);
    assert.equal(graced.late, 0);
  });
});
