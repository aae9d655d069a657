// The suspected cause of a scored alert: of the changes joined in its correlation window, the one that best
// explains it — how relevant a change of that kind is to the alert's signal class (the table score.ts uses)
// times how close before the alert it was. A weak best is no cause: the alert then groups by its model.
// Two rules refine it (chooseCause): a change made after the alert's condition began firing cannot have
// caused it, and a model already in a change's incident keeps that change while it still explains the alert.
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
  /** incidents.keep_cause_strength: null, or 0..minStrength (chooseCause). */
  keepStrength?: number | null;
  /** incidents.cause_precedes_firing (chooseCause). */
  precedesFiring?: boolean;
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
  const best = strongest(changes, signal, rules);
  return best !== null && best.strength >= rules.minStrength && best.strength > 0 ? best : null;
}

/** What chooseCause knows of the alert beyond its changes: all from its lane, so the same on replay. */
export interface CauseContext {
  /**
   * When the alert's condition began firing: the first alert of its fingerprint's dedup episode, when
   * this one repeats it (else null — its own time says nothing a change could precede).
   */
  firingSince: number | null;
  /** The change whose incident the model's alerts are in (its memory, within gap and max_lifetime), or null. */
  held: string | null;
}

export interface CauseChoice {
  cause: SuspectedCause | null;
  /** The change that explains the alert better, over which the held change was kept (else null). */
  displaced: SuspectedCause | null;
  /** The strongest change set aside because it came after the condition began firing, had it won (else null). */
  after: SuspectedCause | null;
}

/**
 * The suspected cause, refined:
 * - a change made after the condition began firing (`firingSince`) cannot have caused it: with
 *   `precedesFiring` it is set aside (a fix, a rollback or an unrelated deploy landing mid-incident is
 *   otherwise blamed for the alerts that keep coming);
 * - a change whose incident the model is in (`held`) stays the cause while its strength is at least
 *   `keepStrength`, though another explains the alert better: one model's alerts of different signals
 *   do not split between two changes made close together.
 */
export function chooseCause(
  changes: readonly ContextChange[],
  signal: Signal,
  rules: CauseRules,
  ctx: CauseContext,
): CauseChoice {
  let eligible = changes;
  let later: SuspectedCause | null = null;
  if (rules.precedesFiring === true && ctx.firingSince !== null) {
    const since = ctx.firingSince;
    eligible = changes.filter((c) => c.event_time <= since);
    if (eligible.length !== changes.length)
      later = suspectedCause(
        changes.filter((c) => c.event_time > since),
        signal,
        rules,
      );
  }
  let cause = suspectedCause(eligible, signal, rules);
  let displaced: SuspectedCause | null = null;
  const keep = rules.keepStrength ?? null;
  // Without a competing cause the model's memory holds the alert anyway (routing.ts, rule 2).
  if (keep !== null && ctx.held !== null && cause !== null && cause.change.event_id !== ctx.held) {
    const held = eligible.find((c) => c.event_id === ctx.held);
    const strength = held === undefined ? 0 : strengthOf(held, signal, rules);
    if (held !== undefined && strength >= keep && strength > 0) {
      displaced = cause;
      cause = { change: held, strength };
    }
  }
  const after = later !== null && (cause === null || later.strength > cause.strength) ? later : null;
  return { cause, displaced, after };
}

function strengthOf(change: ContextChange, signal: Signal, rules: CauseRules): number {
  return (
    changeRelevance(signal, change.kind, rules.relevance) *
    changeCloseness(change, rules.correlationMs / 60_000)
  );
}

function strongest(
  changes: readonly ContextChange[],
  signal: Signal,
  rules: CauseRules,
): SuspectedCause | null {
  let best: SuspectedCause | null = null;
  for (const change of changes) {
    const strength = strengthOf(change, signal, rules);
    if (
      best === null ||
      strength > best.strength ||
      (strength === best.strength && isLater(change, best.change))
    )
      best = { change, strength };
  }
  return best;
}

function isLater(a: ContextChange, b: ContextChange): boolean {
  return a.event_time !== b.event_time ? a.event_time > b.event_time : a.event_id < b.event_id;
}
