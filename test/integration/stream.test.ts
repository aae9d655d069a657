// The stream processor on the real broker and registry: the sample week end to end, the same
// answers as the offline CLI while the deploy reader runs behind the alerts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import type { TierRecord } from '../../src/core/incidents/types.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import {
  createTopics,
  json,
  ndjsonLines,
  produceLines,
  readTopic,
  SAMPLE,
  SKIP,
  startService,
  testConfig,
  waitUntil,
} from './harness.ts';

const ALERTS = join(SAMPLE, 'alerts.ndjson');
const DEPLOYS = join(SAMPLE, 'deploys.ndjson');
const alertLines = SKIP ? [] : ndjsonLines(ALERTS);

/** What the offline CLI says for the sample week, with the same windows as the stream's config. */
async function offline(config: Config): Promise<Map<string, ScoredAlert>> {
  const byId = new Map<string, ScoredAlert>();
  await runOffline(
    config,
    { alerts: ALERTS, deploys: DEPLOYS },
    {
      scored: (a) => void byId.set(a.alert_id, a),
      rejected: () => undefined,
    },
  );
  return byId;
}

const verdict = (a: ScoredAlert) => ({
  priority: a.priority,
  tier: a.tier,
  reasons: a.reasons,
  suppressed: a.dedup.suppressed,
});

const timeOf = (line: string) => {
  const t = (JSON.parse(line) as { event_time: number | string }).event_time;
  return typeof t === 'number' ? t : Date.parse(t);
};

// (The deploy reader running ahead — everything queued before start — is a case of the conformance
// suite, test/runtime/conformance.ts, which runs on this broker and on the in-memory ports.)
for (const variant of [
  // The second half of the week arrives after start, deploys just before alerts, and the deploy
  // reader sleeps before each batch: the alert reader gets there first and must wait for it.
  { name: 'deploy reader running behind', sideInputDelayPerBatchMs: 1_500, split: true },
]) {
  describe(`stream: the sample week as JSON, ${variant.name}`, { skip: SKIP }, () => {
    let config: Config;
    let admin: Admin;
    let service: StreamService;
    let expected: Map<string, ScoredAlert>;
    let scored: ScoredAlert[];

    before(async () => {
      config = testConfig();
      admin = await createTopics(config);
      expected = await offline(config);
      const deploys = ndjsonLines(DEPLOYS);
      const middle = timeOf(alertLines[Math.floor(alertLines.length / 2)]!);
      const early = (lines: string[]) => (variant.split ? lines.filter((l) => timeOf(l) < middle) : lines);
      const late = (lines: string[]) => (variant.split ? lines.filter((l) => timeOf(l) >= middle) : []);
      await produceLines(config.topics.deployments, early(deploys), 'model_id');
      await produceLines(config.topics.alerts, early(alertLines), 'model_id');
      service = startService(config, { sideInputDelayPerBatchMs: variant.sideInputDelayPerBatchMs });
      await service.start();
      if (variant.split) {
        await produceLines(config.topics.deployments, late(deploys), 'model_id');
        await produceLines(config.topics.alerts, late(alertLines), 'model_id');
      }
      scored = (
        await readTopic(config.topics.scored, { expected: alertLines.length, timeoutMs: 120_000 })
      ).map((m) => json<ScoredAlert>(m));
    });

    after(async () => {
      await service?.stop();
      await admin?.disconnect();
    });

    it('publishes every alert once to the scored topic', () => {
      assert.equal(scored.length, alertLines.length);
      assert.equal(new Set(scored.map((a) => a.alert_id)).size, alertLines.length);
    });

    it('gives every alert the priority, tier, reasons and suppression of the offline CLI', () => {
      const mismatches = scored
        .filter((a) => JSON.stringify(verdict(a)) !== JSON.stringify(verdict(expected.get(a.alert_id)!)))
        .map((a) => ({ id: a.alert_id, stream: verdict(a), offline: verdict(expected.get(a.alert_id)!) }));
      assert.deepEqual(mismatches.slice(0, 3), []);
    });

    it('joins deploys across topics (the bad ads-bidder deploy is P1 with its model_deploy)', () => {
      const a = scored.find((x) => x.alert_id === 'arz-228be548')!;
      assert.equal(a.tier, 'P1');
      assert.ok(a.context.deploys.some((d) => d.kind === 'model_deploy' && d.version === 'v32'));
    });

    it('puts on each tier topic exactly the pages of that tier (the incident stage, the default)', async () => {
      let pages = 0;
      for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
        const want = [...expected.values()]
          .filter((a) => a.tier === tier && a.page)
          .map((a) => `${a.incident_id}/${a.alert_id}`)
          .sort();
        const records = (await readTopic(config.topics[tier], { timeoutMs: 30_000, settleMs: 1_000 })).map(
          (m) => json<TierRecord>(m),
        );
        const got = records
          .filter((r) => r.action === 'trigger')
          .map((r) => `${r.incident_id}/${r.alert.alert_id}`)
          .sort();
        assert.deepEqual(got, want, tier);
        pages += got.length;
      }
      assert.ok(pages > 0, 'the week pages');
      // The scored topic says the same: page true on exactly those alerts.
      assert.equal(scored.filter((a) => a.page).length, pages);
    });

    it('reports ready with the deploy state rebuilt, and the stream time at the last alert once idle', async () => {
      await waitUntil('ready', () => service.health().ready, 10_000);
      assert.equal(service.health().details.deploysRebuilt, true);
      // Every partition caught up: after the idle time none holds the stream time below the newest alert.
      const last = Math.max(...alertLines.map(timeOf));
      await waitUntil(
        'stream time at the last alert',
        () => service.health().details.streamTime === last,
        20_000,
      );
    });
  });
}
