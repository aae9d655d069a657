// DeployWindow: recent deploy / change events per model and per service, ordered by event time,
// bounded by a retention in *alert* stream time and by a cap per key. Lookups filter by event
// time, so what an alert sees never depends on how far the deploy input has run ahead.
import type { DeployEvent, DeployKind } from './events.ts';
import type { Journal } from './journal.ts';

export interface DeployWindowLimits {
  retentionMs: number;
  maxPerKey: number;
}

export type InsertResult = 'inserted' | 'duplicate' | 'expired';

export const modelKey = (modelId: string): string => `${MODEL_PREFIX}${modelId}`;
export const serviceKey = (service: string): string => `${SERVICE_PREFIX}${service}`;
const MODEL_PREFIX = 'model:';
const SERVICE_PREFIX = 'service:';

const VERSION_KINDS: ReadonlySet<DeployKind> = new Set(['model_deploy', 'rollback']);

/** A deploy that brought a model version in: what the join looks back through to find the serving one. */
export const bringsVersion = (d: DeployEvent): boolean =>
  VERSION_KINDS.has(d.kind) && d.version !== undefined;

export class DeployWindow {
  private readonly byKey = new Map<string, TimeLog>();
  /**
   * The same logs by model id and by service name: the join and inserts look them up by the name
   * they hold, with no key string built (and hashed) per lookup. In a big window each lookup is
   * a cache miss or two, and the join makes three or four per alert.
   */
  private readonly byModel = new Map<string, TimeLog>();
  private readonly byService = new Map<string, TimeLog>();
  private entries = 0;
  private sweptAt = Number.NEGATIVE_INFINITY;
  private lost = Number.NEGATIVE_INFINITY;
  readonly limits: DeployWindowLimits;
  private readonly journal: Journal | undefined;

  constructor(limits: DeployWindowLimits, journal?: Journal) {
    this.limits = limits;
    this.journal = journal;
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
    if (deploy.event_time < streamTime - this.limits.retentionMs) {
      this.lost = Math.max(this.lost, streamTime - this.limits.retentionMs);
      return 'expired';
    }
    let result: InsertResult = 'duplicate';
    if (deploy.model_id !== undefined && this.insertAt(this.byModel, MODEL_PREFIX, deploy.model_id, deploy))
      result = 'inserted';
    if (deploy.service !== undefined && this.insertAt(this.byService, SERVICE_PREFIX, deploy.service, deploy))
      result = 'inserted';
    return result;
  }

  /**
   * The time before which this window may lack deploys it was given: the highest horizon it swept or
   * refused an insert at; -∞ when it never dropped one. (A hint, kept when an abort puts events back.)
   */
  get lostBefore(): number {
    return this.lost;
  }

  /** Events of `key` with from <= event_time <= to, oldest first. */
  range(key: string, from: number, to: number): DeployEvent[] {
    const log = this.byKey.get(key);
    return log ? log.events.slice(log.lowerBound(from), log.upperBound(to)) : [];
  }

  /**
   * Up to `limit` events of a model's (`model`) or a service's (`service`) key with from <= event_time
   * <= to, newest first, each with its event time from the index. Scans backwards from `to`, so the
   * cost follows what is visited, not what the key holds.
   */
  visitLatestOf(
    kind: 'model' | 'service',
    name: string,
    from: number,
    to: number,
    limit: number,
    visit: (d: DeployEvent, time: number) => void,
  ): void {
    (kind === 'model' ? this.byModel : this.byService).get(name)?.visitNewest(from, to, limit, visit);
  }

  /** Up to `limit` version-bringing events of a model with from <= event_time <= to, newest first. */
  latestModelVersions(modelId: string, from: number, to: number, limit: number): DeployEvent[] {
    return this.byModel.get(modelId)?.versions?.newest(from, to, limit) ?? [];
  }

  /**
   * Drops events older than streamTime - retention. Sweeps at most once per tenth of the retention,
   * since lookups filter by event time anyway; returns how many entries went. In a transaction the
   * dropped events are recorded, so an abort puts them back.
   */
  expire(streamTime: number): number {
    if (streamTime - this.sweptAt < this.limits.retentionMs / 10) return 0;
    const sweptAt = this.sweptAt;
    this.sweptAt = streamTime;
    const horizon = streamTime - this.limits.retentionMs;
    if (horizon > this.lost) this.lost = horizon;
    const journal = this.journal?.active ? this.journal : undefined;
    const dropped: DeployEvent[] = [];
    let removed = 0;
    for (const [key, log] of this.byKey) {
      const gone = log.dropBefore(horizon);
      if (gone.length === 0) continue;
      removed += gone.length;
      if (journal) for (const d of gone) dropped.push(d);
      const versions = log.versions;
      if (versions) {
        versions.dropBefore(horizon);
        if (versions.length === 0) log.versions = undefined;
      }
      if (log.length === 0) {
        this.byKey.delete(key);
        if (key.startsWith(MODEL_PREFIX)) this.byModel.delete(key.slice(MODEL_PREFIX.length));
        else this.byService.delete(key.slice(SERVICE_PREFIX.length));
      }
    }
    this.entries -= removed;
    journal?.record(() => {
      this.sweptAt = sweptAt;
      // A deploy kept under its model and its service was dropped from both: the second insert is a duplicate.
      for (const d of dropped) this.insert(d, Number.NEGATIVE_INFINITY);
    });
    return removed;
  }

  private insertAt(byName: Map<string, TimeLog>, prefix: string, name: string, deploy: DeployEvent): boolean {
    let log = byName.get(name);
    if (!log) {
      log = new TimeLog(true);
      byName.set(name, log);
      this.byKey.set(prefix + name, log);
    }
    // A redelivered event_id is skipped.
    if (log.has(deploy.event_id)) return false;
    // Full and older than everything kept: it would be evicted at once.
    if (log.length >= this.limits.maxPerKey && deploy.event_time < log.times[0]!) return false;
    log.add(deploy);
    this.entries++;
    if (bringsVersion(deploy)) {
      let versions = log.versions;
      if (!versions) {
        versions = new TimeLog(false);
        log.versions = versions;
      }
      // Placed as in the key's log (after its equals), so it stays the same subsequence.
      versions.add(deploy);
    }
    if (log.length > this.limits.maxPerKey) {
      const evicted = log.shift();
      const versions = log.versions;
      // The oldest event, if it brought a version, is the oldest of the subsequence too.
      if (versions && versions.events[0] === evicted) {
        versions.shift();
        if (versions.length === 0) log.versions = undefined;
      }
      this.entries--;
    }
    return true;
  }
}

const NO_EVENTS: DeployEvent[] = [];

/** Up to this many events, a key's duplicate check scans them; past it, a set of ids answers. */
const ID_SCAN = 32;

/**
 * Events in event-time order, with their times in a parallel array. Searches and range checks read
 * only `times` (unboxed doubles, side by side in memory), and touch an event only to return it: in a
 * window of a million entries each event read is a likely cache miss, and the binary searches alone
 * had been half the misses of a join.
 */
class TimeLog {
  readonly events: DeployEvent[] = [];
  readonly times: number[] = [];
  /**
   * The event ids held, for the duplicate check, once the log is longer than ID_SCAN: scanning a full
   * key (256 events) on every insert was most of the cost of filling a big window. A short log is
   * scanned (no set: most keys hold few events, and the set costs ~30 B per entry).
   */
  private ids: Set<string> | undefined;
  /**
   * Of a key's log: the subsequence of its events that `bringsVersion`, in the same order. Version
   * lookups scan this instead of every event of the key: on a busy key most events are code or
   * config changes, and stepping over them (each a cache miss in a big window) was most of a join.
   */
  versions: TimeLog | undefined;
  private readonly trackIds: boolean;

  /** `trackIds`: whether `has` is asked (the key's own log), so ids are worth indexing. */
  constructor(trackIds: boolean) {
    this.trackIds = trackIds;
  }

  get length(): number {
    return this.events.length;
  }

  /** Whether an event with this id is held. */
  has(eventId: string): boolean {
    if (this.ids !== undefined) return this.ids.has(eventId);
    for (const d of this.events) if (d.event_id === eventId) return true;
    return false;
  }

  /** Keeps `ids` in step after events were added (`by` = 1) or removed (-1). */
  private noteIds(events: readonly DeployEvent[], by: number): void {
    if (!this.trackIds) return;
    if (this.ids === undefined) {
      if (this.events.length <= ID_SCAN) return;
      this.ids = new Set();
      for (const d of this.events) this.ids.add(d.event_id);
      return;
    }
    if (this.events.length <= ID_SCAN / 2) {
      this.ids = undefined;
      return;
    }
    // Ids are unique within a log (insertAt refuses a held one), so a set is enough.
    if (by > 0) for (const d of events) this.ids.add(d.event_id);
    else for (const d of events) this.ids.delete(d.event_id);
  }

  /** Inserts after any events at the same time (arrival order among equals); mostly an append. */
  add(d: DeployEvent): void {
    const t = d.event_time;
    const n = this.times.length;
    if (n === 0 || this.times[n - 1]! <= t) {
      this.events.push(d);
      this.times.push(t);
    } else {
      const at = this.upperBound(t);
      this.events.splice(at, 0, d);
      this.times.splice(at, 0, t);
    }
    if (this.trackIds) this.noteIds([d], 1);
  }

  shift(): DeployEvent | undefined {
    this.times.shift();
    const d = this.events.shift();
    if (d !== undefined && this.trackIds) this.noteIds([d], -1);
    return d;
  }

  /** Drops the events older than `horizon`; returns them. */
  dropBefore(horizon: number): DeployEvent[] {
    const n = this.lowerBound(horizon);
    if (n === 0) return NO_EVENTS;
    const gone = this.events.splice(0, n);
    this.times.splice(0, n);
    this.noteIds(gone, -1);
    return gone;
  }

  /** Up to `limit` events with from <= event_time <= to, newest first. */
  newest(from: number, to: number, limit: number): DeployEvent[] {
    const out: DeployEvent[] = [];
    for (let i = this.upperBound(to) - 1; i >= 0 && out.length < limit; i--) {
      if (this.times[i]! < from) break;
      out.push(this.events[i]!);
    }
    return out;
  }

  /** `newest(from, to, limit)` as calls, each with the time from the index (the event is not read). */
  visitNewest(from: number, to: number, limit: number, visit: (d: DeployEvent, time: number) => void): void {
    const end = this.upperBound(to);
    for (let i = end - 1; i >= 0 && i >= end - limit; i--) {
      const time = this.times[i]!;
      if (time < from) break;
      visit(this.events[i]!, time);
    }
  }

  /** First index whose time >= t. */
  lowerBound(t: number): number {
    const times = this.times;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose time > t. */
  upperBound(t: number): number {
    const times = this.times;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
