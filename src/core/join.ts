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
  const changes: ContextChange[] = [];
  const seen = new Set<string>();
  const collect = (key: string, via: ContextChange['via']) => {
    for (const d of window.range(key, from, t)) {
      if (seen.has(d.event_id)) continue;
      seen.add(d.event_id);
      changes.push(toChange(d, via, t));
    }
  };
  collect(modelKey(alert.model_id), 'model');
  // A service named like the model is its serving code.
  collect(serviceKey(alert.model_id), 'model');
  for (const service of upstream) collect(serviceKey(service), 'upstream');
  changes.sort((a, b) => b.event_time - a.event_time || (a.event_id < b.event_id ? -1 : 1));

  const strength = changes.reduce(
    (best, c) => Math.max(best, 1 - (t - c.event_time) / Math.max(1, w.correlationMs)),
    0,
  );

  const versions = window
    .range(modelKey(alert.model_id), t - w.versionHorizonMs, t)
    .filter((d) => VERSION_KINDS.has(d.kind) && d.version !== undefined);
  const current = alert.model_version ?? versions.at(-1)?.version;
  // The deploy that brought the serving version in tells what it replaced.
  const at = versions.findLastIndex((d) => d.version === current);
  // After a rollback, the version rolled away from is no target: recommend no further rollback.
  const brought = versions[at];
  let previous =
    brought === undefined || brought.kind === 'rollback'
      ? undefined
      : (brought.previous_version ?? versions[at - 1]?.version);
  if (previous === current) previous = undefined;

  const context: DeployContext = {
    deploys: changes.slice(0, w.maxContextChanges),
    deploy_correlated: changes.length > 0,
    correlation_strength: round(strength, 3),
  };
  if (current !== undefined) context.current_version = current;
  if (previous !== undefined) context.previous_version = previous;
  return context;
}

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
