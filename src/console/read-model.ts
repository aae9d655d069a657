// What the console reads: the latest state of each incident and the scored alerts, bounded in memory
// (the oldest alerts go first once `maxAlerts` is reached). Pure: fed by whoever runs the core.
import type { Action } from '../core/actions.ts';
import type { IncidentRecord } from '../core/incidents/types.ts';
import type { ScoredAlert } from '../core/processor.ts';
import type { FeedbackTimes } from './view-model.ts';

export class ConsoleReadModel {
  private readonly incidents = new Map<string, IncidentRecord>();
  private readonly alerts = new Map<string, ScoredAlert>();
  private readonly actions = new Map<string, Action[]>();
  private readonly feedback = new Map<string, FeedbackTimes>();

  private readonly maxAlerts: number;

  constructor(maxAlerts = 50_000) {
    this.maxAlerts = maxAlerts;
  }

  incident(i: IncidentRecord): void {
    this.incidents.delete(i.incident_id);
    this.incidents.set(i.incident_id, i);
    if (this.incidents.size > this.maxAlerts) {
      const oldest = this.incidents.keys().next().value;
      if (oldest !== undefined) this.incidents.delete(oldest);
    }
  }

  scored(a: ScoredAlert): void {
    this.alerts.delete(a.alert_id);
    this.alerts.set(a.alert_id, a);
    if (this.alerts.size > this.maxAlerts) {
      const oldest = this.alerts.keys().next().value;
      if (oldest !== undefined) {
        this.alerts.delete(oldest);
        this.actions.delete(oldest);
        this.feedback.delete(oldest);
      }
    }
  }

  action(x: Action): void {
    if (!this.alerts.has(x.alert_id)) return;
    const list = this.actions.get(x.alert_id) ?? [];
    list.push(x);
    this.actions.set(x.alert_id, list);
  }

  feedbackTimes(f: FeedbackTimes): void {
    this.feedback.set(f.alert_id, f);
  }

  incidentList(): IncidentRecord[] {
    return [...this.incidents.values()];
  }
  alertList(): ScoredAlert[] {
    return [...this.alerts.values()];
  }
  feedbackList(): FeedbackTimes[] {
    return [...this.feedback.values()];
  }
  alert(id: string): ScoredAlert | undefined {
    return this.alerts.get(id);
  }
  incidentOf(id: string): IncidentRecord | undefined {
    return this.incidents.get(id);
  }
  actionsOf(id: string): Action[] {
    return this.actions.get(id) ?? [];
  }
  /** The highest-priority member alert of an incident the model holds. */
  topMember(incidentId: string): ScoredAlert | undefined {
    let best: ScoredAlert | undefined;
    for (const a of this.alerts.values())
      if (a.incident_id === incidentId && (best === undefined || a.priority > best.priority)) best = a;
    return best;
  }
}
