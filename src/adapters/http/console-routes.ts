// The console's routes: GET / (the queue), GET /incident/<id>, GET /alert/<id> (the explain view),
// POST /silences (writes enabled with a token). Thin: parse, build the view (console/view-model.ts),
// render (console/page.ts). Never a stack trace on the page.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  renderErrorPage,
  renderExplainPage,
  renderQueuePage,
  type SilenceDraft,
} from '../../console/page.ts';
import type { ConsoleReadModel } from '../../console/read-model.ts';
import { buildConsoleView, parseConsoleQuery } from '../../console/view-model.ts';
import type { DrillFigures } from '../../core/drill.ts';
import type { ScoredAlert } from '../../core/processor.ts';

export interface ConsoleRouteOptions {
  model: ConsoleReadModel;
  /** Wall clock (SLA countdowns); offline the end of the run's event time reads better. */
  now: () => number;
  /** The queue's status filter when the URL gives none (offline `all`: a finished run's incidents have timed out). */
  defaultStatus?: 'open' | 'all';
  /** Writes enabled when set (the operator's ALERT_TRIAGE_CONSOLE_TOKEN). */
  token?: string;
  /** Creates a silence from matchers `name="value"`, a duration and a comment; returns its id or a usage error. */
  addSilence?: (req: {
    matchers: string[];
    duration: string;
    comment: string;
  }) => Promise<{ ok: true; id: string } | { ok: false; message: string }>;
  /** The silences in force or pending (shown with an expire button when writes are on). */
  silences?: () => Promise<{ id: string; matchers: string; ends_at: number; comment: string }[]>;
  /** Drills paged by the service, with time to page / ack / resolve against the SLA (docs/DRILLS.md). */
  drills?: () => DrillFigures[];
  expireSilence?: (id: string) => Promise<{ ok: true; id: string } | { ok: false; message: string }>;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function draftOf(a: ScoredAlert, incidentId: string | undefined): SilenceDraft {
  const matchers = [{ name: 'model_id', value: a.model_id }];
  matchers.push({ name: 'signal', value: a.alert.signal });
  return { matchers, comment: `silenced from the console: ${incidentId ?? a.alert_id}` };
}

const tokenOk = (given: string, want: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
};

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/** A write's form, once the console is writable and the form carries the token; else the 403 is sent. */
async function writeForm(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  writable: boolean,
): Promise<URLSearchParams | undefined> {
  if (!writable || !token) {
    send(
      res,
      403,
      renderErrorPage(403, 'Forbidden', ['the console is read-only: writes need ALERT_TRIAGE_CONSOLE_TOKEN']),
    );
    return undefined;
  }
  const form = await readForm(req);
  if (tokenOk(form.get('token') ?? '', token)) return form;
  send(res, 403, renderErrorPage(403, 'Forbidden', ['wrong token']));
  return undefined;
}

/** Handles the console's paths; returns false when the path is not one of them. */
export async function handleConsole(
  req: IncomingMessage,
  res: ServerResponse,
  o: ConsoleRouteOptions,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://console');
  const writable = Boolean(o.token && o.addSilence);
  try {
    if (url.pathname === '/silences/expire' && req.method === 'POST') {
      const form = await writeForm(req, res, o.token, Boolean(writable && o.expireSilence));
      if (!form || !o.expireSilence) return true;
      const id = (form.get('id') ?? '').trim();
      const r = id
        ? await o.expireSilence(id)
        : { ok: false as const, message: 'id: give the silence to expire' };
      if (!r.ok) send(res, 400, renderErrorPage(400, 'Silence not expired', [r.message]));
      else send(res, 200, renderErrorPage(200, `Silence ${r.id} expired`, [`expired ${r.id}`]));
      return true;
    }
    if (url.pathname === '/silences' && req.method === 'POST') {
      const form = await writeForm(req, res, o.token, writable);
      if (!form || !o.addSilence) return true;
      const matchers = [...form.entries()]
        .filter(([k]) => k.startsWith('matcher_'))
        .map(([, v]) => v.trim())
        .filter(Boolean)
        .map((m) => {
          const at = m.indexOf('=');
          return at > 0 ? `${m.slice(0, at)}=${JSON.stringify(m.slice(at + 1).replace(/^"|"$/g, ''))}` : m;
        });
      const r = await o.addSilence({
        matchers,
        duration: (form.get('duration') ?? '').trim(),
        comment: (form.get('comment') ?? '').trim(),
      });
      if (!r.ok) send(res, 400, renderErrorPage(400, 'Silence not created', [r.message]));
      else
        send(
          res,
          201,
          renderErrorPage(201, `Silence ${r.id} created`, [`created ${r.id}: ${matchers.join(', ')}`]),
        );
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const q = parseConsoleQuery(url.searchParams);
    const notices = q.ignored.length ? [`ignored unknown query parameter(s): ${q.ignored.join(', ')}`] : [];
    if (url.pathname === '/' || url.pathname === '/console') {
      if (q.errors.length) {
        send(res, 400, renderErrorPage(400, 'Bad filter', q.errors));
        return true;
      }
      const view = buildConsoleView({
        incidents: o.model.incidentList(),
        alerts: o.model.alertList(),
        feedback: o.model.feedbackList(),
        filters: { ...q.filters, status: q.filters.status ?? o.defaultStatus ?? 'open' },
        now: o.now(),
      });
      const silences = writable && o.silences ? await o.silences() : [];
      const drills = o.drills ? o.drills() : [];
      send(res, 200, renderQueuePage(view, { notices, writable, silences, drills }));
      return true;
    }
    const m = /^\/(incident|alert)\/([^/]{1,200})$/.exec(url.pathname);
    if (m) {
      const id = decodeURIComponent(m[2] as string);
      const alert = m[1] === 'incident' ? o.model.topMember(id) : o.model.alert(id);
      if (!alert) {
        send(res, 404, renderErrorPage(404, 'Not found', [`no ${m[1]} ${id} in the console's memory`]));
        return true;
      }
      const incidentId = alert.incident_id ?? undefined;
      send(
        res,
        200,
        renderExplainPage(alert, o.model.actionsOf(alert.alert_id), {
          notices,
          writable,
          silence: draftOf(alert, incidentId),
          incidentId,
        }),
      );
      return true;
    }
    return false;
  } catch {
    // The page never shows the error itself: the caller logs it.
    send(res, 500, renderErrorPage(500, 'Internal error', ['the console could not render this page']));
    return true;
  }
}
