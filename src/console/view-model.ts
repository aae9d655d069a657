// The triage console's view model: pure. From the incidents and scored alerts a run computed, and the query
// of a URL, it builds the queue (open incidents ranked), the side-by-side panel and the validation notices.
// No I/O, no clock: `now` comes in (the SLA countdown is measured from it).
import { TIERS, type Tier } from '../core/events.ts';
import type { IncidentRecord } from '../core/incidents/types.ts';
import { toEpochMillis } from '../core/parse-record.ts';
import type { ScoredAlert } from '../core/processor.ts';

export const CONSOLE_PARAMS = [
  'tier',
  'product_area',
  'region',
  'segment',
  'model',
  'signal',
  'since',
  'until',
  'status',
] as const;
export type ConsoleParam = (typeof CONSOLE_PARAMS)[number];

export interface ConsoleFilters {
  tier?: Tier[];
  product_area?: string[];
  region?: string[];
  segment?: string[];
  model?: string[];
  signal?: string[];
  since?: number;
  until?: number;
  /** `open` (default): the open incidents; `all`: resolved ones too. */
  status?: 'open' | 'all';
}

export interface ParsedQuery {
  filters: ConsoleFilters;
  /** One sentence per bad parameter: the page answers 400 and shows them. */
  errors: string[];
  /** Parameters the console does not know: ignored, named in a notice. */
  ignored: string[];
}

const VALUE = /^[A-Za-z0-9_.:\-/ ]{1,128}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^\d{1,16}$/;

function parseTimeParam(v: string): number | undefined {
  const t = v.trim();
  if (EPOCH_MS.test(t)) return toEpochMillis(Number(t));
  return toEpochMillis(DATE.test(t) ? `${t}T00:00:00Z` : t);
}

/** Comma-separated and repeatable (`tier=P1,P2` is `tier=P1&tier=P2`); empty values count as unset. */
export function parseConsoleQuery(q: URLSearchParams): ParsedQuery {
  const filters: ConsoleFilters = {};
  const errors: string[] = [];
  const ignored = new Set<string>();
  const known = new Set<string>(CONSOLE_PARAMS);
  for (const k of q.keys()) if (!known.has(k)) ignored.add(k);
  for (const p of CONSOLE_PARAMS) {
    const values = q
      .getAll(p)
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    if (values.length === 0) continue;
    if (p === 'since' || p === 'until') {
      if (values.length > 1) {
        errors.push(`${p}: give one time, not ${values.length}`);
        continue;
      }
      const ms = parseTimeParam(values[0] as string);
      if (ms === undefined)
        errors.push(
          `${p}: "${values[0]}" must be an RFC 3339 time (2026-11-19T14:00:00Z), a date (2026-11-19) or epoch ms`,
        );
      else filters[p] = ms;
      continue;
    }
    if (p === 'status') {
      if (values.length === 1 && (values[0] === 'open' || values[0] === 'all')) filters.status = values[0];
      else errors.push(`status: "${values.join(',')}" must be open or all`);
      continue;
    }
    if (p === 'tier') {
      const tiers: Tier[] = [];
      for (const v of values) {
        const t = v.toUpperCase();
        if ((TIERS as readonly string[]).includes(t)) tiers.push(t as Tier);
        else errors.push(`tier: "${v}" is not a tier (P1, P2, P3, P4)`);
      }
      filters.tier = tiers;
      continue;
    }
    const bad = values.filter((v) => !VALUE.test(v));
    for (const v of bad)
      errors.push(`${p}: "${v}" is not a valid name (letters, digits, _ . : - / and spaces, at most 128)`);
    filters[p] = values.filter((v) => VALUE.test(v));
  }
  if (filters.since !== undefined && filters.until !== undefined && filters.since >= filters.until)
    errors.push('since must be before until');
  return { filters, errors, ignored: [...ignored].sort() };
}

/** The query string of these filters (for links that keep them). */
export function queryOf(f: ConsoleFilters): string {
  const q = new URLSearchParams();
  for (const p of CONSOLE_PARAMS) {
    const v = f[p];
    if (v === undefined) continue;
    q.set(p, Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : new Date(v).toISOString());
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function alertMatches(f: ConsoleFilters, a: ScoredAlert): boolean {
  const has = (set: readonly string[] | undefined, v: string | null | undefined) =>
    !set || (v != null && set.includes(v));
  return (
    has(f.tier, a.tier) &&
    has(f.model, a.model_id) &&
    has(f.product_area, a.product_area) &&
    has(f.region, a.region) &&
    has(f.segment, a.customer_segment) &&
    has(f.signal, a.alert.signal) &&
    (f.since === undefined || a.event_time >= f.since) &&
    (f.until === undefined || a.event_time < f.until)
  );
}

/** The same filters over an incident; signal asks whether one of its known members has that signal. */
export function incidentMatches(f: ConsoleFilters, i: IncidentRecord, signals: ReadonlySet<string>): boolean {
  const any = (set: readonly string[] | undefined, values: readonly string[]) =>
    !set || values.some((v) => set.includes(v));
  return (
    (!f.tier || f.tier.includes(i.tier)) &&
    any(
      f.model,
      i.models.map((m) => m.model_id),
    ) &&
    any(f.product_area, i.product_areas) &&
    any(f.region, i.regions) &&
    any(f.segment, i.customer_segments) &&
    any(f.signal, [...signals]) &&
    (f.since === undefined || i.last_event_time >= f.since) &&
    (f.until === undefined || i.first_event_time < f.until)
  );
}

export interface QueueRow {
  incident_id: string;
  tier: Tier;
  priority: number;
  expected_impact_per_hour: number;
  models: string[];
  product_areas: string[];
  title: string;
  cause: {
    kind: string;
    subject: string;
    event_id: string;
    actor: string | null;
    commit: string | null;
  } | null;
  owner: string;
  /** Ms left until the next SLA deadline (ack, then resolve) from `now`; negative when overdue; null without one. */
  sla_left_ms: number | null;
  sla_deadline: 'ack' | 'resolve' | null;
  status: IncidentRecord['status'];
  members: number;
  pages: number;
  /** The member alert to explain: the highest priority one the read model holds. */
  top_alert_id: string | null;
}

export interface TierCount {
  tier: Tier;
  count: number;
}

export interface ConsoleView {
  now: number;
  filters: ConsoleFilters;
  queue: QueueRow[];
  /** Open incidents before filtering. */
  open_total: number;
  business: {
    impact_by_area: { product_area: string; impact_per_hour: number; by_tier: Record<Tier, number> }[];
    sla: { tier: Tier; acked: number; ack_within: number; resolved: number; resolve_within: number }[];
  };
  technical: {
    alerts: number;
    alerts_per_hour: number;
    by_signal: { signal: string; count: number }[];
    pages_by_day: { day: string; pages: number }[];
    noise_share: number;
    /** Scored-at minus event time, the median and highest over the alerts shown (the processing lag). */
    lag_ms: { p50: number; max: number } | null;
  };
}

export interface FeedbackTimes {
  alert_id: string;
  acked_at?: number | null;
  resolved_at?: number | null;
}

const zeroTiers = (): Record<Tier, number> => ({ P1: 0, P2: 0, P3: 0, P4: 0 });

/** Incidents highest tier first, then priority, then impact, then id (a stable order for a shared link). */
export function incidentRank(a: IncidentRecord, b: IncidentRecord): number {
  return (
    a.tier.localeCompare(b.tier) ||
    b.priority - a.priority ||
    b.expected_impact_per_hour - a.expected_impact_per_hour ||
    (a.incident_id < b.incident_id ? -1 : a.incident_id > b.incident_id ? 1 : 0)
  );
}

export function buildConsoleView(input: {
  incidents: readonly IncidentRecord[];
  alerts: readonly ScoredAlert[];
  feedback?: readonly FeedbackTimes[];
  filters: ConsoleFilters;
  now: number;
}): ConsoleView {
  const { filters: f, now } = input;
  const byIncident = new Map<string, ScoredAlert[]>();
  for (const a of input.alerts) {
    if (a.incident_id === undefined || a.incident_id === null) continue;
    const list = byIncident.get(a.incident_id) ?? [];
    list.push(a);
    byIncident.set(a.incident_id, list);
  }
  const open = input.incidents.filter((i) => f.status === 'all' || i.status === 'open');
  const shown = open
    .filter((i) => {
      const members = byIncident.get(i.incident_id) ?? [];
      return incidentMatches(f, i, new Set(members.map((m) => m.alert.signal)));
    })
    .sort(incidentRank);
  const queue: QueueRow[] = shown.map((i) => {
    const members = byIncident.get(i.incident_id) ?? [];
    const top = members.reduce<ScoredAlert | null>(
      (b, a) => (b === null || a.priority > b.priority ? a : b),
      null,
    );
    const ack = i.sla?.ack_by ?? null;
    const resolve = i.sla?.resolve_by ?? null;
    // A resolved incident has no deadline left to count down to.
    const deadline =
      i.status === 'resolved'
        ? null
        : ack !== null && ack > now
          ? 'ack'
          : resolve !== null
            ? 'resolve'
            : ack !== null
              ? 'ack'
              : null;
    const at = deadline === 'ack' ? ack : deadline === 'resolve' ? resolve : null;
    return {
      incident_id: i.incident_id,
      tier: i.tier,
      priority: i.priority,
      expected_impact_per_hour: i.expected_impact_per_hour,
      models: i.models.map((m) => m.model_id),
      product_areas: i.product_areas,
      title: i.title,
      cause: i.cause && {
        kind: i.cause.kind,
        subject: i.cause.model_id ?? i.cause.service ?? '—',
        event_id: i.cause.event_id,
        actor: i.cause.actor ?? null,
        commit: i.cause.commit ?? null,
      },
      owner: i.owner,
      sla_left_ms: at === null ? null : at - now,
      sla_deadline: deadline,
      status: i.status,
      members: i.members,
      pages: i.pages,
      top_alert_id: top?.alert_id ?? null,
    };
  });

  const areas = new Map<string, { impact_per_hour: number; by_tier: Record<Tier, number> }>();
  for (const i of shown) {
    for (const area of i.product_areas.length ? i.product_areas : ['(none)']) {
      const e = areas.get(area) ?? { impact_per_hour: 0, by_tier: zeroTiers() };
      // An incident's impact counted once per area it touches: split evenly so the total is the queue's.
      const share = i.expected_impact_per_hour / Math.max(1, i.product_areas.length);
      e.impact_per_hour += share;
      e.by_tier[i.tier] += share;
      areas.set(area, e);
    }
  }

  const alerts = input.alerts.filter((a) => alertMatches(f, a));
  const signals = new Map<string, number>();
  const days = new Map<string, number>();
  let noise = 0;
  for (const a of alerts) {
    signals.set(a.alert.signal, (signals.get(a.alert.signal) ?? 0) + 1);
    if (a.dedup.suppressed || a.silenced_by) noise++;
    if (a.page) {
      const day = new Date(a.event_time).toISOString().slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + 1);
    }
  }
  const times = alerts.map((a) => a.event_time);
  const span = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
  const lags = alerts.map((a) => Math.max(0, a.scored_at - a.event_time)).sort((x, y) => x - y);

  const feedback = new Map((input.feedback ?? []).map((x) => [x.alert_id, x]));
  const sla = TIERS.map((tier) => {
    const row = { tier, acked: 0, ack_within: 0, resolved: 0, resolve_within: 0 };
    for (const a of alerts) {
      if (a.tier !== tier) continue;
      const fb = feedback.get(a.alert_id);
      if (!fb) continue;
      if (fb.acked_at != null) {
        row.acked++;
        if (a.sla.ack_by === null || fb.acked_at <= a.sla.ack_by) row.ack_within++;
      }
      if (fb.resolved_at != null) {
        row.resolved++;
        if (a.sla.resolve_by === null || fb.resolved_at <= a.sla.resolve_by) row.resolve_within++;
      }
    }
    return row;
  });

  return {
    now,
    filters: f,
    queue,
    open_total: open.length,
    business: {
      impact_by_area: [...areas.entries()]
        .map(([product_area, e]) => ({ product_area, ...e }))
        .sort((a, b) => b.impact_per_hour - a.impact_per_hour),
      sla,
    },
    technical: {
      alerts: alerts.length,
      alerts_per_hour: span > 0 ? alerts.length / (span / 3_600_000) : alerts.length,
      by_signal: [...signals.entries()]
        .map(([signal, count]) => ({ signal, count }))
        .sort((a, b) => b.count - a.count || a.signal.localeCompare(b.signal)),
      pages_by_day: [...days.entries()].sort().map(([day, pages]) => ({ day, pages })),
      noise_share: alerts.length ? noise / alerts.length : 0,
      lag_ms: lags.length
        ? { p50: lags[Math.floor(lags.length / 2)] as number, max: lags[lags.length - 1] as number }
        : null,
    },
  };
}
