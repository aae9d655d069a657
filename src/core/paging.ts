// Fields pagers take as they are: PagerDuty Events v2 and Opsgenie, so no mapping is needed. An alert
// carries the fields (its dedup_key / alias the fingerprint, or the incident id once incidents group it); a
// page carries the bodies of one incident (incidentPaging).
import type { Tier } from './events.ts';

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
 * with the incident as its dedup key, so every page of one incident lands on one PagerDuty incident.
 * `routing_key` is the integration's secret: the sender adds it (issue 12), it never enters a record.
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

/** An Opsgenie Create Alert body (https://docs.opsgenie.com/docs/alert-api#create-alert) keyed by `alias`. */
export interface OpsgenieAlert {
  message: string;
  alias: string;
  description: string;
  priority: OpsgenieFields['priority'];
  tags: string[];
  details: Record<string, string>;
  entity: string;
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

/** The pager bodies of one page: PagerDuty's dedup_key and Opsgenie's alias are the incident id. */
export function incidentPaging(p: IncidentPagingInput): {
  pagerduty: PagerDutyEvent;
  opsgenie: OpsgenieAlert;
} {
  const summary = `[${p.tier}] ${p.title} (~${Math.round(p.impactPerHour)}/h at risk)`;
  const details: Record<string, string> = {
    incident_id: p.incidentId,
    owner: p.owner,
    models: p.models.join(', '),
    expected_impact_per_hour: String(Math.round(p.impactPerHour)),
    cause: p.cause ?? 'none suspected',
    triggered_by: `${p.trigger.alertId} (${p.trigger.modelId}, ${p.trigger.signal})`,
    why: p.trigger.why,
  };
  if (p.playbook) details.playbook = p.playbook;
  const group = p.productAreas[0] ?? 'unassigned';
  return {
    pagerduty: {
      event_action: 'trigger',
      dedup_key: p.incidentId,
      payload: {
        summary: summary.slice(0, 1024),
        source: p.trigger.source ?? 'alert-triage',
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
      message: summary.slice(0, 130),
      alias: p.incidentId,
      description:
        `${p.title}\nowner: ${p.owner}\ncause: ${details.cause}\ntriggered by ${details.triggered_by}: ${p.trigger.why}`.slice(
          0,
          15_000,
        ),
      priority: p.tier,
      tags: [p.tier, ...p.productAreas, ...(p.cause ? ['change'] : [])].slice(0, 20),
      details,
      entity: p.models.length === 1 ? p.models[0]! : p.models.slice(0, 3).join(', '),
      source: 'alert-triage',
    },
  };
}
