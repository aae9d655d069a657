// Incidents for a human: one row per incident, its models beneath with their alert counts. Used by
// `score --format table` (the top incidents of a run) and `alert-triage incidents` (all that match).
import type { IncidentRecord } from '../core/incidents/types.ts';
import { money } from '../core/score.ts';
import { tierRank } from '../core/tier.ts';

/** Higher tier first, then priority, impact, the earlier, the smaller id: a stable rank. */
export function incidentOutranks(a: IncidentRecord, b: IncidentRecord): boolean {
  if (a.tier !== b.tier) return tierRank(a.tier) < tierRank(b.tier);
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.expected_impact_per_hour !== b.expected_impact_per_hour)
    return a.expected_impact_per_hour > b.expected_impact_per_hour;
  if (a.first_event_time !== b.first_event_time) return a.first_event_time < b.first_event_time;
  return a.incident_id < b.incident_id;
}

/**
 * The top incidents of a run, from their records as they change. An incident's rank only rises (its tier,
 * priority and impact never fall), so one that drops out can only come back with a later, complete record:
 * a small buffer is exact, and a long run never holds every incident.
 */
export class TopIncidents {
  private items: IncidentRecord[] = [];
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  offer(r: IncidentRecord): void {
    const at = this.items.findIndex((x) => x.incident_id === r.incident_id);
    if (at >= 0) this.items.splice(at, 1);
    else if (this.items.length === this.limit && !incidentOutranks(r, this.items.at(-1)!)) return;
    let i = this.items.length;
    while (i > 0 && incidentOutranks(r, this.items[i - 1]!)) i--;
    this.items.splice(i, 0, r);
    if (this.items.length > this.limit) this.items.pop();
  }

  get ranked(): readonly IncidentRecord[] {
    return this.items;
  }
}

const when = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
const MODELS_SHOWN = 4;

export function renderIncidentRows(incidents: readonly IncidentRecord[], width = 120): string[] {
  if (incidents.length === 0) return ['no incidents'];
  const header = [
    '#',
    'tier',
    'prio',
    'impact/h',
    'opened (UTC)',
    'incident',
    'alerts',
    'models',
    'pages',
    'status',
    'owner',
  ];
  const rows = incidents.map((r, i) => [
    String(i + 1),
    r.tier,
    r.priority.toFixed(1),
    money(r.expected_impact_per_hour),
    when(r.first_event_time),
    r.incident_id,
    money(r.members),
    String(r.models.length),
    String(r.pages),
    r.status === 'open' ? 'open' : r.resolved_by === 'timeout' ? 'timed out' : 'resolved',
    r.owner,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const right = new Set([0, 2, 3, 6, 7, 8]);
  const fmt = (row: string[]) =>
    row
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const lines = [fmt(header), widths.map((w) => '─'.repeat(w)).join('  ')];
  incidents.forEach((r, i) => {
    lines.push(fmt(rows[i]!));
    lines.push(`      ${truncate(r.title, width - 6)}`);
    const models = [...r.models].sort(
      (a, b) =>
        tierRank(a.tier) - tierRank(b.tier) || b.members - a.members || (a.model_id < b.model_id ? -1 : 1),
    );
    const nameWidth = Math.max(...models.slice(0, MODELS_SHOWN).map((m) => m.model_id.length));
    for (const m of models.slice(0, MODELS_SHOWN)) {
      lines.push(
        `        ${m.model_id.padEnd(nameWidth)}  ${m.tier}  ${money(m.members).padStart(5)} alert${m.members === 1 ? ' ' : 's'}  ${money(m.expected_impact_per_hour).padStart(8)}/h`,
      );
    }
    const rest = models.slice(MODELS_SHOWN);
    if (rest.length > 0) {
      const alerts = rest.reduce((n, m) => n + m.members, 0);
      lines.push(
        `        … and ${rest.length} more model${rest.length === 1 ? '' : 's'} (${money(alerts)} alerts)`,
      );
    }
  });
  return lines;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}
