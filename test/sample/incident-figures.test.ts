// The paging figures of issue 9 on the three bundled weeks, incidents on against incidents off (the alert
// by alert paging of before), with the defaults. These are regression bounds on what the incident stage
// does today, a little above its figures: the previous round's (1.43, 1.48, 1.66 pages per real incident)
// and rule 3 without the group wait (1.36 on other-week, 1.56 on cascade-week) fail them. The floors
// it does not reach (1.3 pages per real incident, 1.5 per multi-model incident, half the false pages) are
// reported in docs/INCIDENTS.md with the reasons, not asserted here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type PagedAlert, type PagingFigures, pagingFigures } from '../../scripts/sample/paging-figures.ts';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { TruthLine } from '../../src/sample/truth.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function figures(
  week: string,
  incidents: 'inline' | 'off',
): Promise<{ f: PagingFigures; paged: Set<string> }> {
  const dir = join(EXAMPLES, week);
  const truth = readFileSync(join(dir, 'truth.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TruthLine);
  const alerts: PagedAlert[] = [];
  await runOffline(
    loadConfigFile(join(dir, 'catalog.yaml')),
    { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
    {
      scored: (s) =>
        void alerts.push({
          alert_id: s.alert_id,
          event_time: s.event_time,
          page: s.page ?? (!s.dedup.suppressed && (s.tier === 'P1' || s.tier === 'P2')),
        }),
      rejected: () => undefined,
    },
    { clock: () => 0, incidents },
  );
  const byId = new Map(alerts.map((a) => [a.alert_id, a.page]));
  const paged = new Set(
    truth.filter((t) => t.incident_id !== null && byId.get(t.alert_id)).map((t) => t.incident_id!),
  );
  const p1 = new Set(
    truth.filter((t) => t.true_tier === 'P1' && t.incident_id !== null).map((t) => t.incident_id!),
  );
  return { f: pagingFigures(truth, alerts), paged: new Set([...paged].filter((i) => p1.has(i))) };
}

for (const [week, bounds] of [
  // The round of corroboration (a lone P2 no change explains waits for a second alert or a repeat) more
  // than halved the false pages; pages per real incident rose a little on the other week (1.29 → 1.39).
  ['sample-week', { perIncident: 1.42, multi: 2.2, falseShare: 0.45 }],
  ['other-week', { perIncident: 1.42, multi: 1.95, falseShare: 0.42 }],
  ['cascade-week', { perIncident: 1.57, multi: 2.35, falseShare: 0.42 }],
] as const) {
  describe(`incident figures: examples/${week}`, () => {
    let on: Awaited<ReturnType<typeof figures>>;
    let off: Awaited<ReturnType<typeof figures>>;
    before(async () => {
      [on, off] = await Promise.all([figures(week, 'inline'), figures(week, 'off')]);
    });

    it('loses no real P1 incident that alert-by-alert paging pages', () => {
      const lost = [...off.paged].filter((i) => !on.paged.has(i));
      assert.deepEqual(lost, []);
      assert.equal(on.f.p1_incidents_paged_share, 1);
    });

    it('pages fewer times per real incident, per multi-model incident and per day', () => {
      assert.ok(
        on.f.pages_per_real_incident.mean! <= bounds.perIncident,
        `${on.f.pages_per_real_incident.mean}`,
      );
      assert.ok(on.f.pages_per_real_incident.mean! < off.f.pages_per_real_incident.mean! / 1.7);
      assert.ok(
        on.f.pages_per_multi_model_incident.mean! <= bounds.multi,
        `${on.f.pages_per_multi_model_incident.mean}`,
      );
      assert.ok(on.f.pages_per_cascade.max! <= 3, `a cascade paged ${on.f.pages_per_cascade.max} times`);
      assert.ok(
        on.f.pages_per_day < off.f.pages_per_day * 0.8,
        `${on.f.pages_per_day} vs ${off.f.pages_per_day}`,
      );
      assert.ok(
        on.f.false_pages_per_day <= off.f.false_pages_per_day * bounds.falseShare,
        `${on.f.false_pages_per_day} vs ${off.f.false_pages_per_day}`,
      );
    });
  });
}
