// The paging figures of issue 9 on the three bundled weeks, incidents on against incidents off (the alert
// by alert paging of before), with the defaults. These are regression bounds on what the incident stage
// does today, a little above its figures: the previous round's (1.21, 1.22, 1.48 pages per real incident;
// 1.43, 1.50, 2.00 per multi-model incident) fails them on the cascade week. The floors it does not
// reach on cascade weeks (1.3 pages per real incident, 1.5 per multi-model incident) are reported in
// docs/INCIDENTS.md with the reasons, not asserted here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  coveredIncidents,
  type PagedAlert,
  type PagingFigures,
  pagedIncidents,
  pagingFigures,
} from '../../scripts/sample/paging-figures.ts';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { TruthLine } from '../../src/sample/truth.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function figures(
  week: string,
  incidents: 'inline' | 'off',
): Promise<{
  f: PagingFigures;
  truth: TruthLine[];
  alerts: PagedAlert[];
  /** Each incident's latest record's member count (the version gate's records aside). */
  members: Map<string, number>;
}> {
  const dir = join(EXAMPLES, week);
  const truth = readFileSync(join(dir, 'truth.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TruthLine);
  const alerts: PagedAlert[] = [];
  const members = new Map<string, number>();
  await runOffline(
    loadConfigFile(join(dir, 'catalog.yaml')),
    { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
    {
      scored: (s) =>
        void alerts.push({
          alert_id: s.alert_id,
          event_time: s.event_time,
          page: s.page ?? (!s.dedup.suppressed && (s.tier === 'P1' || s.tier === 'P2')),
          ...(s.incident_id !== undefined && s.incident !== undefined
            ? {
                incident: {
                  id: s.incident_id,
                  key: s.incident.key,
                  how: s.incident.how,
                  model_id: s.model_id,
                },
              }
            : {}),
        }),
      rejected: () => undefined,
      // The version gate's regression records (key version:<model>@<version>) have no alerts of their own.
      incident: (i) => void (i.key.startsWith('version:') || members.set(i.incident_id, i.members)),
    },
    { clock: () => 0, incidents },
  );
  return { f: pagingFigures(truth, alerts), truth, alerts, members };
}

for (const [week, bounds] of [
  // Round 7 (a change made after the condition began firing is not its cause, a candidate is looked for
  // from then, the model's change is kept, group_wait 15 min): 1.18, 1.17, 1.32 pages per real incident.
  ['sample-week', { perIncident: 1.25, multi: 1.5, falseShare: 0.4 }],
  ['other-week', { perIncident: 1.25, multi: 1.5, falseShare: 0.36 }],
  ['cascade-week', { perIncident: 1.38, multi: 1.75, falseShare: 0.3 }],
] as const) {
  describe(`incident figures: examples/${week}`, () => {
    let on: Awaited<ReturnType<typeof figures>>;
    let off: Awaited<ReturnType<typeof figures>>;
    before(async () => {
      [on, off] = await Promise.all([figures(week, 'inline'), figures(week, 'off')]);
    });

    it('loses no real P1 incident that alert-by-alert paging pages: its own alert pages, or one joined the right incident another paged', () => {
      const covered = coveredIncidents(on.truth, on.alerts, 'P1');
      const lost = [...pagedIncidents(off.truth, off.alerts, 'P1')].filter((i) => !covered.has(i));
      assert.deepEqual(lost, []);
      // Paged by an alert of its own: all but at most one a week (sample-week's largest cascade joined
      // its change's incident, which an alert of a concurrent incident on one of its models had paged P1).
      assert.ok(
        on.f.p1_incidents - on.f.p1_incidents_paged <= 1,
        `${on.f.p1_incidents_paged} of ${on.f.p1_incidents}`,
      );
    });

    it('one id names one incident: its latest record counts every alert that carries the id', () => {
      const carried = new Map<string, number>();
      for (const a of on.alerts)
        if (a.incident) carried.set(a.incident.id, (carried.get(a.incident.id) ?? 0) + 1);
      assert.equal(on.members.size, carried.size);
      const other = [...carried].filter(([id, n]) => on.members.get(id) !== n);
      assert.deepEqual(other.slice(0, 3), [], `${other.length} incidents`);
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
