// Stage 2 of incidents: the incident book, its own state and step, keyed by incident (in the stream it
// will read the repartition topic, keyed by `member.route`). Members can arrive from several lanes in any
// interleaving, so the book holds them until a watermark passes them and then takes them in
// (event_time, alert_id) order: the same members give the same incidents, ids, pages and records
// whatever the arrival order. A member older than a watermark already passed is taken at once (late).
// Time-outs are timers in the same order: an incident resolves when the watermark passes last + gap.
import type { Action } from '../actions.ts';
import { drillOfId } from '../drill.ts';
import type { AlertFeedback, ScoredAlert, Tier } from '../events.ts';
import { incidentAcknowledgePaging, incidentPaging, incidentResolvePaging } from '../paging.ts';
import type { TriageSettings } from '../settings.ts';
import { SilenceBook, type SilenceTarget } from '../silences.ts';
import { acknowledgeMessage, pageMessage, resolveMessage } from '../slack.ts';
import { tierRank } from '../tier.ts';
import {
  addMember,
  causeOf,
  describeCause,
  type Incident,
  notePage,
  openIncident,
  recordOf,
  targetOf,
  titleOf,
} from './incident.ts';
import { compileInhibitRule, equalHolds, inhibitMatches } from './inhibit-rules.ts';
import { OrderedQueue } from './ordered-queue.ts';
import { changeKey, isResolving } from './routing.ts';
import {
  groupedSentence,
  hostedSentence,
  inhibitedSentence,
  joinSentence,
  type PageChoice,
  pageSentence,
  span,
  staleCandidateSentence,
  upstreamSentence,
} from './sentences.ts';
import type {
  AcknowledgeRecord,
  IncidentEvent,
  IncidentInput,
  IncidentMember,
  IncidentOutput,
  PageRecord,
  ResolveRecord,
} from './types.ts';

export type Pending =
  | { time: number; rank: 0; id: string; seq: number; member: IncidentMember }
  | { time: number; rank: 1; id: string; seq: number; feedback: AlertFeedback };

export interface Timer {
  at: number;
  id: string;
  kind: 'timeout' | 'drop' | 'page';
}

export interface IncidentState {
  /** Everything with an earlier time has been processed: the highest watermark drained. */
  drained: number;
  readonly pending: OrderedQueue<Pending>;
  readonly timers: OrderedQueue<Timer>;
  readonly incidents: Map<string, Incident>;
  /** An inhibition candidate's own incident id → the incident it joined (routing.ts, rule 3). */
  readonly aliases: Map<string, string>;
  /** alert id → incident id: feedback on any member finds its incident. */
  readonly byAlert: Map<string, string>;
  /**
   * `fingerprintKey(route, fingerprint)` → the incident its latest member of that fingerprint and route
   * joined: a resolved alert, and a repeat of a lone alert (corroboration), find it. By route too, because
   * in the stream a book holds only its partition's routes: keyed by fingerprint alone, `score`'s one book
   * would find incidents of other routes that the stream's book cannot, and page otherwise.
   */
  readonly byFingerprint: Map<string, string>;
  /**
   * The same keys → every incident held that has a member of them: when the one `byFingerprint` names is
   * dropped, the key falls back to the latest of the others, as it does in a book read back.
   */
  readonly holders: Map<string, Set<string>>;
  /** `group:<label values>` → the latest incident a group member opened (routing.ts, rule 4). */
  readonly groups: Map<string, string>;
  /**
   * Upstream service → the incident no change explains whose latest alert of a model that service feeds
   * came last (Incident.upstream_last; routing.ts, rule 5).
   */
  readonly upstreams: Map<string, string>;
  readonly silences: SilenceBook;
  seq: number;
  /**
   * Members taken so far, in the book's order: each incident notes, per fingerprint, when its latest member
   * of it was taken (Incident.fingerprint_taken), so a book read back finds the incident `byFingerprint`
   * held. Not in the changelog's meta: a book read back starts from the highest its incidents noted.
   */
  taken: number;
}

export interface IncidentStepResult {
  outputs: IncidentOutput[];
  events: IncidentEvent[];
}

export type IncidentStep = (state: IncidentState, input: IncidentInput) => IncidentStepResult;

/** The key of `IncidentState.byFingerprint` (and of `Incident.fingerprint_taken`). */
export const fingerprintKey = (route: string, fingerprint: string) => `${route}\u0000${fingerprint}`;

export function createIncidentState(s: TriageSettings): IncidentState {
  const silences = new SilenceBook();
  for (const silence of s.incidents.silences) silences.upsert(silence);
  return {
    drained: Number.NEGATIVE_INFINITY,
    pending: new OrderedQueue(
      (a, b) =>
        a.time < b.time ||
        (a.time === b.time &&
          (a.rank < b.rank || (a.rank === b.rank && (a.id < b.id || (a.id === b.id && a.seq < b.seq))))),
    ),
    timers: new OrderedQueue((a, b) => a.at < b.at || (a.at === b.at && a.id < b.id)),
    incidents: new Map(),
    aliases: new Map(),
    byAlert: new Map(),
    byFingerprint: new Map(),
    holders: new Map(),
    groups: new Map(),
    upstreams: new Map(),
    silences,
    seq: 0,
    taken: 0,
  };
}

/**
 * An incident's `byFingerprint` keys: those of `fingerprint_taken`, and each fingerprint only members
 * from before it was noted have (a record written before it) under the incident's own key — its route but
 * for a candidate's or group member's alias.
 */
export function fingerprintKeysOf(inc: Incident): string[] {
  const taken = inc.fingerprint_taken instanceof Map ? [...inc.fingerprint_taken.keys()] : [];
  const noted = new Set(taken.map((k) => k.slice(k.indexOf('\u0000') + 1)));
  for (const fp of inc.fingerprints) if (!noted.has(fp)) taken.push(fingerprintKey(inc.key, fp));
  return taken;
}

const takenOf = (inc: Incident, key: string): number | undefined =>
  inc.fingerprint_taken instanceof Map ? inc.fingerprint_taken.get(key) : undefined;

/**
 * Whether the latest member of `key` (route and fingerprint) is in `a` rather than `b`: by when it was
 * taken; for records written before that was noted, by the incidents' latest members.
 */
export function laterFor(key: string, a: Incident, b: Incident): boolean {
  const ta = takenOf(a, key);
  const tb = takenOf(b, key);
  if (ta !== undefined && tb !== undefined) return ta > tb;
  if (ta !== undefined || tb !== undefined) return ta !== undefined;
  return b.last < a.last || (b.last === a.last && b.id < a.id);
}

/** Incident `id` holds a member of `key` (a book read back notes it too: snapshot.ts). */
export function holdKey(st: IncidentState, key: string, id: string): void {
  const ids = st.holders.get(key) ?? new Set<string>();
  if (ids.size === 0) st.holders.set(key, ids);
  ids.add(id);
}

/** `inc` is dropped: `key` falls back to the latest of the incidents still holding it, or goes. */
function releaseKey(st: IncidentState, key: string, inc: Incident): void {
  const ids = st.holders.get(key);
  ids?.delete(inc.id);
  if (ids !== undefined && ids.size === 0) st.holders.delete(key);
  if (st.byFingerprint.get(key) !== inc.id) return;
  let best: Incident | undefined;
  for (const id of ids ?? []) {
    const other = st.incidents.get(id);
    if (other !== undefined && (best === undefined || laterFor(key, other, best))) best = other;
  }
  if (best === undefined) st.byFingerprint.delete(key);
  else st.byFingerprint.set(key, best.id);
}

/**
 * The key of `groups` and `upstreams` for a lane key (`group:…`) or service, for an incident whose first
 * alert is `alertId`: a drill's incidents are indexed apart, so a drill and real alerts never join and
 * neither hides the other's open incident.
 */
export function laneIndexKey(key: string, alertId: string | undefined): string {
  const drill = drillOfId(alertId);
  return drill === null ? key : `drill:${drill}\u0000${key}`;
}

/** Whether `inc` comes after `other` as the incident `service` names in `upstreams` (its later alert, then id). */
export function upstreamLater(service: string, inc: Incident, other: Incident | undefined): boolean {
  if (other === undefined) return true;
  const a = inc.upstream_last?.[service] ?? Number.NEGATIVE_INFINITY;
  const b = other.upstream_last?.[service] ?? Number.NEGATIVE_INFINITY;
  return a > b || (a === b && inc.id > other.id);
}

/** Notes an alert of `model` at `t` in `inc` for each of the model's services `inc` is reached through. */
export function noteUpstream(st: IncidentState, inc: Incident, services: readonly string[], t: number): void {
  const last = inc.upstream_last;
  if (last === undefined) return;
  for (const svc of services) {
    const at = last[svc];
    if (at === undefined) continue;
    if (t > at) last[svc] = t;
    const k = laneIndexKey(svc, inc.alerts[0]);
    if (upstreamLater(svc, inc, st.incidents.get(st.upstreams.get(k) ?? ''))) st.upstreams.set(k, inc.id);
  }
}

/** Open incidents held (for gauges). */
export function openIncidents(state: IncidentState): number {
  let n = 0;
  for (const inc of state.incidents.values()) if (inc.status === 'open') n++;
  return n;
}

/**
 * How long a resolved incident is kept after its last member, while an alert can still join it: a change
 * is a cause for `correlation` after it, a model's memory lasts `gap`, both up to `allowed_lateness` late.
 */
export function incidentRetention(s: TriageSettings): number {
  const cfg = s.incidents;
  return Math.max(cfg.max_lifetime, s.windows.correlation) + cfg.gap + s.windows.allowed_lateness;
}

/** The timers an incident has pending: its time-out while open, its drop once resolved (book.ts alone sets them). */
export function timerOf(inc: Incident, s: TriageSettings): Timer {
  return inc.status === 'open'
    ? { at: inc.last + s.incidents.gap, id: inc.id, kind: 'timeout' }
    : { at: inc.last + incidentRetention(s), id: inc.id, kind: 'drop' };
}

const RESOLVED_SUFFIX = ':resolved';

/** Someone closed it (feedback, or its source said resolved), not timed out: firing again pages again. */
const closed = (inc: Incident) => inc.resolved_by === 'feedback' || inc.resolved_by === 'source';

export function createIncidentStep(s: TriageSettings): IncidentStep {
  const cfg = s.incidents;
  const gap = cfg.gap;
  const pageTiers = new Set<Tier>(cfg.page_tiers);
  const corroborate = new Set<Tier>(cfg.corroborate_tiers);
  const wait = cfg.group_wait;
  const corroborateCandidates = cfg.corroborate_candidates;
  // The highest page tier pages at once; a first page below it may wait for it (group_wait).
  const topTier = [...pageTiers].sort((a, b) => tierRank(a) - tierRank(b))[0];
  const rules = cfg.inhibit.map(compileInhibitRule);
  const retention = incidentRetention(s);
  const upstreamWindow = cfg.upstream_window;
  const upstreamOf = (model: string): readonly string[] =>
    upstreamWindow === null ? [] : (s.models[model] ?? s.defaults).upstream;

  const record = (inc: Incident, out: IncidentStepResult) =>
    out.outputs.push({ kind: 'incident', key: inc.id, incident: recordOf(inc, s) });

  /**
   * The candidate's change's incident (routing.ts, rule 3): open, or timed out (the alert reopens it, as
   * a member routed by that change's cause would); not one someone closed (feedback).
   */
  const hostOf = (st: IncidentState, m: IncidentMember): Incident | undefined => {
    if (m.candidate === null) return undefined;
    const host = st.incidents.get(m.candidate.incident_id);
    return host !== undefined && !closed(host) ? host : undefined;
  };

  const inhibits = (host: Incident, m: IncidentMember): boolean => {
    const target = targetOf(m.alert, null);
    const source = { ...host.top, tier: host.tier, cause_kind: host.cause?.kind ?? null };
    for (const r of rules) {
      if (
        inhibitMatches(r.target, target) &&
        inhibitMatches(r.source, source) &&
        equalHolds(r.equal, source, target)
      )
        return true;
    }
    return false;
  };

  const silenceOf = (st: IncidentState, a: ScoredAlert): string | null => {
    if (st.silences.size === 0) return null;
    const target: SilenceTarget = {
      model_id: a.model_id,
      signal: a.alert.signal,
      product_area: a.product_area,
      region: a.region,
      customer_segment: a.customer_segment,
      source: a.alert.source ?? null,
      change_event_ids: a.context.deploys.map((d) => d.event_id),
    };
    if (a.alert.labels) target.labels = a.alert.labels;
    return st.silences.match(target, a.event_time);
  };

  const processMember = (st: IncidentState, m: IncidentMember, out: IncidentStepResult) => {
    if (isResolving(m.alert.alert)) return processResolved(st, m, out);
    const a = m.alert;
    let id = st.aliases.get(m.incident_id) ?? m.incident_id;
    let inhibitedBy: Incident | undefined;
    let hostedBy: Incident | undefined;
    let hostOpened = false;
    let stale = false;
    // Rule 3 of routing.ts, decided here where the change's incident is: once per candidate incident.
    // The change explains the model, so the alert joins the change's incident — opening it when the
    // change has none yet: the alerts of one cascade that each came too long after the change to suspect
    // it then still make one incident. Inhibited (no page) when an inhibit rule's source holds there;
    // else a member like any other, paging only if it raises the incident's paged tier.
    if (m.how === 'candidate' && m.candidate !== null && id === m.incident_id && !st.incidents.has(id)) {
      const c = m.candidate;
      hostedBy = hostOf(st, m);
      // A change further back than max_lifetime (a repeat's candidate, looked for from when its condition
      // began firing) is joined only while the book still holds its incident: opened again after it was
      // dropped, one id would name two incidents. The alert then opens its own.
      stale = hostedBy === undefined && a.event_time - c.change.event_time > cfg.max_lifetime;
      if (hostedBy === undefined && !st.incidents.has(c.incident_id) && !stale) {
        hostedBy = openIncident(c.incident_id, changeKey(c.event_id), c.change, a, s);
        // Its change came too long before this alert to be its suspected cause: like an incident no
        // change explains, it pages at a corroborate tier only once a second alert joins it.
        if (corroborateCandidates) hostedBy.candidate_opened = true;
        st.incidents.set(hostedBy.id, hostedBy);
        hostOpened = true;
        out.events.push({
          type: 'incident_opened',
          incident_id: hostedBy.id,
          key: hostedBy.key,
          tier: a.tier,
          event_time: a.event_time,
        });
      } else if (hostedBy !== undefined && hostedBy.status === 'open' && inhibits(hostedBy, m))
        inhibitedBy = hostedBy;
      if (hostedBy !== undefined) {
        st.aliases.set(m.incident_id, hostedBy.id);
        hostedBy.aliases.push(m.incident_id);
        id = hostedBy.id;
      }
    }
    // Rule 4 of routing.ts: an alert no change explains, carrying the group_by labels, joins the open
    // incident a member of the same label values opened (within gap of its last member, max_lifetime of
    // its first), whatever its model; else it opens one, which later members of the group join.
    let groupedBy: Incident | undefined;
    let groupedSince = 0;
    if (m.how === 'group' && id === m.incident_id && !st.incidents.has(id)) {
      const host = st.incidents.get(st.groups.get(laneIndexKey(m.key, a.alert_id)) ?? '');
      if (
        host !== undefined &&
        host.status === 'open' &&
        a.event_time - host.last <= gap &&
        a.event_time - host.first <= cfg.max_lifetime
      ) {
        groupedBy = host;
        groupedSince = a.event_time - host.last;
        st.aliases.set(m.incident_id, host.id);
        host.aliases.push(m.incident_id);
        id = host.id;
      }
    }
    // Rule 5 of routing.ts: an alert no change explains, on a model with upstream services, joins the
    // open incident no change explains of another model fed by one of them whose last alert of such a
    // model came within upstream_window: an unrecorded change upstream is suspected. Of several, the one
    // through the service feeding the fewest models (the most telling), then the latest.
    let linkedBy: Incident | undefined;
    let linkedVia = '';
    let linkedSince = 0;
    let linkedFed = 0;
    const services = upstreamOf(m.alert.model_id);
    if (m.how === 'upstream' && upstreamWindow !== null && id === m.incident_id && !st.incidents.has(id)) {
      for (const svc of services) {
        const host = st.incidents.get(st.upstreams.get(laneIndexKey(svc, a.alert_id)) ?? '');
        const at = host?.upstream_last?.[svc];
        if (host === undefined || at === undefined || host.status !== 'open' || host.cause !== null) continue;
        if (a.event_time - at > upstreamWindow || a.event_time - host.first > cfg.max_lifetime) continue;
        if (host.models.has(m.alert.model_id) && host.models.size === 1) continue;
        const fed = s.downstream[svc]?.length ?? 0;
        if (
          linkedBy === undefined ||
          fed < linkedFed ||
          (fed === linkedFed && upstreamLater(svc, host, linkedBy))
        ) {
          linkedBy = host;
          linkedVia = svc;
          linkedSince = a.event_time - at;
          linkedFed = fed;
        }
      }
      if (linkedBy !== undefined) {
        st.aliases.set(m.incident_id, linkedBy.id);
        linkedBy.aliases.push(m.incident_id);
        linkedBy.upstream_service ??= linkedVia;
        id = linkedBy.id;
        out.events.push({ type: 'member_linked', alert_id: a.alert_id, incident_id: id, service: linkedVia });
      }
    }
    let inc = st.incidents.get(id);
    const opened = inc === undefined;
    let reopenedAfterFeedback = false;
    if (inc === undefined) {
      const cause = m.key.startsWith('change:') && m.cause !== null ? causeOf(m.cause) : null;
      inc = openIncident(id, m.key, cause, a, s);
      st.incidents.set(id, inc);
      if (m.how === 'group') {
        inc.group = m.key;
        st.groups.set(laneIndexKey(m.key, a.alert_id), id);
      }
      if (m.how === 'upstream' && upstreamWindow !== null) {
        inc.upstream_last = Object.fromEntries(services.map((svc) => [svc, a.event_time]));
        inc.upstream_members = {};
      }
      out.events.push({
        type: 'incident_opened',
        incident_id: id,
        key: m.key,
        tier: a.tier,
        event_time: a.event_time,
      });
    } else if (inc.status === 'resolved') {
      // Someone closed it (feedback) and it fires again: it pages again, as a new occurrence would.
      reopenedAfterFeedback = closed(inc);
      if (reopenedAfterFeedback) inc.paged_tier = null;
      inc.status = 'open';
      inc.resolved_at = null;
      inc.resolved_by = null;
      out.events.push({ type: 'incident_reopened', incident_id: id, event_time: a.event_time });
    }
    // A repeat of a lone alert left unpaged for want of a second (corroborate_tiers): the condition
    // persisted, which corroborates it — the repeat pages, in whichever incident it joined.
    const fpKey = fingerprintKey(m.route, a.dedup.fingerprint);
    const lone = st.incidents.get(st.byFingerprint.get(fpKey) ?? '');
    const persisted =
      a.dedup.suppressed && lone !== undefined && lone.waiting !== null && lone.paged_tier === null;
    const linkedModels = inc.models.size;
    addMember(inc, a);
    noteUpstream(st, inc, services, a.event_time);
    if (inc.upstream_members !== undefined) {
      const mine = a.dedup.suppressed ? 0 : 1;
      inc.upstream_members[a.model_id] =
        linkedBy !== undefined ? mine : (inc.upstream_members[a.model_id] ?? 0) + mine;
    }
    st.byAlert.set(a.alert_id, inc.id);
    st.byFingerprint.set(fpKey, inc.id);
    st.taken++;
    if (inc.fingerprint_taken === undefined) inc.fingerprint_taken = new Map();
    inc.fingerprint_taken.set(fpKey, st.taken);
    holdKey(st, fpKey, inc.id);
    const notes = [
      inhibitedBy !== undefined
        ? inhibitedSentence(inhibitedBy, m)
        : hostedBy !== undefined
          ? hostedSentence(hostedBy, m, hostOpened)
          : groupedBy !== undefined
            ? groupedSentence(groupedBy, m, groupedSince)
            : linkedBy !== undefined
              ? upstreamSentence(linkedBy, m, {
                  service: linkedVia,
                  fed: linkedFed,
                  modelsBefore: linkedModels,
                  since: linkedSince,
                })
              : stale && opened
                ? staleCandidateSentence(m, inc, cfg.max_lifetime)
                : joinSentence(m, inc, opened, gap),
      ...(m.cause_notes ?? []),
    ];

    const silencedBy = silenceOf(st, a);
    // A page held for group_wait stands for the incident's paged tier until it is sent or superseded.
    const pagedOrHeld = inc.paged_tier ?? inc.held?.alert.tier ?? null;
    let choice: PageChoice;
    if (a.dedup.suppressed && !persisted) choice = { page: false, why: 'suppressed' };
    else if (silencedBy !== null) choice = { page: false, why: 'silenced' };
    else if (inhibitedBy !== undefined) choice = { page: false, why: 'inhibited' };
    else if (!pageTiers.has(a.tier)) choice = { page: false, why: 'not_a_page_tier' };
    else if (
      (inc.cause === null || inc.candidate_opened === true) &&
      inc.paged_tier === null &&
      inc.held === null &&
      !reopenedAfterFeedback &&
      corroborate.has(a.tier) &&
      !persisted &&
      // This member is counted already; the others that were no dedup repeat. In an upstream lane's
      // incident only this model's, since it last joined by a link: another model's alert links the
      // incident, but is no second sighting of this one.
      (linkedBy !== undefined ||
        (inc.upstream_members !== undefined
          ? (inc.upstream_members[a.model_id] ?? 0) - 1
          : inc.members - 1 - inc.suppressed) === 0)
    )
      choice = { page: false, why: 'uncorroborated' };
    else if (
      inc.paged_tier === null &&
      (inc.held === null || tierRank(a.tier) < tierRank(inc.held.alert.tier))
    )
      choice = {
        page: true,
        why: reopenedAfterFeedback || inc.held?.why === 'reopened' ? 'reopened' : 'opened',
        from: null,
      };
    else if (inc.paged_tier !== null && tierRank(a.tier) < tierRank(inc.paged_tier))
      choice = { page: true, why: 'rose', from: inc.paged_tier };
    else choice = { page: false, why: pagedOrHeld === inc.paged_tier ? 'paged_already' : 'held' };
    if (a.dedup.suppressed) inc.suppressed++;
    if (choice.why === 'uncorroborated') inc.waiting = a.alert_id;
    else if (choice.page) {
      if (persisted)
        notes.push(
          `a repeat of ${lone!.waiting}, which waited for a second alert (incidents.corroborate_tiers): the condition persisted`,
        );
      inc.waiting = null;
      if (lone !== undefined) lone.waiting = null;
    }
    if (silencedBy !== null) {
      inc.silenced++;
      const silence = st.silences.get(silencedBy);
      notes.push(
        `silenced by ${silencedBy}${silence ? ` (${silence.comment})` : ''}: scored and counted, never paged`,
      );
      out.events.push({ type: 'member_silenced', alert_id: a.alert_id, silence_id: silencedBy });
    }
    if (inhibitedBy !== undefined) {
      inc.inhibited++;
      out.events.push({ type: 'member_inhibited', alert_id: a.alert_id, incident_id: inhibitedBy.id });
    }

    const scored: ScoredAlert = {
      ...a,
      paging: {
        pagerduty: { ...a.paging.pagerduty, dedup_key: inc.id },
        opsgenie: { ...a.paging.opsgenie, alias: inc.id },
      },
      incident_id: inc.id,
      page: choice.page,
      silenced_by: silencedBy,
      incident: { key: inc.key, how: m.how, reasons: notes, inhibited_by: inhibitedBy?.id ?? null },
    };
    // A first page that is superseded by this member at a higher tier goes out unpaged, saying why.
    // The wait is the first held page's: a higher tier below the top one holds on until it ends.
    const until = inc.held?.until ?? a.event_time + wait;
    if (choice.page && inc.held !== null) release(inc, false, a, out);
    // A late member's wait may be over already (the watermark passed it): it pages at once.
    if (choice.page && choice.why !== 'rose' && wait > 0 && a.tier !== topTier && until >= st.drained) {
      // Held: the member's record goes out when the wait ends (paged) or a higher tier supersedes it.
      const why = choice.why === 'reopened' ? 'reopened' : 'opened';
      inc.held = { until, why, alert: scored, notes, actions: m.actions };
      st.timers.push({ at: until, id: inc.id, kind: 'page' });
    } else {
      if (choice.page || choice.why !== 'silenced')
        notes.push(pageSentence(choice, a.tier, inc, cfg.page_tiers, wait, a.model_id));
      if (choice.page) sendPage(inc, scored, choice, m.actions, out);
      else out.outputs.push({ kind: 'scored', key: a.model_id, alert: scored });
    }
    record(inc, out);
    st.timers.push({ at: inc.last + gap, id: inc.id, kind: 'timeout' });
  };

  const sendPage = (
    inc: Incident,
    scored: ScoredAlert,
    choice: Extract<PageChoice, { page: true }>,
    actions: readonly Action[],
    out: IncidentStepResult,
  ) => {
    notePage(inc, scored.tier, scored.event_time, s);
    out.outputs.push({ kind: 'scored', key: scored.model_id, alert: scored });
    const page = pageOf(inc, scored, choice);
    inc.unresolved.push({ page_id: page.page_id, tier: page.tier });
    out.outputs.push({ kind: 'page', tier: scored.tier, key: inc.id, page });
    out.events.push({ type: 'page', incident_id: inc.id, alert_id: scored.alert_id, tier: scored.tier });
    for (const action of actions) {
      if (inc.actions.has(action.type)) continue;
      inc.actions.add(action.type);
      out.outputs.push({ kind: 'action', key: scored.model_id, action });
    }
  };

  /** Sends the held page (the wait is over) or lets its member go unpaged (a higher tier superseded it). */
  const release = (inc: Incident, page: boolean, by: ScoredAlert | null, out: IncidentStepResult) => {
    const h = inc.held!;
    inc.held = null;
    // The notes are the record's reasons: rejoined here, not shared by reference, so a held page read
    // back from the stream's changelog (where they are two arrays) says the same.
    const scored: ScoredAlert = {
      ...h.alert,
      page,
      ...(h.alert.incident ? { incident: { ...h.alert.incident, reasons: h.notes } } : {}),
    };
    if (page) {
      const choice = { page: true, why: h.why, from: null } as const;
      h.notes.push(
        `${pageSentence(choice, h.alert.tier, inc, cfg.page_tiers)}, after a group wait of ${span(wait)} in which no alert at a higher tier came`,
      );
      sendPage(inc, scored, choice, h.actions, out);
    } else {
      h.notes.push(
        `not paged: ${by!.alert_id} at ${by!.tier} came within the group wait of ${span(wait)}: the incident pages at ${by!.tier} instead`,
      );
      out.outputs.push({ kind: 'scored', key: scored.model_id, alert: scored });
    }
  };

  const pageOf = (inc: Incident, a: ScoredAlert, c: Extract<PageChoice, { page: true }>): PageRecord => {
    const incident = recordOf(inc, s);
    const reason =
      c.why === 'rose'
        ? `tier rose from ${c.from} to ${a.tier}`
        : c.why === 'reopened'
          ? `reopened at ${a.tier}`
          : `opened at ${a.tier}`;
    const title = titleOf(inc);
    const page_id = `${inc.id}:${inc.pages}`;
    const cause = inc.cause ? `${describeCause(inc.cause)} (${inc.cause.event_id})` : null;
    const models = incident.models.map((x) => x.model_id);
    const why = a.reasons[0] ?? '';
    return {
      action: 'trigger',
      page_id,
      incident_id: inc.id,
      tier: a.tier,
      reason,
      event_time: a.event_time,
      incident,
      alert: {
        alert_id: a.alert_id,
        model_id: a.model_id,
        signal: a.alert.signal,
        priority: a.priority,
        tier: a.tier,
        event_time: a.event_time,
        reasons: a.reasons.slice(0, 3),
      },
      ...incidentPaging({
        incidentId: inc.id,
        title,
        tier: a.tier,
        eventTime: a.event_time,
        owner: incident.owner,
        impactPerHour: incident.expected_impact_per_hour,
        models,
        productAreas: incident.product_areas,
        cause,
        trigger: {
          alertId: a.alert_id,
          modelId: a.model_id,
          signal: a.alert.signal,
          ...(a.alert.source !== undefined ? { source: a.alert.source } : {}),
          why,
        },
        playbook: incident.playbook,
      }),
      slack: pageMessage({
        incidentId: inc.id,
        pageId: page_id,
        title,
        tier: a.tier,
        reason,
        impactPerHour: incident.expected_impact_per_hour,
        owner: incident.owner,
        cause,
        models,
        trigger: { alertId: a.alert_id, modelId: a.model_id, signal: a.alert.signal, why },
        playbook: incident.playbook,
      }),
    };
  };

  /** One resolve per page the incident made since it last resolved, each on its page's tier topic. */
  const sendResolves = (inc: Incident, reason: string, out: IncidentStepResult) => {
    if (inc.unresolved.length === 0) return;
    const incident = recordOf(inc, s);
    const title = titleOf(inc);
    for (const u of inc.unresolved) {
      const page_id = `${u.page_id}:resolve`;
      const resolve: ResolveRecord = {
        action: 'resolve',
        page_id,
        resolves: u.page_id,
        incident_id: inc.id,
        tier: u.tier,
        event_time: inc.resolved_at!,
        reason,
        incident,
        ...incidentResolvePaging({ incidentId: inc.id, note: `${title}: ${reason}` }),
        slack: resolveMessage({ incidentId: inc.id, pageId: page_id, title, tier: u.tier, reason }),
      };
      out.outputs.push({ kind: 'resolve', tier: u.tier, key: inc.id, resolve });
      out.events.push({ type: 'page_resolved', incident_id: inc.id, page_id, tier: u.tier });
    }
    inc.unresolved = [];
  };

  /** `why`: the sentence of its resolves (`timed out: …`, `resolved by feedback on …`). */
  const resolve = (
    st: IncidentState,
    inc: Incident,
    at: number,
    by: 'timeout' | 'feedback' | 'source',
    why: string,
    out: IncidentStepResult,
  ) => {
    // A page held for the group wait goes out now: its alert was at a page tier before the incident closed.
    if (inc.held !== null) release(inc, true, null, out);
    inc.status = 'resolved';
    inc.resolved_at = at;
    inc.resolved_by = by;
    out.events.push({ type: 'incident_resolved', incident_id: inc.id, by, at, members: inc.members });
    sendResolves(inc, why, out);
    record(inc, out);
    st.timers.push({ at: inc.last + retention, id: inc.id, kind: 'drop' });
  };

  const fire = (st: IncidentState, t: Timer, out: IncidentStepResult) => {
    const inc = st.incidents.get(t.id);
    if (inc === undefined) return;
    if (t.kind === 'page') {
      if (inc.held !== null && inc.held.until === t.at) {
        release(inc, true, null, out);
        record(inc, out);
      }
      return;
    }
    if (t.kind === 'timeout') {
      // Stale unless it is the incident's current deadline (a later member moved it).
      if (inc.status === 'open' && inc.last + gap === t.at)
        resolve(st, inc, t.at, 'timeout', `timed out: no alert for ${span(gap)}`, out);
      return;
    }
    if (inc.status !== 'resolved' || inc.last + retention !== t.at) return;
    st.incidents.delete(inc.id);
    for (const alert of inc.alerts) if (st.byAlert.get(alert) === inc.id) st.byAlert.delete(alert);
    for (const k of fingerprintKeysOf(inc)) releaseKey(st, k, inc);
    for (const alias of inc.aliases) st.aliases.delete(alias);
    if (inc.group !== undefined) {
      const k = laneIndexKey(inc.group, inc.alerts[0]);
      if (st.groups.get(k) === inc.id) st.groups.delete(k);
    }
    for (const svc of Object.keys(inc.upstream_last ?? {})) {
      const k = laneIndexKey(svc, inc.alerts[0]);
      if (st.upstreams.get(k) === inc.id) st.upstreams.delete(k);
    }
    out.events.push({ type: 'incident_dropped', incident_id: inc.id });
  };

  const processFeedback = (st: IncidentState, f: AlertFeedback, out: IncidentStepResult) => {
    if (f.resolved_at === undefined && f.acked_at === undefined) return;
    const id = st.byAlert.get(f.alert_id);
    const inc = id === undefined ? undefined : st.incidents.get(id);
    if (inc === undefined || inc.status !== 'open') return;
    // A resolution older than the incident's last member does not close it (in order it came before that
    // member; the stream may give it again after a restart, or late).
    if (f.resolved_at !== undefined && f.event_time >= inc.last) {
      resolve(st, inc, f.resolved_at, 'feedback', `resolved by feedback on ${f.alert_id}`, out);
      return;
    }
    // Acknowledged, not (yet) resolved: each page sent and not acknowledged gets its acknowledge, once.
    if (f.acked_at !== undefined)
      sendAcknowledges(inc, f.acked_at, `acknowledged (feedback on ${f.alert_id})`, out);
  };

  const sendAcknowledges = (inc: Incident, at: number, reason: string, out: IncidentStepResult) => {
    const waiting = inc.unresolved.filter((u) => !u.acked);
    if (waiting.length === 0) return;
    const incident = recordOf(inc, s);
    const title = titleOf(inc);
    for (const u of waiting) {
      u.acked = true;
      const page_id = `${u.page_id}:ack`;
      const acknowledge: AcknowledgeRecord = {
        action: 'acknowledge',
        page_id,
        acknowledges: u.page_id,
        incident_id: inc.id,
        tier: u.tier,
        event_time: at,
        reason,
        incident,
        ...incidentAcknowledgePaging({ incidentId: inc.id, note: `${title}: ${reason}` }),
        slack: acknowledgeMessage({ incidentId: inc.id, pageId: page_id, title, tier: u.tier, reason }),
      };
      out.outputs.push({ kind: 'acknowledge', tier: u.tier, key: inc.id, acknowledge });
      out.events.push({ type: 'page_acknowledged', incident_id: inc.id, page_id, tier: u.tier });
    }
    record(inc, out);
  };

  /**
   * A resolved alert (labelled status=resolved by its monitor: an Alertmanager or Grafana alert whose
   * status is resolved, an Arize monitor cleared) is no member: it neither pages, nor extends, nor reopens
   * an incident. It finds the incident its firing alert joined — by the firing alert's id (`…:resolved`
   * less the suffix), else by its dedup fingerprint — and takes its fingerprint off the incident's firing
   * ones; when none is left firing (and no member came after it), the incident is resolved (`source`).
   */
  const processResolved = (st: IncidentState, m: IncidentMember, out: IncidentStepResult) => {
    const a = m.alert;
    const firing = a.alert_id.endsWith(RESOLVED_SUFFIX) ? a.alert_id.slice(0, -RESOLVED_SUFFIX.length) : null;
    const id =
      (firing === null ? undefined : st.byAlert.get(firing)) ??
      st.byFingerprint.get(fingerprintKey(m.route, a.dedup.fingerprint));
    const inc = id === undefined ? undefined : st.incidents.get(id);
    let note: string;
    if (inc === undefined)
      note = 'resolved by its source: no incident holds its firing alert, nothing to resolve';
    else if (inc.status !== 'open') note = `resolved by its source: incident ${inc.id} was resolved already`;
    else if (a.event_time < inc.last)
      note = `resolved by its source, but incident ${inc.id} had a member after it: the incident stays open`;
    else {
      inc.firing.delete(a.dedup.fingerprint);
      if (inc.firing.size > 0) {
        note = `resolved by its source; incident ${inc.id} stays open: ${inc.firing.size} other alert fingerprint(s) of it still firing`;
        record(inc, out);
      } else {
        resolve(st, inc, a.event_time, 'source', `resolved by its source (${a.alert_id})`, out);
        note = `resolved by its source: incident ${inc.id} resolved`;
      }
    }
    const scored: ScoredAlert = {
      ...a,
      ...(inc ? { incident_id: inc.id } : {}),
      page: false,
      silenced_by: null,
      incident: {
        key: inc?.key ?? m.key,
        how: m.how,
        reasons: [note, 'not paged: a resolve never pages'],
        inhibited_by: null,
      },
    };
    out.outputs.push({ kind: 'scored', key: a.model_id, alert: scored });
  };

  /** Takes every pending member, feedback and timer below `w`, in time order (timers after members at a tie). */
  const drain = (st: IncidentState, w: number, out: IncidentStepResult) => {
    for (;;) {
      const p = st.pending.peek();
      const t = st.timers.peek();
      const due = p !== undefined && p.time < w ? p : undefined;
      if (t !== undefined && t.at < w && (due === undefined || t.at < due.time)) {
        fire(st, st.timers.pop()!, out);
        continue;
      }
      if (due === undefined) break;
      st.pending.pop();
      if (due.rank === 0) processMember(st, due.member, out);
      else processFeedback(st, due.feedback, out);
    }
    if (w > st.drained) st.drained = w;
  };

  return (st, input) => {
    const out: IncidentStepResult = { outputs: [], events: [] };
    switch (input.kind) {
      case 'member': {
        const m = input.member;
        const t = m.alert.event_time;
        if (t < st.drained) {
          out.events.push({ type: 'member_late', alert_id: m.alert.alert_id, event_time: t });
          processMember(st, m, out);
        } else st.pending.push({ time: t, rank: 0, id: m.alert.alert_id, seq: st.seq++, member: m });
        break;
      }
      case 'feedback': {
        const f = input.feedback;
        if (f.event_time < st.drained) processFeedback(st, f, out);
        else st.pending.push({ time: f.event_time, rank: 1, id: f.alert_id, seq: st.seq++, feedback: f });
        break;
      }
      case 'watermark':
        drain(st, input.time, out);
        break;
      case 'quiet':
        // The stream went quiet (every alert partition idle): a page held for the group wait goes now,
        // rather than wait for an alert that may not come for hours. Offline the input's end does this.
        for (const inc of st.incidents.values()) {
          if (inc.held === null) continue;
          release(inc, true, null, out);
          record(inc, out);
        }
        break;
      case 'silence':
        st.silences.upsert(input.silence);
        break;
      case 'silence_removed':
        st.silences.remove(input.id);
        break;
    }
    return out;
  };
}
