// The deploy-context join: what changed for an alert's model, and upstream of it, shortly before it.
import type { AnomalyAlert, DeployEvent, DeployKind } from './events.ts';
import type { DeployWindow } from './window-store.ts';

export interface ContextChange {
  event_id: string;
  kind: DeployKind;
  event_time: number;
  /** Whether the change was to the model itself (`model`) or to a service it depends on (`upstream`). */
  via: 'model' | 'upstream';
  model_id?: string;
  service?: string;
  version?: string;
  previous_version?: string;
  actor?: string;
  commit?: string;
  description?: string;
  minutes_before: number;
}

export interface DeployContext {
  /** Changes inside the correlation window, most recent first. */
  deploys: ContextChange[];
  current_version?: string;
  previous_version?: string;
  deploy_correlated: boolean;
  /** 0..1: 1 for a change right before the alert, falling linearly to 0 at the window's edge. */
  correlation_strength: number;
}

export interface JoinWindows {
  correlationMs: number;
  /** How far back model versions are looked up (retention less allowed lateness). */
  versionHorizonMs: number;
  maxContextChanges: number;
}

export function joinDeployContext(
  alert: AnomalyAlert,
  upstream: readonly string[],
  window: DeployWindow,
  w: JoinWindows,
): DeployContext {
  const t = alert.event_time;
  const from = t - w.correlationMs;
  const limit = w.maxContextChanges;
  // Only the most recent changes are listed; each key is scanned backwards and stops at the limit.
  // Candidates carry their time from the window's index, so sorting them reads no event (ties
  // aside): only the few that make the list are read, which in a big window saves cache misses.
  const found: Candidate[] = [];
  const collect = (kind: 'model' | 'service', name: string, via: ContextChange['via']) =>
    window.visitLatestOf(kind, name, from, t, limit, (d, time) => {
      found.push({ d, via, time });
    });
  collect('model', alert.model_id, 'model');
  // A service named like the model is its serving code.
  collect('service', alert.model_id, 'model');
  for (const service of upstream) collect('service', service, 'upstream');
  if (found.length > 1) {
    found.sort((a, b) => b.time - a.time || (a.d.event_id < b.d.event_id ? -1 : 1));
  }
  const changes: ContextChange[] = [];
  for (const { d, via } of found) {
    if (changes.length === limit) break;
    // The same event under two keys (model and service) is listed once. A scan: at most `limit` long.
    if (changes.some((c) => c.event_id === d.event_id)) continue;
    changes.push(toChange(d, via, t));
  }
  const nearest = changes[0];
  const strength = nearest ? Math.max(0, 1 - (t - nearest.event_time) / Math.max(1, w.correlationMs)) : 0;

  // The deploy that brought the serving version in tells what it replaced.
  const modelVersions = window.latestModelVersions(
    alert.model_id,
    t - w.versionHorizonMs,
    t,
    VERSION_LOOKBACK,
  );
  const current = alert.model_version ?? modelVersions[0]?.version;
  const at = modelVersions.findIndex((d) => d.version === current);
  const brought = modelVersions[at];
  // After a rollback, the version rolled away from is no target: recommend no further rollback.
  let previous =
    brought === undefined || brought.kind === 'rollback'
      ? undefined
      : (brought.previous_version ?? modelVersions[at + 1]?.version);
  if (previous === current) previous = undefined;

  const context: DeployContext = {
    deploys: changes,
    deploy_correlated: changes.length > 0,
    correlation_strength: round(strength, 3),
  };
  if (current !== undefined) context.current_version = current;
  if (previous !== undefined) context.previous_version = previous;
  return context;
}

/** How many model versions back the join looks for the one serving. */
const VERSION_LOOKBACK = 8;

interface Candidate {
  d: DeployEvent;
  via: ContextChange['via'];
  /** d.event_time, as the window's index holds it. */
  time: number;
}

function toChange(d: DeployEvent, via: ContextChange['via'], t: number): ContextChange {
  const c: ContextChange = {
    event_id: d.event_id,
    kind: d.kind,
    event_time: d.event_time,
    via,
    minutes_before: round((t - d.event_time) / 60_000, 1),
  };
  // Field by field, not a loop over names: a property read by a variable name is a slow, generic
  // lookup, and this runs for every change of every alert. The order is the output's key order.
  if (d.model_id !== undefined) c.model_id = d.model_id;
  if (d.service !== undefined) c.service = d.service;
  if (d.version !== undefined) c.version = d.version;
  if (d.previous_version !== undefined) c.previous_version = d.previous_version;
  if (d.actor !== undefined) c.actor = d.actor;
  if (d.commit !== undefined) c.commit = d.commit;
  if (d.description !== undefined) c.description = d.description;
  return c;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
