// The live version ledger of the service: fed what the pipeline commits (scored alerts, after their
// transaction) and every deploy it steps, it answers GET /v1/gate with the verdict `alert-triage gate`
// prints as its last line for the same records. An aborted chunk is never fed (the pipeline reports
// outputs only once committed), and a chunk read again after a rebalance is counted once (the ledger
// keys alerts by id), so the ledger needs no journal. It is in memory: after a restart it holds the
// deploys the side reader reads back (windows.deploy_retention) and the alerts committed since.
// Its regression watch calls a regressed version once (core/versions/regression-watch.ts); what it calls
// is handed to `onRegression` (main.ts publishes it), as the offline run emits it among its outputs.
import type { Config } from '../config.ts';
import type { DeployEvent } from '../core/events.ts';
import type { IncidentOutput } from '../core/incidents/types.ts';
import type { Output } from '../core/processor.ts';
import { HOUR_MS, type VersionLedger } from '../core/versions/ledger.ts';
import { RegressionWatch } from '../core/versions/regression-watch.ts';
import { type GateOutcome, gateVerdict } from '../core/versions/verdict.ts';

/** The regression watch of a config: its gate settings, each model's profile (the defaults where none). */
export function regressionWatchOf(config: Config): RegressionWatch {
  return new RegressionWatch({
    settings: config.gate,
    profileOf: (model) => config.models[model] ?? config.defaults,
    configVersion: config.version,
  });
}

/**
 * Feeds a step's outputs to the watch (scored alerts; with incidents, stage 1's members) and gives what it
 * called as outputs: the incident record (key incident_id) and the action (key model_id), in that order.
 */
export function regressionOutputs(watch: RegressionWatch, outputs: readonly Output[]): IncidentOutput[] {
  const out: IncidentOutput[] = [];
  for (const o of outputs) {
    const alert = o.kind === 'scored' ? o.alert : o.kind === 'member' ? o.member.alert : undefined;
    if (!alert) continue;
    for (const f of watch.alert(alert)) {
      out.push({ kind: 'incident', key: f.incident.incident_id, incident: f.incident });
      out.push({ kind: 'action', key: f.action.model_id, action: f.action });
    }
  }
  return out;
}

export interface GateAnswer {
  status: 200 | 400 | 404;
  body: object;
}

export class VersionWatch {
  readonly watch: RegressionWatch;
  private readonly settings: Config['gate'];
  private readonly rollbackAllowed: (model: string) => boolean;
  /** Verdicts answered, by outcome (a metric). */
  readonly answered: Record<GateOutcome, number> = { ok: 0, regressed: 0, insufficient_evidence: 0 };
  /** Per model × version that stopped serving: its census verdict, when it stopped, and the floor's day it is of. */
  private readonly censusCache = new Map<
    string,
    { ended: number; day: number; verdict: GateOutcome | undefined }
  >();
  /** Called on every verdict answered. */
  onVerdict: ((v: GateOutcome) => void) | undefined;
  /** Called with what the regression watch called: a version_regression incident and its action. */
  onRegression: ((outputs: IncidentOutput[]) => void) | undefined;

  constructor(config: Config) {
    this.settings = config.gate;
    this.rollbackAllowed = (model) => (config.models[model] ?? config.defaults).rollback_allowed;
    this.watch = regressionWatchOf(config);
  }

  get ledger(): VersionLedger {
    return this.watch.ledger;
  }

  /** The committed outputs of a chunk. */
  outputs(outputs: readonly Output[]): void {
    // With the incident stage, an alert leaves stage 1 as a member (its scored record inside): counted there.
    const called = regressionOutputs(this.watch, outputs);
    if (called.length > 0) this.onRegression?.(called);
  }

  deploy(d: DeployEvent): void {
    this.watch.deploy(d);
  }

  /**
   * Every watched version's verdict as of the latest alert (the gate_versions gauge): counts by outcome.
   * A version that has stopped serving keeps its verdict until its serving changes (a deploy back to it)
   * or the history's floor moves by a day; the ones serving are judged again each time. The census is
   * asked every 30 s, and judging every version of every model each time blocked the event loop for
   * seconds on a long history.
   */
  census(): { watched: number; byVerdict: Record<GateOutcome, number> } {
    const byVerdict: Record<GateOutcome, number> = { ok: 0, regressed: 0, insufficient_evidence: 0 };
    let watched = 0;
    const at = this.ledger.latest;
    const day = Math.floor(this.ledger.floorAt(at) / (24 * HOUR_MS));
    const live = new Set<string>();
    for (const model of this.ledger.modelIds()) {
      // When each version stopped serving; none for the one serving now (its verdict moves with `at`).
      const endedAt = new Map<string, number>();
      for (const i of this.ledger.intervals(model, at)) {
        if (i.version === null) continue;
        if (i.to < at) endedAt.set(i.version, i.to);
        else endedAt.delete(i.version);
      }
      for (const version of this.ledger.versionsOf(model)) {
        watched++;
        const key = `${model}\u0000${version}`;
        live.add(key);
        const ended = endedAt.get(version);
        const cached = this.censusCache.get(key);
        let verdict = cached?.verdict;
        const fresh = ended !== undefined && cached?.ended === ended && cached.day === day;
        if (!fresh) {
          const r = gateVerdict(this.ledger, { model, version }, this.settings);
          verdict = r.ok ? r.verdict.verdict : undefined;
          if (ended === undefined) this.censusCache.delete(key);
          else this.censusCache.set(key, { ended, day, verdict });
        }
        if (verdict) byVerdict[verdict]++;
      }
    }
    if (this.censusCache.size > live.size)
      for (const k of this.censusCache.keys()) if (!live.has(k)) this.censusCache.delete(k);
    return { watched, byVerdict };
  }

  /** GET /v1/gate?model=M&version=V[&baseline=B][&at=T]. */
  answer(query: URLSearchParams): GateAnswer {
    const model = query.get('model');
    const version = query.get('version');
    if (!model || !version)
      return {
        status: 400,
        body: { status: 'bad_request', error: 'model and version are required: /v1/gate?model=M&version=V' },
      };
    const baseline = query.get('baseline') || undefined;
    const atText = query.get('at');
    let at: number | undefined;
    if (atText) {
      at = /^\d+$/.test(atText) ? Number(atText) : Date.parse(atText);
      if (!Number.isFinite(at))
        return {
          status: 400,
          body: { status: 'bad_request', error: 'at: must be epoch milliseconds or an RFC 3339 time' },
        };
    }
    const r = gateVerdict(
      this.ledger,
      {
        model,
        version,
        ...(baseline ? { baseline } : {}),
        ...(at === undefined ? {} : { at }),
        rollbackAllowed: this.rollbackAllowed(model),
      },
      this.settings,
    );
    if (!r.ok)
      return { status: 404, body: { status: 'not_found', code: r.error.code, error: r.error.message } };
    this.answered[r.verdict.verdict]++;
    this.onVerdict?.(r.verdict.verdict);
    return { status: 200, body: r.verdict };
  }
}
