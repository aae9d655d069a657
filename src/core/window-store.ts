// DeployWindow: recent deploy / change events per model and per service, ordered by event time,
// bounded by a retention in *alert* stream time and by a cap per key. Lookups filter by event
// time, so what an alert sees never depends on how far the deploy input has run ahead.
import type { DeployEvent } from './events.ts';

export interface DeployWindowLimits {
  retentionMs: number;
  maxPerKey: number;
}

export type InsertResult = 'inserted' | 'duplicate' | 'expired';

export const modelKey = (modelId: string): string => `model:${modelId}`;
export const serviceKey = (service: string): string => `service:${service}`;

export class DeployWindow {
  private readonly byKey = new Map<string, DeployEvent[]>();
  private entries = 0;
  private sweptAt = Number.NEGATIVE_INFINITY;
  readonly limits: DeployWindowLimits;

  constructor(limits: DeployWindowLimits) {
    this.limits = limits;
  }

  /** Number of stored entries (a deploy naming both a model and a service counts twice). */
  get size(): number {
    return this.entries;
  }

  get keys(): number {
    return this.byKey.size;
  }

  /** Adds a deploy under its model and its service. Too old for the current stream time: `expired`. */
  insert(deploy: DeployEvent, streamTime: number): InsertResult {
    if (deploy.event_time < streamTime - this.limits.retentionMs) return 'expired';
    let result: InsertResult = 'duplicate';
    if (deploy.model_id !== undefined && this.insertAt(modelKey(deploy.model_id), deploy))
      result = 'inserted';
    if (deploy.service !== undefined && this.insertAt(serviceKey(deploy.service), deploy))
      result = 'inserted';
    return result;
  }

  /** Events of `key` with from <= event_time <= to, oldest first. */
  range(key: string, from: number, to: number): DeployEvent[] {
    const list = this.byKey.get(key);
    if (!list) return [];
    const out: DeployEvent[] = [];
    for (let i = lowerBound(list, from); i < list.length; i++) {
      const d = list[i]!;
      if (d.event_time > to) break;
      out.push(d);
    }
    return out;
  }

  /**
   * Up to `limit` events of `key` with from <= event_time <= to that satisfy `accept`, newest first.
   * Scans backwards from `to`, so the cost follows what is returned, not what the key holds.
   */
  latest(
    key: string,
    from: number,
    to: number,
    limit: number,
    accept?: (d: DeployEvent) => boolean,
  ): DeployEvent[] {
    const list = this.byKey.get(key);
    const out: DeployEvent[] = [];
    if (!list) return out;
    for (let i = upperBound(list, to) - 1; i >= 0 && out.length < limit; i--) {
      const d = list[i]!;
      if (d.event_time < from) break;
      if (!accept || accept(d)) out.push(d);
    }
    return out;
  }

  /**
   * Drops events older than streamTime - retention. Sweeps at most once per tenth of the retention,
   * since lookups filter by event time anyway; returns how many entries went.
   */
  expire(streamTime: number): number {
    if (streamTime - this.sweptAt < this.limits.retentionMs / 10) return 0;
    this.sweptAt = streamTime;
    const horizon = streamTime - this.limits.retentionMs;
    let removed = 0;
    for (const [key, list] of this.byKey) {
      const keep = lowerBound(list, horizon);
      if (keep === 0) continue;
      removed += keep;
      if (keep === list.length) this.byKey.delete(key);
      else list.splice(0, keep);
    }
    this.entries -= removed;
    return removed;
  }

  private insertAt(key: string, deploy: DeployEvent): boolean {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    // A redelivered event_id is skipped (keys hold few events: a scan is cheap next to the rest).
    for (const d of list) if (d.event_id === deploy.event_id) return false;
    // Full and older than everything kept: it would be evicted at once.
    if (list.length >= this.limits.maxPerKey && deploy.event_time < list[0]!.event_time) return false;
    // Mostly appended in order; otherwise placed after its equals.
    let at = list.length;
    if (at > 0 && list[at - 1]!.event_time > deploy.event_time) at = upperBound(list, deploy.event_time);
    list.splice(at, 0, deploy);
    this.entries++;
    if (list.length > this.limits.maxPerKey) {
      list.shift();
      this.entries--;
    }
    return true;
  }
}

/** First index whose event_time >= t. */
function lowerBound(list: DeployEvent[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.event_time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose event_time > t. */
function upperBound(list: DeployEvent[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.event_time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
