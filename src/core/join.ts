// The deploy-context join: what changed for an alert's model, and upstream of it, shortly before it.
import type { AnomalyAlert, DeployEvent, DeployKind } from './events.ts';
import { type DeployWindow, modelKey, serviceKey } from './window-store.ts';

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

const VERSION_KINDS: ReadonlySet<DeployKind> = new Set(['model_deploy', 'rollback']);

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
  const found: { d: DeployEvent; via: ContextChange['via'] }[] = [];
  const collect = (key: string, via: ContextChange['via']) => {
    for (const d of window.latest(key, from, t, limit)) found.push({ d, via });
  };
  collect(modelKey(alert.model_id), 'model');
  // A service named like the model is its serving code.
  collect(serviceKey(alert.model_id), 'model');
  for (const service of upstream) collect(serviceKey(service), 'upstream');
  if (found.length > 1) {
    found.sort((a, b) => b.d.event_time - a.d.event_time || (a.d.event_id < b.d.event_id ? -1 : 1));
  }
  const changes: ContextChange[] = [];
  const seen = new Set<string>();
  for (const { d, via } of found) {
    if (changes.length === limit) break;
    if (seen.has(d.event_id)) continue;
    seen.add(d.event_id);
    changes.push(toChange(d, via, t));
  }
  const nearest = changes[0];
  const strength = nearest ? Math.max(0, 1 - (t - nearest.event_time) / Math.max(1, w.correlationMs)) : 0;

  // The deploy that brought the serving version in tells what it replaced.
  const modelVersions = window.latest(
    modelKey(alert.model_id),
    t - w.versionHorizonMs,
    t,
    VERSION_LOOKBACK,
    (d) => VERSION_KINDS.has(d.kind) && d.version !== undefined,
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

function toChange(d: DeployEvent, via: ContextChange['via'], t: number): ContextChange {
  const c: ContextChange = {
    event_id: d.event_id,
    kind: d.kind,
    event_time: d.event_time,
    via,
    minutes_before: round((t - d.event_time) / 60_000, 1),
  };
  for (const k of [
    'model_id',
    'service',
    'version',
    'previous_version',
    'actor',
    'commit',
    'description',
  ] as const) {
    if (d[k] !== undefined) c[k] = d[k];
  }
  return c;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
