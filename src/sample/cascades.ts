// Upstream changes on shared pipelines and platform services (the `cascades` profile). One change breaks
// one to eight of the models the service feeds. Each model raises its own alerts, with fingerprints,
// onset and severity of its own: an online model notices within minutes and a batch consumer hours
// later, and a lightly hit model says `low` while a hard-hit one says `critical`. Some changes are
// silent: they happened but nobody recorded them, so their alerts come with no deploy to explain them.
import { EpisodeGen, type Gen, type TimedEvent } from './engine.ts';
import { fromQuality, METRICS, type MetricDef } from './metrics.ts';
import { SERVICE_ROLES, type ServiceRole } from './platform-catalog.ts';
import type { Rng } from './prng.ts';
import {
  ackDelay,
  alertEvent,
  BOTS,
  HUMANS,
  impactOf,
  PIPELINE_CHANGES,
  type PlanOptions,
  type Reservations,
  repeat,
  type SevMix,
  weekdayTime,
} from './scenarios.ts';
import { IncidentGroup } from './truth.ts';
import { type DeployKind, HOUR, Incident, MIN, type RootCause, type Signal, type Tier } from './world.ts';
import { type Catalog, downstreamOf, type ModelProfile } from './world-catalog.ts';

type UpstreamKind = Extract<
  DeployKind,
  'data_pipeline_change' | 'schema_change' | 'code_deploy' | 'config_change'
>;

const KINDS: Record<ServiceRole, readonly (readonly [UpstreamKind, number])[]> = {
  pipeline: [
    ['data_pipeline_change', 0.65],
    ['schema_change', 0.35],
  ],
  platform: [
    ['code_deploy', 0.6],
    ['config_change', 0.4],
  ],
};

const ROOT_CAUSE: Record<UpstreamKind, RootCause> = {
  data_pipeline_change: 'data_pipeline',
  schema_change: 'upstream_schema_change',
  code_deploy: 'deployment_regression',
  config_change: 'deployment_regression',
};

const PLATFORM_DEPLOYS = [
  'switch the wire format to protobuf 4',
  'rewrite the connection pool',
  'upgrade the runtime to JDK 25',
  'include locale in the cache key',
  'batch lookups 500 keys at a time',
];
const PLATFORM_CONFIGS = [
  'feature TTL 24h -> 1h',
  'default for missing features 0 -> -1',
  'read replicas 6 -> 3',
  'lookup timeout 200ms -> 50ms',
  'serve the 128-dim index instead of 256-dim',
];

interface Stream {
  signal: Signal;
  source: string;
  metric: MetricDef;
  feature?: string;
}

/** What a model's monitors can see when this kind of change breaks its inputs or its serving path. */
function symptoms(kind: UpstreamKind, p: ModelProfile, feature: string, rng: Rng): Stream[] {
  const other = rng.pick(p.features.filter((f) => f !== feature).concat(feature));
  const perf: Stream = {
    signal: 'performance_degradation',
    source: 'arize',
    metric: fromQuality(rng.pick(p.quality)),
  };
  switch (kind) {
    case 'data_pipeline_change':
      return [
        {
          signal: 'data_quality',
          source: rng.pick(['inhouse-dq', 'whylabs']),
          metric: rng.pick([METRICS.null_rate, METRICS.out_of_range_rate, METRICS.row_count_ratio]),
          feature,
        },
        {
          signal: 'feature_shift',
          source: 'evidently',
          metric: rng.pick([METRICS.psi, METRICS.wasserstein]),
          feature: other,
        },
        perf,
        { signal: 'data_drift', source: 'whylabs', metric: METRICS.js_divergence, feature: other },
      ];
    case 'schema_change':
      return [
        {
          signal: 'data_quality',
          source: rng.pick(['inhouse-dq', 'whylabs']),
          metric: METRICS.null_rate,
          feature,
        },
        { signal: 'data_quality', source: 'inhouse-dq', metric: METRICS.schema_mismatch_rate, feature },
        { signal: 'feature_shift', source: 'evidently', metric: METRICS.psi, feature },
        perf,
      ];
    case 'code_deploy':
      return [
        { signal: 'latency', source: 'slo-monitor', metric: METRICS.p99_latency_ms },
        { signal: 'error_rate', source: 'slo-monitor', metric: METRICS.error_rate },
        {
          signal: 'prediction_drift',
          source: 'evidently',
          metric: METRICS.js_divergence,
          feature: 'model_score',
        },
        perf,
      ];
    case 'config_change':
      return [
        { signal: 'feature_shift', source: 'evidently', metric: METRICS.mean_shift_sigma, feature },
        { signal: 'prediction_drift', source: 'evidently', metric: METRICS.psi, feature: 'model_score' },
        { signal: 'data_quality', source: 'inhouse-dq', metric: METRICS.out_of_range_rate, feature: other },
        perf,
      ];
  }
}

/** Detector severity follows how hard the model was hit, not what the hit costs (that is the tier). */
function severityMix(hit: number): SevMix {
  if (hit < 0.3)
    return [
      ['low', 0.5],
      ['medium', 0.35],
      ['info', 0.1],
      ['high', 0.05],
    ];
  if (hit < 0.7)
    return [
      ['medium', 0.45],
      ['high', 0.3],
      ['low', 0.2],
      ['critical', 0.05],
    ];
  return [
    ['high', 0.45],
    ['critical', 0.35],
    ['medium', 0.2],
  ];
}

/** Regulated and safety-critical models are P1 whatever the money; the rest by the loss per hour. */
function tierOf(p: ModelProfile, share: number): Tier {
  const e = p.entry;
  if (e.safety || e.compliance.some((c) => c !== 'pci')) return 'P1';
  if (e.revenue_per_hour * share >= 6000) return 'P1';
  return e.revenue_per_hour >= 500 ? 'P2' : 'P3';
}

function describe(
  kind: UpstreamKind,
  service: string,
  feature: string,
  rng: Rng,
): { what: string; fix: string } {
  switch (kind) {
    case 'data_pipeline_change': {
      const what = rng.pick(PIPELINE_CHANGES);
      return { what, fix: `Revert "${what}" on ${service} and backfill` };
    }
    case 'schema_change':
      return rng.chance(0.5)
        ? { what: `rename column ${feature} -> ${feature}_v2`, fix: `map ${feature}_v2 back to ${feature}` }
        : { what: `change ${feature} from double to decimal(18,2)`, fix: `cast ${feature} back to double` };
    case 'code_deploy': {
      const what = rng.pick(PLATFORM_DEPLOYS);
      return { what, fix: `roll back "${what}"` };
    }
    case 'config_change': {
      const what = rng.pick(PLATFORM_CONFIGS);
      return { what, fix: `revert ${what}` };
    }
  }
}

export interface UpstreamChange {
  service: string;
  kind: UpstreamKind;
  t0: number;
  fixAt: number;
  models: readonly ModelProfile[];
  /** nobody recorded the change; its fix is recorded half the time */
  silent: boolean;
}

/** The episode of one upstream change: the change, its fix, and every broken model's alerts. */
export function upstreamChange(
  rng: Rng,
  res: Reservations,
  w0: { nextId: () => string },
  c: UpstreamChange,
): Gen {
  const { service, kind, t0, fixAt, silent } = c;
  const feature = rng.pick((c.models[0] as ModelProfile).features);
  const { what, fix } = describe(kind, service, feature, rng);
  const actor = rng.chance(0.4) ? rng.pick(BOTS) : rng.pick(HUMANS);
  const fixRecorded = !silent || rng.chance(0.5);
  const online = kind === 'code_deploy' || kind === 'config_change';
  const group = new IncidentGroup(
    w0.nextId(),
    `${kind} on ${service} (${what})${silent ? ' [not recorded]' : ''}`,
  );
  res.add(`svc:${service}`, t0 - 2 * HOUR, fixAt + 2 * HOUR);
  const broken = c.models.map((p) => {
    const hit = rng.next();
    const share = 0.04 + 0.7 * hit ** 1.3;
    // online models notice at once; batch consumers when their next run reads the bad data
    const delay = online
      ? rng.float(2, 25) * MIN
      : rng.weighted([
          [rng.float(5, 40) * MIN, 0.45],
          [rng.float(40, 150) * MIN, 0.35],
          [rng.float(150, 300) * MIN, 0.2],
        ] as const);
    const onset = t0 + Math.min(delay, 0.75 * (fixAt - t0));
    const resolvedAt = Math.floor(fixAt + rng.float(10, 45) * MIN);
    res.add(p.id, t0 - HOUR, resolvedAt + 2 * HOUR);
    const tier = tierOf(p, share);
    const own = p.features.includes(feature) ? feature : rng.pick(p.features);
    const streams = rng.sample(symptoms(kind, p, own, rng), 1 + (hit > 0.35 ? 1 : 0) + (hit > 0.7 ? 1 : 0));
    return {
      p,
      hit,
      share,
      onset,
      streams,
      inc: new Incident({
        id: w0.nextId(),
        scenario: 'upstream_change',
        model: p.id,
        tier,
        rootCause: ROOT_CAUSE[kind],
        impact: impactOf(p, share, onset, resolvedAt),
        resolvedAt,
        ackDelayMin: ackDelay(tier),
        cap: 3,
        summary: `${kind} on ${service} (${what})${silent ? ' [not recorded]' : ''} hit ${p.id} (${Math.round(share * 100)}% of traffic)`,
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
            silent
              ? w.silentDeploy()
              : w.emitDeploy(t0, rng, { kind, service, actor, description: `${service}: ${what}` }),
            !silent,
          ),
      },
    ];
    if (fixRecorded)
      events.push({
        t: fixAt,
        run: (w) =>
          void w.emitDeploy(fixAt, rng, {
            kind: kind === 'schema_change' ? 'code_deploy' : kind,
            service,
            actor: rng.pick(HUMANS),
            description: `${service}: ${fix}`,
          }),
      });
    for (const x of broken) {
      for (const s of x.streams) {
        const thr = rng.pick(s.metric.thresholds);
        const from = x.onset + rng.float(0, 10) * MIN;
        for (const t of repeat(from, x.inc.resolvedAt - 5 * MIN, rng, [20, 50], 8)) {
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
                ...(s.feature === undefined ? {} : { feature: s.feature }),
                magnitude: Math.min(1, 0.05 + 0.8 * x.hit * rng.float(0.7, 1.2)),
                severity: rng.weighted(severityMix(x.hit)),
                ...(rng.chance(0.85) ? { confidence: rng.float(0.55, 0.95) } : {}),
                ...(rng.chance(0.9)
                  ? { affected: x.p.entry.traffic_per_hour * x.share * rng.float(0.8, 1.2) }
                  : {}),
                ...(online ? {} : rng.chance(0.3) ? { labels: { dataset: `${service}.daily` } } : {}),
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

/** Sizes of the multi-model cascades: the first breaks six models, the rest two to eight. */
function cascadeSize(i: number, rng: Rng): number {
  if (i === 0) return 6;
  return rng.weighted([
    [2, 0.35],
    [3, 0.3],
    [4, 0.2],
    [5, 0.1],
    [8, 0.05],
  ] as const);
}

/**
 * Plans `cascades` multi-model upstream changes and `singles` that break one model, each on a service
 * that feeds enough models free at the time (models in another incident are left alone, so every
 * alert has one true incident).
 */
export function planUpstreamChanges(
  o: PlanOptions,
  cat: Catalog,
  res: Reservations,
  w0: { nextId: () => string },
  n: { cascades: number; singles: number },
  fork: (name: string) => Rng,
): Gen[] {
  const gens: Gen[] = [];
  for (let i = 0; i < n.cascades + n.singles; i++) {
    const rng = fork('upstream');
    const size = i < n.cascades ? cascadeSize(i, rng) : 1;
    const silent = rng.chance(o.profile.silentShare);
    for (let tries = 0; tries < 40; tries++) {
      const service = rng.pick(cat.services);
      const role = SERVICE_ROLES[service] as ServiceRole;
      const kind = rng.weighted(KINDS[role]);
      const t0 = weekdayTime(o, rng, 6, 22, 10 * HOUR);
      const fixAt = Math.floor(t0 + (role === 'platform' ? rng.float(1, 4) : rng.float(2.5, 8)) * HOUR);
      const free = downstreamOf(cat, service).filter((p) => !res.busy(p.id, t0 - HOUR, fixAt + 3 * HOUR));
      if (free.length < size || res.busy(`svc:${service}`, t0 - 2 * HOUR, fixAt + 2 * HOUR)) continue;
      const models = rng.sample(free, size);
      gens.push(upstreamChange(rng, res, w0, { service, kind, t0, fixAt, models, silent }));
      break;
    }
  }
  return gens;
}
