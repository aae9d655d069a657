// Feeds the console's read model (console/read-model.ts) from what the service already computes: the
// committed outputs of the scoring stage and, with kafka.incident_stage, the incident stage's.
import type { ConsoleReadModel } from '../console/read-model.ts';
import type { AlertFeedback } from '../core/events.ts';
import type { IncidentOutput } from '../core/incidents/types.ts';
import type { Output } from '../core/processor.ts';

export function consoleFeed(model: ConsoleReadModel) {
  return {
    outputs(outputs: readonly (Output | IncidentOutput)[]): void {
      for (const o of outputs) {
        if (o.kind === 'scored') model.scored(o.alert);
        else if (o.kind === 'action') model.action(o.action);
        else if (o.kind === 'incident') model.incident(o.incident);
      }
    },
    feedback(f: AlertFeedback): void {
      if (f.acked_at !== undefined || f.resolved_at !== undefined)
        model.feedbackTimes({
          alert_id: f.alert_id,
          acked_at: f.acked_at ?? null,
          resolved_at: f.resolved_at ?? null,
        });
    },
  };
}
