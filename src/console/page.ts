// The triage console's HTML: server-rendered, no script from anywhere else, every value escaped.

import { renderExplanation } from '../cli/explain-view.ts';
import type { Action } from '../core/actions.ts';
import type { DrillFigures } from '../core/drill.ts';
import type { ScoredAlert } from '../core/processor.ts';
import { DIMENSIONS, money } from '../core/score.ts';
import { type ConsoleFilters, type ConsoleView, queryOf } from './view-model.ts';

export function escapeHtml(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const e = escapeHtml;

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d232b;background:#f5f6f8}
header{background:#1d232b;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}
header a{color:#9cc7ff}main{padding:12px 20px}
h1{font-size:18px;margin:0}h2{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0002}
th,td{padding:5px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#eef0f3;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tier{display:inline-block;min-width:26px;text-align:center;border-radius:3px;color:#fff;font-weight:700;padding:1px 4px}
.P1{background:#c62828}.P2{background:#ef6c00}.P3{background:#f9a825;color:#222}.P4{background:#78909c}
.overdue{color:#c62828;font-weight:600}.muted{color:#66707a}
.notice{background:#fff8e1;border:1px solid #f0d58a;padding:8px 12px;margin:8px 0}
.error{background:#fdecea;border:1px solid #f5b5ae;padding:8px 12px;margin:8px 0}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;background:#fff;padding:8px;box-shadow:0 1px 2px #0002}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#444}
input,select{font:inherit;padding:3px 5px}button{font:inherit;padding:4px 10px;cursor:pointer}
pre{background:#fff;padding:10px;overflow:auto;white-space:pre-wrap;font-size:12px;box-shadow:0 1px 2px #0002}
`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${e(title)}</title><style>${STYLE}</style></head><body>
<header><h1>alert-triage console</h1><a href="/">queue</a></header><main>${body}</main></body></html>`;
}

export function fmtDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${sign}${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${sign}${h}h ${m % 60}m`;
  return `${sign}${Math.floor(h / 24)}d ${h % 24}h`;
}

const tierBadge = (t: string) => `<span class="tier ${e(t)}">${e(t)}</span>`;
const val = (f: ConsoleFilters, k: keyof ConsoleFilters) => {
  const v = f[k];
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : typeof v === 'number' ? new Date(v).toISOString() : v;
};

function filterForm(f: ConsoleFilters): string {
  const field = (k: keyof ConsoleFilters, label: string, ph = '') =>
    `<label>${e(label)}<input name="${e(k)}" value="${e(val(f, k))}" placeholder="${e(ph)}" size="12"></label>`;
  return `<form class="filters" method="get" action="/">
${field('tier', 'tier', 'P1,P2')}${field('product_area', 'product area')}${field('region', 'region')}
${field('segment', 'customer segment')}${field('model', 'model')}${field('signal', 'signal')}
${field('since', 'since', '2026-11-19')}${field('until', 'until')}
<label>status<select name="status"><option value="open"${f.status !== 'all' ? ' selected' : ''}>open</option><option value="all"${f.status === 'all' ? ' selected' : ''}>all</option></select></label>
<button type="submit">filter</button> <a href="/">clear</a></form>`;
}

export interface PageContext {
  /** Shown above everything: unknown parameters ignored. */
  notices: string[];
  /** Whether silence forms are shown (writes enabled with a token). */
  writable: boolean;
  /** Silences in force or pending, with an expire button (writes on). */
  silences?: readonly { id: string; matchers: string; ends_at: number; comment: string }[];
  /** Drills the service paged: shown in their own table, never among the SLA figures of real incidents. */
  drills?: readonly DrillFigures[];
}

export function renderQueuePage(v: ConsoleView, ctx: PageContext): string {
  const q = queryOf(v.filters);
  const notices = ctx.notices.map((n) => `<div class="notice">${e(n)}</div>`).join('');
  const rows = v.queue
    .map((r, n) => {
      const cause = r.cause
        ? `${e(r.cause.kind)} of ${e(r.cause.subject)} <span class="muted">(${e(r.cause.event_id)}${r.cause.actor ? `, by ${e(r.cause.actor)}` : ''}${r.cause.commit ? `, ${e(r.cause.commit)}` : ''})</span>`
        : `<span class="muted">${e(r.title)}</span>`;
      const sla =
        r.status === 'resolved'
          ? '<span class="muted">resolved</span>'
          : r.sla_left_ms === null
            ? '<span class="muted">—</span>'
            : `<span class="${r.sla_left_ms < 0 ? 'overdue' : ''}">${e(r.sla_deadline)} ${r.sla_left_ms < 0 ? 'overdue ' : 'in '}${e(fmtDuration(Math.abs(r.sla_left_ms)))}</span>`;
      const link = `/incident/${encodeURIComponent(r.incident_id)}${q}`;
      return `<tr data-incident="${e(r.incident_id)}"><td class="num">${n + 1}</td><td>${tierBadge(r.tier)}</td>
<td class="num">${r.priority.toFixed(1)}</td><td class="num">${e(money(r.expected_impact_per_hour))}</td>
<td><a href="${e(link)}">${e(r.incident_id)}</a></td><td>${e(r.models.join(', '))}</td><td>${e(r.product_areas.join(', '))}</td>
<td>${cause}</td><td>${e(r.owner)}</td><td>${sla}</td><td class="num">${r.members}</td></tr>`;
    })
    .join('\n');
  const b = v.business;
  const t = v.technical;
  const area = b.impact_by_area
    .map(
      (a) =>
        `<tr><td>${e(a.product_area)}</td><td class="num">${e(money(a.impact_per_hour))}</td>${(['P1', 'P2', 'P3', 'P4'] as const).map((k) => `<td class="num">${a.by_tier[k] ? e(money(a.by_tier[k])) : ''}</td>`).join('')}</tr>`,
    )
    .join('');
  const sla = b.sla
    .map(
      (s) =>
        `<tr><td>${tierBadge(s.tier)}</td><td class="num">${s.acked ? `${s.ack_within}/${s.acked}` : '—'}</td><td class="num">${s.resolved ? `${s.resolve_within}/${s.resolved}` : '—'}</td></tr>`,
    )
    .join('');
  const signals = t.by_signal
    .map((s) => `<tr><td>${e(s.signal)}</td><td class="num">${s.count}</td></tr>`)
    .join('');
  const days = t.pages_by_day
    .map((d) => `<tr><td>${e(d.day)}</td><td class="num">${d.pages}</td></tr>`)
    .join('');
  const panel = `<section class="cols" id="side-by-side">
<div><h2>Business: impact at risk (per hour)</h2><table><tr><th>product area</th><th class="num">total</th><th class="num">P1</th><th class="num">P2</th><th class="num">P3</th><th class="num">P4</th></tr>${area || '<tr><td colspan="6" class="muted">no incident</td></tr>'}</table>
<h2>Time to ack / resolve within SLA (from feedback)</h2><table><tr><th>tier</th><th class="num">acked within</th><th class="num">resolved within</th></tr>${sla}</table></div>
<div><h2>Technical: alerts and detectors</h2><table><tr><td>alerts</td><td class="num">${t.alerts}</td></tr><tr><td>alerts per hour</td><td class="num">${t.alerts_per_hour.toFixed(1)}</td></tr>
<tr><td>noise share (suppressed or silenced)</td><td class="num">${(t.noise_share * 100).toFixed(1)}%</td></tr>
<tr><td>lag: scored_at − event_time, p50 / max <span class="muted">(offline: replay time)</span></td><td class="num">${t.lag_ms ? `${e(fmtDuration(t.lag_ms.p50))} / ${e(fmtDuration(t.lag_ms.max))}` : '—'}</td></tr></table>
<h2>Detector signals</h2><table><tr><th>signal</th><th class="num">alerts</th></tr>${signals}</table>
<h2>Pages per day</h2><table><tr><th>day</th><th class="num">pages</th></tr>${days || '<tr><td colspan="2" class="muted">none</td></tr>'}</table></div></section>`;
  return layout(
    'alert-triage console',
    `${notices}${filterForm(v.filters)}
<h2>Queue: <span id="count">${v.queue.length}</span> of ${v.open_total} ${v.filters.status === 'all' ? '' : 'open '}incidents</h2>
<table id="queue"><tr><th class="num">#</th><th>tier</th><th class="num">prio</th><th class="num">impact/h</th><th>incident</th><th>models</th><th>product areas</th><th>cause</th><th>owner</th><th>SLA</th><th class="num">alerts</th></tr>
${rows || '<tr><td colspan="11" class="muted">no incident matches</td></tr>'}</table>
${panel}${drillsSection(ctx)}${silencesSection(ctx)}${ctx.writable ? '' : '<p class="muted">read-only: set ALERT_TRIAGE_CONSOLE_TOKEN to create silences from the page</p>'}`,
  );
}

/** A drill's times are seconds to minutes: seconds below 90 s. */
const fmtDrill = (ms: number) => (ms < 90_000 ? `${(ms / 1000).toFixed(1)}s` : fmtDuration(ms));

function drillsSection(ctx: PageContext): string {
  if (!ctx.drills || ctx.drills.length === 0) return '';
  const took = (ms: number | null, budget: number | null, within: boolean | null) =>
    ms === null
      ? '<span class="muted">—</span>'
      : `${e(fmtDrill(ms))}${budget === null ? '' : ` <span class="${within === false ? 'overdue' : 'muted'}">(SLA ${e(fmtDuration(budget))}${within === false ? ', missed' : ''})</span>`}`;
  const rows = ctx.drills
    .map(
      (
        d,
      ) => `<tr data-drill="${e(d.drill_id)}"><td>[DRILL] ${e(d.scenario ?? 'unknown')}</td><td>${e(d.drill_id)}</td><td>${tierBadge(d.tier)}</td>
<td><a href="/incident/${encodeURIComponent(d.incident_id)}">${e(d.incident_id)}</a></td><td class="num">${e(fmtDrill(d.time_to_page_ms))}</td>
<td class="num">${took(d.time_to_ack_ms, d.sla.ack_ms, d.ack_within_sla)}</td><td class="num">${took(d.time_to_resolve_ms, d.sla.resolve_ms, d.resolve_within_sla)}</td></tr>`,
    )
    .join('');
  return `<h2>Drills</h2><table id="drills"><tr><th>scenario</th><th>drill</th><th>tier</th><th>incident</th><th class="num">time to page</th><th class="num">time to ack</th><th class="num">time to resolve</th></tr>${rows}</table>`;
}

function silencesSection(ctx: PageContext): string {
  if (!ctx.writable || !ctx.silences) return '';
  const rows = ctx.silences
    .map(
      (
        s,
      ) => `<tr data-silence="${e(s.id)}"><td>${e(s.id)}</td><td>${e(s.matchers)}</td><td>${e(new Date(s.ends_at).toISOString())}</td><td>${e(s.comment)}</td>
<td><form method="post" action="/silences/expire" class="expire"><input type="hidden" name="id" value="${e(s.id)}"><input type="password" name="token" placeholder="token" size="10"> <button type="submit">expire</button></form></td></tr>`,
    )
    .join('');
  return `<h2>Silences</h2><table id="silences"><tr><th>id</th><th>matchers</th><th>ends (UTC)</th><th>comment</th><th></th></tr>${rows || '<tr><td colspan="5" class="muted">none in force</td></tr>'}</table>`;
}

export interface SilenceDraft {
  matchers: { name: string; value: string }[];
  comment: string;
}

export function renderExplainPage(
  a: ScoredAlert,
  actions: readonly Action[],
  ctx: PageContext & { silence?: SilenceDraft; incidentId?: string },
): string {
  const comps = DIMENSIONS.map((d) => {
    const c = a.components[d];
    return `<tr><td>${e(d)}</td><td class="num">${c.value.toFixed(2)}</td><td class="num">${c.weight.toFixed(2)}</td><td class="num">${c.contribution.toFixed(1)}</td></tr>`;
  }).join('');
  const reasons = a.reasons.map((r) => `<li>${e(r)}</li>`).join('');
  const silence =
    ctx.writable && ctx.silence
      ? `<h2>Silence this incident</h2><form method="post" action="/silences" id="silence-form">
${ctx.silence.matchers.map((m, n) => `<label>${e(m.name)} = <input name="matcher_${n}" value="${e(`${m.name}=${m.value}`)}" size="40"></label><br>`).join('')}
<label>for <input name="duration" value="2h" size="6"></label> <label>comment <input name="comment" value="${e(ctx.silence.comment)}" size="40"></label>
<label>token <input type="password" name="token" size="16"></label> <button type="submit">create silence</button></form>`
      : '';
  return layout(
    `explain ${a.alert_id}`,
    `${ctx.notices.map((n) => `<div class="notice">${e(n)}</div>`).join('')}
<h2 id="explain-title">${tierBadge(a.tier)} alert ${e(a.alert_id)} — ${e(a.model_id)} · priority ${a.priority.toFixed(1)} · ${e(money(a.expected_impact_per_hour))}/h · owner ${e(a.owner)}</h2>
${ctx.incidentId ? `<p>incident <b>${e(ctx.incidentId)}</b></p>` : ''}
<div class="cols"><div><h2>Components</h2><table id="components"><tr><th>dimension</th><th class="num">value</th><th class="num">weight</th><th class="num">contribution</th></tr>${comps}</table>
<h2>Reasons</h2><ul id="reasons">${reasons}</ul></div>
<div><h2>Full explanation</h2><pre>${e(renderExplanation(a, actions))}</pre></div></div>${silence}`,
  );
}

export function renderErrorPage(status: number, title: string, messages: readonly string[]): string {
  return layout(
    title,
    `<h2>${e(title)}</h2>${messages.map((m) => `<div class="error">${e(m)}</div>`).join('')}<p><a href="/">back to the queue</a></p>`,
  ).replace('<title>', `<title>${status} `);
}
