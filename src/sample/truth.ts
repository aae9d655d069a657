// The ground truth of incidents (truth.ndjson): which alerts share one cause, across however many models
// it broke. feedback.ndjson judges alerts one by one; this file says what one page per cause should be.
import type { Outcome, Tier } from './world.ts';

/**
 * One real-world problem as on-call should see it. A scenario's per-model incidents share a group when
 * one cause broke them all (an upstream change, a degraded node pool).
 */
export class IncidentGroup {
  readonly id: string;
  /** what happened, for the generator's own log */
  readonly summary: string;
  /** the change that caused it; null when no change did (infrastructure, drift, noise) */
  causeEventId: string | null = null;
  /** true: the change is in deploys.ndjson; false: it happened but nobody recorded it */
  causeRecorded: boolean | null = null;
  readonly models = new Set<string>();
  actionable = 0;

  constructor(id: string, summary: string) {
    this.id = id;
    this.summary = summary;
  }

  causedBy(eventId: string, recorded: boolean): void {
    this.causeEventId = eventId;
    this.causeRecorded = recorded;
  }
}

/** One line of truth.ndjson. */
export interface TruthLine {
  alert_id: string;
  /** null: noise, in no real incident */
  incident_id: string | null;
  cause_event_id: string | null;
  cause_recorded: boolean | null;
  models_in_incident: number | null;
  multi_model: boolean;
  true_tier: Tier;
  outcome: Outcome;
}

export interface TruthRow {
  alertId: string;
  group: IncidentGroup | null;
  outcome: Outcome;
  tier: Tier;
}

/**
 * One line per alert, in alert order. A group none of whose alerts is actionable (a flapping monitor
 * nobody needed to act on) is noise: its alerts get no incident, like alerts that belong to none.
 */
export function renderTruth(rows: readonly TruthRow[]): string {
  return rows
    .map((r) => {
      const g = r.group !== null && r.group.actionable > 0 ? r.group : null;
      const line: TruthLine = {
        alert_id: r.alertId,
        incident_id: g?.id ?? null,
        cause_event_id: g?.causeEventId ?? null,
        cause_recorded: g?.causeRecorded ?? null,
        models_in_incident: g?.models.size ?? null,
        multi_model: (g?.models.size ?? 0) > 1,
        true_tier: r.tier,
        outcome: r.outcome,
      };
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}
