// Stage 1 of incidents, in the alert's lane: which incident an alert joins. A model's alerts are all in
// one lane, in order, so what the lane remembers of each model (its last incident) gives the same answer
// on every replay and on any number of partitions. Stage 2 (book.ts) then builds the incidents.
//
//   1. a suspected cause C (cause.ts)          → the change's incident: key change:<C>, one per change
//   2. else the model's last incident, if the alert is within `gap` of its last member and
//      `max_lifetime` of its first              → that incident (a change's incident too: it extends)
//   3. else a change that explains the model (its own, or an upstream service's, within max_lifetime
//      before the alert's condition began firing: candidate.ts)
//                                              → a candidate: stage 2 joins it to that change's incident
//                                                 (opening it if the change has none), inhibited if the
//                                                 rule's source holds there; its own (rule 6) only if feedback
//                                                 closed the change's incident
//   4. else, when the alert carries every label of `incidents.group_by` (where it is served: cluster,
//      node pool)                               → a group: stage 2 joins it to the open incident of the
//                                                 same label values (key group:<values>), or opens it
//   5. else, when the model has upstream services and `incidents.upstream_window` is set
//                                               → an upstream lane (key upstream:<lane>, one lane per
//                                                 connected set of models and the services feeding them):
//                                                 stage 2 joins it to the open incident no change explains
//                                                 of another model fed by one of its services, whose last
//                                                 such alert came within the window (an unrecorded change
//                                                 upstream suspected), or opens one
//   6. else                                     → a new incident of the model: key model:<M>
// An alert whose own cause differs from the model's last incident's takes its own cause (rule 1 first):
// no better cause separates it is the condition for rule 2 — "better" as cause.ts's chooseCause has it (a
// change made after the condition began firing separates nothing; the model's own change is kept).
import { hash64 } from '../dedup.ts';
import type { DeployEvent, DeployKind } from '../events.ts';
import type { ContextChange } from '../join.ts';
import type { Journal } from '../journal.ts';
import type { SuspectedCause } from './cause.ts';
import { causeOf } from './incident.ts';
import type { IncidentCause } from './types.ts';

/** What a lane remembers of one model: the incident its last alert joined. */
export interface ModelMemory {
  incident_id: string;
  /** The incident's key: `change:<event_id>`, `group:<label values>` (incidents.group_by) or `model:<model_id>`. */
  key: string;
  /** The key stage 2 is partitioned by: the incident's, or a candidate's change (rule 3). */
  route: string;
  cause_event_id: string | null;
  /** Start of the lifetime: the change's event time for a change's incident, else the first alert's. */
  first: number;
  /** The model's last alert in it. */
  last: number;
}

export type JoinHow = 'cause' | 'model' | 'candidate' | 'group' | 'upstream' | 'opened';

/**
 * A change that explains the alert's model but is not its suspected cause (rule 3): stage 2 joins the
 * alert to that change's incident, inhibited when an inhibit rule's source holds there.
 */
export interface InhibitCandidate {
  event_id: string;
  incident_id: string;
  kind: DeployKind;
  service?: string;
  model_id?: string;
  /** The change as an incident record shows it: stage 2 opens the change's incident with it if need be. */
  change: IncidentCause;
}

export interface RouteDecision {
  incident_id: string;
  key: string;
  route: string;
  how: JoinHow;
  cause: SuspectedCause | null;
  candidate: InhibitCandidate | null;
  /** ms from the model's previous alert in this incident to this one (rule 2), else null. */
  since_last: number | null;
  memory: ModelMemory;
}

export interface RouteWindows {
  gapMs: number;
  lifetimeMs: number;
}

/** An alert its monitor sent as resolved: the mappers label it status=resolved (core/inputs). */
export function isResolving(alert: { labels?: Record<string, string> }): boolean {
  return alert.labels?.status === 'resolved';
}

export const changeKey = (eventId: string) => `change:${eventId}`;
export const changeIncidentId = (eventId: string) => `inc-${hash64(`change\u0000${eventId}`)}`;
export const modelKey = (modelId: string) => `model:${modelId}`;
export const modelIncidentId = (modelId: string, alertId: string) =>
  `inc-${hash64(`model\u0000${modelId}\u0000${alertId}`)}`;
export const groupKey = (values: string) => `group:${values}`;
export const groupIncidentId = (values: string, alertId: string) =>
  `inc-${hash64(`group\u0000${values}\u0000${alertId}`)}`;

export const upstreamKey = (lane: string) => `upstream:${lane}`;
export const upstreamIncidentId = (modelId: string, alertId: string) =>
  `inc-${hash64(`upstream\u0000${modelId}\u0000${alertId}`)}`;

/**
 * Rule 5's lanes: each model with upstream services → its lane, named by the first (in code-point order)
 * service of its connected set (models linked by the services they share, transitively) and the count of
 * the others. Every model one service feeds is in one lane, so stage 2 sees their unexplained alerts
 * together.
 */
export function upstreamLanes(
  models: Readonly<Record<string, { upstream: readonly string[] }>>,
): ReadonlyMap<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let y = x;
    while (parent.get(y) !== r) {
      const next = parent.get(y)!;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    if (ra < rb) parent.set(rb, ra);
    else parent.set(ra, rb);
  };
  for (const p of Object.values(models))
    for (const svc of p.upstream) if (!parent.has(svc)) parent.set(svc, svc);
  for (const p of Object.values(models)) for (const svc of p.upstream.slice(1)) union(p.upstream[0]!, svc);
  // Named by the set's first service and how many more it holds: `ads-event-stream+18` — a lane, not a
  // suspect (the member's sentence names the service that links it).
  const size = new Map<string, number>();
  for (const svc of parent.keys()) size.set(find(svc), (size.get(find(svc)) ?? 0) + 1);
  const lanes = new Map<string, string>();
  for (const [model, p] of Object.entries(models)) {
    if (p.upstream.length === 0) continue;
    const root = find(p.upstream[0]!);
    const more = size.get(root)! - 1;
    lanes.set(model, more === 0 ? root : `${root}+${more}`);
  }
  return lanes;
}

/**
 * The alert's group (rule 4): `k8s_cluster=prod-a,node_pool=gpu` for `group_by: [k8s_cluster, node_pool]`,
 * or null when `by` is empty or the alert lacks one of its labels (or has it empty): an alert is grouped
 * only by what it says, never by a missing value shared with every other alert that lacks it.
 */
export function groupOf(
  labels: Readonly<Record<string, string>> | undefined,
  by: readonly string[],
): string | null {
  if (by.length === 0 || labels === undefined) return null;
  const parts: string[] = [];
  for (const name of by) {
    const v = labels[name];
    if (v === undefined || v === '') return null;
    parts.push(`${name}=${v}`);
  }
  return parts.join(',');
}

export interface RouteInput {
  alert_id: string;
  model_id: string;
  event_time: number;
  cause: SuspectedCause | null;
  memory: ModelMemory | undefined;
  /** Looked up only when rules 1 and 2 do not apply (it scans the deploy window). */
  candidate: () => InhibitCandidate | null;
  /** The alert's `incidents.group_by` label values (groupOf), or null: rule 4. */
  group?: string | null;
  /** The model's upstream lane (upstreamLanes) when `incidents.upstream_window` is set, else null: rule 5. */
  upstream?: string | null;
}

/** The model's incident still takes its alerts at `t`: within gap of its last, max_lifetime of its first (rule 2). */
export function holds(m: ModelMemory, t: number, w: RouteWindows): boolean {
  return t - m.last <= w.gapMs && t - m.first <= w.lifetimeMs;
}

/** An alert routed by a lane (rules 4 and 5) under its own incident id: stage 2 may alias it to another. */
function laneDecision(how: 'group' | 'upstream', id: string, key: string, t: number): RouteDecision {
  return {
    incident_id: id,
    key,
    route: key,
    how,
    cause: null,
    candidate: null,
    since_last: null,
    memory: { incident_id: id, key, route: key, cause_event_id: null, first: t, last: t },
  };
}

export function routeAlert(a: RouteInput, w: RouteWindows): RouteDecision {
  const t = a.event_time;
  const m = a.memory;
  if (a.cause !== null) {
    const c = a.cause.change;
    const id = changeIncidentId(c.event_id);
    const key = changeKey(c.event_id);
    const same = m !== undefined && m.incident_id === id;
    const memory: ModelMemory = {
      incident_id: id,
      key,
      route: key,
      cause_event_id: c.event_id,
      first: same ? Math.min(m.first, c.event_time) : c.event_time,
      last: same ? Math.max(m.last, t) : t,
    };
    return {
      incident_id: id,
      key,
      route: key,
      how: 'cause',
      cause: a.cause,
      candidate: null,
      since_last: null,
      memory,
    };
  }
  // A model incident (no cause) does not hold an alert that carries group labels: where it is served
  // links it to the other models' alerts better than its model's unexplained ones (rule 4 first).
  const grouped = a.group != null && m !== undefined && /^(model|upstream):/.test(m.key);
  if (m !== undefined && !grouped && holds(m, t, w)) {
    const memory = { ...m, last: Math.max(m.last, t) };
    return {
      incident_id: m.incident_id,
      key: m.key,
      route: m.route,
      how: 'model',
      cause: null,
      candidate: null,
      since_last: t - m.last,
      memory,
    };
  }
  const candidate = a.candidate();
  // Rules 4 and 5: a lane of its own, where stage 2 decides which open incident it joins.
  if (candidate === null && a.group != null)
    return laneDecision('group', groupIncidentId(a.group, a.alert_id), groupKey(a.group), t);
  if (candidate === null && a.upstream != null)
    return laneDecision('upstream', upstreamIncidentId(a.model_id, a.alert_id), upstreamKey(a.upstream), t);
  const id = modelIncidentId(a.model_id, a.alert_id);
  const key = modelKey(a.model_id);
  const route = candidate === null ? key : changeKey(candidate.event_id);
  const memory: ModelMemory = { incident_id: id, key, route, cause_event_id: null, first: t, last: t };
  return {
    incident_id: id,
    key,
    route,
    how: candidate === null ? 'opened' : 'candidate',
    cause: null,
    candidate,
    since_last: null,
    memory,
  };
}

/** The candidate for a change found in the deploy window (rule 3). */
export function candidateOf(c: ContextChange | DeployEvent): InhibitCandidate {
  const out: InhibitCandidate = {
    event_id: c.event_id,
    incident_id: changeIncidentId(c.event_id),
    kind: c.kind,
    change: causeOf(c),
  };
  if (c.service !== undefined) out.service = c.service;
  if (c.model_id !== undefined) out.model_id = c.model_id;
  return out;
}

/**
 * The models' memories of one lane. Journaled like the dedup episodes: an aborted chunk leaves none of
 * its routing behind. A memory is dropped once no alert of the lane can use it any more.
 */
export class ModelMemoryStore {
  private readonly byModel = new Map<string, ModelMemory>();
  private sweptAt = Number.NEGATIVE_INFINITY;
  private readonly journal: Journal | undefined;
  /** gap plus the allowed lateness: an alert that late still finds the memory it would have found. */
  private readonly keepMs: number;

  constructor(keepMs: number, journal?: Journal) {
    this.keepMs = keepMs;
    this.journal = journal;
  }

  get size(): number {
    return this.byModel.size;
  }

  get(modelId: string): ModelMemory | undefined {
    return this.byModel.get(modelId);
  }

  set(modelId: string, memory: ModelMemory): void {
    if (this.journal?.active) this.remember(modelId);
    this.byModel.set(modelId, memory);
  }

  /** From the changelog, outside any transaction: the memory as it was written. */
  restore(modelId: string, memory: ModelMemory): void {
    this.byModel.set(modelId, memory);
  }

  /** Forgets memories whose last alert is more than gap + lateness before the lane's time `time`. */
  expire(time: number): number {
    if (time - this.sweptAt < this.keepMs / 4) return 0;
    const sweptAt = this.sweptAt;
    this.sweptAt = time;
    const gone: string[] = [];
    for (const [model, m] of this.byModel) if (m.last < time - this.keepMs) gone.push(model);
    if (this.journal?.active) {
      this.journal.record(() => {
        this.sweptAt = sweptAt;
      });
      for (const model of gone) this.remember(model);
    }
    for (const model of gone) this.byModel.delete(model);
    return gone.length;
  }

  private remember(modelId: string): void {
    const previous = this.byModel.get(modelId);
    this.journal!.record(() => {
      if (previous) this.byModel.set(modelId, previous);
      else this.byModel.delete(modelId);
    });
  }
}
