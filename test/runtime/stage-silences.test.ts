// Silences from the silence topic in the stream's incident stage (in-memory ports): every instance's
// stage reads the topic whole, hands each record to every book it holds (a tombstone removes it), a book
// read back (restart, a failed chunk) gets them all again, and the stream silences exactly the alerts
// `score` silences with the same silences; a bad record is dead-lettered with its reason.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/events.ts';
import { type Silence, silenceMessage } from '../../src/core/silences.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import { PipelineDriver } from '../fixtures/pipeline-driver.ts';
import { catalogOf, EXAMPLES, weekLines } from './conformance.ts';

const WEEK = 'cascade-week';
const DAY = 86_400_000;

const verdict = (a: ScoredAlert) =>
  JSON.stringify({ t: a.tier, p: a.priority, i: a.incident_id, page: a.page, s: a.silenced_by });

async function offline(config: ReturnType<typeof parseConfig>, silences: Silence[]) {
  const byId = new Map<string, ScoredAlert>();
  await runOffline(
    config,
    { alerts: join(EXAMPLES, WEEK, 'alerts.ndjson'), deploys: join(EXAMPLES, WEEK, 'deploys.ndjson') },
    { scored: (a) => void byId.set(a.alert_id, a), rejected: () => undefined },
    { silences },
  );
  return byId;
}

const aSilence = (id: string, model: string, from: number, to: number): Silence => ({
  id,
  matchers: [{ name: 'model_id', op: '=', value: model }],
  starts_at: from,
  ends_at: to,
  created_by: 'oncall',
  comment: `quiet ${model}`,
  created_at: from,
});

describe('incident stage: silences from the topic (in-memory ports)', () => {
  it('silences what score silences, across a restart and failed chunks; a tombstone removes one', async () => {
    // Silences for the whole week (longer than the default maximum), so alerts after the restart are in them.
    const catalog = catalogOf(WEEK) as { incidents?: Record<string, unknown> };
    const config = parseConfig({
      ...catalog,
      incidents: { ...(catalog.incidents ?? {}), max_silence: '9d' },
      kafka: { incident_stage: true },
    });
    const plain = await offline(config, []);
    // The two models with the most pages offline: one silenced, one silenced then tombstoned.
    const pagesOf = new Map<string, number>();
    for (const a of plain.values()) if (a.page) pagesOf.set(a.model_id, (pagesOf.get(a.model_id) ?? 0) + 1);
    const [kept, dropped] = [...pagesOf].sort((x, y) => y[1] - x[1]).map(([m]) => m);
    assert.ok(kept && dropped, 'the week pages at least two models');
    const start = Math.min(...[...plain.values()].map((a) => a.event_time));
    const silence = aSilence('sil-kept', kept, start, start + 8 * DAY);
    const removed = aSilence('sil-dropped', dropped, start, start + 8 * DAY);
    const want = await offline(config, [silence]);
    const silencedOffline = [...want.values()].filter((a) => a.silenced_by === 'sil-kept');
    assert.ok(silencedOffline.length > 0, 'the silence silences some alerts offline');
    assert.ok(
      silencedOffline.some((a) => plain.get(a.alert_id)!.page),
      'and some of them paged without it',
    );
    const alerts = weekLines(WEEK, 'alerts.ndjson');
    const half = Math.floor(alerts.length / 2);
    const secondHalf = new Set(
      alerts.slice(half).map((l) => (JSON.parse(l) as { alert_id: string }).alert_id),
    );
    assert.ok(
      silencedOffline.some((a) => secondHalf.has(a.alert_id)),
      'some are after the restart (read back with the silences)',
    );

    const d = new PipelineDriver({ config, partitions: 3, instances: 2, seed: 41, commitFailures: 0.05 });
    d.produce('deployments', weekLines(WEEK, 'deploys.ndjson'));
    await d.start();
    // Read before any alert; the tombstone after the silence it removes, as on a compacted topic.
    await d.produceSilences([
      silenceMessage(silence),
      silenceMessage(removed),
      { key: 'sil-dropped', value: null },
      { key: 'sil-bad', value: '{"id":"sil-bad"' },
    ]);
    d.produce('alerts', alerts.slice(0, half));
    await d.drain();
    await d.restart();
    d.produce('alerts', alerts.slice(half));
    await d.drain();
    assert.ok(d.failedCommits > 0, 'some chunks failed and their books were read back');

    const got = d.scored();
    assert.equal(got.length, want.size, 'every alert scored once');
    const diff = got.filter((a) => verdict(a) !== verdict(want.get(a.alert_id)!));
    assert.deepEqual(
      diff
        .slice(0, 2)
        .map((a) => ({ id: a.alert_id, stream: verdict(a), offline: verdict(want.get(a.alert_id)!) })),
      [],
      `${diff.length} alerts differ from score with the same silence`,
    );
    assert.equal(got.filter((a) => a.silenced_by === 'sil-kept').length, silencedOffline.length);
    assert.ok(!got.some((a) => a.silenced_by === 'sil-dropped'), 'the tombstoned silence silences nothing');

    // Each instance that read the bad record dead-lettered it (every instance reads the topic whole).
    const letters = d.records(config.topics.dlq).filter((r) => r.key === 'sil-bad');
    assert.ok(letters.length >= 1);
    for (const l of letters) {
      assert.equal(l.headers[DLQ_HEADERS.code], 'MALFORMED_JSON');
      assert.equal(l.headers[DLQ_HEADERS.recordType], 'Silence');
      assert.equal(l.headers[DLQ_HEADERS.topic], config.topics.silences);
    }
  });
});
