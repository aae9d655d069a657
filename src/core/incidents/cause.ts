// The suspected cause of a scored alert: of the changes joined in its correlation window, the one that best
// explains it — how relevant a change of that kind is to the alert's signal class (the table score.ts uses)
// times how close before the alert it was. A weak best is no cause: the alert then groups by its model.
import type { DeployKind, Signal } from '../events.ts';
import type { ContextChange } from '../join.ts';
import { changeCloseness, changeRelevance } from '../score.ts';

export interface SuspectedCause {
  change: ContextChange;
  /** relevance x closeness, 0..1. */
  strength: number;
}

export interface CauseRules {
  relevance: Record<'serving' | 'input', Record<DeployKind, number>>;
  correlationMs: number;
  minStrength: number;
}

/**
 * The strongest change of `changes` (an alert's context.deploys) for an alert of `signal`, or null when
 * none reaches `minStrength`. Closeness is the likelihood's (score.ts), from `minutes_before`. Ties go to
 * the later change, then the smaller event id, so the answer is one on replay.
 */
export function suspectedCause(
  changes: readonly ContextChange[],
  signal: Signal,
  rules: CauseRules,
): SuspectedCause | null {
  const windowMinutes = rules.correlationMs / 60_000;
  let best: SuspectedCause | null = null;
  for (const change of changes) {
    const strength =
      changeRelevance(signal, change.kind, rules.relevance) * changeCloseness(change, windowMinutes);
    if (
      best === null ||
      strength > best.strength ||
      (strength === best.strength && later(change, best.change))
    )
      best = { change, strength };
  }
  return best !== null && best.strength >= rules.minStrength && best.strength > 0 ? best : null;
}

function later(a: ContextChange, b: ContextChange): boolean {
  return a.event_time !== b.event_time ? a.event_time > b.event_time : a.event_id < b.event_id;
}
