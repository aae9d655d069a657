// The simulation state and its outputs: serving versions, alert/deploy/feedback records, counts.
// Scenario code decides *what* happens; World turns it into contract-exact records (PRODUCT.md).
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type {
  AlertFeedback,
  AnomalyAlert,
  DeployEvent,
  DeployKind,
  Outcome,
  RootCauseLabel,
  Severity,
  Signal,
  Tier,
} from '../core/events.ts';
import { breach, type MetricDef } from './metrics.ts';
import { hash32, hex8, mix32, type Rng } from './prng.ts';
import { IncidentGroup, type TruthRow } from './truth.ts';
import type { VersionTruth } from './versions.ts';
import type { Catalog } from './world-catalog.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

// The record contracts are the core's (src/core/events.ts): the generator writes what the service reads.
export type { DeployKind, Outcome, Severity, Signal, Tier } from '../core/events.ts';
export type RootCause = RootCauseLabel;

/** A record as producers write it (PRODUCT.md): the core's contract, with event_time as epoch ms or RFC 3339. */
type OnTheWire<T extends { event_time: number }> = Omit<T, 'event_time'> & { event_time: number | string };
/** An alert line: severity may be left out (the core reads `medium`), and a few producers add fields it ignores. */
export type AlertLine = Omit<OnTheWire<AnomalyAlert>, 'severity'> & {
  severity?: Severity;
  detector_run_id?: string;
  dashboard_url?: string;
  x_debug?: { sample_rows: number; baseline_window: string };
};
export type DeployLine = OnTheWire<DeployEvent>;
export type FeedbackLine = OnTheWire<AlertFeedback>;
export type Scenario =
  | 'bad_deploy'
  | 'pipeline_change'
  | 'schema_change'
  | 'infrastructure'
  | 'noisy_monitor'
  | 'flapping'
  | 'seasonal_drift'
  | 'quiet_real'
  | 'upstream_change'
  | 'background'
  | 'slow_regression';

/** One real (or deliberately non-real) problem; its alerts share the ground truth. */
export class Incident {
  readonly id: string;
  readonly scenario: Scenario;
  readonly model: string;
  readonly tier: Tier;
  readonly rootCause: RootCause | undefined;
  readonly impact: number;
  readonly resolvedAt: number;
  readonly ackDelayMin: readonly [number, number];
  /** how many alerts (first of each fingerprint) count as actionable */
  readonly cap: number;
  /** what the later repeats are */
  readonly restOutcome: Outcome;
  readonly restTier: Tier;
  readonly summary: string;
  /** the incident of truth.ndjson this one is part of (its own, unless one cause broke several models) */
  readonly group: IncidentGroup;
  ackAt: number | null = null;
  actionable = 0;
  alerts = 0;
  firstAlertId: string | null = null;
  firstAlertTime = 0;
  readonly actionableIds: string[] = [];
  readonly seen = new Set<string>();

  constructor(init: {
    id: string;
    scenario: Scenario;
    model: string;
    tier: Tier;
    rootCause?: RootCause;
    impact: number;
    resolvedAt: number;
    ackDelayMin: readonly [number, number];
    cap: number;
    restOutcome?: Outcome;
    restTier?: Tier;
    summary: string;
    group?: IncidentGroup;
  }) {
    this.id = init.id;
    this.scenario = init.scenario;
    this.model = init.model;
    this.tier = init.tier;
    this.rootCause = init.rootCause;
    this.impact = init.impact;
    this.resolvedAt = init.resolvedAt;
    this.ackDelayMin = init.ackDelayMin;
    this.cap = init.cap;
    this.restOutcome = init.restOutcome ?? 'duplicate';
    this.restTier = init.restTier ?? init.tier;
    this.summary = init.summary;
    this.group = init.group ?? new IncidentGroup(init.id, init.summary);
  }
}

/** Ground truth for one alert: part of an incident, or plain noise. */
export type Truth =
  | { incident: Incident; scenario?: undefined }
  | { incident?: undefined; scenario: Scenario; outcome: 'noise' | 'false_positive'; tier: Tier };

export interface AlertSpec {
  model: string;
  signal: Signal;
  source?: string;
  metric?: MetricDef;
  /** fixed threshold (flapping monitors keep theirs) */
  threshold?: number;
  feature?: string;
  magnitude: number;
  severity?: Severity;
  confidence?: number;
  affected?: number;
  region?: string;
  segment?: string | null;
  labels?: Record<string, string>;
  /** probability the monitor knows the serving version (default 0.92) */
  versionKnown?: number;
}

export interface DeploySpec {
  kind: DeployKind;
  model_id?: string;
  service?: string;
  version?: string;
  previous_version?: string;
  actor: string;
  description: string;
  region?: string;
}

const SOURCE_PREFIX: Record<string, string> = {
  evidently: 'evd',
  whylabs: 'wl',
  arize: 'arz',
  'inhouse-dq': 'dq',
  'slo-monitor': 'slo',
  'drift-sentinel-legacy': 'dsl',
  'inhouse-fairness': 'fair',
  'clinical-safety-monitor': 'csm',
};

const RFC_OFFSETS: Record<string, number> = { 'eu-west-1': 60, 'us-east-1': -300, 'ap-south-1': 330 };

/** RFC 3339 with a numeric offset (same instant as `t`). */
export function rfc3339(t: number, offsetMin: number): string {
  if (offsetMin === 0) return new Date(t).toISOString();
  const local = new Date(t + offsetMin * MIN).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Where a world's alert lines go: a file (LineSink) or memory (MemoryLines, a drill). */
export interface AlertLines {
  push(line: string): void;
  readonly lines: number;
  readonly wantsFlush: boolean;
  flush(): Promise<void>;
}

/** Alert lines kept in memory: a drill is one incident's worth. */
export class MemoryLines implements AlertLines {
  readonly all: string[] = [];
  readonly wantsFlush = false;
  get lines(): number {
    return this.all.length;
  }
  push(line: string): void {
    this.all.push(line);
  }
  async flush(): Promise<void> {}
}

/** NDJSON file written through a stream, honouring backpressure. */
export class LineSink implements AlertLines {
  private readonly stream: WriteStream;
  private buf: string[] = [];
  private bytes = 0;
  lines = 0;
  totalBytes = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  push(line: string): void {
    this.buf.push(line);
    this.bytes += line.length + 1;
    this.lines++;
  }

  get wantsFlush(): boolean {
    return this.bytes >= 1 << 16;
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = `${this.buf.join('\n')}\n`;
    this.totalBytes += Buffer.byteLength(chunk);
    this.buf = [];
    this.bytes = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

type Counter = Map<string, number>;
const bump = (c: Counter, k: string): void => {
  c.set(k, (c.get(k) ?? 0) + 1);
};

export class World {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
  /** stop after this many alerts (benchmark mode); Infinity otherwise */
  readonly alertLimit: number;
  readonly keepFeedback: boolean;
  readonly catalog: Catalog;
  readonly alerts: AlertLines;
  readonly deploys: { t: number; line: string }[] = [];
  readonly feedback: { t: number; id: string; line: string }[] = [];
  readonly truth: TruthRow[] = [];
  readonly incidents: Incident[] = [];
  readonly alertCounts: Counter = new Map();
  readonly outcomeCounts: Counter = new Map();
  readonly tierCounts: Counter = new Map();
  readonly deployCounts: Counter = new Map();
  /** What planted versions really were (versions.ts; bad deploys too): versions.ndjson. */
  readonly versionTruth: VersionTruth[] = [];
  private readonly versions = new Map<string, { cur: number; max: number }>();
  private readonly salt: number;
  private alertSeq = 0;
  private deploySeq = 0;
  private incidentSeq = 0;
  lastAlertTime = 0;

  constructor(init: {
    seed: number;
    start: number;
    end: number;
    alertLimit: number;
    keepFeedback: boolean;
    alerts: AlertLines;
    rng: Rng;
    catalog: Catalog;
  }) {
    this.seed = init.seed;
    this.start = init.start;
    this.end = init.end;
    this.alertLimit = init.alertLimit;
    this.keepFeedback = init.keepFeedback;
    this.catalog = init.catalog;
    this.alerts = init.alerts;
    this.salt = mix32(hash32(`ids:${init.seed}`));
    for (const m of init.catalog.models) {
      const v = init.rng.int(7, 64);
      this.versions.set(m.id, { cur: v, max: v });
    }
  }

  get done(): boolean {
    return this.alerts.lines >= this.alertLimit;
  }

  nextIncidentId(): string {
    return `inc-${String(++this.incidentSeq).padStart(4, '0')}`;
  }

  versionOf(model: string): string | undefined {
    const v = this.versions.get(model);
    return v ? `v${v.cur}` : undefined;
  }

  noteVersion(v: VersionTruth): void {
    this.versionTruth.push(v);
  }

  /** A new model version goes live; returns [version, previous_version]. */
  promote(model: string): [string, string] {
    const v = this.versions.get(model);
    if (!v) throw new Error(`unknown model ${model}`);
    const prev = v.cur;
    v.max += 1;
    v.cur = v.max;
    return [`v${v.cur}`, `v${prev}`];
  }

  /** Roll back to `target`; returns [version, previous_version]. */
  rollBack(model: string, target: string): [string, string] {
    const v = this.versions.get(model);
    if (!v) throw new Error(`unknown model ${model}`);
    const prev = v.cur;
    v.cur = Number(target.slice(1));
    return [`v${v.cur}`, `v${prev}`];
  }

  private timestamp(t: number, rng: Rng, rfcShare: number, region?: string): number | string {
    if (!rng.chance(rfcShare)) return t;
    const offset = region !== undefined && rng.chance(0.5) ? (RFC_OFFSETS[region] ?? 0) : 0;
    return rfc3339(t, offset);
  }

  private nextDeployId(): string {
    return `dep-${hex8(mix32((this.salt ^ 0x5bd1e995) + ++this.deploySeq))}`;
  }

  /** A change nobody recorded: it takes the event id it would have had, and writes nothing. */
  silentDeploy(): string {
    return this.nextDeployId();
  }

  /** Writes the change to deploys.ndjson; returns its event id. */
  emitDeploy(t: number, rng: Rng, d: DeploySpec): string {
    const rec: DeployLine = {
      event_id: this.nextDeployId(),
      event_time: this.timestamp(t, rng, 0.05, d.region),
      kind: d.kind,
    };
    if (d.model_id !== undefined) rec.model_id = d.model_id;
    if (d.service !== undefined) rec.service = d.service;
    if (d.version !== undefined) rec.version = d.version;
    if (d.previous_version !== undefined) rec.previous_version = d.previous_version;
    rec.actor = d.actor;
    rec.commit = rng.hex(40);
    rec.description = d.description;
    if (d.region !== undefined) rec.region = d.region;
    this.deploys.push({ t, line: JSON.stringify(rec) });
    bump(this.deployCounts, d.kind);
    return rec.event_id;
  }

  emitAlert(t: number, rng: Rng, spec: AlertSpec, truth: Truth): void {
    if (this.done) return;
    const seq = ++this.alertSeq;
    const source = spec.source;
    const alertId = `${SOURCE_PREFIX[source ?? ''] ?? 'mon'}-${hex8(mix32(this.salt + seq))}`;
    const profile = this.catalog.byId.get(spec.model);
    const region =
      spec.region ??
      (profile ? rng.pick(profile.regions) : rng.pick(['eu-west-1', 'us-east-1', 'ap-south-1']));

    const rec: AlertLine = {
      alert_id: alertId,
      event_time: this.timestamp(t, rng, 0.03, region),
      model_id: spec.model,
      signal: spec.signal,
    };
    if (source !== undefined && !rng.chance(0.01)) rec.source = source;
    if (profile && rng.chance(spec.versionKnown ?? 0.92)) rec.model_version = this.versionOf(spec.model);
    if (spec.feature !== undefined) rec.feature = spec.feature;
    if (spec.metric) {
      rec.metric = spec.metric.name;
      if (!rng.chance(0.04)) {
        const r = breach(rng, spec.metric, spec.magnitude, spec.threshold);
        rec.value = r.value;
        rec.threshold = r.threshold;
      }
    }
    if (spec.severity !== undefined && !rng.chance(0.02)) rec.severity = spec.severity;
    if (spec.confidence !== undefined) rec.confidence = Math.round(spec.confidence * 1000) / 1000;
    if (spec.affected !== undefined) rec.affected_entities = Math.max(1, Math.round(spec.affected));
    if (profile && rng.chance(0.25)) rec.product_area = profile.entry.product_area;
    if (!rng.chance(0.05)) rec.region = region;
    if (spec.segment !== null && profile && rng.chance(0.6))
      rec.customer_segment = spec.segment ?? rng.pick(profile.segments);
    if (!rng.chance(0.1)) {
      const labels: Record<string, string> = { env: 'prod' };
      if (source !== undefined) labels.monitor = `${source}/${spec.model}/${spec.signal}`;
      labels.window = rng.pick(['15m', '1h', '1h', '6h']);
      if (profile && rng.chance(0.5)) labels.team = profile.entry.owner;
      Object.assign(labels, spec.labels);
      rec.labels = labels;
    }
    // a few producers add fields the contract does not know: consumers must tolerate them
    if (rng.chance(0.004)) {
      const kind = rng.int(0, 2);
      if (kind === 0) rec.detector_run_id = `run-${rng.hex(12)}`;
      else if (kind === 1) rec.dashboard_url = `https://monitoring.example/${spec.model}?t=${t}`;
      else rec.x_debug = { sample_rows: rng.int(500, 50000), baseline_window: '7d' };
    }

    this.alerts.push(JSON.stringify(rec));
    this.lastAlertTime = t;
    const scenario = truth.incident ? truth.incident.scenario : truth.scenario;
    bump(this.alertCounts, scenario);
    this.recordFeedback(
      t,
      rng,
      alertId,
      spec.model,
      `${spec.model}|${spec.signal}|${spec.feature ?? ''}|${spec.metric?.name ?? ''}`,
      truth,
      region,
    );
  }

  private recordFeedback(
    t: number,
    rng: Rng,
    alertId: string,
    model: string,
    fingerprint: string,
    truth: Truth,
    region: string,
  ): void {
    let outcome: Outcome;
    let tier: Tier;
    let fbTime: number;
    const inc = truth.incident;
    if (inc) {
      inc.alerts++;
      if (inc.firstAlertId === null) {
        inc.firstAlertId = alertId;
        inc.firstAlertTime = t;
        if (this.keepFeedback) this.incidents.push(inc);
      }
      if (!inc.seen.has(fingerprint) && inc.actionable < inc.cap) {
        inc.actionable++;
        if (inc.actionableIds.length < 8) inc.actionableIds.push(alertId);
        outcome = 'actionable';
        tier = inc.tier;
      } else {
        outcome = inc.restOutcome;
        tier = outcome === 'duplicate' ? inc.tier : inc.restTier;
      }
      inc.seen.add(fingerprint);
    } else {
      outcome = truth.outcome;
      tier = truth.tier;
    }
    bump(this.outcomeCounts, outcome);
    bump(this.tierCounts, tier);
    if (!this.keepFeedback) return;
    if (inc) {
      inc.group.models.add(model);
      if (outcome === 'actionable') inc.group.actionable++;
    }
    this.truth.push({ alertId, group: inc ? inc.group : null, outcome, tier });

    const fb: FeedbackLine = { alert_id: alertId, event_time: 0, outcome, true_tier: tier }; // event_time: set below, in this place
    if (inc && (outcome === 'actionable' || outcome === 'duplicate') && inc.rootCause)
      fb.root_cause = inc.rootCause;
    if (inc && outcome === 'actionable') {
      if (inc.ackAt === null)
        inc.ackAt = t + Math.round(rng.float(inc.ackDelayMin[0], inc.ackDelayMin[1]) * MIN);
      const acked = Math.max(inc.ackAt, t + Math.round(rng.float(0.5, 4) * MIN));
      const resolved = Math.max(inc.resolvedAt, acked + 5 * MIN);
      fb.impact = inc.impact;
      fb.acked_at = acked;
      fb.resolved_at = resolved;
      fbTime = resolved + Math.round(rng.float(10, 120) * MIN);
    } else if (outcome === 'duplicate') {
      fbTime = t + Math.round(rng.float(2, 60) * MIN);
    } else {
      fbTime = t + Math.round(rng.float(5, 480) * MIN);
    }
    fb.event_time = rng.chance(0.02) ? rfc3339(fbTime, RFC_OFFSETS[region] ?? 0) : fbTime;
    this.feedback.push({ t: fbTime, id: alertId, line: JSON.stringify(fb) });
  }
}
