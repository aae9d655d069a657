// One conformance suite for the stream pipeline, run on the in-memory ports (conformance-memory.test.ts,
// no broker) and on the real broker and registry (test/integration/conformance.test.ts), as BullMQ runs
// one suite on every adapter. Every case uses the default windows and compares with the offline CLI.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/events.ts';
import type { ResolveRecord, TierRecord } from '../../src/core/incidents/types.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';

import { catalogOf, EXAMPLES, weekLines } from '../fixtures/weeks.ts';

export { catalogOf, EXAMPLES, weekLines } from '../fixtures/weeks.ts';

/** A record as read back from a topic. */
export interface ReadRecord {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export type TopicName = 'scored' | 'P1' | 'P2' | 'P3' | 'P4' | 'dlq' | 'actions' | 'incidents';

/** One world: topics of its own, instances of the service over them. */
export interface World {
  config: Config;
  produce(kind: 'alerts' | 'deployments' | 'feedback', lines: readonly string[]): Promise<void>;
  /** Produces raw values (bad input) to the alert topic, keyed. */
  produceRaw(records: { key: string; value: string }[]): Promise<void>;
  start(instances?: number): Promise<void>;
  /** One more instance joins the group (a rebalance). */
  join(): Promise<void>;
  /** Every instance stops cleanly and as many new ones start. */
  restart(): Promise<void>;
  /** Wall time passes with nothing produced. */
  idle(ms: number): Promise<void>;
  /** Until `count` alerts are on the scored topic and `dlq` on the DLQ. */
  settle(count: number, dlq?: number): Promise<void>;
  read(topic: TopicName): Promise<ReadRecord[]>;
  close(): Promise<void>;
}

export interface Harness {
  name: string;
  /** `catalog`: the week's catalog document; the harness adds its own topics and group. */
  world(catalog: Record<string, unknown>, o: { partitions: number; seed: number }): Promise<World>;
}

export const verdict = (a: ScoredAlert) =>
  JSON.stringify({ priority: a.priority, tier: a.tier, reasons: a.reasons, suppressed: a.dedup.suppressed });

/** An example week by name, or the files of another. */
export type WeekFiles = string | { alerts: string; deploys: string };

export async function offlineVerdicts(config: Config, week: WeekFiles): Promise<Map<string, ScoredAlert>> {
  const byId = new Map<string, ScoredAlert>();
  await runOffline(
    config,
    typeof week === 'string'
      ? { alerts: join(EXAMPLES, week, 'alerts.ndjson'), deploys: join(EXAMPLES, week, 'deploys.ndjson') }
      : week,
    { scored: (a) => void byId.set(a.alert_id, a), rejected: () => undefined },
  );
  return byId;
}

/** The resolves `score` writes to the tier topics, in order. */
export async function offlineResolves(config: Config, week: WeekFiles): Promise<ResolveRecord[]> {
  return (await offlineTierAndRegressions(config, week)).resolves;
}

/** The offline resolves, and the ids of the version regressions the offline run called. */
async function offlineTierAndRegressions(config: Config, week: WeekFiles) {
  const resolves: ResolveRecord[] = [];
  const regressions = new Set<string>();
  await runOffline(config, weekFiles(week), {
    scored: () => undefined,
    rejected: () => undefined,
    resolve: (r) => void resolves.push(r),
    incident: (i) => {
      if ((i as { kind?: string }).kind === 'version_regression') regressions.add(i.incident_id);
      return undefined;
    },
  });
  return { resolves, regressions };
}

const weekFiles = (week: WeekFiles) =>
  typeof week === 'string'
    ? { alerts: join(EXAMPLES, week, 'alerts.ndjson'), deploys: join(EXAMPLES, week, 'deploys.ndjson') }
    : week;

const parsed = (records: ReadRecord[]) => records.map((r) => JSON.parse(r.value!) as ScoredAlert);
const timeOf = (line: string) => {
  const t = (JSON.parse(line) as { event_time: number | string }).event_time;
  return typeof t === 'number' ? t : Date.parse(t);
};

/**
 * The offline answer for the world's config: with the incident stage (the default) the offline incidents,
 * ids and pages (assertOfflineIncidents); alert by alert (`kafka.incident_stage: false`) every alert once
 * with the offline verdict and exactly the non-suppressed ones on their tier topics.
 */
export async function assertOfflineAnswer(world: World, week: string, what = 'the stream') {
  if (world.config.kafka.incident_stage) return assertOfflineIncidents(world, week, what);
  return assertOfflineAlerts(world, week, what);
}

async function assertOfflineAlerts(world: World, week: string, what: string) {
  const expected = await offlineVerdicts(world.config, week);
  const scored = parsed(await world.read('scored'));
  assert.equal(scored.length, expected.size, `${what}: every alert scored`);
  assert.equal(new Set(scored.map((a) => a.alert_id)).size, expected.size, `${what}: each once`);
  const diff = scored.filter((a) => verdict(a) !== verdict(expected.get(a.alert_id)!));
  assert.deepEqual(
    diff
      .slice(0, 2)
      .map((a) => ({ id: a.alert_id, stream: verdict(a), offline: verdict(expected.get(a.alert_id)!) })),
    [],
    `${what}: ${diff.length} of ${scored.length} alerts differ from the offline CLI`,
  );
  for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
    const want = [...expected.values()]
      .filter((a) => a.tier === tier && !a.dedup.suppressed)
      .map((a) => a.alert_id)
      .sort();
    const got = parsed(await world.read(tier))
      .map((a) => a.alert_id)
      .sort();
    assert.deepEqual(got, want, `${what}: tier topic ${tier}`);
  }
}

const incidentVerdict = (a: ScoredAlert) =>
  JSON.stringify({ v: verdict(a), incident: a.incident_id, page: a.page, silenced: a.silenced_by });

/**
 * With the incident stage: every alert once with the offline verdict *and* the offline incident id and
 * page; the tier topics carry exactly the offline pages (incident, triggering alert, tier); ml.incidents
 * holds the offline incidents, with their members.
 */
export async function assertOfflineIncidents(
  world: Pick<World, 'config' | 'read'>,
  week: WeekFiles,
  what = 'the stream',
  /**
   * The service ran with its regression watch (the binary: main.ts); in-process worlds have none.
   * 'killed': SIGKILLed along the way — each kill loses the watch's in-memory ledger (docs/GATE.md,
   * limits), so how many of the offline calls are made depends on where the kills land (9 and 4 of 10 on
   * two CI runs of one seed): then at least one, not half.
   */
  o: { regressionWatch?: boolean | 'killed' } = {},
) {
  const expected = await offlineVerdicts(world.config, week);
  const scored = parsed(await world.read('scored'));
  assert.equal(scored.length, expected.size, `${what}: every alert scored`);
  assert.equal(new Set(scored.map((a) => a.alert_id)).size, expected.size, `${what}: each once`);
  const diff = scored.filter((a) => incidentVerdict(a) !== incidentVerdict(expected.get(a.alert_id)!));
  assert.deepEqual(
    diff.slice(0, 2).map((a) => ({
      id: a.alert_id,
      stream: incidentVerdict(a),
      offline: incidentVerdict(expected.get(a.alert_id)!),
    })),
    [],
    `${what}: ${diff.length} of ${scored.length} alerts differ from the offline CLI (verdict, incident, page)`,
  );
  let pages = 0;
  const streamResolves: string[] = [];
  for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
    const want = [...expected.values()]
      .filter((a) => a.tier === tier && a.page)
      .map((a) => `${a.incident_id}/${a.alert_id}`)
      .sort();
    const records = (await world.read(tier)).map((r) => ({ r, v: JSON.parse(r.value!) as TierRecord }));
    for (const { r, v } of records) {
      assert.equal(r.key, v.incident_id, `${what}: a record on ${tier} is keyed by its incident`);
      assert.equal(v.tier, tier, `${what}: ${v.page_id} is on its own tier's topic`);
      assert.equal(
        r.headers.type,
        v.action === 'trigger' ? 'page' : v.action,
        `${what}: ${v.page_id}'s type header`,
      );
    }
    // Only triggers are pages; resolves are counted apart.
    const got = records
      .flatMap(({ v }) => (v.action === 'trigger' ? [`${v.incident_id}/${v.alert.alert_id}`] : []))
      .sort();
    assert.deepEqual(got, want, `${what}: pages on ${tier}`);
    pages += got.length;
    for (const { v } of records) if (v.action === 'resolve') streamResolves.push(JSON.stringify(v));
  }
  assert.ok(pages > 0, `${what}: the week pages at all`);
  // The resolves: the offline ones of every resolution the stream has made (its incident records say which).
  // Offline, every incident times out when the files end; the stream resolves up to its watermark, which a
  // partition that is not yet idle holds back.
  const resolutions = new Set<string>();
  for (const r of await world.read('incidents')) {
    const i = JSON.parse(r.value!) as { incident_id: string; status: string; resolved_at: number | null };
    if (i.status === 'resolved') resolutions.add(`${i.incident_id}@${i.resolved_at}`);
  }
  const offline = await offlineTierAndRegressions(world.config, week);
  const wantResolves = offline.resolves
    .filter((r) => resolutions.has(`${r.incident_id}@${r.event_time}`))
    .map((r) => JSON.stringify(r));
  assert.ok(wantResolves.length > 0, `${what}: incidents resolve within the week`);
  const missing = wantResolves.filter((r) => !streamResolves.includes(r));
  const extra = streamResolves.filter((r) => !wantResolves.includes(r));
  assert.deepEqual(
    [missing.slice(0, 1), extra.slice(0, 1)],
    [[], []],
    `${what}: ${missing.length} offline resolves missing on the tier topics, ${extra.length} not offline`,
  );
  assert.equal(streamResolves.length, wantResolves.length, `${what}: each resolve once`);
  // The latest record of each incident (the compacted topic's view): every offline incident, its members.
  // Version regressions (the service's regression watch, outside the stage's transactions, in memory: a
  // restart may call one again, or other versions) are checked apart, below.
  const latest = new Map<string, { members: number }>();
  const regressions = new Map<string, string>();
  for (const r of await world.read('incidents')) {
    const i = JSON.parse(r.value!) as {
      members: number;
      kind?: string;
      title?: string;
      verdict?: { reasons: string[] };
    };
    if (i.kind === 'version_regression')
      regressions.set(r.key!, `${i.title}: ${i.verdict?.reasons.join(' / ')}`);
    else latest.set(r.key!, i);
  }
  // In one process the live watch calls what score calls (test/runtime/version-watch.test.ts); across
  // restarts its ledger starts again from the deploys read back and the alerts committed since, so it may
  // call other versions (docs/GATE.md, limits). What must hold: most of the offline calls are made.
  const unknown = [...regressions].filter(([id]) => !offline.regressions.has(id));
  const made = [...offline.regressions].filter((id) => regressions.has(id));
  console.log(
    `REGRESSIONS ${what}: ${JSON.stringify({ offline: offline.regressions.size, stream: regressions.size, both: made.length, stream_only: unknown.map(([, t]) => t) })}`,
  );
  if (!o.regressionWatch) assert.equal(regressions.size, 0, `${what}: no regression watch, no regressions`);
  else
    assert.ok(
      o.regressionWatch === 'killed'
        ? made.length >= Math.min(1, offline.regressions.size)
        : made.length * 2 >= offline.regressions.size,
      `${what}: the stream called ${made.length} of the offline run's ${offline.regressions.size} version regressions`,
    );
  const members = new Map<string, number>();
  for (const a of expected.values()) members.set(a.incident_id!, (members.get(a.incident_id!) ?? 0) + 1);
  assert.equal(latest.size, members.size, `${what}: as many incidents as offline`);
  const wrong = [...members].filter(([id, n]) => latest.get(id)?.members !== n);
  assert.deepEqual(wrong.slice(0, 3), [], `${what}: ${wrong.length} incidents with other members`);
}

/** The incident stage's cases (the defaults: kafka.incident_stage is on). */
export function incidentConformanceSuite(h: Harness, o: { backlog?: boolean } = {}): void {
  const withStage = (week: string) => catalogOf(week);
  describe(`incident stage conformance (${h.name})`, () => {
    // The backlog case is left out on the broker (CI time): the cascade case below covers more there.
    const backlog = o.backlog === false ? () => undefined : describe;
    backlog('a backlog, on three partitions', () => {
      let world: World;
      before(async () => {
        world = await h.world(withStage('sample-week'), { partitions: 3, seed: 21 });
        await world.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
        await world.produce('alerts', weekLines('sample-week', 'alerts.ndjson'));
        await world.start();
        await world.settle(weekLines('sample-week', 'alerts.ndjson').length);
      });
      after(() => world?.close());
      it('gives the offline incidents, ids and pages', () => assertOfflineIncidents(world, 'sample-week'));
    });

    describe('a cascade week across partitions, a restart midway, a second instance joining', () => {
      let world: World;
      before(async () => {
        world = await h.world(withStage('cascade-week'), { partitions: 4, seed: 22 });
        const alerts = weekLines('cascade-week', 'alerts.ndjson');
        const half = Math.floor(alerts.length / 2);
        await world.produce('deployments', weekLines('cascade-week', 'deploys.ndjson'));
        await world.produce('alerts', alerts.slice(0, half));
        await world.start();
        await world.settle(half);
        await world.restart();
        await world.join();
        await world.produce('alerts', alerts.slice(half));
        await world.settle(alerts.length);
      });
      after(() => world?.close());
      it('pages each incident once, as offline, whichever instance holds its alerts', () =>
        assertOfflineIncidents(world, 'cascade-week', 'after a restart and a rebalance'));
    });
  });
}

export function conformanceSuite(h: Harness): void {
  describe(`pipeline conformance (${h.name})`, () => {
    describe('alert by alert (kafka.incident_stage: false): a backlog', () => {
      let world: World;
      before(async () => {
        const catalog = { ...catalogOf('sample-week'), kafka: { incident_stage: false } };
        world = await h.world(catalog, { partitions: 3, seed: 10 });
        await world.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
        await world.produce('alerts', weekLines('sample-week', 'alerts.ndjson'));
        await world.start();
        await world.settle(weekLines('sample-week', 'alerts.ndjson').length);
      });
      after(() => world?.close());
      it('puts every alert that is not suppressed on its tier topic, with the offline verdict', () =>
        assertOfflineAnswer(world, 'sample-week'));
    });

    describe('a backlog: deploys and alerts queued before the service starts', () => {
      let world: World;
      before(async () => {
        world = await h.world(catalogOf('sample-week'), { partitions: 3, seed: 11 });
        await world.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
        await world.produce('alerts', weekLines('sample-week', 'alerts.ndjson'));
        await world.start();
        await world.settle(weekLines('sample-week', 'alerts.ndjson').length);
      });
      after(() => world?.close());
      it('gives the offline answer', () => assertOfflineAnswer(world, 'sample-week'));
    });

    describe('a burst after idle: deploys, a quiet spell, then every alert at once', () => {
      let world: World;
      before(async () => {
        world = await h.world(catalogOf('cascade-week'), { partitions: 3, seed: 12 });
        await world.start();
        await world.produce('deployments', weekLines('cascade-week', 'deploys.ndjson'));
        await world.idle(15_000);
        await world.produce('alerts', weekLines('cascade-week', 'alerts.ndjson'));
        await world.settle(weekLines('cascade-week', 'alerts.ndjson').length);
      });
      after(() => world?.close());
      it('gives the offline answer (no deploy expired under a partition still to be read)', () =>
        assertOfflineAnswer(world, 'cascade-week'));
    });

    // Alert by alert: each day is settled before the next arrives, so the stream is quiet in between for
    // longer than kafka.max_partition_idle, and a quiet stream lets its partitions go and (with the
    // incident stage) sends the pages it held for the group wait — by design not what `score` does with
    // the file, where the next day follows at once (docs/INCIDENTS.md, "What it costs").
    describe('live: the week arrives a day at a time, changes just before the alerts they explain', () => {
      let world: World;
      const alerts = weekLines('sample-week', 'alerts.ndjson');
      before(async () => {
        const catalog = { ...catalogOf('sample-week'), kafka: { incident_stage: false } };
        world = await h.world(catalog, { partitions: 3, seed: 13 });
        await world.start();
        const deploys = weekLines('sample-week', 'deploys.ndjson');
        const start = Math.min(...alerts.map(timeOf));
        let done = 0;
        for (let day = 1; done < alerts.length; day++) {
          const until = start + day * 86_400_000;
          const inDay = (l: string, t = timeOf(l)) => t < until && t >= until - 86_400_000;
          await world.produce(
            'deployments',
            deploys.filter((l) => inDay(l) || (day === 1 && timeOf(l) < start)),
          );
          const batch = alerts.filter((l) => inDay(l));
          await world.produce('alerts', batch);
          done += batch.length;
          await world.settle(done);
        }
      });
      after(() => world?.close());
      it('gives the offline answer', () => assertOfflineAnswer(world, 'sample-week'));
    });

    describe('a restart midway, and a second instance joining', () => {
      let world: World;
      before(async () => {
        world = await h.world(catalogOf('cascade-week'), { partitions: 4, seed: 14 });
        const alerts = weekLines('cascade-week', 'alerts.ndjson');
        const half = Math.floor(alerts.length / 2);
        await world.produce('deployments', weekLines('cascade-week', 'deploys.ndjson'));
        await world.produce('alerts', alerts.slice(0, half));
        await world.start();
        await world.settle(half);
        await world.restart();
        await world.join();
        await world.produce('alerts', alerts.slice(half));
        await world.settle(alerts.length);
      });
      after(() => world?.close());
      it('publishes every alert once, never pages twice, and gives the offline answer', () =>
        assertOfflineAnswer(world, 'cascade-week', 'after a restart and a rebalance'));
    });

    describe('bad input beside good input', () => {
      let world: World;
      const good = weekLines('sample-week', 'alerts.ndjson').slice(0, 200);
      const bad = [
        { key: 'm', value: '{"alert_id": "x", "event_time": ' },
        { key: 'm', value: '{"alert_id":"b1","event_time":1794787821875,"model_id":"m","signal":"vibes"}' },
        { key: 'm', value: '{"event_time":1794787821875,"model_id":"m","signal":"other"}' },
      ];
      before(async () => {
        world = await h.world(catalogOf('sample-week'), { partitions: 2, seed: 15 });
        await world.produce('alerts', good.slice(0, 100));
        await world.produceRaw(bad);
        await world.produce('alerts', good.slice(100));
        await world.start();
        await world.settle(good.length, bad.length);
      });
      after(() => world?.close());
      it('dead-letters each bad record with its reason and scores every good one', async () => {
        const dlq = await world.read('dlq');
        assert.deepEqual(dlq.map((r) => r.headers[DLQ_HEADERS.code]).sort(), [
          'BAD_ENUM',
          'MALFORMED_JSON',
          'MISSING_FIELD',
        ]);
        assert.ok(dlq.every((r) => r.headers[DLQ_HEADERS.topic] === world.config.topics.alerts));
        // Kafka Connect's context headers too, as its DLQ tooling reads them: where from, which stage, why.
        for (const r of dlq) {
          assert.deepEqual(
            Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith('__connect.errors.'))),
            {
              '__connect.errors.topic': world.config.topics.alerts,
              '__connect.errors.partition': r.headers[DLQ_HEADERS.partition],
              '__connect.errors.offset': r.headers[DLQ_HEADERS.offset],
              '__connect.errors.connector.name': 'alert-triage',
              '__connect.errors.task.id': r.headers[DLQ_HEADERS.partition],
              '__connect.errors.stage': 'VALUE_CONVERTER',
              '__connect.errors.class.name': 'alert-triage.pipeline',
              '__connect.errors.exception.class.name':
                r.headers[DLQ_HEADERS.code] === 'MALFORMED_JSON' ? 'CodecError' : 'InvalidRecord',
              '__connect.errors.exception.message': `${r.headers[DLQ_HEADERS.code]}: ${r.headers[DLQ_HEADERS.message]}`,
            },
          );
          assert.match(r.headers['__connect.errors.offset']!, /^\d+$/);
        }
        const scored = parsed(await world.read('scored'));
        assert.deepEqual(
          scored.map((a) => a.alert_id).sort(),
          good.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id).sort(),
        );
      });
    });
  });
}
