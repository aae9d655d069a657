// Rule 3 of routing.ts: a change that explains an alert's model (a change to the model, to the service
// named like it, or to a service it lists as upstream) within max_lifetime before it, when an inhibit
// rule targets the alert. Stage 1 finds it from the deploy window, which every lane holds whole (deploys
// are a broadcast side input), so the answer is the same on any partition; stage 2 decides whether that
// change's incident inhibits the alert.
import type { AnomalyAlert, DeployEvent, DeployKind, Tier } from '../events.ts';
import { changeRelevance } from '../score.ts';
import type { DeployWindow } from '../window-store.ts';
import { type CompiledInhibitRule, type InhibitTarget, inhibitMatches } from './inhibit-rules.ts';
import { candidateOf, type InhibitCandidate } from './routing.ts';

export interface CandidateRules {
  rules: readonly CompiledInhibitRule[];
  lifetimeMs: number;
  relevance: Record<'serving' | 'input', Record<DeployKind, number>>;
  /** A change less relevant than this to the alert's signal explains nothing (min_cause_strength). */
  minRelevance: number;
}

/** Changes looked at per key: the most recent ones, enough for a day of a busy pipeline. */
const PER_KEY = 16;

export function inhibitionCandidate(
  alert: AnomalyAlert,
  tier: Tier,
  productArea: string | null,
  upstream: readonly string[],
  window: DeployWindow,
  r: CandidateRules,
): InhibitCandidate | null {
  if (r.rules.length === 0) return null;
  const target: InhibitTarget = {
    model_id: alert.model_id,
    signal: alert.signal,
    product_area: productArea,
    region: alert.region ?? null,
    customer_segment: alert.customer_segment ?? null,
    source: alert.source ?? null,
    ...(alert.labels ? { labels: alert.labels } : {}),
    tier,
    cause_kind: null,
  };
  if (!r.rules.some((rule) => inhibitMatches(rule.target, target))) return null;
  const t = alert.event_time;
  const from = t - r.lifetimeMs;
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
  window.visitLatestOf('model', alert.model_id, from, t, PER_KEY, offer);
  window.visitLatestOf('service', alert.model_id, from, t, PER_KEY, offer);
  for (const service of upstream) window.visitLatestOf('service', service, from, t, PER_KEY, offer);
  return best === undefined ? null : candidateOf(best.d);
}
