// The live version ledger of the service: fed what the pipeline commits (scored alerts, after their
// transaction) and every deploy it steps, it answers GET /v1/gate with the verdict `alert-triage gate`
// prints as its last line for the same records. An aborted chunk is never fed (the pipeline reports
// outputs only once committed), and a chunk read again after a rebalance is counted once (the ledger
// keys alerts by id), so the ledger needs no journal. It is in memory: after a restart it holds the
// deploys the side reader reads back (windows.deploy_retention) and the alerts committed since.
import type { DeployEvent } from '../core/events.ts';
import type { Output } from '../core/processor.ts';
import type { GateSettings } from '../core/settings.ts';
import { VersionLedger } from '../core/versions/ledger.ts';
import { type GateOutcome, gateVerdict } from '../core/versions/verdict.ts';

export interface GateAnswer {
  status: 200 | 400 | 404;
  body: object;
}

export class VersionWatch {
  readonly ledger = new VersionLedger();
  private readonly settings: GateSettings;
  private readonly rollbackAllowed: (model: string) => boolean;
  /** Verdicts answered, by outcome (a metric). */
  readonly answered: Record<GateOutcome, number> = { ok: 0, regressed: 0, insufficient_evidence: 0 };
  /** Called on every verdict answered. */
  onVerdict: ((v: GateOutcome) => void) | undefined;

  /** `rollbackAllowed`: the catalog's rollback_allowed of a model (default: never). */
  constructor(settings: GateSettings, rollbackAllowed: (model: string) => boolean = () => false) {
    this.settings = settings;
    this.rollbackAllowed = rollbackAllowed;
  }

  /** The committed outputs of a chunk. */
  outputs(outputs: readonly Output[]): void {
    // With the incident stage, an alert leaves stage 1 as a member (its scored record inside): counted there.
    for (const o of outputs) {
      if (o.kind === 'scored') this.ledger.observeAlert(o.alert);
      else if (o.kind === 'member') this.ledger.observeAlert(o.member.alert);
    }
  }

  deploy(d: DeployEvent): void {
    this.ledger.observeDeploy(d);
  }

  /** Every watched version's verdict as of the latest alert (the gate_versions gauge): counts by outcome. */
  census(): { watched: number; byVerdict: Record<GateOutcome, number> } {
    const byVerdict: Record<GateOutcome, number> = { ok: 0, regressed: 0, insufficient_evidence: 0 };
    let watched = 0;
    for (const model of this.ledger.modelIds())
      for (const version of this.ledger.versionsOf(model)) {
        watched++;
        const r = gateVerdict(this.ledger, { model, version }, this.settings);
        if (r.ok) byVerdict[r.verdict.verdict]++;
      }
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
