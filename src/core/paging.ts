// Fields pagers take as they are: PagerDuty Events v2 and Opsgenie, so no mapping is needed. An alert
// carries the fields (its dedup_key / alias the fingerprint, or the incident id once incidents group it); a
// page carries the bodies of one incident (incidentPaging).
import type { Tier } from './events.ts';
import { clip, OPSGENIE, PAGERDUTY } from './pager-contracts.ts';

export interface PagerDutyFields {
  dedup_key: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  summary: string;
  source: string;
  component: string;
  group: string;
  class: string;
  custom_details: Record<string, unknown>;
}

export interface OpsgenieFields {
  alias: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
  message: string;
  tags: string[];
}

const PD_SEVERITY: Record<Tier, PagerDutyFields['severity']> = {
  P1: 'critical',
  P2: 'error',
  P3: 'warning',
  P4: 'info',
};

export interface PagingInput {
  fingerprint: string;
  tier: Tier;
  priority: number;
  modelId: string;
  signal: string;
  source?: string;
  feature?: string;
  metric?: string;
  productArea?: string;
  owner: string;
  impactPerHour: number;
  rootCause: string;
  topReason: string;
  playbook?: string;
}

export function pagingFields(p: PagingInput): { pagerduty: PagerDutyFields; opsgenie: OpsgenieFields } {
  // The signal, feature and metric that are present (non-empty), space-separated: by hand, not an
  // array filtered and joined per alert.
  let what = p.signal || '';
  if (p.feature) what = what ? `${what} ${p.feature}` : p.feature;
  if (p.metric) what = what ? `${what} ${p.metric}` : p.metric;
  const summary = `[${p.tier}] ${p.modelId}: ${what} (priority ${Math.round(p.priority)}, ~${Math.round(p.impactPerHour)}/h at risk)`;
  const details: Record<string, unknown> = {
    priority: p.priority,
    expected_impact_per_hour: p.impactPerHour,
    owner: p.owner,
    root_cause: p.rootCause,
    why: p.topReason,
  };
  if (p.playbook) details.playbook = p.playbook;
  return {
    pagerduty: {
      dedup_key: p.fingerprint,
      severity: PD_SEVERITY[p.tier],
      summary: summary.slice(0, 1024),
      source: p.source ?? 'alert-triage',
      component: p.modelId,
      group: p.productArea ?? 'unassigned',
      class: p.signal,
      custom_details: details,
    },
    opsgenie: {
      alias: p.fingerprint,
      priority: p.tier,
      message: summary.slice(0, 130),
      tags: p.productArea ? [p.tier, p.signal, p.rootCause, p.productArea] : [p.tier, p.signal, p.rootCause],
    },
  };
}

/**
 * A PagerDuty Events v2 `trigger` (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)
 * with the incident as its dedup key, so every page of one incident lands on one PagerDuty alert.
 * `routing_key` is the integration's secret: the sender adds it (per owner or tier, from its own config),
 * it never enters a record.
 */
export interface PagerDutyEvent {
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutyFields['severity'];
    /** ISO 8601: when the triggering alert was observed. */
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: { href: string; text: string }[];
}

/** A PagerDuty Events v2 `resolve`: only the dedup key (the incident id) names what it resolves. */
export interface PagerDutyResolve {
  event_action: 'resolve';
  dedup_key: string;
}

/** A PagerDuty Events v2 `acknowledge`: the dedup key (the incident id) names what is acknowledged. */
export interface PagerDutyAcknowledge {
  event_action: 'acknowledge';
  dedup_key: string;
}

/** An Opsgenie Acknowledge Alert body (POST /v2/alerts/{alias}/acknowledge?identifierType=alias). */
export interface OpsgenieAcknowledge {
  alias: string;
  action: 'acknowledge';
  note: string;
  source: string;
}

/** An Opsgenie responder: the owner, as a team (https://docs.opsgenie.com/docs/alert-api#create-alert). */
export interface OpsgenieResponder {
  type: 'team';
  name: string;
}

/** An Opsgenie Create Alert body (https://docs.opsgenie.com/docs/alert-api#create-alert) keyed by `alias`. */
export interface OpsgenieAlert {
  message: string;
  alias: string;
  description: string;
  responders: OpsgenieResponder[];
  priority: OpsgenieFields['priority'];
  tags: string[];
  details: Record<string, string>;
  entity: string;
  source: string;
}

/**
 * An Opsgenie Close Alert request: the sender posts `{ note, source }` to
 * `/v2/alerts/<alias>/close?identifierType=alias` (with its API key, which no record holds).
 */
export interface OpsgenieClose {
  alias: string;
  action: 'close';
  note: string;
  source: string;
}

export interface IncidentPagingInput {
  incidentId: string;
  title: string;
  tier: Tier;
  /** When the alert that pages was observed (epoch ms). */
  eventTime: number;
  owner: string;
  impactPerHour: number;
  models: readonly string[];
  productAreas: readonly string[];
  /** The change blamed, e.g. `schema_change of payments-pipeline (dep-42)`, or null. */
  cause: string | null;
  trigger: { alertId: string; modelId: string; signal: string; source?: string; why: string };
  playbook: string | null;
}

/** Each `details` value at most this long: nine of them, with their keys, stay under Opsgenie's 8,000. */
const DETAIL_VALUE = 800;

/** `[P1] title (~12000/h at risk)`: the title clipped so the figure always shows. */
function summaryOf(p: { tier: Tier; title: string; impactPerHour: number }, max: number): string {
  const tail = ` (~${Math.round(p.impactPerHour)}/h at risk)`;
  const head = `[${p.tier}] `;
  return clip(`${head}${clip(p.title, Math.max(1, max - head.length - tail.length))}${tail}`, max);
}

/** Distinct, non-empty, each within Opsgenie's 50 characters, at most 20. */
function tagsOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const tag = clip(t.trim(), OPSGENIE.tag);
    if (tag && !out.includes(tag)) out.push(tag);
    if (out.length === OPSGENIE.tags) break;
  }
  return out;
}

/** The pager bodies of one page: PagerDuty's dedup_key and Opsgenie's alias are the incident id. */
export function incidentPaging(p: IncidentPagingInput): {
  pagerduty: PagerDutyEvent;
  opsgenie: OpsgenieAlert;
} {
  const raw: Record<string, string> = {
    incident_id: p.incidentId,
    owner: p.owner,
    models: p.models.join(', '),
    expected_impact_per_hour: String(Math.round(p.impactPerHour)),
    cause: p.cause ?? 'none suspected',
    triggered_by: `${p.trigger.alertId} (${p.trigger.modelId}, ${p.trigger.signal})`,
    why: p.trigger.why,
  };
  if (p.playbook) raw.playbook = p.playbook;
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) details[k] = clip(v, DETAIL_VALUE);
  const group = p.productAreas[0] ?? 'unassigned';
  const entity = p.models.length === 1 ? p.models[0]! : p.models.slice(0, 3).join(', ');
  return {
    pagerduty: {
      event_action: 'trigger',
      dedup_key: p.incidentId,
      payload: {
        summary: summaryOf(p, PAGERDUTY.summary),
        source: p.trigger.source || 'alert-triage',
        severity: PD_SEVERITY[p.tier],
        timestamp: new Date(p.eventTime).toISOString(),
        component: p.models.length === 1 ? p.models[0]! : `${p.models.length} models`,
        group,
        class: p.trigger.signal,
        custom_details: details,
      },
      links: p.playbook ? [{ href: p.playbook, text: 'playbook' }] : [],
    },
    opsgenie: {
      message: summaryOf(p, OPSGENIE.message),
      alias: p.incidentId,
      description: clip(
        `${p.title}\nowner: ${p.owner}\ncause: ${raw.cause}\ntriggered by ${raw.triggered_by}: ${p.trigger.why}`,
        OPSGENIE.description,
      ),
      responders: [{ type: 'team', name: p.owner }],
      priority: p.tier,
      tags: tagsOf([p.tier, ...p.productAreas, ...(p.cause ? ['change'] : [])]),
      details,
      entity: clip(entity, OPSGENIE.entity),
      source: 'alert-triage',
    },
  };
}

/** The pager bodies that follow a trigger: named by the incident id, as the trigger's dedup key and alias. */
function followUpPaging<P extends 'acknowledge' | 'resolve', O extends 'acknowledge' | 'close'>(
  pd: P,
  og: O,
  p: { incidentId: string; note: string },
) {
  return {
    pagerduty: { event_action: pd, dedup_key: p.incidentId },
    opsgenie: { alias: p.incidentId, action: og, note: clip(p.note, OPSGENIE.note), source: 'alert-triage' },
  };
}

/** The pager bodies of an acknowledgement: PagerDuty's `acknowledge`, Opsgenie's acknowledge, by incident id. */
export function incidentAcknowledgePaging(p: { incidentId: string; note: string }): {
  pagerduty: PagerDutyAcknowledge;
  opsgenie: OpsgenieAcknowledge;
} {
  return followUpPaging('acknowledge', 'acknowledge', p);
}

/** The pager bodies of a resolve: PagerDuty's `resolve`, Opsgenie's close, by incident id. */
export function incidentResolvePaging(p: { incidentId: string; note: string }): {
  pagerduty: PagerDutyResolve;
  opsgenie: OpsgenieClose;
} {
  return followUpPaging('resolve', 'close', p);
}
