// The plan of a world: which episodes happen, when and on which models, in an order that must not change
// (each draw from `root` and each fork label shapes every later choice, so reordering changes the files).
import { planUpstreamChanges } from './cascades.ts';
import type { Gen } from './engine.ts';
import type { Rng } from './prng.ts';
import {
  anyTime,
  background,
  badDeploy,
  flapping,
  infraBurst,
  isWeekend,
  noisyMonitor,
  type PlanOptions,
  pipelineChange,
  quietCredit,
  quietTriage,
  Reservations,
  routineChanges,
  schemaChange,
  seasonalWeekend,
  weekdayTime,
} from './scenarios.ts';
import { goodVersion, slowRegression } from './versions.ts';
import { DAY, HOUR } from './world.ts';

export function planWorld(o: PlanOptions, root: Rng, nextId: () => string): Gen[] {
  const cat = o.profile.catalog;
  const per = o.profile.perWeek;
  const res = new Reservations();
  const w0 = { nextId };
  const gens: Gen[] = [];
  const count = (perWeek: number): number => root.round((perWeek * o.scale * o.days) / 7);
  let k = 0;
  const fork = (name: string): Rng => root.fork(`${name}#${k++}`);

  // 8 first: they pin the compliance/safety models before the other scenarios choose.
  for (let i = 0, n = count(per.quietCredit); i < n; i++) {
    const rng = fork('quiet-credit');
    gens.push(quietCredit(cat, rng, res, nextId(), weekdayTime(o, rng, 9, 16, 14 * HOUR)));
  }
  for (let i = 0, n = count(per.quietTriage); i < n; i++) {
    const rng = fork('quiet-triage');
    gens.push(quietTriage(cat, rng, res, nextId(), weekdayTime(o, rng, 8, 18, 8 * HOUR)));
  }
  // 7: every weekend day of the window
  for (let d = o.start; d < o.end; d += DAY)
    if (isWeekend(d)) gens.push(seasonalWeekend(o, fork('seasonal'), res, w0, d));

  // 1: bad deploys, mostly on valuable models
  const valuable = cat.models.filter(
    (m) =>
      m.entry.revenue_per_hour >= 5000 &&
      !m.entry.safety &&
      m.entry.compliance.filter((c) => c !== 'pci').length === 0,
  );
  const cheap = cat.models.filter(
    (m) => m.entry.revenue_per_hour < 5000 && !m.entry.safety && m.entry.compliance.length === 0,
  );
  for (let i = 0, n = count(per.badDeploy); i < n; i++) {
    const rng = fork('bad-deploy');
    let p = rng.pick(rng.chance(0.8) ? valuable : cheap);
    let t0 = weekdayTime(o, rng, 8, 18, 12 * HOUR);
    for (let tries = 0; tries < 30 && res.busy(p.id, t0 - 3 * HOUR, t0 + 12 * HOUR); tries++) {
      p = rng.pick(rng.chance(0.8) ? valuable : cheap);
      t0 = weekdayTime(o, rng, 8, 18, 12 * HOUR);
    }
    gens.push(badDeploy(rng, res, p, t0, nextId()));
  }
  // 2 / 3: upstream changes on shared services
  for (let i = 0, n = count(per.pipelineChange); i < n; i++) {
    const rng = fork('pipeline');
    const service = rng.pick(o.profile.pipelineServices);
    gens.push(pipelineChange(cat, rng, res, w0, service, weekdayTime(o, rng, 6, 22, 12 * HOUR)));
  }
  for (let i = 0, n = count(per.schemaChange); i < n; i++) {
    const rng = fork('schema');
    const service = rng.pick(o.profile.schemaServices);
    gens.push(schemaChange(cat, rng, res, w0, service, weekdayTime(o, rng, 6, 22, 10 * HOUR)));
  }
  // 4, 6: any time of day or week
  for (let i = 0, n = count(per.infraBurst); i < n; i++) {
    const rng = fork('infra');
    gens.push(infraBurst(cat, rng, w0, anyTime(o, rng, 3 * HOUR)));
  }
  for (let i = 0, n = count(per.flapping); i < n; i++) {
    const rng = fork('flapping');
    gens.push(flapping(cat, rng, w0, anyTime(o, rng, 2 * HOUR)));
  }
  // upstream changes that break one to eight models at once, some never recorded (none in `sample`)
  const upstream = { cascades: count(per.cascade), singles: count(per.upstreamBreak) };
  gens.push(...planUpstreamChanges(o, cat, res, w0, upstream, fork));
  // 5, 9 and routine change traffic
  gens.push(noisyMonitor(o, fork('noisy-monitor')));
  gens.push(background(o, fork('background'), w0));
  gens.push(routineChanges(o, fork('routine'), res));
  // Versions that serve for days (the `versions` profile only: drawn last, so the others' plans stay as they were).
  if (per.slowRegression)
    for (let i = 0, n = count(per.slowRegression); i < n; i++)
      gens.push(...slowRegression(o, fork('slow-regression'), res, nextId()));
  if (per.goodVersion)
    for (let i = 0, n = count(per.goodVersion); i < n; i++)
      gens.push(goodVersion(o, fork('good-version'), res));
  return gens;
}
