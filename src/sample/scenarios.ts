// The scenarios of the synthetic week. Each returns generators; the engine interleaves them.
// Ground truth is decided here, when an episode is planned (what really happened), never from the
// detector's own severity - which is why ranking by severity alone ranks this world badly.
import { EpisodeGen, type Gen, PoissonGen, type TimedEvent } from './engine.ts';
import { fromQuality, METRICS, type MetricDef } from './metrics.ts';
import type { Rng } from './prng.ts';
import type { WorldProfile } from './profiles.ts';
import { IncidentGroup } from './truth.ts';
import {
  type AlertSpec,
  DAY,
  HOUR,
  Incident,
  MIN,
  type RootCause,
  type Severity,
  type Signal,
  type Tier,
} from './world.ts';
import {
  type Catalog,
  downstreamOf,
  type ModelProfile,
  type QualityMetric,
  UNCATALOGUED_MODELS,
} from './world-catalog.ts';

export interface PlanOptions {
  start: number;
  end: number;
  days: number;
  scale: number;
  /** background keeps going past `end` (benchmark mode needs an exact alert count) */
  unboundedBackground: boolean;
  profile: WorldProfile;
}

export const HUMANS = [
  'a.chen',
  'b.okafor',
  'c.duarte',
  'd.kowalski',
  'e.nakamura',
  'f.haddad',
  'g.silva',
  'h.iyer',
];
export const BOTS = ['ci-bot', 'argo-rollouts', 'airflow-deployer', 'model-registry', 'terraform-cloud'];

export type SevMix = readonly (readonly [Severity, number])[];
const SEV_REAL_QUIET: SevMix = [
  ['medium', 0.45],
  ['high', 0.35],
  ['low', 0.12],
  ['critical', 0.08],
];
const SEV_DATA: SevMix = [
  ['critical', 0.15],
  ['high', 0.3],
  ['medium', 0.35],
  ['low', 0.2],
];
const SEV_SCHEMA: SevMix = [
  ['critical', 0.3],
  ['high', 0.4],
  ['medium', 0.3],
];
const SEV_INFRA: SevMix = [
  ['critical', 0.2],
  ['high', 0.4],
  ['medium', 0.3],
  ['low', 0.1],
];
const SEV_BACKGROUND: SevMix = [
  ['info', 0.3],
  ['low', 0.38],
  ['medium', 0.22],
  ['high', 0.07],
  ['critical', 0.03],
];

export const isWeekend = (t: number): boolean => {
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
};
export const hourOf = (t: number): number => new Date(t).getUTCHours();

/** Working-hours weekday time, leaving `margin` before the end of the window. */
export function weekdayTime(
  o: PlanOptions,
  rng: Rng,
  fromHour: number,
  toHour: number,
  margin: number,
): number {
  const days: number[] = [];
  for (let d = o.start; d < o.end; d += DAY)
    if (!isWeekend(d) && d + fromHour * HOUR < o.end - margin) days.push(d);
  if (days.length === 0) return anyTime(o, rng, margin);
  const day = rng.pick(days);
  const latest = Math.min(day + toHour * HOUR, o.end - margin);
  return Math.floor(rng.float(day + fromHour * HOUR, latest));
}

export function anyTime(o: PlanOptions, rng: Rng, margin: number): number {
  return Math.floor(rng.float(o.start, Math.max(o.start + MIN, o.end - margin)));
}

/** A monitor that keeps firing while the condition lasts: first after `delay`, then every `period`. */
export function repeat(
  from: number,
  until: number,
  rng: Rng,
  periodMin: readonly [number, number],
  maxN = 200,
): number[] {
  const out: number[] = [];
  let t = from;
  while (t < until && out.length < maxN) {
    out.push(Math.floor(t));
    t += rng.float(periodMin[0], periodMin[1]) * MIN;
  }
  return out;
}

/** Regulated decisions (credit, identity, clinical) and safety-critical models: bad inputs are a P1. */
export function tierByValue(p: ModelProfile, p1At: number): Tier {
  const e = p.entry;
  if (e.safety || e.compliance.some((c) => c !== 'pci')) return 'P1';
  if (e.revenue_per_hour >= p1At) return 'P1';
  if (e.revenue_per_hour >= 500) return 'P2';
  return 'P3';
}

export function ackDelay(tier: Tier): readonly [number, number] {
  return tier === 'P1' ? [4, 25] : tier === 'P2' ? [15, 90] : tier === 'P3' ? [120, 1200] : [120, 2880];
}

export function impactOf(p: ModelProfile | undefined, share: number, from: number, to: number): number {
  return Math.round(((p?.entry.revenue_per_hour ?? 0) * share * Math.max(0, to - from)) / HOUR);
}

/** Busy windows per model: routine deploys keep out of incidents, incidents avoid each other. */
export class Reservations {
  private readonly byKey = new Map<string, [number, number][]>();
  busy(key: string, from: number, to: number): boolean {
    return (this.byKey.get(key) ?? []).some(([a, b]) => a < to && from < b);
  }
  add(key: string, from: number, to: number): void {
    const list = this.byKey.get(key) ?? [];
    list.push([from, to]);
    this.byKey.set(key, list);
  }
}

export function alertEvent(t: number, rng: Rng, spec: () => AlertSpec, inc: Incident): TimedEvent {
  return { t, run: (w) => w.emitAlert(t, rng, spec(), { incident: inc }) };
}

// ---------------------------------------------------------------- 1. bad model deploys
export function badDeploy(rng: Rng, res: Reservations, p: ModelProfile, t0: number, incId: string): Gen {
  const e = p.entry;
  const onset = t0 + rng.float(10, 60) * MIN;
  const useRollback = e.rollback_allowed && rng.chance(0.7);
  const fixAt = Math.floor(useRollback ? onset + rng.float(40, 240) * MIN : onset + rng.float(3, 10) * HOUR);
  const resolvedAt = Math.floor(fixAt + rng.float(5, 20) * MIN);
  const share = rng.float(0.3, 0.9);
  const tier: Tier = e.revenue_per_hour >= 5000 ? 'P1' : e.revenue_per_hour > 0 ? 'P2' : 'P3';
  const quality = rng.pick(p.quality);
  const inc = new Incident({
    id: incId,
    scenario: 'bad_deploy',
    model: p.id,
    tier,
    rootCause: 'deployment_regression',
    impact: impactOf(p, share, onset, resolvedAt),
    resolvedAt,
    ackDelayMin: ackDelay(tier),
    cap: 4,
    summary: `bad model_deploy of ${p.id} (${quality.name} regression, ${Math.round(share * 100)}% of traffic), fixed by ${useRollback ? 'rollback' : 'fix-forward deploy'}`,
  });
  res.add(p.id, t0 - 3 * HOUR, resolvedAt + 3 * HOUR);
  const actor = rng.pick(HUMANS);
  const feature = rng.pick(p.features);
  return new EpisodeGen(t0, () => {
    const state = { bad: '', prev: '' };
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) => {
          const [version, previous] = w.promote(p.id);
          state.bad = version;
          state.prev = previous;
          w.noteVersion({ model: p.id, version, kind: 'bad_deploy', deployed_at: t0 });
          const eventId = w.emitDeploy(t0, rng, {
            kind: 'model_deploy',
            model_id: p.id,
            version,
            previous_version: previous,
            actor,
            description: rng.pick([
              `Promote ${p.id} ${version}: weekly retrain on data through ${new Date(t0 - DAY).toISOString().slice(0, 10)}`,
              `Promote ${p.id} ${version}: add feature ${feature}`,
              `Canary of ${p.id} ${version} passed offline eval, promoting to 100%`,
              `Promote ${p.id} ${version}: upgrade to lightgbm 4.6 and re-tune`,
            ]),
          });
          inc.group.causedBy(eventId, true);
        },
      },
      {
        t: fixAt,
        run: (w) => {
          if (useRollback) {
            const [version, previous] = w.rollBack(p.id, state.prev);
            w.emitDeploy(fixAt, rng, {
              kind: 'rollback',
              model_id: p.id,
              version,
              previous_version: previous,
              actor: rng.pick([actor, 'argo-rollouts']),
              description: `Rollback ${p.id} ${previous} -> ${version}: ${quality.name} regression after deploy`,
            });
          } else {
            const [version, previous] = w.promote(p.id);
            w.emitDeploy(fixAt, rng, {
              kind: 'model_deploy',
              model_id: p.id,
              version,
              previous_version: previous,
              actor,
              description: `Hotfix ${p.id} ${version}: fix ${feature} preprocessing (regression introduced in ${state.bad})`,
            });
          }
        },
      },
    ];
    type Stream = { signal: Signal; source: string; metric: MetricDef; feature?: string; conf: number };
    const streams: Stream[] = [
      { signal: 'performance_degradation', source: 'arize', metric: fromQuality(quality), conf: 0.9 },
      {
        signal: 'prediction_drift',
        source: 'evidently',
        metric: rng.pick([METRICS.js_divergence, METRICS.psi]),
        feature: 'model_score',
        conf: 0.9,
      },
    ];
    if (rng.chance(0.35))
      streams.push({ signal: 'error_rate', source: 'slo-monitor', metric: METRICS.error_rate, conf: 0.2 });
    for (const s of streams) {
      const thr = rng.pick(s.metric.thresholds);
      for (const t of repeat(onset + rng.float(3, 20) * MIN, resolvedAt - 3 * MIN, rng, [10, 30], 25)) {
        events.push(
          alertEvent(
            t,
            rng,
            () => ({
              model: p.id,
              signal: s.signal,
              source: s.source,
              metric: s.metric,
              threshold: thr,
              ...(s.feature === undefined ? {} : { feature: s.feature }),
              magnitude: rng.float(0.3, 0.9),
              severity: rng.weighted(SEV_REAL_QUIET),
              ...(rng.chance(s.conf) ? { confidence: rng.float(0.7, 0.95) } : {}),
              ...(rng.chance(0.92) ? { affected: e.traffic_per_hour * share * rng.float(0.85, 1.15) } : {}),
            }),
            inc,
          ),
        );
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 2. upstream data pipeline change
export const PIPELINE_CHANGES = [
  'switch dedup key from session_id to event_id',
  'move partitioning to event_date and backfill 3 days',
  'upgrade spark 3.5 -> 4.0 and enable ANSI mode',
  'replace currency conversion UDF with FX service lookup',
  'drop late events older than 2h (was 24h)',
];

export function pipelineChange(
  cat: Catalog,
  rng: Rng,
  res: Reservations,
  w0: { nextId: () => string },
  service: string,
  t0: number,
): Gen {
  const change = rng.pick(PIPELINE_CHANGES);
  const fixAt = Math.floor(t0 + rng.float(2, 8) * HOUR);
  const actor = rng.pick(HUMANS);
  res.add(`svc:${service}`, t0 - 2 * HOUR, fixAt + 2 * HOUR);
  const models = downstreamOf(cat, service);
  // one change, one incident of truth, however many models (and the pipeline itself) it broke
  const group = new IncidentGroup(w0.nextId(), `data_pipeline_change on ${service} (${change})`);
  const incidents = models.map((p) => {
    const share = rng.float(0.1, 0.6);
    const onset = t0 + rng.float(15, 90) * MIN;
    const resolvedAt = Math.floor(fixAt + rng.float(20, 60) * MIN);
    // P2 mostly; P1 only when the money at stake per hour is large (postmortem view)
    const lossPerHour = p.entry.revenue_per_hour * share;
    const tier: Tier = lossPerHour >= 8000 ? 'P1' : p.entry.revenue_per_hour >= 500 ? 'P2' : 'P3';
    return {
      p,
      onset,
      share,
      features: rng.sample(p.features, 2),
      inc: new Incident({
        id: w0.nextId(),
        scenario: 'pipeline_change',
        model: p.id,
        tier,
        rootCause: 'data_pipeline',
        impact: impactOf(p, share, onset, resolvedAt),
        resolvedAt,
        ackDelayMin: ackDelay(tier),
        cap: 3,
        summary: `data_pipeline_change on ${service} (${change}) broke features of ${p.id}`,
        group,
      }),
    };
  });
  const selfInc = rng.chance(0.5)
    ? new Incident({
        id: w0.nextId(),
        scenario: 'pipeline_change',
        model: service,
        tier: 'P2',
        rootCause: 'data_pipeline',
        impact: 0,
        resolvedAt: fixAt + 30 * MIN,
        ackDelayMin: ackDelay('P2'),
        cap: 1,
        summary: `row-count drop on the pipeline ${service} itself`,
        group,
      })
    : null;
  return new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) =>
          group.causedBy(
            w.emitDeploy(t0, rng, {
              kind: 'data_pipeline_change',
              service,
              actor,
              description: `${service}: ${change}`,
            }),
            true,
          ),
      },
      {
        t: fixAt,
        run: (w) =>
          w.emitDeploy(fixAt, rng, {
            kind: 'data_pipeline_change',
            service,
            actor: rng.pick([actor, 'airflow-deployer']),
            description: `Revert "${change}" on ${service} and backfill`,
          }),
      },
    ];
    for (const x of incidents) {
      const [f1, f2] = [x.features[0] as string, (x.features[1] ?? x.features[0]) as string];
      const streams = [
        {
          signal: 'data_quality' as const,
          source: rng.pick(['inhouse-dq', 'whylabs']),
          metric: rng.pick([METRICS.null_rate, METRICS.out_of_range_rate]),
          feature: f1,
        },
        {
          signal: 'feature_shift' as const,
          source: 'evidently',
          metric: rng.pick([METRICS.psi, METRICS.wasserstein]),
          feature: f2,
        },
      ];
      for (const s of streams) {
        const thr = rng.pick(s.metric.thresholds);
        for (const t of repeat(
          x.onset + rng.float(0, 15) * MIN,
          x.inc.resolvedAt - 5 * MIN,
          rng,
          [15, 45],
          20,
        )) {
          events.push(
            alertEvent(
              t,
              rng,
              () => ({
                model: x.p.id,
                signal: s.signal,
                source: s.source,
                metric: s.metric,
                threshold: thr,
                feature: s.feature,
                magnitude: rng.float(0.2, 0.8),
                severity: rng.weighted(SEV_DATA),
                ...(rng.chance(0.85) ? { confidence: rng.float(0.6, 0.9) } : {}),
                ...(rng.chance(0.9)
                  ? { affected: x.p.entry.traffic_per_hour * x.share * rng.float(0.8, 1.2) }
                  : {}),
                ...(rng.chance(0.3) ? { labels: { dataset: `${service}.daily` } } : {}),
              }),
              x.inc,
            ),
          );
        }
      }
    }
    if (selfInc) {
      for (const t of repeat(t0 + rng.float(20, 60) * MIN, fixAt, rng, [30, 60], 6)) {
        events.push(
          alertEvent(
            t,
            rng,
            () => ({
              model: service,
              signal: 'data_quality',
              source: 'inhouse-dq',
              metric: METRICS.row_count_ratio,
              magnitude: rng.float(0.3, 0.7),
              severity: rng.pick(['high', 'medium'] as const),
              confidence: rng.float(0.8, 0.99),
              segment: null,
            }),
            selfInc,
          ),
        );
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 3. upstream schema change
export function schemaChange(
  cat: Catalog,
  rng: Rng,
  res: Reservations,
  w0: { nextId: () => string },
  service: string,
  t0: number,
): Gen {
  const models = downstreamOf(cat, service);
  const fixAt = Math.floor(t0 + rng.float(1.5, 6) * HOUR);
  const actor = rng.pick(HUMANS);
  const renamed = rng.pick((models[0] as ModelProfile).features);
  res.add(`svc:${service}`, t0 - 2 * HOUR, fixAt + 2 * HOUR);
  const group = new IncidentGroup(w0.nextId(), `schema_change on ${service} (renamed ${renamed})`);
  const incidents = models.map((p) => {
    const share = rng.float(0.2, 0.8);
    const onset = t0 + rng.float(5, 45) * MIN;
    const resolvedAt = Math.floor(fixAt + rng.float(10, 40) * MIN);
    const tier = tierByValue(p, 15000);
    return {
      p,
      onset,
      share,
      feature: p.features.includes(renamed) ? renamed : rng.pick(p.features),
      inc: new Incident({
        id: w0.nextId(),
        scenario: 'schema_change',
        model: p.id,
        tier,
        rootCause: 'upstream_schema_change',
        impact: impactOf(p, share, onset, resolvedAt),
        resolvedAt,
        ackDelayMin: ackDelay(tier),
        cap: 3,
        summary: `schema_change on ${service} (renamed ${renamed}) nulled a feature of ${p.id}`,
        group,
      }),
    };
  });
  return new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) =>
          group.causedBy(
            w.emitDeploy(t0, rng, {
              kind: 'schema_change',
              service,
              actor,
              description: `${service}: rename column ${renamed} -> ${renamed}_v2 (schema v${rng.int(10, 40)})`,
            }),
            true,
          ),
      },
      {
        t: fixAt,
        run: (w) =>
          w.emitDeploy(fixAt, rng, {
            kind: 'code_deploy',
            service,
            actor: rng.pick(HUMANS),
            description: `${service}: map ${renamed}_v2 back to ${renamed} for downstream consumers`,
          }),
      },
    ];
    for (const x of incidents) {
      const thr = rng.pick(METRICS.null_rate.thresholds);
      const withShift = rng.chance(0.4);
      for (const t of repeat(x.onset, x.inc.resolvedAt - 5 * MIN, rng, [10, 20], 25)) {
        const shift = withShift && rng.chance(0.3);
        events.push(
          alertEvent(
            t,
            rng,
            () => ({
              model: x.p.id,
              signal: shift ? 'feature_shift' : 'data_quality',
              source: shift ? 'evidently' : rng.pick(['inhouse-dq', 'whylabs']),
              metric: shift ? METRICS.psi : METRICS.null_rate,
              ...(shift ? {} : { threshold: thr }),
              feature: x.feature,
              magnitude: rng.float(0.4, 1),
              severity: rng.weighted(SEV_SCHEMA),
              ...(rng.chance(0.85) ? { confidence: rng.float(0.7, 0.97) } : {}),
              ...(rng.chance(0.9)
                ? { affected: x.p.entry.traffic_per_hour * x.share * rng.float(0.8, 1.2) }
                : {}),
            }),
            x.inc,
          ),
        );
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 4. infrastructure bursts
export function infraBurst(cat: Catalog, rng: Rng, w0: { nextId: () => string }, t0: number): Gen {
  const region = rng.pick(['eu-west-1', 'us-east-1', 'ap-south-1']);
  const candidates = cat.models.filter((m) => m.regions.includes(region) && m.entry.traffic_per_hour >= 1000);
  const models = rng.sample(candidates, rng.int(2, 4));
  const duration = rng.float(30, 150) * MIN;
  const cluster = `prod-${region}-${rng.pick(['a', 'b', 'c'])}`;
  const nodePool = rng.pick(['gpu-serving', 'cpu-serving', 'feature-cache']);
  // one degraded node pool: one incident of truth, with no change behind it
  const group = new IncidentGroup(w0.nextId(), `node pool ${nodePool} degraded in ${cluster}`);
  const incidents = models.map((p) => {
    const share = rng.float(0.05, 0.3);
    const resolvedAt = Math.floor(t0 + duration + rng.float(0, 15) * MIN);
    const tier: Tier =
      p.entry.revenue_per_hour >= 10000 ? 'P2' : p.entry.revenue_per_hour >= 500 ? 'P3' : 'P4';
    return {
      p,
      share,
      inc: new Incident({
        id: w0.nextId(),
        scenario: 'infrastructure',
        model: p.id,
        tier,
        rootCause: 'infrastructure',
        impact: impactOf(p, share, t0, resolvedAt),
        resolvedAt,
        ackDelayMin: ackDelay(tier),
        cap: 2,
        summary: `node pool ${nodePool} degraded in ${cluster}: latency/errors on ${p.id}`,
        group,
      }),
    };
  });
  return new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [];
    for (const x of incidents) {
      const kinds: { signal: Signal; metric: MetricDef }[] = [
        { signal: 'latency', metric: METRICS.p99_latency_ms },
      ];
      if (rng.chance(0.6)) kinds.push({ signal: 'error_rate', metric: METRICS.error_rate });
      for (const k of kinds) {
        const thr = rng.pick(k.metric.thresholds);
        for (const t of repeat(t0 + rng.float(0, 10) * MIN, x.inc.resolvedAt - 2 * MIN, rng, [5, 10], 30)) {
          events.push(
            alertEvent(
              t,
              rng,
              () => ({
                model: x.p.id,
                signal: k.signal,
                source: 'slo-monitor',
                metric: k.metric,
                threshold: thr,
                magnitude: rng.float(0.1, 0.8),
                severity: rng.weighted(SEV_INFRA),
                ...(rng.chance(0.3) ? { confidence: rng.float(0.8, 0.99) } : {}),
                ...(rng.chance(0.85)
                  ? { affected: x.p.entry.traffic_per_hour * x.share * rng.float(0.7, 1.3) }
                  : {}),
                region,
                segment: null,
                labels: { k8s_cluster: cluster, node_pool: nodePool },
              }),
              x.inc,
            ),
          );
        }
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 5. a noisy legacy monitor
const LOW_VALUE = [
  'churn-predictor',
  'email-send-time-optimizer',
  'support-ticket-router',
  'demand-forecaster',
  'query-autocomplete',
];

export function noisyMonitor(o: PlanOptions, rng: Rng): Gen {
  const cat = o.profile.catalog;
  return new PoissonGen({
    rng,
    start: o.start,
    end: o.unboundedBackground ? Number.POSITIVE_INFINITY : o.end,
    ratePerHour: o.profile.perHour.noisyMonitor * o.scale,
    emit: (w, r, t) => {
      const p = cat.byId.get(
        r.weighted(LOW_VALUE.map((id, i) => [id, i === 4 ? 0.5 : 1] as const)),
      ) as ModelProfile;
      w.emitAlert(
        t,
        r,
        {
          model: p.id,
          signal: 'data_drift',
          source: 'drift-sentinel-legacy',
          metric: r.chance(0.7) ? METRICS.psi : METRICS.ks_stat,
          threshold: 0.1,
          feature: r.pick(p.features),
          magnitude: r.float(0.005, 0.08),
          severity: r.chance(0.45) ? 'critical' : 'high',
          ...(r.chance(0.9) ? { confidence: r.float(0.2, 0.45) } : {}),
          ...(r.chance(0.85) ? { affected: r.int(1, 40) } : {}),
          versionKnown: 0.5,
          labels: { monitor_version: 'legacy-v1' },
        },
        { scenario: 'noisy_monitor', outcome: r.chance(0.8) ? 'false_positive' : 'noise', tier: 'P4' },
      );
    },
  });
}

// ---------------------------------------------------------------- 6. flapping monitors
export function flapping(cat: Catalog, rng: Rng, w0: { nextId: () => string }, t0: number): Gen {
  const p = rng.pick(cat.models.filter((m) => m.entry.traffic_per_hour >= 1000));
  const kind = rng.pick(['latency', 'dq', 'shift'] as const);
  const feature = rng.pick(p.features);
  const spec =
    kind === 'latency'
      ? { signal: 'latency' as const, source: 'slo-monitor', metric: METRICS.p99_latency_ms }
      : kind === 'dq'
        ? { signal: 'data_quality' as const, source: 'inhouse-dq', metric: METRICS.null_rate, feature }
        : { signal: 'feature_shift' as const, source: 'evidently', metric: METRICS.psi, feature };
  const thr = rng.pick(spec.metric.thresholds);
  const until = t0 + rng.float(3, 10) * HOUR;
  const actionable = rng.chance(0.5);
  const rootCause: RootCause =
    kind === 'latency' ? 'infrastructure' : rng.pick(['data_pipeline', 'unknown'] as const);
  const inc = new Incident({
    id: w0.nextId(),
    scenario: 'flapping',
    model: p.id,
    tier: actionable ? 'P3' : 'P4',
    ...(actionable ? { rootCause } : {}),
    impact: actionable ? impactOf(p, 0.01, 0, rng.float(0.5, 2) * HOUR) : 0,
    resolvedAt: Math.floor(until + rng.float(30, 600) * MIN),
    ackDelayMin: ackDelay('P3'),
    cap: actionable ? 1 : 0,
    restOutcome: actionable ? 'duplicate' : 'noise',
    restTier: 'P4',
    summary: `flapping ${spec.signal}/${spec.metric.name} on ${p.id} hovering at its threshold`,
  });
  const region = rng.pick(p.regions);
  return new EpisodeGen(t0, () =>
    repeat(t0, until, rng, [5, 15], 120).map((t) =>
      alertEvent(
        t,
        rng,
        () => ({
          model: p.id,
          ...spec,
          threshold: thr,
          magnitude: rng.float(0.001, 0.03),
          severity: rng.chance(0.92) ? 'high' : 'medium',
          ...(rng.chance(0.7) ? { confidence: rng.float(0.5, 0.8) } : {}),
          ...(rng.chance(0.85) ? { affected: p.entry.traffic_per_hour * rng.float(0.005, 0.03) } : {}),
          region,
        }),
        inc,
      ),
    ),
  );
}

// ---------------------------------------------------------------- 7. weekend seasonal drift on the most valuable model
export function seasonalWeekend(
  o: PlanOptions,
  rng: Rng,
  res: Reservations,
  w0: { nextId: () => string },
  day: number,
): Gen {
  const p = o.profile.catalog.mostValuable;
  const windows: [number, number][] = [
    [day + rng.float(6, 8) * HOUR, day + rng.float(12, 14) * HOUR],
    [day + rng.float(16, 18) * HOUR, day + rng.float(22, 23.5) * HOUR],
  ];
  const last = (windows[1] as [number, number])[1];
  res.add(p.id, day - 12 * HOUR, day + DAY + 12 * HOUR);
  const inc = new Incident({
    id: w0.nextId(),
    scenario: 'seasonal_drift',
    model: p.id,
    tier: 'P4',
    rootCause: 'seasonal_drift',
    impact: 0,
    resolvedAt: Math.floor(last + 30 * MIN),
    ackDelayMin: [60, 360],
    cap: 1,
    restOutcome: 'noise',
    restTier: 'P4',
    summary: `weekend traffic-mix shift on ${p.id} (${new Date(day).toISOString().slice(0, 10)}): population-wide drift, no regression`,
  });
  const streams = [
    { signal: 'data_drift' as const, source: 'whylabs', metric: METRICS.psi, feature: 'session_hour' },
    { signal: 'data_drift' as const, source: 'evidently', metric: METRICS.ks_stat, feature: 'device_type' },
    { signal: 'feature_shift' as const, source: 'evidently', metric: METRICS.psi, feature: 'category_mix' },
    {
      signal: 'feature_shift' as const,
      source: 'whylabs',
      metric: METRICS.wasserstein,
      feature: 'query_length',
    },
  ];
  return new EpisodeGen(Math.floor((windows[0] as [number, number])[0]), () => {
    const events: TimedEvent[] = [];
    for (const [a, b] of windows) {
      for (const s of rng.sample(streams, 3)) {
        const thr = rng.pick(s.metric.thresholds);
        for (const t of repeat(a + rng.float(0, 20) * MIN, b, rng, [25 / o.scale, 45 / o.scale], 400)) {
          events.push(
            alertEvent(
              t,
              rng,
              () => ({
                model: p.id,
                ...s,
                threshold: thr,
                magnitude: rng.float(0.2, 0.6),
                severity: rng.chance(0.6) ? 'high' : 'critical',
                confidence: rng.float(0.5, 0.7),
                affected: p.entry.traffic_per_hour * rng.float(0.9, 1.05),
                segment: null,
              }),
              inc,
            ),
          );
        }
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 8. quiet but real (compliance / safety)
export function quietCredit(cat: Catalog, rng: Rng, res: Reservations, incId: string, t0: number): Gen {
  const p = cat.byId.get('credit-risk-scorer') as ModelProfile;
  const onset = t0 + rng.float(1, 3) * HOUR;
  const revertAt = Math.floor(onset + rng.float(5, 9) * HOUR);
  const resolvedAt = Math.floor(revertAt + rng.float(10, 30) * MIN);
  const share = rng.float(0.12, 0.2);
  const actor = rng.pick(HUMANS);
  const [from, to] = [0.62, 0.58];
  res.add(p.id, t0 - 3 * HOUR, resolvedAt + 3 * HOUR);
  const inc = new Incident({
    id: incId,
    scenario: 'quiet_real',
    model: p.id,
    tier: 'P1',
    rootCause: 'deployment_regression',
    impact: impactOf(p, share, onset, resolvedAt),
    resolvedAt,
    ackDelayMin: ackDelay('P1'),
    cap: 3,
    summary: `config_change on ${p.id} (cutoff ${from} -> ${to}) skewed approvals for thin_file applicants (ECOA/FCRA exposure)`,
  });
  return new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) =>
          inc.group.causedBy(
            w.emitDeploy(t0, rng, {
              kind: 'config_change',
              model_id: p.id,
              actor,
              description: `Lower auto-approve cutoff ${from} -> ${to} for thin_file segment`,
            }),
            true,
          ),
      },
      {
        t: revertAt,
        run: (w) =>
          w.emitDeploy(revertAt, rng, {
            kind: 'config_change',
            model_id: p.id,
            actor: rng.pick(HUMANS),
            description: `Revert auto-approve cutoff ${to} -> ${from} (fairness monitor)`,
          }),
      },
    ];
    const streams = [
      { source: 'inhouse-fairness', metric: fromQuality(p.quality[1] as QualityMetric) },
      { source: 'arize', metric: fromQuality(p.quality[0] as QualityMetric) },
    ];
    for (const s of streams) {
      for (const t of repeat(onset + rng.float(0, 40) * MIN, resolvedAt - 5 * MIN, rng, [45, 90], 8)) {
        events.push(
          alertEvent(
            t,
            rng,
            () => ({
              model: p.id,
              signal: 'performance_degradation',
              source: s.source,
              metric: s.metric,
              magnitude: rng.float(0.05, 0.25),
              severity: rng.chance(0.55) ? 'low' : 'medium',
              confidence: rng.float(0.8, 0.92),
              affected: rng.float(150, 600),
              region: 'us-east-1',
              segment: 'thin_file',
            }),
            inc,
          ),
        );
      }
    }
    return events;
  });
}

export function quietTriage(cat: Catalog, rng: Rng, res: Reservations, incId: string, t0: number): Gen {
  const p = cat.byId.get('triage-assist') as ModelProfile;
  const onset = t0 + rng.float(30, 120) * MIN;
  const offAt = Math.floor(onset + rng.float(2, 5) * HOUR);
  const resolvedAt = Math.floor(offAt + rng.float(5, 15) * MIN);
  const share = rng.float(0.2, 0.3);
  const actor = rng.pick(HUMANS);
  res.add(p.id, t0 - 3 * HOUR, resolvedAt + 3 * HOUR);
  const inc = new Incident({
    id: incId,
    scenario: 'quiet_real',
    model: p.id,
    tier: 'P1',
    rootCause: 'deployment_regression',
    impact: impactOf(p, share, onset, resolvedAt),
    resolvedAt,
    ackDelayMin: ackDelay('P1'),
    cap: 3,
    summary: `feature_flag symptom-parser-v2 on ${p.id} lowered urgent-case recall (patient safety)`,
  });
  const region = rng.pick(p.regions);
  return new EpisodeGen(t0, () => {
    const events: TimedEvent[] = [
      {
        t: t0,
        run: (w) =>
          inc.group.causedBy(
            w.emitDeploy(t0, rng, {
              kind: 'feature_flag',
              model_id: p.id,
              actor,
              description: 'symptom-parser-v2 rollout 0% -> 50%',
              region,
            }),
            true,
          ),
      },
      {
        t: offAt,
        run: (w) =>
          w.emitDeploy(offAt, rng, {
            kind: 'feature_flag',
            model_id: p.id,
            actor: rng.pick(HUMANS),
            description: 'symptom-parser-v2 rollout 50% -> 0%',
            region,
          }),
      },
    ];
    for (const qm of p.quality) {
      for (const t of repeat(onset + rng.float(0, 30) * MIN, resolvedAt - 5 * MIN, rng, [30, 60], 8)) {
        events.push(
          alertEvent(
            t,
            rng,
            () => ({
              model: p.id,
              signal: 'performance_degradation',
              source: 'clinical-safety-monitor',
              metric: fromQuality(qm),
              magnitude: rng.float(0.05, 0.2),
              severity: rng.chance(0.7) ? 'low' : 'medium',
              confidence: rng.float(0.75, 0.9),
              affected: rng.float(40, 200),
              region,
            }),
            inc,
          ),
        );
      }
    }
    return events;
  });
}

// ---------------------------------------------------------------- 9. background chatter
const SOURCE_SIGNALS: Record<string, readonly Signal[]> = {
  evidently: ['data_drift', 'feature_shift', 'prediction_drift', 'data_quality'],
  whylabs: ['data_drift', 'data_quality', 'feature_shift'],
  arize: ['performance_degradation', 'prediction_drift', 'data_drift'],
  'inhouse-dq': ['data_quality'],
  'slo-monitor': ['latency', 'error_rate'],
};

function metricFor(
  rng: Rng,
  signal: Signal,
  p: ModelProfile | undefined,
): { metric: MetricDef; feature?: string } {
  const feature = p ? rng.pick(p.features) : rng.pick(['f_0', 'f_1', 'f_2']);
  switch (signal) {
    case 'data_drift':
      return { metric: rng.pick([METRICS.psi, METRICS.ks_stat, METRICS.js_divergence]), feature };
    case 'feature_shift':
      return { metric: rng.pick([METRICS.psi, METRICS.wasserstein, METRICS.mean_shift_sigma]), feature };
    case 'prediction_drift':
      return { metric: rng.pick([METRICS.js_divergence, METRICS.psi]), feature: 'model_score' };
    case 'data_quality':
      return {
        metric: rng.pick([
          METRICS.null_rate,
          METRICS.out_of_range_rate,
          METRICS.row_count_ratio,
          METRICS.schema_mismatch_rate,
        ]),
        feature,
      };
    case 'performance_degradation':
      return { metric: p ? fromQuality(rng.pick(p.quality)) : METRICS.error_rate };
    case 'latency':
      return { metric: rng.pick([METRICS.p95_latency_ms, METRICS.p99_latency_ms]) };
    case 'error_rate':
      return { metric: METRICS.error_rate };
    default:
      return { metric: rng.pick([METRICS.label_delay_hours, METRICS.training_serving_skew]) };
  }
}

const diurnal = (t: number): number => 0.55 + 0.45 * Math.sin(((hourOf(t) - 8) / 24) * 2 * Math.PI);

export function background(o: PlanOptions, rng: Rng, w0: { nextId: () => string }): Gen {
  return new PoissonGen({
    rng,
    start: o.start,
    end: o.unboundedBackground ? Number.POSITIVE_INFINITY : o.end,
    ratePerHour: o.profile.perHour.background * o.scale,
    accept: diurnal,
    emit: (w, r, t) => {
      const uncatalogued = r.chance(0.015);
      const p = uncatalogued ? undefined : r.pick(o.profile.catalog.models);
      const model = p ? p.id : r.pick(UNCATALOGUED_MODELS);
      const source = r.weighted([
        ['evidently', 0.3],
        ['whylabs', 0.25],
        ['arize', 0.2],
        ['inhouse-dq', 0.2],
        ['slo-monitor', 0.05],
      ] as const);
      const signal: Signal = r.chance(0.02) ? 'other' : r.pick(SOURCE_SIGNALS[source] as readonly Signal[]);
      const m = metricFor(r, signal, p);
      const spec: AlertSpec = {
        model,
        signal,
        source,
        metric: m.metric,
        ...(m.feature === undefined ? {} : { feature: m.feature }),
        magnitude: r.float(0.01, 0.35),
        severity: r.weighted(SEV_BACKGROUND),
        ...(r.chance(0.85) ? { confidence: r.float(0.3, 0.9) } : {}),
        ...(r.chance(0.88) ? { affected: (p?.entry.traffic_per_hour ?? 100) * r.float(0.001, 0.05) } : {}),
      };
      if (p && r.chance(o.profile.backgroundRealShare)) {
        const tier: Tier = r.chance(0.7) ? 'P3' : 'P4';
        const share = r.float(0.005, 0.03);
        const resolvedAt = t + Math.floor(r.float(0.5, 4) * HOUR);
        const inc = new Incident({
          id: w0.nextId(),
          scenario: 'background',
          model,
          tier,
          rootCause: r.pick(['data_pipeline', 'seasonal_drift', 'unknown', 'infrastructure'] as const),
          impact: impactOf(p, share, t, resolvedAt),
          resolvedAt,
          ackDelayMin: ackDelay(tier),
          cap: 1,
          summary: `minor ${signal} on ${model}`,
        });
        w.emitAlert(t, r, spec, { incident: inc });
      } else {
        w.emitAlert(t, r, spec, {
          scenario: 'background',
          outcome: r.chance(0.6) ? 'noise' : 'false_positive',
          tier: 'P4',
        });
      }
    },
  });
}

// ---------------------------------------------------------------- routine changes (no incident)
const FLAGS = [
  'new-candidate-generator',
  'score-calibration-v2',
  'shadow-traffic',
  'fallback-to-heuristic',
  'batch-size-64',
];
const PARAMS = ['decision_threshold', 'max_candidates', 'cache_ttl_s', 'timeout_ms', 'blend_weight'];

export function routineChanges(o: PlanOptions, rng: Rng, res: Reservations): Gen {
  const services = o.profile.catalog.services;
  return new PoissonGen({
    rng,
    start: o.start,
    end: o.end,
    ratePerHour: o.profile.perHour.routine * o.scale,
    accept: (t) => (!isWeekend(t) && hourOf(t) >= 7 && hourOf(t) < 19 ? 1 : 0),
    emit: (w, r, t) => {
      let kind = r.weighted([
        ['model_deploy', 0.35],
        ['code_deploy', 0.25],
        ['feature_flag', 0.15],
        ['config_change', 0.1],
        ['data_pipeline_change', 0.1],
        ['schema_change', 0.05],
      ] as const);
      const p = r.pick(o.profile.catalog.models);
      const service = r.pick(services);
      const onModel =
        kind === 'model_deploy' ||
        kind === 'feature_flag' ||
        kind === 'config_change' ||
        (kind === 'code_deploy' && r.chance(0.5));
      if (onModel && res.busy(p.id, t - HOUR, t + HOUR)) kind = 'code_deploy';
      const actor = r.chance(0.5) ? r.pick(BOTS) : r.pick(HUMANS);
      const region = r.chance(0.3) ? r.pick(p.regions) : undefined;
      const withRegion = region === undefined ? {} : { region };
      if (onModel && kind === 'model_deploy') {
        const [version, previous] = w.promote(p.id);
        w.emitDeploy(t, r, {
          kind,
          model_id: p.id,
          version,
          previous_version: previous,
          actor,
          description: `Promote ${p.id} ${version}: scheduled retrain`,
          ...withRegion,
        });
      } else if (onModel && kind === 'feature_flag') {
        w.emitDeploy(t, r, {
          kind,
          model_id: p.id,
          actor,
          description: `${r.pick(FLAGS)} rollout ${r.pick([0, 5, 25])}% -> ${r.pick([50, 100])}%`,
          ...withRegion,
        });
      } else if (onModel && kind === 'config_change') {
        const param = r.pick(PARAMS);
        const before = r.int(1, 9) * 10;
        const after = before + r.pick([-10, 10, 20]);
        w.emitDeploy(t, r, {
          kind,
          model_id: p.id,
          actor,
          description: `Update ${param}: ${before} -> ${after}`,
          ...withRegion,
        });
      } else if (onModel && kind === 'code_deploy') {
        w.emitDeploy(t, r, {
          kind,
          model_id: p.id,
          actor,
          description: `Deploy ${p.id} serving image 1.${r.int(10, 60)}.${r.int(0, 9)}`,
          ...withRegion,
        });
      } else if (kind === 'data_pipeline_change' || kind === 'schema_change') {
        if (res.busy(`svc:${service}`, t - HOUR, t + HOUR)) return;
        const description =
          kind === 'schema_change'
            ? `${service}: add nullable column ${r.pick(['ingest_ts', 'source_region', 'campaign_id', 'risk_flags'])}`
            : `${service}: ${r.pick(['tune executor memory', 'add data-quality expectations', 'bump connector 2.x', 'reschedule to :15'])}`;
        w.emitDeploy(t, r, { kind, service, actor, description });
      } else {
        w.emitDeploy(t, r, {
          kind: 'code_deploy',
          service,
          actor,
          description: `Deploy ${service} ${r.int(2024, 2026)}.${r.int(1, 12)}.${r.int(0, 30)}`,
        });
      }
    },
  });
}
