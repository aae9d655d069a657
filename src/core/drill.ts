// Drills (docs/DRILLS.md): a labelled incident produced to a running service's input topics. Pure: how a
// drill's records are named and recognised, how its pages are marked `[DRILL]`, what the service says
// about itself so a drill command can tell a drill-enabled service, and a drill's figures against the SLA.
//
// A drill is recognised by its ids, not only by its labels: every alert id is `drill-<drill_id>-a<n>` and
// every change event id `drill-<drill_id>-d<n>`, so the page (which carries its trigger's alert id), the
// incident blamed on a drill deploy (`change:drill-…`) and the feedback that acknowledges it all say so.
import type { Tier } from './events.ts';

export const DRILL_SCENARIOS = ['bad-deploy', 'cascade', 'regression', 'seasonal-drift'] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

/** Header and label name on every record of a drill; its value is the drill id. */
export const DRILL_HEADER = 'drill';
export const DRILL_LABEL = 'drill';
/** What a drill page's summary, title and message start with. */
export const DRILL_MARK = '[DRILL]';
const ID_PREFIX = 'drill-';

export const drillAlertId = (drillId: string, n: number): string =>
  `${ID_PREFIX}${drillId}-a${String(n).padStart(2, '0')}`;
export const drillEventId = (drillId: string, n: number): string =>
  `${ID_PREFIX}${drillId}-d${String(n).padStart(2, '0')}`;

/** `bad-deploy-20261203t091500z-1a2b`: the scenario, when it started (UTC), and four hex digits of the seed. */
export function drillIdOf(scenario: DrillScenario, startedAt: number, seed: number): string {
  const when = new Date(startedAt).toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  return `${scenario}-${when}z-${(seed >>> 0).toString(16).padStart(4, '0').slice(-4)}`;
}

/** The drill an alert or change event id belongs to, or null. */
export function drillOfId(id: string | null | undefined): string | null {
  if (typeof id !== 'string' || !id.startsWith(ID_PREFIX)) return null;
  const m = /^drill-(.+)-[ad]\d+$/.exec(id);
  return m ? (m[1] as string) : null;
}

/** The scenario a drill id names, or null. */
export function scenarioOfDrill(drillId: string): DrillScenario | null {
  return DRILL_SCENARIOS.find((s) => drillId.startsWith(`${s}-`)) ?? null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The drill a tier-topic record (page, acknowledge, resolve) belongs to: its `drill` field once marked,
 * else its trigger alert, the incident's cause, or the alert its reason names (`feedback on drill-…`).
 */
export function drillOfTierRecord(record: unknown): string | null {
  if (!isObject(record)) return null;
  if (typeof record.drill === 'string' && record.drill !== '') return record.drill;
  const alert = record.alert;
  if (isObject(alert)) {
    const d = drillOfId(alert.alert_id as string);
    if (d) return d;
  }
  const incident = record.incident;
  if (isObject(incident) && isObject(incident.cause)) {
    const d = drillOfId(incident.cause.event_id as string);
    if (d) return d;
  }
  if (typeof record.reason === 'string') {
    const m = /\b(drill-\S+-a\d+)\b/.exec(record.reason);
    if (m) return drillOfId(m[1]);
  }
  return null;
}

/**
 * The drill an incident of the book belongs to, from what the book keeps of it (and so its changelog
 * snapshot, core/incidents/snapshot.ts): a drill change as its cause, or a drill alert as its first member.
 * A restarted stage knows its drills from this, not from memory (a time-out resolve carries no drill id).
 */
export function drillOfIncident(incident: {
  cause: { event_id?: string } | null;
  alerts: readonly string[];
}): string | null {
  return drillOfId(incident.cause?.event_id) ?? drillOfId(incident.alerts[0]);
}

const marked = (text: unknown): unknown =>
  typeof text === 'string' && !text.startsWith(DRILL_MARK) ? `${DRILL_MARK} ${text}` : text;

/**
 * A tier-topic record of a drill, marked: `drill: <id>`, and `[DRILL]` in front of the incident's title,
 * PagerDuty's summary, Opsgenie's message and Slack's text (a human reads none of them as a real page).
 * The record is copied, never changed in place.
 */
export function markDrillRecord<T extends object>(record: T, drillId: string): T & { drill: string } {
  const r = structuredClone(record) as Record<string, unknown>;
  r.drill = drillId;
  if (isObject(r.incident)) r.incident.title = marked(r.incident.title);
  if (isObject(r.pagerduty) && isObject(r.pagerduty.payload))
    r.pagerduty.payload.summary = marked(r.pagerduty.payload.summary);
  if (isObject(r.opsgenie)) {
    // A close (resolve) has no message: none is added.
    if (r.opsgenie.message !== undefined) r.opsgenie.message = marked(r.opsgenie.message);
    if (Array.isArray(r.opsgenie.tags)) r.opsgenie.tags = [...r.opsgenie.tags, 'drill'];
  }
  if (isObject(r.slack)) {
    r.slack.text = marked(r.slack.text);
    if (Array.isArray(r.slack.blocks) && r.slack.blocks.length > 0) {
      r.slack.blocks = [
        { type: 'context', elements: [{ type: 'mrkdwn', text: `*${DRILL_MARK}* drill ${drillId}` }] },
        ...r.slack.blocks,
      ];
    }
  }
  return r as T & { drill: string };
}

/** Whether `notify` hands a record to real receivers: a drill's only when drills are to be delivered. */
export function deliverable(
  record: unknown,
  deliverDrills: boolean,
): { deliver: boolean; drill: string | null } {
  const drill = drillOfTierRecord(record);
  return { deliver: drill === null || deliverDrills, drill };
}

/**
 * What a running service says about itself on `topics.status` (compacted, key: its group id), so a
 * drill command can tell whether the cluster it writes to has a drill-enabled service reading those topics.
 */
export interface ServiceStatus {
  type: 'alert-triage.status';
  group_id: string;
  /** The input topics it reads. */
  topics: { alerts: string; deployments: string; feedback: string };
  drills: { enabled: boolean };
  incident_stage: boolean;
  config_version: string;
  started_at: number;
  /** host-pid or kafka.instance_id of the instance that wrote it last. */
  instance: string;
}

export type DrillRefusal =
  | { code: 'DRILL_NO_SERVICE'; message: string }
  | { code: 'DRILL_NOT_ENABLED'; message: string }
  | { code: 'DRILL_NO_INCIDENT_STAGE'; message: string };

/**
 * The service a drill on `alerts`/`deployments` would reach, read from the status topic's records (the
 * latest per group): one reading both topics with drills enabled, or why the drill is refused.
 */
export function drillTarget(
  statuses: readonly ServiceStatus[],
  topics: { alerts: string; deployments: string },
): { ok: true; service: ServiceStatus } | { ok: false; refusal: DrillRefusal } {
  const readers = statuses.filter((s) => s.topics.alerts === topics.alerts);
  if (readers.length === 0)
    return {
      ok: false,
      refusal: {
        code: 'DRILL_NO_SERVICE',
        message:
          `no alert-triage service on this cluster has said it reads ${topics.alerts} (nothing on the status topic): ` +
          'start it (`alert-triage run`, with drills.enabled: true) before a drill',
      },
    };
  const enabled = readers.filter((s) => s.drills.enabled && s.topics.deployments === topics.deployments);
  const service = enabled.sort((a, b) => b.started_at - a.started_at)[0];
  if (service === undefined)
    return {
      ok: false,
      refusal: {
        code: 'DRILL_NOT_ENABLED',
        message: `the service reading ${topics.alerts} (group ${readers.map((r) => r.group_id).join(', ')}) is not drill-enabled: set drills.enabled: true (or DRILLS_ENABLED=true) and restart it`,
      },
    };
  if (!service.incident_stage)
    return {
      ok: false,
      refusal: {
        code: 'DRILL_NO_INCIDENT_STAGE',
        message: `the service (group ${service.group_id}) runs without kafka.incident_stage: it writes no pages, so a drill would measure nothing`,
      },
    };
  return { ok: true, service };
}

/** Reads a status topic value; null for anything else (a tombstone, a stranger's record). */
export function readServiceStatus(value: unknown): ServiceStatus | null {
  if (!isObject(value) || value.type !== 'alert-triage.status') return null;
  const t = value.topics;
  const d = value.drills;
  if (typeof value.group_id !== 'string' || !isObject(t) || !isObject(d)) return null;
  if (typeof t.alerts !== 'string' || typeof t.deployments !== 'string') return null;
  return {
    type: 'alert-triage.status',
    group_id: value.group_id,
    topics: {
      alerts: t.alerts,
      deployments: t.deployments,
      feedback: typeof t.feedback === 'string' ? t.feedback : '',
    },
    drills: { enabled: d.enabled === true },
    incident_stage: value.incident_stage === true,
    config_version: typeof value.config_version === 'string' ? value.config_version : '',
    started_at: typeof value.started_at === 'number' ? value.started_at : 0,
    instance: typeof value.instance === 'string' ? value.instance : '',
  };
}

/** A drill's figures, as the metrics export them and a console shows them; times in epoch ms. */
export interface DrillFigures {
  drill_id: string;
  scenario: DrillScenario | null;
  incident_id: string;
  tier: Tier;
  /** The incident's first alert: when the drill's problem showed. */
  first_alert_at: number;
  /** When the page was written (the service's clock), else the page's event time. */
  paged_at: number;
  acked_at: number | null;
  resolved_at: number | null;
  time_to_page_ms: number;
  time_to_ack_ms: number | null;
  time_to_resolve_ms: number | null;
  /** The tier's SLA (null: none, as P4 by default). */
  sla: { ack_ms: number | null; resolve_ms: number | null };
  ack_within_sla: boolean | null;
  resolve_within_sla: boolean | null;
}

/** A tier-topic record as the summary reads it, with when it was written (wall clock) if known. */
export interface DrillTierRecord {
  record: unknown;
  written_at?: number;
}

/**
 * Every drill's figures from the tier topics' records (pages, acknowledges, resolves) in topic order:
 * time to page from the first alert, to ack and to resolve from the page, each against its tier's SLA.
 * Pure, so the service's metrics and a console compute the same numbers.
 */
export function drillSummary(
  records: readonly DrillTierRecord[],
  sla: Readonly<Record<Tier, { ack: number | null; resolve: number | null }>>,
): DrillFigures[] {
  const byIncident = new Map<string, DrillFigures>();
  for (const { record, written_at } of records) {
    if (!isObject(record)) continue;
    const drill = drillOfTierRecord(record);
    if (drill === null || typeof record.incident_id !== 'string') continue;
    const tier = record.tier as Tier;
    const at = typeof record.event_time === 'number' ? record.event_time : null;
    const incident = isObject(record.incident) ? record.incident : {};
    let f = byIncident.get(record.incident_id);
    if (record.action === 'trigger' || record.action === undefined) {
      if (f !== undefined) continue; // a later page (the tier rose) keeps the first one's times
      const first = typeof incident.first_event_time === 'number' ? incident.first_event_time : (at ?? 0);
      const paged = written_at ?? at ?? first;
      const budget = sla[tier] ?? { ack: null, resolve: null };
      f = {
        drill_id: drill,
        scenario: scenarioOfDrill(drill),
        incident_id: record.incident_id,
        tier,
        first_alert_at: first,
        paged_at: paged,
        acked_at: null,
        resolved_at: null,
        time_to_page_ms: Math.max(0, paged - first),
        time_to_ack_ms: null,
        time_to_resolve_ms: null,
        sla: { ack_ms: budget.ack, resolve_ms: budget.resolve },
        ack_within_sla: null,
        resolve_within_sla: null,
      };
      byIncident.set(record.incident_id, f);
    } else if (f !== undefined && at !== null && record.action === 'acknowledge' && f.acked_at === null) {
      f.acked_at = at;
      f.time_to_ack_ms = Math.max(0, at - f.paged_at);
      f.ack_within_sla = f.sla.ack_ms === null ? null : f.time_to_ack_ms <= f.sla.ack_ms;
    } else if (f !== undefined && at !== null && record.action === 'resolve' && f.resolved_at === null) {
      f.resolved_at = at;
      f.time_to_resolve_ms = Math.max(0, at - f.paged_at);
      f.resolve_within_sla = f.sla.resolve_ms === null ? null : f.time_to_resolve_ms <= f.sla.resolve_ms;
    }
  }
  return [...byIncident.values()];
}
