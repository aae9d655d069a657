// The sentences an alert is told about its incident (its `incident.reasons`, never `reasons`, which the
// stream's parity tests compare): which incident, why, and whether it paged.
import type { Tier } from '../events.ts';
import type { CauseChoice, SuspectedCause } from './cause.ts';
import { causeOf, describeCause, type Incident } from './incident.ts';
import type { IncidentMember } from './types.ts';

/** `45 s`, `27 min`, `2 h 5 min`. */
export function span(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 1) return `${Math.round(Math.abs(ms) / 1000)} s`;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

const modelsAffected = (inc: Incident) =>
  `${inc.models.size} model${inc.models.size === 1 ? '' : 's'} affected`;

/** How the member came to this incident. `opened`: it is the incident's first member. */
export function joinSentence(m: IncidentMember, inc: Incident, opened: boolean, gapMs: number): string {
  const t = m.alert.event_time;
  const cause = inc.cause ? describeCause(inc.cause) : null;
  if (m.how === 'cause' && m.cause !== null) {
    const strength = m.cause_strength === null ? '' : `, cause strength ${m.cause_strength.toFixed(2)}`;
    const blame = `${describeCause(inc.cause ?? { ...m.cause })} (${m.cause.event_id}) ${span(t - m.cause.event_time)} before this alert${strength}`;
    return opened
      ? `opened incident ${inc.id} for ${blame}`
      : `joined incident ${inc.id} opened ${span(t - inc.first)} ago by ${cause ?? blame}; ${modelsAffected(inc)}`;
  }
  if (m.how === 'model' && !opened) {
    const last = m.since_last === null ? '' : `its previous alert in it ${span(m.since_last)} before`;
    const what = cause ? `opened by ${cause}` : `of ${m.alert.model_id}`;
    return `joined incident ${inc.id} ${what} ${span(t - inc.first)} ago: ${last} (within the gap of ${span(gapMs)}), and no change explains this alert better; ${modelsAffected(inc)}`;
  }
  if (m.how === 'upstream' && opened) {
    return `opened incident ${inc.id}: no change explains it; alerts no change explains on other models fed by ${Object.keys(inc.upstream_last ?? {}).join(', ')} join it within incidents.upstream_window of its last such alert`;
  }
  if (m.how === 'group' && opened) {
    return `opened incident ${inc.id}: no change explains it; alerts on any model with ${m.key.slice('group:'.length)} (incidents.group_by) join it within the gap of ${span(gapMs)}`;
  }
  if (m.how === 'candidate' && m.candidate !== null && opened) {
    return `opened incident ${inc.id}: ${m.candidate.kind} ${m.candidate.event_id} explains ${m.alert.model_id}, but its incident was closed by feedback`;
  }
  return `opened incident ${inc.id}: no change in the correlation window explains it strongly enough, and no incident of ${m.alert.model_id} is within the gap of ${span(gapMs)}`;
}

/**
 * What the cause choice set aside (cause.ts), said with the member's reasons: nothing when the alert's
 * suspected cause is simply the change that explains it best.
 */
export function causeChoiceSentences(
  choice: CauseChoice,
  t: number,
  firingSince: number | null,
  modelId: string,
): string[] {
  const out: string[] = [];
  const named = (c: SuspectedCause) =>
    `${describeCause(causeOf(c.change))} (${c.change.event_id}) ${span(t - c.change.event_time)} before this alert`;
  if (choice.cause !== null && choice.displaced !== null)
    out.push(
      `kept ${named(choice.cause)} as the suspected cause (strength ${choice.cause.strength.toFixed(2)}, at least incidents.keep_cause_strength): ${modelId}'s alerts are in its incident, though ${named(choice.displaced)} explains this one better (${choice.displaced.strength.toFixed(2)})`,
    );
  if (choice.after !== null && firingSince !== null)
    out.push(
      `not blamed on ${named(choice.after)}: it came after this condition began firing ${span(t - firingSince)} before (incidents.cause_precedes_firing)`,
    );
  return out;
}

/** A candidate whose change is further back than max_lifetime and whose incident the book no longer holds. */
export function staleCandidateSentence(m: IncidentMember, inc: Incident, lifetimeMs: number): string {
  const c = m.candidate!;
  return `opened incident ${inc.id}: ${describeCause(c.change)} (${c.event_id}) explains ${m.alert.model_id} from before this condition began firing, but came ${span(m.alert.event_time - c.change.event_time)} before this alert, more than max_lifetime (${span(lifetimeMs)}), and its incident is no longer held`;
}

/**
 * An alert of an upstream lane (routing.ts, rule 5) that joined another model's incident through `service`
 * (feeding `fed` models), whose last alert of a model it feeds came `since` ms before.
 */
export function upstreamSentence(
  inc: Incident,
  m: IncidentMember,
  link: { service: string; fed: number; modelsBefore: number; since: number },
): string {
  const t = m.alert.event_time;
  const others = [...inc.models.keys()].filter((x) => x !== m.alert.model_id);
  const who =
    others.length <= 2
      ? others.join(' and ')
      : `${others.slice(0, 2).join(', ')} and ${others.length - 2} more`;
  const them = link.modelsBefore === 1 ? 'it' : 'them';
  return `joined incident ${inc.id}, opened ${span(t - inc.first)} ago: no recorded change explains this alert, and ${who}, fed like ${m.alert.model_id} by ${link.service} (which feeds ${link.fed} models), alerted ${span(link.since)} before with no change explaining ${them} either: an unrecorded change upstream at ${link.service} is suspected; ${modelsAffected(inc)}`;
}

/** A group member (routing.ts, rule 4) that joined the open incident of its label values. */
export function groupedSentence(inc: Incident, m: IncidentMember, sinceLast: number): string {
  const t = m.alert.event_time;
  return `joined incident ${inc.id} of ${m.key.slice('group:'.length)} (incidents.group_by), opened ${span(t - inc.first)} ago, its last alert ${span(sinceLast)} before: no change explains this alert, and it is served where that incident's alerts are; ${modelsAffected(inc)}`;
}

export function inhibitedSentence(inc: Incident, m: IncidentMember): string {
  const cause = inc.cause ? `${describeCause(inc.cause)} (${inc.cause.event_id})` : inc.key;
  return `inhibited by ${inc.tier} incident ${inc.id} of ${cause}, open ${span(m.alert.event_time - inc.first)}: joined it, no page`;
}

/** A candidate (routing.ts, rule 3) that joined, or opened, its change's incident, uninhibited. */
export function hostedSentence(inc: Incident, m: IncidentMember, opened: boolean): string {
  const c = m.candidate!;
  const t = m.alert.event_time;
  const change = `${describeCause(c.change)} (${c.event_id}) ${span(t - c.change.event_time)} before this alert`;
  const why = `explains ${m.alert.model_id} but is too far back to be its suspected cause`;
  return opened
    ? `opened incident ${inc.id} for ${change}: the change ${why}`
    : `joined incident ${inc.id} of ${change}, opened ${span(t - inc.first)} ago: the change ${why}; ${modelsAffected(inc)}`;
}

export type PageChoice =
  | { page: true; why: 'opened' | 'rose' | 'reopened'; from: Tier | null }
  | {
      page: false;
      why:
        | 'suppressed'
        | 'silenced'
        | 'inhibited'
        | 'not_a_page_tier'
        | 'paged_already'
        | 'held'
        | 'uncorroborated';
    };

export function pageSentence(
  c: PageChoice,
  tier: Tier,
  inc: Incident,
  pageTiers: readonly Tier[],
  waitMs = 0,
  modelId?: string,
): string {
  if (c.page) {
    if (c.why === 'rose') return `paged ${tier}: the incident's paged tier rose from ${c.from} to ${tier}`;
    if (c.why === 'reopened') return `paged ${tier}: the incident was resolved by feedback and fires again`;
    return `paged ${tier}: the incident's first alert at a page tier`;
  }
  switch (c.why) {
    case 'suppressed':
      return 'not paged: a dedup repeat of this fingerprint';
    case 'silenced':
      return 'not paged: silenced';
    case 'inhibited':
      return 'not paged: inhibited';
    case 'not_a_page_tier':
      return `not paged: ${tier} is not a page tier (${pageTiers.join(', ') || 'none'})`;
    case 'held':
      return `not paged: incident ${inc.id} holds a page at ${inc.held?.alert.tier} for the group wait of ${span(waitMs)}`;
    case 'uncorroborated':
      return inc.candidate_opened === true && inc.cause !== null
        ? `not paged: ${describeCause(inc.cause)} (${inc.cause.event_id}) came too long before to suspect it and incident ${inc.id} has no other alert yet; at ${tier} it pages from its second alert (incidents.corroborate_candidates)`
        : inc.upstream_members !== undefined && inc.models.size > 1 && modelId !== undefined
          ? `not paged: no change explains incident ${inc.id} and it has no other alert of ${modelId} yet (another model's alert links it, through an upstream service, but is no second sighting); at ${tier} it pages from a second alert of ${modelId} (incidents.corroborate_tiers)`
          : `not paged: no change explains incident ${inc.id} and it has no other alert yet; at ${tier} it pages from its second alert (incidents.corroborate_tiers)`;
    case 'paged_already':
      return `not paged: incident ${inc.id} already paged at ${inc.paged_tier} (${inc.pages} page${inc.pages === 1 ? '' : 's'})`;
  }
}
