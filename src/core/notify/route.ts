// Which receivers a record goes to: the first route whose match fits (Alertmanager's routing, flat; a
// route with `continue` lets the next ones match too), else the default. A resolve goes where the
// incident's pages went, when the delivery log knows; otherwise it is routed as a trigger would be.
import type { NotifyRecord, RouteSettings } from './types.ts';

export function routeMatches(route: RouteSettings, record: Pick<NotifyRecord, 'tier' | 'owner'>): boolean {
  const { tier, owner } = route.match;
  if (tier && !tier.includes(record.tier)) return false;
  if (owner && (record.owner === null || !owner.includes(record.owner))) return false;
  return true;
}

export function routeRecord(
  record: Pick<NotifyRecord, 'tier' | 'owner'>,
  routes: readonly RouteSettings[],
  fallback: readonly string[],
): string[] {
  const out: string[] = [];
  let matched = false;
  for (const r of routes) {
    if (!routeMatches(r, record)) continue;
    matched = true;
    for (const name of r.receivers) if (!out.includes(name)) out.push(name);
    if (!r.continue) break;
  }
  return matched ? out : [...fallback];
}

/** A trigger's receivers; an acknowledge's or resolve's: those its incident's triggers reached, when any did. */
export function receiversFor(
  record: NotifyRecord,
  routes: readonly RouteSettings[],
  fallback: readonly string[],
  pagedBefore: readonly string[],
): string[] {
  if (record.action !== 'trigger' && pagedBefore.length > 0) return [...pagedBefore];
  return routeRecord(record, routes, fallback);
}
