// One incident as stage 2 holds it, and the record it writes to `ml.incidents` on every change: members
// and models, impact summed over distinct models, tier never below its highest member's, the owner of the
// cause (a service change goes to the pipeline's team), SLA deadlines from the first page.
import type { Action } from '../actions.ts';
import type { DeployEvent, ScoredAlert, Tier } from '../events.ts';
import type { ContextChange } from '../join.ts';
import { money } from '../score.ts';
import type { ModelProfile, TriageSettings } from '../settings.ts';
import { escalationPath, slaDeadlines, tierRank } from '../tier.ts';
import type { InhibitTarget } from './inhibit-rules.ts';
import type { IncidentCause, IncidentModel, IncidentRecord, IncidentStatus } from './types.ts';

export interface Incident {
  readonly id: string;
  readonly key: string;
  readonly cause: IncidentCause | null;
  status: IncidentStatus;
  resolved_at: number | null;
  resolved_by: 'timeout' | 'feedback' | 'source' | null;
  readonly models: Map<string, IncidentModel>;
  readonly areas: Set<string>;
  readonly regions: Set<string>;
  readonly segments: Set<string>;
  readonly signals: Set<string>;
  members: number;
  first: number;
  last: number;
  tier: Tier;
  priority: number;
  /** The member that set the tier: what an inhibit rule's `source` and `equal` are matched against. */
  top: InhibitTarget;
  readonly owner: Owner;
  sla: { ack_by: number | null; resolve_by: number | null } | null;
  pages: number;
  paged_tier: Tier | null;
  first_paged_at: number | null;
  silenced: number;
  inhibited: number;
  suppressed: number;
  /** Action types already recommended for it: each once per incident. */
  readonly actions: Set<string>;
  /** Its members' alert ids, so feedback on any of them finds it. */
  readonly alerts: string[];
  /** Its members' dedup fingerprints, so a resolved alert of any of them finds it (book.ts). */
  readonly fingerprints: Set<string>;
  /**
   * `fingerprintKey(route, fingerprint)` → when its latest member in this incident was taken
   * (IncidentState.taken): of the incidents a fingerprint is in on a route, the one it last joined is what
   * `byFingerprint` holds, and a book read back finds it by this. Absent in records written before it.
   */
  fingerprint_taken?: Map<string, number>;
  /** Those of them firing: not resolved by their source since their last member. Empty: its source resolved it. */
  readonly firing: Set<string>;
  /** Candidates' and group members' incident ids that joined it (book.ts aliases), dropped with it. */
  readonly aliases: string[];
  /**
   * Opened by an inhibition candidate (routing.ts, rule 3): its change came too long before its first
   * alert to be a suspected cause, so it waits for corroboration like an incident no change explains.
   */
  candidate_opened?: boolean;
  /** `group:<label values>` when a group member opened it (routing.ts, rule 4): later ones join it. */
  group?: string;
  /**
   * Opened by an alert of an upstream lane (routing.ts, rule 5): each upstream service it is reached
   * through (its first alert's model's) → its latest alert of a model that service feeds. Alerts of other
   * models fed by one of them, no change explaining them, join it within `upstream_window`.
   */
  upstream_last?: Record<string, number>;
  /**
   * Its members that were no dedup repeat, per model: in such an incident an alert is corroborated only
   * by another of its own model (another model's links the incident, but is no second sighting).
   */
  upstream_members?: Record<string, number>;
  /** The service through which a second model joined: an unrecorded change there is suspected. */
  upstream_service?: string;
  /** A first page held for `group_wait` (book.ts): plain data, null when none is held. */
  held: HeldPage | null;
  /**
   * Its lone first alert, not paged for want of a second (`corroborate_tiers`), until one comes: a second
   * alert, or a repeat of this one (in any incident of the same route), pages. Null otherwise.
   */
  waiting: string | null;
  /** Its pages since it last resolved, in order: each gets a resolve on its tier topic when it resolves. */
  unresolved: { page_id: string; tier: Tier; acked?: boolean }[];
}

/**
 * A first page below the highest page tier, held until `until` (event time) for a member at a higher
 * tier. Plain JSON-able data: the member's scored record (page not yet decided), its sentences so far and
 * the actions it would trigger.
 */
export interface HeldPage {
  until: number;
  why: 'opened' | 'reopened';
  alert: ScoredAlert;
  notes: string[];
  actions: Action[];
}

export interface Owner {
  owner: string;
  from: IncidentRecord['owner_from'];
  playbook: string | null;
  /** The model's own escalation override, when the owner is a model's. */
  escalation: readonly string[] | undefined;
}

export function causeOf(c: ContextChange | DeployEvent): IncidentCause {
  const out: IncidentCause = { event_id: c.event_id, kind: c.kind, event_time: c.event_time };
  if (c.model_id !== undefined) out.model_id = c.model_id;
  if (c.service !== undefined) out.service = c.service;
  if (c.version !== undefined) out.version = c.version;
  if (c.previous_version !== undefined) out.previous_version = c.previous_version;
  if (c.actor !== undefined) out.actor = c.actor;
  if (c.commit !== undefined) out.commit = c.commit;
  if (c.description !== undefined) out.description = c.description;
  return out;
}

/** `schema_change v7 of payments-pipeline`: what changed, for sentences. */
export function describeCause(c: IncidentCause): string {
  return `${c.kind}${c.version ? ` ${c.version}` : ''} of ${c.service ?? c.model_id ?? 'an unnamed target'}`;
}

/**
 * Who owns the incident: a service change → `services[service]`; a model change (or a change to the
 * service named like the model: its serving code) → the model's owner; otherwise, or when the service is
 * not in `services`, the first member's model owner.
 */
export function ownerOf(cause: IncidentCause | null, first: ScoredAlert, s: TriageSettings): Owner {
  const profileOf = (model: string): ModelProfile =>
    Object.hasOwn(s.models, model) ? s.models[model]! : s.defaults;
  if (cause !== null) {
    const changed =
      cause.model_id ??
      (cause.service !== undefined && Object.hasOwn(s.models, cause.service) ? cause.service : undefined);
    if (changed !== undefined) {
      const p = profileOf(changed);
      return { owner: p.owner, from: 'model_change', playbook: p.playbook ?? null, escalation: p.escalation };
    }
    if (cause.service !== undefined && Object.hasOwn(s.services, cause.service)) {
      const svc = s.services[cause.service]!;
      return {
        owner: svc.owner,
        from: 'service',
        playbook: svc.playbook ?? first.playbook,
        escalation: undefined,
      };
    }
  }
  const p = profileOf(first.model_id);
  return { owner: first.owner, from: 'first_model', playbook: first.playbook, escalation: p.escalation };
}

export function openIncident(
  id: string,
  key: string,
  cause: IncidentCause | null,
  first: ScoredAlert,
  s: TriageSettings,
): Incident {
  return {
    id,
    key,
    cause,
    status: 'open',
    resolved_at: null,
    resolved_by: null,
    models: new Map(),
    areas: new Set(),
    regions: new Set(),
    segments: new Set(),
    signals: new Set(),
    members: 0,
    first: first.event_time,
    last: first.event_time,
    tier: first.tier,
    priority: first.priority,
    top: targetOf(first, cause),
    owner: ownerOf(cause, first, s),
    sla: null,
    pages: 0,
    paged_tier: null,
    first_paged_at: null,
    silenced: 0,
    inhibited: 0,
    suppressed: 0,
    actions: new Set(),
    alerts: [],
    fingerprints: new Set(),
    firing: new Set(),
    aliases: [],
    held: null,
    waiting: null,
    unresolved: [],
  };
}

/** What inhibit matchers read of a scored alert (and of its incident's cause). */
export function targetOf(a: ScoredAlert, cause: IncidentCause | null): InhibitTarget {
  return {
    model_id: a.model_id,
    signal: a.alert.signal,
    product_area: a.product_area,
    region: a.region,
    customer_segment: a.customer_segment,
    source: a.alert.source ?? null,
    ...(a.alert.labels ? { labels: a.alert.labels } : {}),
    tier: a.tier,
    cause_kind: cause?.kind ?? null,
  };
}

/** Adds a member's figures (silenced, inhibited and suppressed members count like any). */
export function addMember(inc: Incident, a: ScoredAlert): void {
  inc.members++;
  inc.alerts.push(a.alert_id);
  inc.fingerprints.add(a.dedup.fingerprint);
  inc.firing.add(a.dedup.fingerprint);
  inc.first = Math.min(inc.first, a.event_time);
  inc.last = Math.max(inc.last, a.event_time);
  inc.signals.add(a.alert.signal);
  if (a.product_area !== null) inc.areas.add(a.product_area);
  if (a.region !== null) inc.regions.add(a.region);
  if (a.customer_segment !== null) inc.segments.add(a.customer_segment);
  const m = inc.models.get(a.model_id);
  if (m === undefined) {
    inc.models.set(a.model_id, {
      model_id: a.model_id,
      product_area: a.product_area,
      members: 1,
      tier: a.tier,
      priority: a.priority,
      expected_impact_per_hour: a.expected_impact_per_hour,
    });
  } else {
    m.members++;
    if (tierRank(a.tier) < tierRank(m.tier)) m.tier = a.tier;
    m.priority = Math.max(m.priority, a.priority);
    m.expected_impact_per_hour = Math.max(m.expected_impact_per_hour, a.expected_impact_per_hour);
  }
  if (tierRank(a.tier) < tierRank(inc.tier) || (a.tier === inc.tier && a.priority > inc.priority))
    inc.top = targetOf(a, inc.cause);
  if (tierRank(a.tier) < tierRank(inc.tier)) inc.tier = a.tier;
  inc.priority = Math.max(inc.priority, a.priority);
}

export function impactOf(inc: Incident): number {
  let sum = 0;
  for (const m of inc.models.values()) sum += m.expected_impact_per_hour;
  return Math.round(sum * 100) / 100;
}

/** Deadlines run from the first page; a page at a higher tier can only bring them closer. */
export function notePage(inc: Incident, tier: Tier, eventTime: number, s: TriageSettings): void {
  inc.pages++;
  inc.paged_tier = tier;
  inc.first_paged_at ??= eventTime;
  const due = slaDeadlines(eventTime, s.sla[tier]);
  const sooner = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  inc.sla =
    inc.sla === null
      ? due
      : {
          ack_by: sooner(inc.sla.ack_by, due.ack_by),
          resolve_by: sooner(inc.sla.resolve_by, due.resolve_by),
        };
}

export function titleOf(inc: Incident): string {
  const models = [...inc.models.keys()];
  const n = models.length;
  const list = n <= 3 ? models.join(', ') : `${models.slice(0, 2).join(', ')} and ${n - 2} more`;
  if (inc.cause !== null) {
    return `${describeCause(inc.cause)} (${inc.cause.event_id}): ${n} model${n === 1 ? '' : 's'} affected (${list})`;
  }
  const signals = [...inc.signals].join(', ');
  const what = `${list}: ${signals}, ${inc.members} alert${inc.members === 1 ? '' : 's'}`;
  if (inc.upstream_service !== undefined)
    return `${what}, all fed by ${inc.upstream_service}: an unrecorded change there suspected`;
  const where = inc.group === undefined ? '' : ` on ${inc.group.slice('group:'.length)}`;
  return `${what}${where}, no change suspected`;
}

export function recordOf(inc: Incident, s: TriageSettings): IncidentRecord {
  const tier = inc.paged_tier ?? inc.tier;
  return {
    incident_id: inc.id,
    key: inc.key,
    title: titleOf(inc),
    status: inc.status,
    resolved_at: inc.resolved_at,
    resolved_by: inc.resolved_by,
    cause: inc.cause,
    models: [...inc.models.values()].map((m) => ({ ...m })),
    product_areas: [...inc.areas],
    regions: [...inc.regions],
    customer_segments: [...inc.segments],
    members: inc.members,
    first_event_time: inc.first,
    last_event_time: inc.last,
    expected_impact_per_hour: impactOf(inc),
    priority: inc.priority,
    tier: inc.tier,
    owner: inc.owner.owner,
    owner_from: inc.owner.from,
    escalation: escalationPath(inc.owner.escalation ?? s.escalation[tier], inc.owner.owner),
    playbook: inc.owner.playbook,
    sla: inc.sla,
    pages: inc.pages,
    paged_tier: inc.paged_tier,
    first_paged_at: inc.first_paged_at,
    silenced: inc.silenced,
    inhibited: inc.inhibited,
    suppressed: inc.suppressed,
    config_version: s.version,
  };
}

/** `~12,000/h`: for sentences. */
export const perHour = (x: number) => `${money(x)}/h`;
