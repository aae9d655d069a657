// The incident stage's view of drills (docs/DRILLS.md): a drill's pages, acknowledges, resolves and
// incident records are marked `[DRILL]` before they are written, and each one's figures (time to page,
// to ack, to resolve against the tier's SLA) come out as observations for the metrics. The figures are
// core/drill.ts's drillSummary over the records of the incident, so a console reading the tier topics
// computes the same numbers.
import type { Config } from '../config.ts';
import {
  type DrillFigures,
  type DrillTierRecord,
  drillOfId,
  drillOfTierRecord,
  drillSummary,
  markDrillRecord,
  type ServiceStatus,
} from '../core/drill.ts';
import type { Tier } from '../core/events.ts';
import type { IncidentEvent, IncidentOutput } from '../core/incidents/types.ts';
import type { Output } from '../core/processor.ts';
import type { DrillObservation } from '../telemetry.ts';
import type { OutputRecord } from './ports.ts';

/** Drill incidents remembered (a drill is one incident; a few at a time). */
const MAX_DRILLS = 1_000;

interface Tracked {
  drill: string;
  records: DrillTierRecord[];
  figures: DrillFigures | undefined;
}

export class DrillTracker {
  private readonly byIncident = new Map<string, Tracked>();
  private readonly sla: Readonly<Record<Tier, { ack: number | null; resolve: number | null }>>;
  private readonly now: () => number;

  constructor(
    sla: Readonly<Record<Tier, { ack: number | null; resolve: number | null }>>,
    now: () => number,
  ) {
    this.sla = sla;
    this.now = now;
  }

  /**
   * The outputs with drills' records marked, and the figures they completed. `incidentDrill` says what the
   * incident book knows of an incident's drill (core/drill.ts drillOfIncident), for a record that carries
   * no drill id and an incident this instance has not seen page (it restored it from the changelog).
   */
  mark(
    outputs: readonly IncidentOutput[],
    incidentDrill: (incidentId: string) => string | null = () => null,
  ): { outputs: IncidentOutput[]; observations: DrillObservation[] } {
    const observations: DrillObservation[] = [];
    const drillOf = (incidentId: string, record: unknown) =>
      drillOfTierRecord(record) ?? incidentDrill(incidentId);
    const marked = outputs.map((o): IncidentOutput => {
      switch (o.kind) {
        case 'page': {
          const tracked = this.track(o.page.incident_id, drillOf(o.page.incident_id, o.page));
          if (tracked === undefined) return o;
          const page = markDrillRecord(o.page, tracked.drill);
          this.note(tracked, { record: page, written_at: this.now() }, observations);
          return { ...o, page };
        }
        case 'acknowledge': {
          const tracked = this.track(
            o.acknowledge.incident_id,
            drillOf(o.acknowledge.incident_id, o.acknowledge),
          );
          if (tracked === undefined) return o;
          const acknowledge = markDrillRecord(o.acknowledge, tracked.drill);
          this.note(tracked, { record: acknowledge }, observations);
          return { ...o, acknowledge };
        }
        case 'resolve': {
          const tracked = this.track(o.resolve.incident_id, drillOf(o.resolve.incident_id, o.resolve));
          if (tracked === undefined) return o;
          const resolve = markDrillRecord(o.resolve, tracked.drill);
          this.note(tracked, { record: resolve }, observations);
          return { ...o, resolve };
        }
        case 'incident': {
          const tracked = this.track(
            o.incident.incident_id,
            drillOf(o.incident.incident_id, { incident: o.incident }),
          );
          return tracked === undefined
            ? o
            : { ...o, incident: markDrillRecord({ incident: o.incident }, tracked.drill).incident };
        }
        default:
          return o;
      }
    });
    return { outputs: marked, observations };
  }

  /**
   * The incident stage's events without those of drills, for the metrics: a drill's incident, pages,
   * acknowledges and resolves are counted in the drill_* metrics only, so the paging panels show real
   * pages. Call after mark (which learns the drills of this chunk's records).
   */
  withoutDrills(
    events: readonly IncidentEvent[],
    incidentDrill: (incidentId: string) => string | null = () => null,
  ): IncidentEvent[] {
    const isDrill = (id: string) => this.byIncident.has(id) || incidentDrill(id) !== null;
    return events.filter((e) => {
      switch (e.type) {
        case 'incident_opened':
        case 'incident_reopened':
        case 'incident_resolved':
        case 'page':
        case 'page_resolved':
        case 'page_acknowledged':
          return !isDrill(e.incident_id);
        default:
          return true;
      }
    });
  }

  /** Every drill paged so far (the latest MAX_DRILLS), oldest first: what the console shows. */
  figures(): DrillFigures[] {
    return [...this.byIncident.values()].flatMap((t) => (t.figures ? [{ ...t.figures }] : []));
  }

  /** The drill an incident belongs to, from this record or what an earlier one said. */
  private track(incidentId: string, drill: string | null): Tracked | undefined {
    const known = this.byIncident.get(incidentId);
    if (known !== undefined || drill === null) return known;
    const tracked: Tracked = { drill, records: [], figures: undefined };
    this.byIncident.set(incidentId, tracked);
    if (this.byIncident.size > MAX_DRILLS)
      this.byIncident.delete(this.byIncident.keys().next().value as string);
    return tracked;
  }

  private note(tracked: Tracked, record: DrillTierRecord, out: DrillObservation[]): void {
    tracked.records.push(record);
    const before = tracked.figures;
    const after = drillSummary(tracked.records, this.sla)[0];
    tracked.figures = after;
    if (after === undefined) return;
    const labels = { tier: after.tier, scenario: after.scenario ?? 'unknown' };
    if (before === undefined) out.push({ stage: 'page', ...labels, seconds: after.time_to_page_ms / 1000 });
    if (after.time_to_ack_ms !== null && before?.time_to_ack_ms == null)
      out.push({
        stage: 'ack',
        ...labels,
        seconds: after.time_to_ack_ms / 1000,
        withinSla: after.ack_within_sla,
      });
    if (after.time_to_resolve_ms !== null && before?.time_to_resolve_ms == null)
      out.push({
        stage: 'resolve',
        ...labels,
        seconds: after.time_to_resolve_ms / 1000,
        withinSla: after.resolve_within_sla,
      });
  }
}

/** A stage-1 output about a drill's alert: kept out of the live version ledger (a drill is no serving evidence). */
export function isDrillOutput(o: Output): boolean {
  switch (o.kind) {
    case 'scored':
    case 'tier':
      return drillOfId(o.alert.alert_id) !== null;
    case 'member':
      return drillOfId(o.member.alert.alert_id) !== null;
    case 'action':
      return drillOfId(o.action.alert_id) !== null;
    default:
      return false;
  }
}

/**
 * The record a service writes to topics.status when it starts (key: its group id): the topics it reads
 * and whether it accepts drills, which `alert-triage drill` checks before it writes there.
 */
export function statusRecord(config: Config, now: number, instance: string): OutputRecord {
  const status: ServiceStatus = {
    type: 'alert-triage.status',
    group_id: config.kafka.group_id,
    topics: {
      alerts: config.topics.alerts,
      deployments: config.topics.deployments,
      feedback: config.topics.feedback,
    },
    drills: { enabled: config.drills.enabled },
    incident_stage: config.kafka.incident_stage,
    config_version: config.version,
    started_at: now,
    instance,
  };
  return {
    topic: config.topics.status,
    key: config.kafka.group_id,
    value: JSON.stringify(status),
    headers: {},
  };
}
