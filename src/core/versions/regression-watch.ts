// The regression watch: the gate's verdict asked by the product itself, once per serving hour of every
// model's current version, so a slow regression is called without anyone asking `GET /v1/gate`. A
// `regressed` verdict is emitted once per version, as an incident of kind `version_regression` (for
// ml.incidents) and a recommendation on ml.alerts.actions: `rollback_model` to the baseline where the
// catalog allows rollback, else a `version_comparison` diagnostic.
//
// When it judges: before observing an alert of a model at least `JUDGE_EVERY` (event time) after the
// model's previous judgement, at the millisecond before that alert — so every alert of the model before
// that instant is in the ledger, and none after it. A model's alerts come in event-time order offline and
// in the stream alike (one model is on one partition), and the deploys before that instant are read (the
// side-input gate), so the offline run and the stream judge the same versions at the same instants. A
// model that raises no more alerts is not judged again: a regression is more alerts.
import type { Action } from '../actions.ts';
import { hash64 } from '../dedup.ts';
import type { DeployEvent, ScoredAlert, Tier } from '../events.ts';
import type { IncidentRecord } from '../incidents/types.ts';
import type { GateSettings, ModelProfile } from '../settings.ts';
import { type LedgerAlert, VersionLedger } from './ledger.ts';
import { type GateVerdict, gateVerdict } from './verdict.ts';

/** The incident record of a regressed version: an IncidentRecord with its kind and the verdict. */
export interface VersionRegressionIncident extends IncidentRecord {
  kind: 'version_regression';
  /** The gate's verdict that called it, as `GET /v1/gate` answers it for the same instant. */
  verdict: GateVerdict;
}

export interface RegressionFinding {
  incident: VersionRegressionIncident;
  action: Action;
}

/** How often (event time) a model's current version is judged at most: a call is at most this late. */
export const JUDGE_EVERY = 10 * 60_000;

/** A version regression is ranked P2: a person decides on the rollback within P2's SLA; it does not wake anyone. */
export const REGRESSION_TIER: Tier = 'P2';

export const regressionIncidentId = (model: string, version: string) =>
  `inc-${hash64(`version\u0000${model}\u0000${version}`)}`;

export interface RegressionWatchOptions {
  settings: GateSettings;
  profileOf: (model: string) => ModelProfile;
  configVersion: string;
}

export class RegressionWatch {
  readonly ledger: VersionLedger;
  private readonly o: RegressionWatchOptions;
  /** Per model: when it was last judged (its first alert, before it ever was). */
  private readonly lastJudged = new Map<string, number>();
  /** `model\0version` of every version already called regressed: called once. */
  private readonly called = new Set<string>();
  /** Verdicts asked (a metric). */
  judged = 0;

  constructor(o: RegressionWatchOptions) {
    this.o = o;
    this.ledger = new VersionLedger({ historyMs: o.settings.history });
  }

  deploy(d: DeployEvent): void {
    this.ledger.observeDeploy(d);
  }

  /** Observes a scored alert; first judges its model's current version when JUDGE_EVERY has passed. */
  alert(a: LedgerAlert & Pick<ScoredAlert, 'alert_id'>): RegressionFinding[] {
    const last = this.lastJudged.get(a.model_id);
    const found: RegressionFinding[] = [];
    if (last === undefined) this.lastJudged.set(a.model_id, a.event_time);
    else if (a.event_time - last >= JUDGE_EVERY) {
      this.lastJudged.set(a.model_id, a.event_time);
      const f = this.judge(a.model_id, a.event_time - 1);
      if (f) found.push(f);
    }
    this.ledger.observeAlert(a);
    return found;
  }

  /** Judges the version serving `model` at `at`, unless it has been called already. */
  private judge(model: string, at: number): RegressionFinding | undefined {
    const serving = this.ledger.intervals(model, at).at(-1);
    const version = serving?.version;
    if (!serving || !version || serving.to < at) return undefined;
    const key = `${model}\u0000${version}`;
    if (this.called.has(key)) return undefined;
    const profile = this.o.profileOf(model);
    this.judged++;
    const r = gateVerdict(
      this.ledger,
      { model, version, at, rollbackAllowed: profile.rollback_allowed },
      this.o.settings,
    );
    if (!r.ok || r.verdict.verdict !== 'regressed') return undefined;
    this.called.add(key);
    const cause = serving.started_by ? this.ledger.deployOf(model, serving.started_by.event_id) : undefined;
    return this.finding(r.verdict, profile, cause);
  }

  private finding(v: GateVerdict, profile: ModelProfile, deploy: DeployEvent | undefined): RegressionFinding {
    const id = regressionIncidentId(v.model, v.version);
    const c = v.candidate;
    const from = c.first_serving ?? v.at;
    const impact = c.mean_expected_impact_per_hour * c.alerts_per_hour;
    const decisive = v.test.decisive;
    const what = decisive && decisive.signal !== 'all' ? `${decisive.signal} ` : '';
    const against = v.baseline ?? 'its baseline';
    const hours = `over ${Math.round(c.serving_hours)} serving hours`;
    const title =
      decisive?.rate_ratio == null
        ? `${v.model} ${v.version} regressed against ${against}: ${decisive?.candidate ?? c.counted} ${what}alerts where ${against} had none ${hours}`
        : `${v.model} ${v.version} regressed against ${against}: ${decisive.rate_ratio.toFixed(1)}× the ${what}alert rate ${hours}`;
    let cause: VersionRegressionIncident['cause'] = null;
    if (deploy) {
      const { region: _region, ...rest } = deploy;
      cause = rest;
    }
    const incident: VersionRegressionIncident = {
      kind: 'version_regression',
      incident_id: id,
      key: `version:${v.model}@${v.version}`,
      title,
      status: 'open',
      resolved_at: null,
      resolved_by: null,
      cause,
      models: [
        {
          model_id: v.model,
          product_area: profile.product_area ?? null,
          members: c.alerts,
          tier: REGRESSION_TIER,
          priority: c.mean_priority,
          expected_impact_per_hour: c.mean_expected_impact_per_hour,
        },
      ],
      product_areas: profile.product_area ? [profile.product_area] : [],
      regions: [],
      customer_segments: [],
      members: c.alerts,
      first_event_time: from,
      last_event_time: v.at,
      expected_impact_per_hour: impact,
      priority: c.mean_priority,
      tier: REGRESSION_TIER,
      owner: profile.owner,
      owner_from: 'model_change',
      escalation: profile.escalation ?? [],
      playbook: profile.playbook ?? null,
      sla: null,
      pages: 0,
      paged_tier: null,
      first_paged_at: null,
      silenced: 0,
      inhibited: 0,
      suppressed: 0,
      config_version: this.o.configVersion,
      verdict: v,
    };
    const base = {
      alert_id: id,
      model_id: v.model,
      tier: REGRESSION_TIER,
      event_time: v.at,
      owner: profile.owner,
    };
    const evidence: Record<string, string> = {
      incident_id: id,
      from_version: v.version,
      baseline: v.baseline ?? '',
      p_value: String(decisive?.p_value ?? ''),
      rate_ratio: decisive?.rate_ratio == null ? '' : String(decisive.rate_ratio),
    };
    const action: Action = v.rollback
      ? {
          ...base,
          action_id: `${id}:rollback`,
          type: 'rollback',
          operation: 'rollback_model',
          params: { ...evidence, to_version: v.rollback.to_version },
          reason: `${v.reasons[0] ?? title}; rollback allowed: go back to ${v.rollback.to_version}`,
        }
      : {
          ...base,
          action_id: `${id}:diagnostic`,
          type: 'diagnostic',
          operation: 'version_comparison',
          params: evidence,
          reason: `${v.reasons[0] ?? title}; ${profile.rollback_allowed ? 'no version to roll back to is known' : 'rollback is not allowed for this model'}: compare predictions of ${v.version} and ${v.baseline ?? 'the previous version'}`,
        };
    return { incident, action };
  }
}
