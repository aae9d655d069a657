// Rule 3 of routing.ts: a change that explains an alert's model (a change to the model, to the service
// named like it, or to a service it lists as upstream) within max_lifetime before the alert's condition
// began firing, though too long before the alert to be its suspected cause. Stage 1 finds it from the
// deploy window, which every lane holds whole (deploys are a broadcast side input), so the answer is the
// same on any partition; stage 2 joins the alert to that change's incident, and decides there whether an
// inhibit rule holds.
import type { AnomalyAlert, DeployEvent, DeployKind } from '../events.ts';
import { changeRelevance } from '../score.ts';
import type { DeployWindow } from '../window-store.ts';
import { candidateOf, type InhibitCandidate } from './routing.ts';

export interface CandidateRules {
  lifetimeMs: number;
  /** How far back the deploy window is sure to hold every change: deploy_retention less allowed_lateness. */
  horizonMs: number;
  /** incidents.cause_precedes_firing: a repeat looks back from when its condition began firing. */
  precedesFiring: boolean;
  relevance: Record<'serving' | 'input', Record<DeployKind, number>>;
  /** A change less relevant than this to the alert's signal explains nothing (min_cause_strength). */
  minRelevance: number;
}

/** Changes looked at per key: the most recent ones, enough for a day of a busy pipeline. */
const PER_KEY = 16;

/**
 * The most relevant change to the alert's signal among those that explain its model within
 * `lifetimeMs` before it (the later, then the smaller event id, on a tie), or null. A repeat whose
 * condition began firing at `firingSince` (its dedup episode's first alert) looks back from then, with
 * `precedesFiring`: a change made since cannot have caused it, and one within `lifetimeMs` before it
 * began still explains it hours later — never further back than `horizonMs`, all the window is sure to
 * hold, so the answer is the same on every replay.
 */
export function candidateChange(
  alert: AnomalyAlert,
  upstream: readonly string[],
  window: DeployWindow,
  r: CandidateRules,
  firingSince: number | null,
): InhibitCandidate | null {
  const t = alert.event_time;
  const end = r.precedesFiring && firingSince !== null && firingSince < t ? firingSince : t;
  const from = Math.max(end - r.lifetimeMs, t - r.horizonMs);
  if (from > end) return null;
  let best: { d: DeployEvent; relevance: number } | undefined;
  const offer = (d: DeployEvent) => {
    const relevance = changeRelevance(alert.signal, d.kind, r.relevance);
    if (relevance < r.minRelevance || relevance <= 0) return;
    if (
      best === undefined ||
      relevance > best.relevance ||
      (relevance === best.relevance &&
        (d.event_time > best.d.event_time ||
          (d.event_time === best.d.event_time && d.event_id < best.d.event_id)))
    )
      best = { d, relevance };
  };
  window.visitLatestOf('model', alert.model_id, from, end, PER_KEY, offer);
  window.visitLatestOf('service', alert.model_id, from, end, PER_KEY, offer);
  for (const service of upstream) window.visitLatestOf('service', service, from, end, PER_KEY, offer);
  return best === undefined ? null : candidateOf(best.d);
}
