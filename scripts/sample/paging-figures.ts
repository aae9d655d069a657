// How many pages a world makes for its real incidents: the figures of issue 9 (incidents), computed from a
// generated world's truth.ndjson and the pages a scoring run made. Pure: paging-report.ts does the I/O.

import { TIERS, type Tier } from '../../src/core/events.ts';
import type { TruthLine } from '../../src/sample/truth.ts';

/** What a page report needs of one scored alert. */
export interface PagedAlert {
  alert_id: string;
  event_time: number;
  page: boolean;
  /** The alert's tier (the accounting of false pages splits by it). */
  tier?: string;
  /** With incident paging: the incident it joined, its key, how it joined, its model (for repeatPages). */
  incident?: { id: string; key: string; how: string; model_id: string };
}

/**
 * Why a real incident paged more than once: each page after its first, by what made it another page.
 * Checked in this order; the first that holds is the reason.
 */
export const REPEAT_REASONS = [
  /** the page is in an incident of ours that already paged this real incident: P2, then P1 */
  'tier rose within one incident',
  /** our incident is a change's, and not the change that caused the real incident */
  'blamed on another change',
  /** the true change is recorded and explains the model, but too long before to be its suspected cause,
   * and no incident of that change was open to take it (an inhibition candidate that opened its own) */
  'candidate of the true change, its incident not open',
  /** an earlier page of the real incident is in the true change's incident; this alert found no cause */
  'cause found for other members, not this one',
  /** an earlier page of the real incident is on the same model, in an incident that had timed out */
  'same model, beyond the gap',
  /** nothing recorded links the models: the change that broke them is not in deploys */
  'another model, the change unrecorded',
  /** nothing links the models: no change caused it (a degraded node pool) */
  'another model, no change caused it',
  'other',
] as const;
export type RepeatReason = (typeof REPEAT_REASONS)[number];

const byTime = (a: PagedAlert, b: PagedAlert) =>
  a.event_time - b.event_time || (a.alert_id < b.alert_id ? -1 : 1);

export function repeatPages(
  truth: readonly TruthLine[],
  scored: readonly PagedAlert[],
): Record<RepeatReason, number> {
  const byAlert = new Map(truth.map((t) => [t.alert_id, t]));
  const seen = new Map<string, PagedAlert[]>();
  const out = Object.fromEntries(REPEAT_REASONS.map((r) => [r, 0])) as Record<RepeatReason, number>;
  for (const s of [...scored].sort(byTime)) {
    const t = byAlert.get(s.alert_id);
    if (!s.page || !s.incident || !t?.incident_id) continue;
    const before = seen.get(t.incident_id) ?? [];
    seen.set(t.incident_id, [...before, s]);
    if (before.length === 0) continue;
    out[repeatReason(s.incident, t, before)]++;
  }
  return out;
}

function repeatReason(
  inc: NonNullable<PagedAlert['incident']>,
  t: TruthLine,
  before: PagedAlert[],
): RepeatReason {
  const trueKey = t.cause_event_id === null ? null : `change:${t.cause_event_id}`;
  if (before.some((p) => p.incident?.id === inc.id)) return 'tier rose within one incident';
  if (inc.key.startsWith('change:') && inc.key !== trueKey) return 'blamed on another change';
  if (t.cause_recorded === true && inc.how === 'candidate')
    return 'candidate of the true change, its incident not open';
  if (t.cause_recorded === true && inc.key !== trueKey && before.some((p) => p.incident?.key === trueKey))
    return 'cause found for other members, not this one';
  if (before.some((p) => p.incident?.model_id === inc.model_id)) return 'same model, beyond the gap';
  if (t.cause_recorded === false) return 'another model, the change unrecorded';
  if (t.cause_event_id === null) return 'another model, no change caused it';
  return 'other';
}

/** Each real incident's true tier: the best of its alerts'. */
function trueTiers(truth: readonly TruthLine[]): Map<string, Tier> {
  const best = new Map<string, Tier>();
  for (const t of truth)
    if (t.incident_id !== null) best.set(t.incident_id, better(best.get(t.incident_id) ?? 'P4', t.true_tier));
  return best;
}

/** The real incidents of a tier with at least one page (ids from truth.ndjson). */
export function pagedIncidents(
  truth: readonly TruthLine[],
  scored: readonly PagedAlert[],
  tier: Tier,
): Set<string> {
  const best = trueTiers(truth);
  const paged = new Set(scored.filter((s) => s.page).map((s) => s.alert_id));
  const out = new Set<string>();
  for (const t of truth)
    if (t.incident_id !== null && best.get(t.incident_id) === tier && paged.has(t.alert_id))
      out.add(t.incident_id);
  return out;
}

/**
 * The real incidents of a tier the pager heard about: paged by one of their own alerts (pagedIncidents), or
 * with an alert that joined an incident of ours that paged — by another alert, before or after — and, when
 * the real incident's change is recorded, is that change's incident (its key `change:<event_id>`). The
 * second kind is what "paged" misses: an alert outside the real incident (noise on the same model, or
 * another real incident's) opened the right change's incident and paged it, and the real alerts joined it
 * without paging again. One joined to an incident blamed on another change is not covered.
 */
export function coveredIncidents(
  truth: readonly TruthLine[],
  scored: readonly PagedAlert[],
  tier: Tier,
): Set<string> {
  const out = pagedIncidents(truth, scored, tier);
  const pagedOurs = new Set(scored.filter((s) => s.page && s.incident).map((s) => s.incident!.id));
  const byAlert = new Map(scored.map((s) => [s.alert_id, s]));
  const best = trueTiers(truth);
  for (const t of truth) {
    if (t.incident_id === null || best.get(t.incident_id) !== tier || out.has(t.incident_id)) continue;
    const ours = byAlert.get(t.alert_id)?.incident;
    if (ours === undefined || !pagedOurs.has(ours.id)) continue;
    if (t.cause_recorded === true && ours.key !== `change:${t.cause_event_id}`) continue;
    out.add(t.incident_id);
  }
  return out;
}

/** Why a false page paged: whether its alert is in a real incident, how it joined ours, its tier. */
export function falsePages(
  truth: readonly TruthLine[],
  scored: readonly PagedAlert[],
): Record<string, number> {
  const byAlert = new Map(truth.map((t) => [t.alert_id, t]));
  const firstOf = new Set<string>();
  const out: Record<string, number> = {};
  for (const s of [...scored].sort(byTime)) {
    if (!s.page) continue;
    const inc = s.incident;
    const first = inc === undefined ? true : !firstOf.has(inc.id);
    if (inc !== undefined) firstOf.add(inc.id);
    const t = byAlert.get(s.alert_id);
    if (t !== undefined && t.incident_id !== null && t.outcome === 'actionable') continue;
    const what = t?.incident_id ? `a ${t.outcome} alert of a real incident` : 'noise';
    const how =
      inc === undefined
        ? 'alert by alert'
        : !first
          ? "our incident's tier rose"
          : inc.how === 'cause'
            ? 'opened an incident for a suspected change'
            : inc.how === 'candidate'
              ? "as a candidate: a change explains its model (its own incident, or the change's)"
              : 'opened its own incident (no change suspected)';
    const key = `${what}, ${how}, ${s.tier ?? '?'}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/**
 * A page is what the record says when it has a boolean `page` (incident paging); before that, every
 * alert that is not a dedup repeat at P1 or P2 pages.
 */
export function isPage(record: {
  page?: unknown;
  tier?: unknown;
  dedup?: { suppressed?: unknown };
}): boolean {
  if (typeof record.page === 'boolean') return record.page;
  return record.dedup?.suppressed !== true && (record.tier === 'P1' || record.tier === 'P2');
}

export interface MeanMax {
  mean: number | null;
  max: number | null;
}

export interface IncidentPages {
  incident_id: string;
  tier: Tier;
  models: number;
  cause: 'announced' | 'silent' | 'none';
  alerts: number;
  pages: number;
}

export interface PagingFigures {
  alerts: number;
  /** alerts of the truth file with no scored record (the pipeline rejected them) */
  unscored: number;
  /** UTC calendar days from the first alert to the last */
  days: number;
  pages: number;
  pages_per_day: number;
  real_incidents: number;
  real_incidents_paged: number;
  /** over the real incidents that paged at least once */
  pages_per_real_incident: MeanMax;
  multi_model_incidents: number;
  pages_per_multi_model_incident: MeanMax;
  /** multi-model incidents that one change caused, recorded or not */
  cascades: number;
  pages_per_cascade: MeanMax;
  /** pages whose alert is in no real incident, or whose outcome is not actionable */
  false_pages: number;
  false_pages_per_day: number;
  /** of the false pages, those whose alert is in no real incident (the rest repeat a real one) */
  false_pages_noise: number;
  p1_incidents: number;
  p1_incidents_paged: number;
  p1_incidents_paged_share: number | null;
  real_incidents_without_page: Record<Tier, number>;
  /** every multi-model incident, most models first */
  multi_model: IncidentPages[];
}

const DAY = 86_400_000;
const round2 = (x: number): number => Math.round(x * 100) / 100;

function meanMax(xs: readonly number[]): MeanMax {
  if (xs.length === 0) return { mean: null, max: null };
  return { mean: round2(xs.reduce((s, x) => s + x, 0) / xs.length), max: Math.max(...xs) };
}

const better = (a: Tier, b: Tier): Tier => (TIERS.indexOf(a) <= TIERS.indexOf(b) ? a : b);

export function pagingFigures(truth: readonly TruthLine[], scored: readonly PagedAlert[]): PagingFigures {
  const byAlert = new Map(scored.map((s) => [s.alert_id, s]));
  const incidents = new Map<string, IncidentPages>();
  let falsePages = 0;
  let noisePages = 0;
  let pages = 0;
  let unscored = 0;
  const known = new Set<string>();
  for (const t of truth) {
    known.add(t.alert_id);
    const s = byAlert.get(t.alert_id);
    if (s === undefined) unscored++;
    const paged = s?.page === true;
    if (paged) {
      pages++;
      if (t.incident_id === null || t.outcome !== 'actionable') falsePages++;
      if (t.incident_id === null) noisePages++;
    }
    if (t.incident_id === null) continue;
    const inc = incidents.get(t.incident_id) ?? {
      incident_id: t.incident_id,
      tier: t.true_tier,
      models: t.models_in_incident ?? 1,
      cause: t.cause_event_id === null ? 'none' : t.cause_recorded ? 'announced' : 'silent',
      alerts: 0,
      pages: 0,
    };
    inc.tier = better(inc.tier, t.true_tier);
    inc.alerts++;
    if (paged) inc.pages++;
    incidents.set(t.incident_id, inc);
  }
  // a scored alert the truth does not know belongs to no real incident
  for (const s of scored)
    if (!known.has(s.alert_id) && s.page) {
      pages++;
      falsePages++;
      noisePages++;
    }

  const times = scored.map((s) => s.event_time);
  const days =
    times.length === 0 ? 0 : Math.floor(Math.max(...times) / DAY) - Math.floor(Math.min(...times) / DAY) + 1;
  const perDay = (n: number): number => (days === 0 ? 0 : round2(n / days));
  const all = [...incidents.values()];
  const paged = all.filter((i) => i.pages > 0);
  const multi = all.filter((i) => i.models > 1);
  const cascades = multi.filter((i) => i.cause !== 'none');
  const p1 = all.filter((i) => i.tier === 'P1');
  const p1Paged = p1.filter((i) => i.pages > 0).length;
  const withoutPage = { P1: 0, P2: 0, P3: 0, P4: 0 };
  for (const i of all) if (i.pages === 0) withoutPage[i.tier]++;
  const pagesOf = (xs: IncidentPages[]): number[] => xs.filter((i) => i.pages > 0).map((i) => i.pages);
  return {
    alerts: truth.length,
    unscored,
    days,
    pages,
    pages_per_day: perDay(pages),
    real_incidents: all.length,
    real_incidents_paged: paged.length,
    pages_per_real_incident: meanMax(pagesOf(all)),
    multi_model_incidents: multi.length,
    pages_per_multi_model_incident: meanMax(pagesOf(multi)),
    cascades: cascades.length,
    pages_per_cascade: meanMax(pagesOf(cascades)),
    false_pages: falsePages,
    false_pages_per_day: perDay(falsePages),
    false_pages_noise: noisePages,
    p1_incidents: p1.length,
    p1_incidents_paged: p1Paged,
    p1_incidents_paged_share: p1.length === 0 ? null : round2(p1Paged / p1.length),
    real_incidents_without_page: withoutPage,
    multi_model: multi.sort((a, b) => b.models - a.models || a.incident_id.localeCompare(b.incident_id)),
  };
}
