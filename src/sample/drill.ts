// A drill (docs/DRILLS.md): one incident's worth of alerts and its change events from the sample world's
// scenarios, on the models of the service's own catalog, retimed to start now. Pure: the clock (`now`) and
// the seed come in, the records go out; `alert-triage drill` produces them to the service's input topics.
//
// The scenario runs as the generator runs it (at a fixed time in the past of the simulation), the first
// `maxAlerts` alerts are kept with the change events before them, and the timeline is moved so the first
// alert is at `now` and squeezed `speed` times (60: an hour of the scenario takes a minute).
import {
  DRILL_HEADER,
  DRILL_LABEL,
  DRILL_SCENARIOS,
  type DrillScenario,
  drillAlertId,
  drillEventId,
  drillIdOf,
} from '../core/drill.ts';
import type { Tier } from '../core/events.ts';
import type { ModelProfile as CatalogModel } from '../core/settings.ts';
import { upstreamChange } from './cascades.ts';
import { type Gen, resetGenOrder, runEpisodes } from './engine.ts';
import { PLATFORM_CATALOG } from './platform-catalog.ts';
import { Rng } from './prng.ts';
import { SAMPLE_PROFILE } from './profiles.ts';
import { badDeploy, type PlanOptions, Reservations, seasonalWeekend } from './scenarios.ts';
import { slowRegression } from './versions.ts';
import { type AlertLine, DAY, type DeployLine, HOUR, type Incident, MemoryLines, World } from './world.ts';
import { type Catalog, catalogOf, type ModelProfile, q, SAMPLE_CATALOG } from './world-catalog.ts';

export type DrillErrorCode =
  | 'DRILL_UNKNOWN_SCENARIO'
  | 'DRILL_UNKNOWN_MODEL'
  | 'DRILL_NO_MODEL'
  | 'DRILL_NO_UPSTREAM'
  | 'DRILL_BAD_SPEED';

export class DrillError extends Error {
  readonly code: DrillErrorCode;
  readonly canRetry = false;
  constructor(code: DrillErrorCode, message: string) {
    super(message);
    this.name = 'DrillError';
    this.code = code;
  }
}

export interface DrillOptions {
  scenario: string;
  /** The model to drill on (default: the scenario's own choice among the catalog's). */
  model?: string;
  seed: number;
  /** Wall clock (epoch ms) of the drill's first alert. */
  now: number;
  /** How many times faster than the scenario's own pace (> 0). */
  speed: number;
  /** The service's catalog (config.models). */
  models: Readonly<Record<string, CatalogModel>>;
  /** At most this many alerts (default 10; the regression's trickle 6). */
  maxAlerts?: number;
}

export interface DrillRecord {
  kind: 'alert' | 'deploy';
  /** When to produce it (epoch ms): its event time, or now for a change that came before the first alert. */
  at: number;
  key: string;
  value: AlertLine | DeployLine;
  headers: Record<string, string>;
}

export interface Drill {
  drill_id: string;
  scenario: DrillScenario;
  seed: number;
  speed: number;
  started_at: number;
  /** When the last record is due. */
  ends_at: number;
  models: string[];
  /** The changed service (cascade), else null. */
  service: string | null;
  /** The tier the scenario means the incident to be (the generator's ground truth). */
  expected_tier: Tier;
  summary: string;
  records: DrillRecord[];
}

const SCENARIO_OF: Record<string, DrillScenario> = Object.fromEntries(DRILL_SCENARIOS.map((s) => [s, s]));

/** Where the simulation runs a drill's scenario: a Monday 10:00 UTC (a Saturday for the weekend drift). */
const MONDAY = Date.UTC(2026, 0, 5, 10);
const SATURDAY = Date.UTC(2026, 0, 3);

/** The generator's view of a catalog model: its simulation facts if the sample platforms know it. */
function profileOf(id: string, m: CatalogModel): ModelProfile {
  const known = SAMPLE_CATALOG.byId.get(id) ?? PLATFORM_CATALOG.byId.get(id);
  const { escalation: _e, product_area, ...rest } = m;
  const entry = { ...rest, product_area: product_area ?? known?.entry.product_area ?? 'unknown' };
  if (known) return { ...known, entry };
  return {
    id,
    entry,
    regions: ['eu-west-1', 'us-east-1'],
    segments: ['all'],
    features: ['input_mix', 'request_rate', 'score_mean'],
    quality: [q('auc', 'down', 0.8, 0.2, 3), q('error_rate', 'up', 0.02, 4, 4)],
  };
}

function catalogFor(models: Readonly<Record<string, CatalogModel>>, ids: readonly string[]): Catalog {
  return catalogOf(
    ids.map((id) => profileOf(id, models[id] as CatalogModel)),
    [],
  );
}

function pickModel(o: DrillOptions, prefer: (m: CatalogModel) => number): string {
  const ids = Object.keys(o.models);
  if (o.model !== undefined) {
    if (!Object.hasOwn(o.models, o.model))
      throw new DrillError(
        'DRILL_UNKNOWN_MODEL',
        `--model ${o.model}: not in the catalog of the config (${ids.length} models: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', …' : ''})`,
      );
    return o.model;
  }
  if (ids.length === 0)
    throw new DrillError('DRILL_NO_MODEL', 'the config has no models: a drill needs one of its catalog');
  // Highest preference first, then the catalog's order: the same catalog gives the same model.
  return ids.reduce((a, b) =>
    prefer(o.models[b] as CatalogModel) > prefer(o.models[a] as CatalogModel) ? b : a,
  );
}

const valuable = (m: CatalogModel): number => (m.safety ? -1 : m.revenue_per_hour);

interface Planned {
  gens: Gen[];
  models: string[];
  service: string | null;
  catalog: Catalog;
  horizon: number;
  maxAlerts: number;
}

function plan(o: DrillOptions, scenario: DrillScenario, rng: Rng, nextId: () => string): Planned {
  const res = new Reservations();
  const options = (catalog: Catalog, start: number): PlanOptions => ({
    start,
    end: start + 7 * DAY,
    days: 7,
    scale: 1,
    unboundedBackground: false,
    profile: { ...SAMPLE_PROFILE, catalog },
  });
  switch (scenario) {
    case 'bad-deploy': {
      const id = pickModel(o, valuable);
      const catalog = catalogFor(o.models, [id]);
      const gen = badDeploy(rng, res, catalog.byId.get(id) as ModelProfile, MONDAY, nextId());
      return { gens: [gen], models: [id], service: null, catalog, horizon: MONDAY + DAY, maxAlerts: 10 };
    }
    case 'seasonal-drift': {
      const id = pickModel(o, valuable);
      const catalog = catalogFor(o.models, [id]);
      const gen = seasonalWeekend(options(catalog, SATURDAY), rng, res, { nextId }, SATURDAY);
      return { gens: [gen], models: [id], service: null, catalog, horizon: SATURDAY + DAY, maxAlerts: 10 };
    }
    case 'regression': {
      const id = pickModel(o, (m) => (m.safety ? -1 : m.rollback_allowed ? 1 : 0));
      const catalog = catalogFor(o.models, [id]);
      const gens = slowRegression(options(catalog, MONDAY - DAY), rng, res, nextId());
      return { gens, models: [id], service: null, catalog, horizon: MONDAY + 14 * DAY, maxAlerts: 6 };
    }
    case 'cascade': {
      const downstream = new Map<string, string[]>();
      for (const [id, m] of Object.entries(o.models))
        for (const s of m.upstream) downstream.set(s, [...(downstream.get(s) ?? []), id]);
      const fits = [...downstream.entries()].filter(
        ([, ids]) => o.model === undefined || ids.includes(o.model),
      );
      if (o.model !== undefined) pickModel(o, valuable); // names an unknown model
      if (fits.length === 0)
        throw new DrillError(
          'DRILL_NO_UPSTREAM',
          o.model === undefined
            ? 'a cascade needs a service that models of the catalog name in `upstream`; the config has none'
            : `--model ${o.model}: its catalog entry names no upstream service, so nothing upstream can break it`,
        );
      // The service feeding the most models (then by name): a cascade breaks up to four of them.
      const [service, ids] = fits.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0] as [
        string,
        string[],
      ];
      const chosen =
        o.model === undefined ? ids.slice(0, 4) : [o.model, ...ids.filter((m) => m !== o.model)].slice(0, 4);
      const catalog = catalogFor(o.models, chosen);
      const gen = upstreamChange(
        rng,
        res,
        { nextId },
        {
          service,
          kind: 'data_pipeline_change',
          t0: MONDAY,
          fixAt: MONDAY + 3 * HOUR,
          models: chosen.map((id) => catalog.byId.get(id) as ModelProfile),
          silent: false,
        },
      );
      return { gens: [gen], models: chosen, service, catalog, horizon: MONDAY + DAY, maxAlerts: 12 };
    }
  }
}

const timeOf = (v: number | string): number => (typeof v === 'number' ? v : Date.parse(v));

/** The drill: its records in the order to produce them, each labelled and headed with the drill id. */
export function buildDrill(o: DrillOptions): Drill {
  const scenario = SCENARIO_OF[o.scenario];
  if (scenario === undefined)
    throw new DrillError(
      'DRILL_UNKNOWN_SCENARIO',
      `--scenario ${o.scenario}: no such drill; one of ${DRILL_SCENARIOS.join(', ')}`,
    );
  if (!(Number.isFinite(o.speed) && o.speed > 0))
    throw new DrillError('DRILL_BAD_SPEED', `--speed ${o.speed}: must be a number above 0`);
  const root = new Rng(o.seed);
  const incidents: Incident[] = [];
  let seq = 0;
  const nextId = (): string => `drill-inc-${++seq}`;
  resetGenOrder();
  const p = plan(o, scenario, root.fork(`drill:${scenario}`), nextId);
  const sink = new MemoryLines();
  const world = new World({
    seed: o.seed,
    start: MONDAY - 2 * DAY,
    end: p.horizon,
    alertLimit: o.maxAlerts ?? p.maxAlerts,
    keepFeedback: true,
    alerts: sink,
    rng: root.fork('versions'),
    catalog: p.catalog,
  });
  runEpisodes(world, p.gens, p.horizon);
  incidents.push(...world.incidents);

  const drillId = drillIdOf(scenario, o.now, o.seed);
  const alerts = sink.all.map((line) => JSON.parse(line) as AlertLine);
  const anchor = alerts.length > 0 ? timeOf(alerts[0]!.event_time) : o.now;
  const last = alerts.length > 0 ? timeOf(alerts.at(-1)!.event_time) : anchor;
  const retime = (t: number): number => Math.round(o.now + (t - anchor) / o.speed);
  const headers = { [DRILL_HEADER]: drillId, 'drill-scenario': scenario };
  const records: DrillRecord[] = [];
  let d = 0;
  for (const { t, line } of world.deploys) {
    if (t > last) continue; // the fix comes after the drill's last alert: on-call's to make
    const rec = JSON.parse(line) as DeployLine;
    const at = retime(t);
    const value: DeployLine = {
      ...rec,
      event_id: drillEventId(drillId, ++d),
      event_time: at,
      // versions of a drill are its own: a rollback it recommends names no real version
      ...(rec.version === undefined ? {} : { version: `${rec.version}-drill` }),
      ...(rec.previous_version === undefined ? {} : { previous_version: `${rec.previous_version}-drill` }),
      description: `[DRILL ${drillId}] ${rec.description ?? ''}`.trim(),
    };
    records.push({
      kind: 'deploy',
      at: Math.max(o.now, at),
      key: rec.model_id ?? rec.service ?? '',
      value,
      headers,
    });
  }
  alerts.forEach((rec, i) => {
    const at = retime(timeOf(rec.event_time));
    const { model_version, ...rest } = rec;
    const value: AlertLine = {
      ...rest,
      alert_id: drillAlertId(drillId, i + 1),
      event_time: at,
      // the drill's version is the drill deploy's, never one a real deploy named
      ...(model_version === undefined ? {} : { model_version: `${model_version}-drill` }),
      labels: { ...(rec.labels ?? {}), [DRILL_LABEL]: drillId, drill_scenario: scenario },
    };
    records.push({ kind: 'alert', at, key: rec.model_id, value, headers });
  });
  // Changes first at the same instant: an alert finds the deploy it comes after.
  records.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'deploy' ? -1 : 1));
  const inc = incidents[0];
  const tiers = incidents.map((i) => i.tier).sort();
  return {
    drill_id: drillId,
    scenario,
    seed: o.seed,
    speed: o.speed,
    started_at: o.now,
    ends_at: records.at(-1)?.at ?? o.now,
    models: p.models,
    service: p.service,
    expected_tier: (tiers[0] ?? 'P4') as Tier,
    summary: inc ? inc.group.summary : `${scenario} on ${p.models.join(', ')}`,
    records,
  };
}
