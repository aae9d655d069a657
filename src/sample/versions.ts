// Model versions over days, for the version gate (docs/GATE.md): a slow regression is a version that
// raises a trickle of low-severity alerts of one signal for as long as it serves (days), until a rollback
// or the next version; a good version serves as long and changes nothing. Each is written to
// versions.ndjson (the `versions` profile) so the gate's figures can be measured against what was planted.
import { EpisodeGen, type Gen, PoissonGen, type TimedEvent } from './engine.ts';
import { fromQuality, METRICS, type MetricDef } from './metrics.ts';
import type { Rng } from './prng.ts';
import { HUMANS, hourOf, impactOf, type PlanOptions, type Reservations, weekdayTime } from './scenarios.ts';
import { DAY, HOUR, Incident, type Signal } from './world.ts';
import type { ModelProfile } from './world-catalog.ts';

/** A version of versions.ndjson: what it really was. */
export interface VersionTruth {
  model: string;
  version: string;
  kind: 'slow_regression' | 'good' | 'bad_deploy';
  deployed_at: number;
  /** slow_regression: extra alerts per hour at the day's mean traffic, and of which signal. */
  extra_per_hour?: number;
  signal?: Signal;
}

/** Traffic through the day (mean 1): a regression's alerts follow the requests it serves. */
const traffic = (t: number): number => (0.55 + 0.45 * Math.sin(((hourOf(t) - 8) / 24) * 2 * Math.PI)) / 0.55;

/**
 * A weekday working-hours deploy on a model free for the whole serving time, a day or more into the
 * world: the version it replaces has a serving history to be compared with.
 */
function plan(
  world: PlanOptions,
  rng: Rng,
  res: Reservations,
  models: readonly ModelProfile[],
): { p: ModelProfile; t0: number; until: number } {
  const o = { ...world, start: world.start + DAY };
  let p = rng.pick(models);
  let t0 = weekdayTime(o, rng, 8, 18, 30 * HOUR);
  let until = t0 + rng.float(2, 4) * DAY;
  for (let tries = 0; tries < 40 && res.busy(p.id, t0 - 3 * HOUR, until + 3 * HOUR); tries++) {
    p = rng.pick(models);
    t0 = weekdayTime(o, rng, 8, 18, 30 * HOUR);
    until = t0 + rng.float(2, 4) * DAY;
  }
  res.add(p.id, t0 - 3 * HOUR, until + 3 * HOUR);
  return { p, t0, until: Math.floor(until) };
}

export function slowRegression(o: PlanOptions, rng: Rng, res: Reservations, incId: string): Gen[] {
  const models = o.profile.catalog.models.filter((m) => !m.entry.safety);
  const { p, t0, until } = plan(o, rng, res, models);
  const extra = rng.float(0.4, 1.2);
  const stream = rng.pick([
    { signal: 'performance_degradation' as const, source: 'arize', metric: fromQuality(rng.pick(p.quality)) },
    { signal: 'prediction_drift' as const, source: 'evidently', metric: METRICS.js_divergence },
    { signal: 'data_quality' as const, source: 'inhouse-dq', metric: METRICS.null_rate },
  ] as { signal: Signal; source: string; metric: MetricDef }[]);
  const rollback = p.entry.rollback_allowed && rng.chance(0.6);
  const inc = new Incident({
    id: incId,
    scenario: 'slow_regression',
    model: p.id,
    tier: 'P3',
    rootCause: 'deployment_regression',
    impact: impactOf(p, 0.01, t0, until),
    resolvedAt: until,
    ackDelayMin: [120, 1200],
    cap: 3,
    summary: `slow regression of ${p.id}: +${extra.toFixed(2)}/h low-severity ${stream.signal} alerts for ${((until - t0) / DAY).toFixed(1)} days`,
  });
  const state = { version: '', previous: '' };
  const actor = rng.pick(HUMANS);
  const deploys = new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) => {
          const [version, previous] = w.promote(p.id);
          state.version = version;
          state.previous = previous;
          w.emitDeploy(t0, rng, {
            kind: 'model_deploy',
            model_id: p.id,
            version,
            previous_version: previous,
            actor,
            description: `Promote ${p.id} ${version}: retrain with the new label pipeline`,
          });
          w.noteVersion({
            model: p.id,
            version,
            kind: 'slow_regression',
            deployed_at: t0,
            extra_per_hour: Math.round(extra * 1000) / 1000,
            signal: stream.signal,
          });
        },
      },
      {
        t: until,
        run: (w) => {
          const [version, previous] = rollback ? w.rollBack(p.id, state.previous) : w.promote(p.id);
          w.emitDeploy(until, rng, {
            kind: rollback ? 'rollback' : 'model_deploy',
            model_id: p.id,
            version,
            previous_version: previous,
            actor,
            description: rollback
              ? `Rollback ${p.id} ${previous} -> ${version}: slow rise in ${stream.signal}`
              : `Promote ${p.id} ${version}: fix the label pipeline`,
          });
        },
      },
    ];
    return events;
  });
  const trickle = new PoissonGen({
    rng: rng.fork('trickle'),
    start: t0 + 5 * 60_000,
    end: until,
    ratePerHour: extra * (1 / 0.55),
    accept: (t) => traffic(t) * 0.55,
    emit: (w, r, t) =>
      w.emitAlert(
        t,
        r,
        {
          model: p.id,
          signal: stream.signal,
          source: stream.source,
          metric: stream.metric,
          ...(stream.signal === 'performance_degradation' ? {} : { feature: r.pick(p.features) }),
          magnitude: r.float(0.02, 0.2),
          severity: r.chance(0.8) ? 'low' : 'info',
          confidence: r.float(0.4, 0.7),
          affected: p.entry.traffic_per_hour * r.float(0.002, 0.02),
        },
        { incident: inc },
      ),
  });
  return [deploys, trickle];
}

export function goodVersion(o: PlanOptions, rng: Rng, res: Reservations): Gen {
  const { p, t0 } = plan(o, rng, res, o.profile.catalog.models);
  const actor = rng.pick(HUMANS);
  return new EpisodeGen(t0, () => [
    {
      t: t0,
      run: (w) => {
        const [version, previous] = w.promote(p.id);
        w.emitDeploy(t0, rng, {
          kind: 'model_deploy',
          model_id: p.id,
          version,
          previous_version: previous,
          actor,
          description: `Promote ${p.id} ${version}: monthly retrain`,
        });
        w.noteVersion({ model: p.id, version, kind: 'good', deployed_at: t0 });
      },
    },
  ]);
}
