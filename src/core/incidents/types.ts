// The contracts of the incident stage: what stage 1 (the alert's lane) hands on, what stage 2 (the
// incident book, keyed by incident) takes and gives. docs/INCIDENTS.md describes them.
import type { Action } from '../actions.ts';
import type { AlertFeedback, DeployEvent, ScoredAlert, Tier } from '../events.ts';
import type { ContextChange } from '../join.ts';
import type {
  OpsgenieAcknowledge,
  OpsgenieAlert,
  OpsgenieClose,
  PagerDutyAcknowledge,
  PagerDutyEvent,
  PagerDutyResolve,
} from '../paging.ts';
import type { Silence } from '../silences.ts';
import type { SlackMessage } from '../slack.ts';
import type { InhibitCandidate, JoinHow } from './routing.ts';

/**
 * One alert routed to an incident by stage 1: what travels (in the stream, through the repartition topic
 * keyed by `route`) to stage 2. `alert` is the scored record without the incident fields.
 */
export interface IncidentMember {
  alert: ScoredAlert;
  incident_id: string;
  /** The incident's key: `change:<event_id>`, `group:<label values>` (incidents.group_by) or `model:<model_id>`. */
  key: string;
  /** What stage 2 is partitioned by: the key, or the change of an inhibition candidate. */
  route: string;
  how: JoinHow;
  /** The suspected cause (cause.ts), when the alert has one. */
  cause: ContextChange | null;
  cause_strength: number | null;
  candidate: InhibitCandidate | null;
  /** ms since the model's previous alert in the incident (how = 'model'). */
  since_last: number | null;
  /** What this alert would trigger if it pages (unless its dedup episode suppressed it). */
  actions: Action[];
  /** What the cause choice set aside (sentences.ts causeChoiceSentences); absent when nothing. */
  cause_notes?: string[];
}

export type IncidentStatus = 'open' | 'resolved';

/** The change an incident is blamed on, as the incident record shows it: the deploy event, less its region. */
export type IncidentCause = Omit<DeployEvent, 'region'>;

export interface IncidentModel {
  model_id: string;
  product_area: string | null;
  members: number;
  tier: Tier;
  priority: number;
  /** The model's highest expected impact per hour among its members. */
  expected_impact_per_hour: number;
}

/** The record on `ml.incidents` (compacted, key incident_id): the latest state of an incident. */
export interface IncidentRecord {
  incident_id: string;
  key: string;
  title: string;
  status: IncidentStatus;
  resolved_at: number | null;
  /** `source`: the monitor that raised it said resolved (an alert labelled status=resolved, docs/INPUTS.md). */
  resolved_by: 'timeout' | 'feedback' | 'source' | null;
  cause: IncidentCause | null;
  /** Every model with a member, in the order they joined. */
  models: IncidentModel[];
  product_areas: string[];
  regions: string[];
  customer_segments: string[];
  members: number;
  first_event_time: number;
  last_event_time: number;
  /** Summed over the distinct models, each at its highest. */
  expected_impact_per_hour: number;
  /** The highest of its members': an incident is never below its highest member. */
  priority: number;
  tier: Tier;
  owner: string;
  /** Whose the owner is: the changed service's team, the changed model's, or the first model's. */
  owner_from: 'service' | 'model_change' | 'first_model';
  escalation: string[];
  playbook: string | null;
  /** From the first page (tightened when the tier rises); null until it pages. */
  sla: { ack_by: number | null; resolve_by: number | null } | null;
  pages: number;
  paged_tier: Tier | null;
  first_paged_at: number | null;
  silenced: number;
  inhibited: number;
  suppressed: number;
  config_version: string;
}

/** What an alert of an incident is told, on its scored record (`incident`). */
export interface MemberNote {
  key: string;
  how: JoinHow;
  /** One sentence per choice: which incident and why, whether it paged and why (not in `reasons`). */
  reasons: string[];
  /** The P1 incident that inhibited it (it joined that one), or null. */
  inhibited_by: string | null;
}

/**
 * A record on a tier topic (key incident_id): a page (`trigger`) or, once the incident resolves, its
 * `resolve`. Consumers tell them by `action`; only triggers are pages. The bodies are complete but for the
 * senders' secrets: PagerDuty's routing key, Opsgenie's API key, Slack's token or webhook URL.
 */
export type TierRecord = PageRecord | ResolveRecord | AcknowledgeRecord;

/** The record on the tier topic when a member pages: the incident, what triggered it, the pager bodies. */
export interface PageRecord {
  action: 'trigger';
  /** `<incident_id>:<n>`: the incident's n-th page. */
  page_id: string;
  incident_id: string;
  tier: Tier;
  /** `opened at P1`, `tier rose from P2 to P1`, `reopened at P2`. */
  reason: string;
  event_time: number;
  incident: IncidentRecord;
  alert: {
    alert_id: string;
    model_id: string;
    signal: string;
    priority: number;
    tier: Tier;
    event_time: number;
    reasons: string[];
  };
  pagerduty: PagerDutyEvent;
  opsgenie: OpsgenieAlert;
  slack: SlackMessage;
}

/**
 * The record on a tier topic when an incident that paged there resolves (time-out, feedback or its source):
 * one per page not resolved yet, on that page's tier topic, so a pager that consumes one tier topic sees the
 * end of every page it was sent.
 */
export interface ResolveRecord {
  action: 'resolve';
  /** `<page_id>:resolve`: derived from the page it resolves. */
  page_id: string;
  /** The page_id of the trigger it resolves. */
  resolves: string;
  incident_id: string;
  tier: Tier;
  /** When the incident resolved (its `resolved_at`). */
  event_time: number;
  /** `timed out: no alert for 30 min`, `resolved by feedback on a-12`, `resolved by its source (a-7:resolved)`. */
  reason: string;
  incident: IncidentRecord;
  pagerduty: PagerDutyResolve;
  opsgenie: OpsgenieClose;
  slack: SlackMessage;
}

/**
 * The record on a tier topic when a page is acknowledged (feedback with `acked_at` on a member of its
 * incident, while it is open): once per page, on that page's tier topic. Never counted as a page.
 */
export interface AcknowledgeRecord {
  action: 'acknowledge';
  /** `<page_id>:ack`: derived from the page it acknowledges. */
  page_id: string;
  /** The page_id of the trigger it acknowledges. */
  acknowledges: string;
  incident_id: string;
  tier: Tier;
  /** The feedback's `acked_at`. */
  event_time: number;
  /** `acknowledged (feedback on a-12)`. */
  reason: string;
  incident: IncidentRecord;
  pagerduty: PagerDutyAcknowledge;
  opsgenie: OpsgenieAcknowledge;
  slack: SlackMessage;
}

export type IncidentInput =
  | { kind: 'member'; member: IncidentMember }
  /** Every member with an earlier event time has arrived: those below it are processed, in order. */
  | { kind: 'watermark'; time: number }
  /** The stream is quiet (the incident stage saw every alert partition idle): held pages are sent. */
  | { kind: 'quiet' }
  | { kind: 'feedback'; feedback: AlertFeedback }
  /** A silence from `ml.silences` (or a file): added or replaced by id. */
  | { kind: 'silence'; silence: Silence }
  | { kind: 'silence_removed'; id: string };

export type IncidentOutput =
  /** The final scored alert, with incident_id, page, silenced_by and its note. */
  | { kind: 'scored'; key: string; alert: ScoredAlert }
  | { kind: 'page'; tier: Tier; key: string; page: PageRecord }
  /** On the same tier topic as the page it resolves; never counted as a page. */
  | { kind: 'resolve'; tier: Tier; key: string; resolve: ResolveRecord }
  /** On the same tier topic as the page it acknowledges; never counted as a page. */
  | { kind: 'acknowledge'; tier: Tier; key: string; acknowledge: AcknowledgeRecord }
  | { kind: 'action'; key: string; action: Action }
  | { kind: 'incident'; key: string; incident: IncidentRecord };

export type IncidentEvent =
  | { type: 'incident_opened'; incident_id: string; key: string; tier: Tier; event_time: number }
  | { type: 'incident_reopened'; incident_id: string; event_time: number }
  | {
      type: 'incident_resolved';
      incident_id: string;
      by: 'timeout' | 'feedback' | 'source';
      at: number;
      members: number;
    }
  /** Resolved longer than an alert can still join it: forgotten (a tombstone in the stream's changelog). */
  | { type: 'incident_dropped'; incident_id: string }
  | { type: 'page'; incident_id: string; alert_id: string; tier: Tier }
  | { type: 'page_resolved'; incident_id: string; page_id: string; tier: Tier }
  | { type: 'page_acknowledged'; incident_id: string; page_id: string; tier: Tier }
  | { type: 'member_silenced'; alert_id: string; silence_id: string }
  | { type: 'member_inhibited'; alert_id: string; incident_id: string }
  /** It joined another model's incident through a shared upstream service (routing.ts, rule 5). */
  | { type: 'member_linked'; alert_id: string; incident_id: string; service: string }
  /** Older than a watermark already passed: processed at once, out of order. */
  | { type: 'member_late'; alert_id: string; event_time: number };
