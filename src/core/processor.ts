// The step function at the heart of alert-triage, shared by the Kafka service and the offline CLI:
//   step(state, input) → { state, outputs, events }
// Inputs are alerts, deploys, feedback and ticks with their event time; outputs are records to
// publish; events are what the shell should log or count. The state is mutated in place for
// speed, but it is only ever touched here, so the same inputs always give the same outputs.

import { accrue, cappedReason, runOf } from './accrual.ts';
import { type Action, actionsFor } from './actions.ts';
import { type DedupEntry, DedupStore, fingerprintOf, noteOccurrence, routingDecision } from './dedup.ts';
import type { AlertFeedback, AnomalyAlert, CoreInput, DeployEvent, ScoredAlert, Tier } from './events.ts';
import { candidateChange } from './incidents/candidate.ts';
import { chooseCause } from './incidents/cause.ts';
import {
  groupOf,
  holds,
  isResolving,
  type ModelMemory,
  ModelMemoryStore,
  modelIncidentId,
  modelKey,
  routeAlert,
  upstreamLanes,
} from './incidents/routing.ts';
import { causeChoiceSentences } from './incidents/sentences.ts';
import type { IncidentMember } from './incidents/types.ts';
import { joinDeployContext, round } from './join.ts';
import { Journal } from './journal.ts';
import { type Lane, type LaneSnapshot, restoreLanes, snapshotLanes, streamTimeOf } from './lanes.ts';
import { pagingFields } from './paging.ts';
import { agreeWithDirectChange, classifyByRules, type RootCauseClassifier } from './root-cause.ts';
import {
  learnedClassifier,
  RootCauseModel,
  rootCauseFeatures,
  rootCauseLabelOf,
} from './root-cause-model.ts';
import { scoreAlert } from './score.ts';
import type { ModelProfile, TriageSettings } from './settings.ts';
import { AlertMemory, PendingFeedback, SourceReliability } from './source-reliability.ts';
import { assignTier, escalationPath, slaDeadlines } from './tier.ts';
import { DeployWindow } from './window-store.ts';

export type { ScoredAlert } from './events.ts';

export type Output =
  | { kind: 'scored'; key: string; alert: ScoredAlert }
  | { kind: 'tier'; tier: Tier; key: string; alert: ScoredAlert }
  | { kind: 'action'; key: string; action: Action }
  /**
   * With `incidents: 'inline'`, instead of scored, tier and action: the alert routed to its incident
   * (stage 1), for the incident stage (core/incidents/book.ts) keyed by `key` (the member's route).
   */
  | { kind: 'member'; key: string; member: IncidentMember }
  /**
   * The dedup entry after this alert (`null` once it expired: a tombstone), in its lane's changelog:
   * what was routed, so a restart or a rebalance never re-pages.
   */
  | { kind: 'dedup'; lane: string; fingerprint: string; entry: DedupEntry | null }
  /**
   * With `incidents: 'inline'`: what the lane now remembers of the model (routing.ts), in the lane's
   * changelog beside its dedup entries, so the model's next alert finds its incident after a restart.
   */
  | { kind: 'memory'; lane: string; model_id: string; memory: ModelMemory };

export type CoreEvent =
  | {
      type: 'alert_scored';
      alert_id: string;
      tier: Tier;
      priority: number;
      suppressed: boolean;
      late: boolean;
      event_time: number;
    }
  | { type: 'deploy_stored' | 'deploy_duplicate' | 'deploy_expired'; event_id: string; event_time: number }
  /**
   * Later than alerts it would have explained: an alert of a model it changes, at or after its event
   * time, was already scored without it (late side input). Stored or expired as well, like any other.
   */
  | { type: 'deploy_late'; event_id: string; event_time: number }
  | {
      type: 'feedback_applied';
      alert_id: string;
      outcome: AlertFeedback['outcome'];
      /** The alert it is about, as remembered: for SLIs and per-source outcome counts. */
      source: string | null;
      tier: Tier | null;
      alert_event_time: number;
      acked_at: number | null;
      resolved_at: number | null;
      /** Whether it taught the learned root-cause classifier a confirmed cause. */
      learned_root_cause: boolean;
    }
  | {
      type: 'feedback_unmatched' | 'feedback_dropped';
      alert_id: string;
      outcome: AlertFeedback['outcome'];
    }
  | { type: 'window_expired'; deploys: number; fingerprints: number }
  | { type: 'restore_ignored'; lane: string; fingerprint: string }
  /**
   * Lanes were added while the stream time had advanced: a partition taken over from another reader
   * may stand far behind it (a backlog, or a member that died mid-replay), and its alerts need the
   * context the stream time let expire. The stream time starts again from the lanes (held by the new
   * ones until read); `deploys_lost_before` is how far back the deploy window may lack deploys — the
   * runtime reads the deploy input again when it is finite, so the new lanes see what `score` sees.
   */
  | { type: 'stream_time_rewound'; from: number; lanes: string[]; deploys_lost_before: number };

export interface TriageState {
  /**
   * The alert stream time (lanes.ts says how the lanes hold it back). It drives every expiry and
   * releases held feedback, so deploy or feedback input running ahead changes nothing.
   */
  streamTime: number;
  lanes: Map<string, Lane>;
  deploys: DeployWindow;
  sources: SourceReliability;
  recentAlerts: AlertMemory;
  /** Newest alert event time scored per model: tells a change that arrives after alerts it explains. */
  lastAlertAt: Map<string, number>;
  pendingFeedback: PendingFeedback;
  /** The learned root-cause classifier's counts: it learns from feedback that confirms a cause. */
  rootCauses: RootCauseModel;
  /** Undo records of the open transaction (stream only), and the lanes as they were at its start. */
  journal: Journal;
  transaction: LaneSnapshot | undefined;
}

export interface StepResult {
  state: TriageState;
  outputs: Output[];
  events: CoreEvent[];
}

export interface ProcessorOptions {
  classifyRootCause?: RootCauseClassifier;
  maxContextChanges?: number;
  /**
   * Whether feedback can arrive (default true). When a run has no feedback input at all (an offline
   * run without a feedback file), nothing would ever read the per-alert memory feedback is matched
   * against, so the step keeps none: no entry, no root-cause features, per alert.
   */
  feedback?: boolean;
  /** How long a caught-up lane that the others have passed still holds the stream time (lanes.ts). */
  laneIdleMs?: number;
  /**
   * `off` (the default, and the stream's until its repartition stage exists): scored, tier and action
   * outputs as before incidents. `inline`: each alert is routed to its incident in its lane and comes out
   * as a `member` for the incident stage (createIncidentStep), which the caller runs: the offline
   * pipeline does, between its merge and its sinks.
   */
  incidents?: 'off' | 'inline';
}

export type Step = (state: TriageState, input: CoreInput) => StepResult;

export function createState(config: TriageSettings): TriageState {
  const w = config.windows;
  const journal = new Journal();
  return {
    streamTime: Number.NEGATIVE_INFINITY,
    lanes: new Map(),
    deploys: new DeployWindow({ retentionMs: w.deploy_retention, maxPerKey: w.max_deploys_per_key }, journal),
    sources: new SourceReliability(journal),
    recentAlerts: new AlertMemory(w.max_tracked_alerts, w.feedback_lookup, journal),
    lastAlertAt: new Map(),
    pendingFeedback: new PendingFeedback(w.max_tracked_alerts, journal),
    rootCauses: new RootCauseModel({ journal }),
    journal,
    transaction: undefined,
  };
}

/** Dedup episodes held over every lane (for gauges and health). */
export function dedupEntries(state: TriageState): number {
  let n = 0;
  for (const lane of state.lanes.values()) n += lane.dedup.size;
  return n;
}

export function createStep(config: TriageSettings, options: ProcessorOptions = {}): Step {
  // The rules answer until the state's learned model has enough confirmed causes (unless the caller
  // brings its own classifier). One classifier per state, made on first use.
  const learned = new WeakMap<TriageState, RootCauseClassifier>();
  const classifierFor = (state: TriageState): RootCauseClassifier => {
    if (options.classifyRootCause) return options.classifyRootCause;
    if (!config.scoring.root_cause.learn) return classifyByRules;
    let c = learned.get(state);
    if (!c) {
      c = learnedClassifier(state.rootCauses, {
        minExamples: config.scoring.root_cause.min_examples,
        minConfidence: config.scoring.root_cause.min_confidence,
      });
      learned.set(state, c);
    }
    return c;
  };
  const joinWindows = {
    correlationMs: config.windows.correlation,
    versionHorizonMs: config.windows.deploy_retention - config.windows.allowed_lateness,
    maxContextChanges: options.maxContextChanges ?? 5,
  };
  const feedbackCanArrive = options.feedback !== false;
  const dedupWindows = { windowMs: config.windows.dedup, renotifyMs: config.windows.renotify_after };
  const tierRules = {
    thresholds: config.scoring.tiers,
    floors: config.scoring.floors,
    gates: config.scoring.gates,
  };

  // The escalation path of a (template, owner) pair is the same list every time: made once and shared
  // by the alerts that carry it, as `compliance` is shared with the profile.
  const escalations = new Map<readonly string[], Map<string, string[]>>();
  const escalationFor = (template: readonly string[], owner: string): string[] => {
    let byOwner = escalations.get(template);
    if (byOwner === undefined) {
      byOwner = new Map();
      escalations.set(template, byOwner);
    }
    let path = byOwner.get(owner);
    if (path === undefined) {
      path = escalationPath(template, owner);
      byOwner.set(owner, path);
    }
    return path;
  };

  // The catalog as a map, made once: one lookup per alert (the catalog object, ten thousand keys in
  // dictionary mode, took a hasOwn check and a keyed read).
  const catalog = new Map<string, ModelProfile>(Object.entries(config.models));

  const laneIdleMs = options.laneIdleMs ?? 10_000;
  const accrual = config.scoring.accrual;
  // Accrual lifts a priority at most to just below the lowest tier above `max_tier` (P2 by default: a
  // long trickle pages in working hours, never wakes someone on its own); a higher priority stays.
  const accrualCeiling =
    accrual.max_tier === 'P1'
      ? 100
      : accrual.max_tier === 'P2'
        ? config.scoring.tiers.P1 - 0.01
        : config.scoring.tiers.P2 - 0.01;
  const withAccrual = (priority: number, boost: number): number =>
    boost <= 0 ? priority : Math.max(priority, Math.min(accrualCeiling, priority + boost));
  const dedupStoreWindows = {
    ...dedupWindows,
    graceMs: config.windows.allowed_lateness,
    holdMs: accrual.enabled ? accrual.gap : 0,
  };

  const incidentsInline = options.incidents === 'inline';
  const inc = config.incidents;
  const causeRules = {
    relevance: config.scoring.change_relevance,
    correlationMs: config.windows.correlation,
    minStrength: inc.min_cause_strength,
    keepStrength: inc.keep_cause_strength,
    precedesFiring: inc.cause_precedes_firing,
  };
  const routeWindows = { gapMs: inc.gap, lifetimeMs: inc.max_lifetime };
  const lanes = inc.upstream_window === null ? new Map<string, string>() : upstreamLanes(config.models);
  const candidateRules = {
    lifetimeMs: inc.max_lifetime,
    // As far back as the deploy window surely holds: the join's version lookups reach as far.
    horizonMs: joinWindows.versionHorizonMs,
    precedesFiring: inc.cause_precedes_firing,
    relevance: config.scoring.change_relevance,
    minRelevance: inc.min_cause_strength,
  };
  const memoryKeepMs = inc.gap + config.windows.allowed_lateness;

  const laneOf = (state: TriageState, id: string, behind: boolean): Lane => {
    let lane = state.lanes.get(id);
    if (lane === undefined) {
      lane = {
        time: Number.NEGATIVE_INFINITY,
        behind,
        passedSince: undefined,
        dedup: new DedupStore(dedupStoreWindows, state.journal),
        memory: new ModelMemoryStore(memoryKeepMs, state.journal),
      };
      state.lanes.set(id, lane);
    }
    return lane;
  };

  /** The stream time after a change to the lanes at wall time `at`; what it passes expires. */
  const advanceStreamTime = (state: TriageState, at: number, events: CoreEvent[]) => {
    const t = streamTimeOf(state.lanes, state.streamTime, at, laneIdleMs);
    if (t > state.streamTime) {
      state.streamTime = t;
      const deploys = state.deploys.expire(t);
      if (deploys > 0) events.push({ type: 'window_expired', deploys, fingerprints: 0 });
    }
    for (const feedback of state.pendingFeedback.due(state.streamTime))
      applyFeedback(state, feedback, events);
  };

  /** A lane's time rises to `t`: its own expired episodes go (with a tombstone each), then the stream time. */
  const advance = (state: TriageState, id: string, lane: Lane, t: number, at: number, out: StepResult) => {
    if (t <= lane.time) return;
    lane.time = t;
    lane.passedSince = undefined;
    if (incidentsInline) lane.memory.expire(t);
    const gone = lane.dedup.expire(t);
    for (const fingerprint of gone) out.outputs.push({ kind: 'dedup', lane: id, fingerprint, entry: null });
    if (gone.length > 0) out.events.push({ type: 'window_expired', deploys: 0, fingerprints: gone.length });
    advanceStreamTime(state, at, out.events);
  };

  const applyFeedback = (state: TriageState, feedback: AlertFeedback, events: CoreEvent[]) => {
    const alert = state.recentAlerts.find(feedback.alert_id, state.streamTime);
    if (!alert) {
      events.push({ type: 'feedback_unmatched', alert_id: feedback.alert_id, outcome: feedback.outcome });
      return;
    }
    state.sources.record(alert.source, alert.signal, feedback.outcome);
    const cause = rootCauseLabelOf(feedback.root_cause);
    const learn = config.scoring.root_cause.learn && cause !== undefined && alert.features !== undefined;
    if (learn) state.rootCauses.learnFeatures(alert.features!, cause!);
    events.push({
      type: 'feedback_applied',
      alert_id: feedback.alert_id,
      outcome: feedback.outcome,
      source: alert.source ?? null,
      tier: alert.tier ?? null,
      alert_event_time: alert.event_time,
      acked_at: feedback.acked_at ?? null,
      resolved_at: feedback.resolved_at ?? null,
      learned_root_cause: learn,
    });
  };

  const onAlert = (state: TriageState, alert: AnomalyAlert, at: number, laneId: string, out: StepResult) => {
    const lane = laneOf(state, laneId, false);
    const late = alert.event_time < lane.time - config.windows.allowed_lateness;
    advance(state, laneId, lane, alert.event_time, at, out);
    const dedup = lane.dedup;
    const modelId = alert.model_id;
    const seenAt = state.lastAlertAt.get(modelId);
    if (seenAt === undefined || alert.event_time > seenAt) {
      if (state.journal.active) {
        const map = state.lastAlertAt;
        state.journal.record(() => (seenAt === undefined ? map.delete(modelId) : map.set(modelId, seenAt)));
      }
      state.lastAlertAt.set(modelId, alert.event_time);
    }
    const listed = catalog.get(modelId);
    const inCatalog = listed !== undefined;
    const profile = listed ?? config.defaults;

    const fingerprint = fingerprintOf(alert);
    const held = dedup.get(fingerprint);
    const seen = noteOccurrence(held, alert.event_time, dedupWindows);
    const context = joinDeployContext(alert, profile.upstream, state.deploys, joinWindows);
    const affectedShare =
      alert.affected_entities === undefined
        ? config.scoring.default_affected_share
        : Math.min(1, alert.affected_entities / profile.traffic_per_hour);
    const rootCauseInput = {
      alert,
      context,
      affectedShare,
      occurrences: seen.occurrences,
      windowMinutes: config.windows.correlation / 60_000,
    };
    const rootCause = agreeWithDirectChange(classifierFor(state)(rootCauseInput), rootCauseInput);
    const source = state.sources.rate(alert.source, alert.signal, config.scoring.feedback_prior);
    const score = scoreAlert(
      { alert, modelId, profile, inCatalog, context, occurrences: seen.occurrences, source, rootCause },
      config,
    );
    // The impact this fingerprint's run has accrued raises the priority before the tier is assigned,
    // so the tier's gates and floors still hold and a rise routes again (dedup.ts).
    const accrued = accrual.enabled
      ? accrue(runOf(held), alert.event_time, score.expected_impact_per_hour, accrual)
      : undefined;
    const boosted = withAccrual(score.priority, accrued?.boost ?? 0);
    const assigned = assignTier(
      {
        priority: boosted,
        likelihood: score.components.likelihood.value,
        severity: score.components.severity.value,
        compliance: profile.compliance,
        safety: profile.safety,
      },
      tierRules,
    );
    const tier = assigned.tier;
    const decided = routingDecision(seen, tier, alert.event_time, dedupWindows);
    const routing =
      accrued === undefined ? decided : { ...decided, entry: { ...decided.entry, accrual: accrued.run } };
    // A resolve (labelled status=resolved by its monitor) is scored and shown, and ends its fingerprint's
    // episode: the next firing is a new occurrence that pages, as Alertmanager would notify it again.
    const resolving = isResolving(alert);
    if (resolving) dedup.restore(fingerprint, null);
    else dedup.set(fingerprint, routing.entry);
    if (feedbackCanArrive) {
      state.recentAlerts.remember(
        alert,
        config.scoring.root_cause.learn ? { tier, features: rootCauseFeatures(rootCauseInput) } : { tier },
      );
    }

    // score.reasons is this alert's own array: the tier's sentences are appended to it, not copied.
    const reasons = score.reasons;
    const accrualReason = accrued && cappedReason(accrued, boosted - score.priority, accrual.max_tier);
    if (accrualReason) reasons.push(accrualReason);
    for (const r of assigned.reasons) reasons.push(r);
    if (routing.reason && !resolving) reasons.push(routing.reason);
    if (resolving) reasons.push('resolved by its source (status=resolved): a resolve, never paged');
    if (late) reasons.push('arrived late: deploy context may be incomplete');
    const owner = profile.owner;
    const scored: ScoredAlert = {
      alert_id: alert.alert_id,
      model_id: modelId,
      event_time: alert.event_time,
      scored_at: at,
      priority: Math.round(assigned.priority * 100) / 100,
      tier,
      expected_impact_per_hour: score.expected_impact_per_hour,
      components: score.components,
      reasons,
      context,
      owner,
      escalation: escalationFor(profile.escalation ?? config.escalation[tier], owner),
      playbook: profile.playbook ?? null,
      sla: slaDeadlines(alert.event_time, config.sla[tier]),
      root_cause: { label: rootCause.label, confidence: rootCause.confidence, by: rootCause.by },
      dedup: { fingerprint, occurrences: seen.occurrences, suppressed: routing.suppressed },
      config_version: config.version,
      product_area: alert.product_area ?? profile.product_area ?? null,
      region: alert.region ?? null,
      customer_segment: alert.customer_segment ?? null,
      compliance: profile.compliance,
      safety: profile.safety,
      evidence: score.evidence,
      tier_adjustment: assigned.adjustment ?? null,
      late,
      paging: pagingFields({
        fingerprint,
        tier,
        priority: assigned.priority,
        modelId,
        signal: alert.signal,
        owner,
        impactPerHour: score.expected_impact_per_hour,
        rootCause: rootCause.label,
        topReason: reasons[0] ?? '',
        // Absent fields pass as undefined: pagingFields treats them alike, and no object is filtered per alert.
        source: alert.source,
        feature: alert.feature,
        metric: alert.metric,
        productArea: alert.product_area ?? profile.product_area,
        playbook: profile.playbook,
      }),
      alert,
    };

    if (incidentsInline && resolving) {
      // To the incident the model's last alert joined (where its firing alert most likely is, and the
      // stage-2 partition that holds it); the lane's memory of the model is left as it was.
      const memory = lane.memory.get(modelId);
      const member: IncidentMember = {
        alert: scored,
        incident_id: memory?.incident_id ?? modelIncidentId(modelId, alert.alert_id),
        key: memory?.key ?? modelKey(modelId),
        route: memory?.route ?? modelKey(modelId),
        how: 'model',
        cause: null,
        cause_strength: null,
        candidate: null,
        since_last: memory === undefined ? null : alert.event_time - memory.last,
        actions: [],
      };
      out.outputs.push({ kind: 'member', key: member.route, member });
    } else if (incidentsInline) {
      const memory = lane.memory.get(modelId);
      // A repeat's condition began firing with its dedup episode's first alert.
      const firingSince = seen.occurrences > 1 ? seen.first_seen : null;
      const choice = chooseCause(context.deploys, alert.signal, causeRules, {
        firingSince,
        held:
          memory !== undefined && holds(memory, alert.event_time, routeWindows)
            ? memory.cause_event_id
            : null,
      });
      const cause = choice.cause;
      const route = routeAlert(
        {
          alert_id: alert.alert_id,
          model_id: modelId,
          event_time: alert.event_time,
          cause,
          memory,
          candidate: () =>
            candidateChange(alert, profile.upstream, state.deploys, candidateRules, firingSince),
          group: groupOf(alert.labels, inc.group_by),
          upstream: lanes.get(modelId) ?? null,
        },
        routeWindows,
      );
      lane.memory.set(modelId, route.memory);
      out.outputs.push({ kind: 'memory', lane: laneId, model_id: modelId, memory: route.memory });
      const member: IncidentMember = {
        alert: scored,
        incident_id: route.incident_id,
        key: route.key,
        route: route.route,
        how: route.how,
        cause: cause?.change ?? null,
        cause_strength: cause === null ? null : round(cause.strength, 3),
        candidate: route.candidate,
        since_last: route.since_last,
        actions: routing.suppressed ? [] : actionsFor(alert, modelId, tier, profile, context, rootCause),
      };
      const causeNotes = causeChoiceSentences(choice, alert.event_time, firingSince, modelId);
      if (causeNotes.length > 0) member.cause_notes = causeNotes;
      out.outputs.push({ kind: 'member', key: route.route, member });
    } else {
      out.outputs.push({ kind: 'scored', key: modelId, alert: scored });
      if (!routing.suppressed && !resolving) {
        out.outputs.push({ kind: 'tier', tier, key: modelId, alert: scored });
        for (const action of actionsFor(alert, modelId, tier, profile, context, rootCause)) {
          out.outputs.push({ kind: 'action', key: modelId, action });
        }
      }
    }
    out.outputs.push({ kind: 'dedup', lane: laneId, fingerprint, entry: resolving ? null : routing.entry });
    out.events.push({
      type: 'alert_scored',
      alert_id: alert.alert_id,
      tier,
      priority: scored.priority,
      suppressed: routing.suppressed,
      late,
      event_time: alert.event_time,
    });
  };

  const onDeploy = (state: TriageState, deploy: DeployEvent, out: StepResult, replay: boolean) => {
    // In a transaction, "too old" is judged against the stream time at its start: the chunk's own
    // advance may still be undone, and a deploy refused for it would never be read again.
    const streamTime = state.transaction?.streamTime ?? state.streamTime;
    const result = state.deploys.insert(deploy, streamTime);
    const type =
      result === 'inserted'
        ? 'deploy_stored'
        : result === 'duplicate'
          ? 'deploy_duplicate'
          : 'deploy_expired';
    out.events.push({ type, event_id: deploy.event_id, event_time: deploy.event_time });
    if (result !== 'duplicate' && !replay && explainedAlready(state, deploy)) {
      out.events.push({ type: 'deploy_late', event_id: deploy.event_id, event_time: deploy.event_time });
    }
  };

  /** Whether an alert at or after the change, of a model it changes, was scored before it arrived. */
  const explainedAlready = (state: TriageState, d: DeployEvent): boolean => {
    const after = (model: string) =>
      (state.lastAlertAt.get(model) ?? Number.NEGATIVE_INFINITY) >= d.event_time;
    if (d.model_id !== undefined && after(d.model_id)) return true;
    if (d.service === undefined) return false;
    if (after(d.service)) return true;
    for (const model of config.downstream[d.service] ?? []) if (after(model)) return true;
    return false;
  };

  const onFeedback = (state: TriageState, feedback: AlertFeedback, out: StepResult) => {
    // Side inputs are never undone. In a transaction, feedback waits to be released by an alert's
    // advance (which is), rather than being applied against a stream time an abort could take back.
    if (!state.transaction && feedback.event_time <= state.streamTime)
      applyFeedback(state, feedback, out.events);
    else if (!state.pendingFeedback.add(feedback)) {
      out.events.push({ type: 'feedback_dropped', alert_id: feedback.alert_id, outcome: feedback.outcome });
    }
  };

  const onLanes = (state: TriageState, assigned: readonly string[], at: number, out: StepResult) => {
    const keep = new Set(assigned);
    const added = assigned.filter((id) => !state.lanes.has(id));
    // A lane no longer read: its episodes belong to whoever reads its partition now.
    for (const id of [...state.lanes.keys()]) if (!keep.has(id)) state.lanes.delete(id);
    for (const id of assigned) laneOf(state, id, true);
    if (added.length > 0 && Number.isFinite(state.streamTime)) {
      out.events.push({
        type: 'stream_time_rewound',
        from: state.streamTime,
        lanes: added,
        deploys_lost_before: state.deploys.lostBefore,
      });
      state.streamTime = Number.NEGATIVE_INFINITY;
    }
    advanceStreamTime(state, at, out.events);
  };

  const onTick = (state: TriageState, input: Extract<CoreInput, { kind: 'tick' }>, out: StepResult) => {
    if (input.behind !== undefined) {
      const behind = new Set(input.behind);
      for (const [id, lane] of state.lanes) lane.behind = behind.has(id);
    }
    if (input.streamTime !== undefined) {
      const ids =
        input.lane !== undefined ? [input.lane] : state.lanes.size ? [...state.lanes.keys()] : [DEFAULT_LANE];
      for (const id of ids) advance(state, id, laneOf(state, id, false), input.streamTime, input.at, out);
    }
    advanceStreamTime(state, input.at, out.events);
  };

  const onRestore = (state: TriageState, input: Extract<CoreInput, { kind: 'restore' }>, out: StepResult) => {
    const lane = state.lanes.get(input.lane);
    if (lane === undefined) {
      out.events.push({ type: 'restore_ignored', lane: input.lane, fingerprint: input.fingerprint });
      return;
    }
    if (input.memory !== undefined) lane.memory.restore(input.memory.model_id, input.memory.value);
    else lane.dedup.restore(input.fingerprint, input.entry);
  };

  const onTransaction = (state: TriageState, op: 'begin' | 'commit' | 'abort') => {
    if (op === 'begin') {
      if (state.transaction) throw new Error('a transaction is already open');
      state.transaction = snapshotLanes(state.lanes, state.streamTime);
      state.journal.begin();
      return;
    }
    const snapshot = state.transaction;
    if (!snapshot) throw new Error(`transaction ${op} without begin`);
    state.transaction = undefined;
    if (op === 'commit') {
      state.journal.commit();
      return;
    }
    state.journal.rollback();
    state.streamTime = restoreLanes(state.lanes, snapshot);
  };

  return (state, input) => {
    const out: StepResult = { state, outputs: [], events: [] };
    switch (input.kind) {
      case 'alert':
        onAlert(state, input.alert, input.at, input.lane ?? DEFAULT_LANE, out);
        break;
      case 'deploy':
        onDeploy(state, input.deploy, out, input.replay === true);
        break;
      case 'feedback':
        onFeedback(state, input.feedback, out);
        break;
      case 'tick':
        onTick(state, input, out);
        break;
      case 'lanes':
        onLanes(state, input.assigned, input.at, out);
        break;
      case 'restore':
        onRestore(state, input, out);
        break;
      case 'transaction':
        onTransaction(state, input.op);
        break;
    }
    return out;
  };
}

const DEFAULT_LANE = 'default';
