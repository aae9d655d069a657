// The highest-priority paged alerts of a run, kept in a small sorted buffer: the table needs the
// top few, and a million-alert run must not hold a million alerts in memory.
import type { ScoredAlert } from '../core/processor.ts';

export class TopAlerts {
  private readonly items: ScoredAlert[] = [];
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  offer(a: ScoredAlert): void {
    if (a.dedup.suppressed) return;
    const items = this.items;
    if (items.length === this.limit && !outranks(a, items[items.length - 1]!)) return;
    let at = items.length;
    while (at > 0 && outranks(a, items[at - 1]!)) at--;
    items.splice(at, 0, a);
    if (items.length > this.limit) items.pop();
  }

  get ranked(): readonly ScoredAlert[] {
    return this.items;
  }
}

/** Higher priority first; on equal priority the earlier alert first, then by id, so ranks are stable. */
export function outranks(a: ScoredAlert, b: ScoredAlert): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.event_time !== b.event_time) return a.event_time < b.event_time;
  return a.alert_id < b.alert_id;
}
