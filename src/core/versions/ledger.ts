// The version ledger: per model, which version served when (from model_deploy and rollback events), and
// per version and serving hour, what its alerts were. It is fed the step's outputs, not held in the lane
// state: every field is a sum, a min or a max over the records seen (keyed by alert and event id, so a
// record seen twice counts once), and the serving intervals are derived from the set of deploys when asked.
// So the order records arrive in changes nothing — the offline merge and a stream whose deploy topic runs
// ahead or behind give the same ledger — and there is nothing to undo when a transaction aborts: the
// stream feeds it what was committed. docs/GATE.md says why, and what the verdict does with it.
import type { AnomalyAlert, DeployEvent, ScoredAlert, Signal } from '../events.ts';
import { DEFAULT_GATE } from '../settings.ts';

/** What the ledger reads of a scored alert. */
export type LedgerAlert = Pick<
  ScoredAlert,
  'alert_id' | 'model_id' | 'event_time' | 'expected_impact_per_hour' | 'priority'
> & { dedup: { suppressed: boolean }; alert: Pick<AnomalyAlert, 'model_version' | 'signal'> };

export const HOUR_MS = 3_600_000;

/** What the alerts of one version (or of no known version) in one serving hour add up to. */
export interface HourTally {
  alerts: number;
  /** Alerts that were not dedup repeats: the count the rate test uses (a flapping monitor is one). */
  counted: number;
  /** Sum of the alerts' expected_impact_per_hour. */
  impact: number;
  /** Sum of the alerts' priority. */
  priority: number;
  /** Counted alerts by signal. */
  signals: Partial<Record<Signal, number>>;
}

/** A change of the serving version: a model_deploy or a rollback of the model. */
export interface VersionChange {
  event_id: string;
  time: number;
  kind: 'model_deploy' | 'rollback';
  /** Null: a deploy that named no version (its serving time is unknown-version time). */
  version: string | null;
  previous_version: string | null;
}

/** A change as the ledger holds it: with its deploy event, which a regression's incident names as its cause. */
interface HeldChange extends VersionChange {
  deploy: DeployEvent;
}

interface VersionAlerts {
  /** hour index (event_time / 1 h, floored) → tally */
  hours: Map<number, HourTally>;
  /** `hours` in hour order, built when asked and dropped when an hour is added or pruned. */
  sorted: [number, HourTally][] | null;
  earliest: number;
  latest: number;
}

interface ModelLedger {
  changes: Map<string, HeldChange>;
  /** Alerts by the version they name; key '' holds the alerts that named none. */
  versions: Map<string, VersionAlerts>;
  /** Earliest record of the model (alert or change): where the first version's serving is seen from. */
  firstSeen: number;
  lastSeen: number;
  /**
   * Its earliest alert observed: the ledger has seen its alerts from here on only, so no serving time
   * before it is exposure. Offline, the model's first alert of the input; in the service after a restart,
   * its first alert committed since — the deploys read back from before it would otherwise count serving
   * hours whose alerts the ledger never saw, and a version would look better, or its successor worse.
   */
  observedFrom: number;
}

/** What the ledger keeps: how far back, in event time behind its latest alert. */
export interface LedgerOptions {
  /**
   * Serving time and alert tallies older than this behind the latest alert are dropped (`gate.history`,
   * default 30 days): the verdict's exposure, its baseline and its pooled baseline start no earlier. So
   * the memory and the cost of a verdict are bounded by the history, not by how long the service has run.
   */
  historyMs?: number;
  /**
   * How long an alert id is remembered, so the same alert seen twice counts once (default 24 h of event
   * time behind the latest alert; an alert arriving later than that is far past `windows.allowed_lateness`).
   */
  idMemoryMs?: number;
}

const DEFAULT_ID_MEMORY_MS = 24 * HOUR_MS;
const PRUNE_LAG_MS = 24 * HOUR_MS;

/** One stretch of serving; `version` null for a deploy that named none. */
export interface ServingInterval {
  version: string | null;
  from: number;
  to: number;
  /** The change that started it (none for the stretch before the first change seen). */
  started_by: VersionChange | null;
}

export class VersionLedger {
  private readonly models = new Map<string, ModelLedger>();
  /** Alert ids seen, by the hour of their event time: the hours older than `idMemoryMs` are forgotten. */
  private readonly seenAlerts = new Map<number, Set<string>>();
  private readonly historyMs: number;
  private readonly idMemoryMs: number;
  /** The hour the ledger last pruned at: it prunes at most once an hour of event time. */
  private prunedAt = Number.NEGATIVE_INFINITY;
  /** Latest alert event time: the ledger's "now" when no time is asked for (the alerts' stream time). */
  latest = Number.NEGATIVE_INFINITY;

  constructor(o: LedgerOptions = {}) {
    this.historyMs = o.historyMs ?? DEFAULT_GATE.history;
    this.idMemoryMs = o.idMemoryMs ?? DEFAULT_ID_MEMORY_MS;
  }

  /** The earliest serving a verdict at `at` counts: `gate.history` before it. */
  floorAt(at: number): number {
    return at - this.historyMs;
  }

  /**
   * What the ledger holds: everything from a day before the history behind its latest alert. The day is
   * the partitions' lag it allows: a model judged at its own alert's time, behind the latest alert of
   * another partition, still finds the whole history its verdict reads.
   */
  get floor(): number {
    return this.latest - this.historyMs - PRUNE_LAG_MS;
  }

  private model(id: string): ModelLedger {
    let m = this.models.get(id);
    if (!m) {
      m = {
        changes: new Map(),
        versions: new Map(),
        firstSeen: Number.POSITIVE_INFINITY,
        lastSeen: Number.NEGATIVE_INFINITY,
        observedFrom: Number.POSITIVE_INFINITY,
      };
      this.models.set(id, m);
    }
    return m;
  }

  private seen(m: ModelLedger, t: number): void {
    if (t < m.firstSeen) m.firstSeen = t;
    if (t > m.lastSeen) m.lastSeen = t;
  }

  /** Remembers an alert id; false when it was seen already (within the id memory). */
  private remember(id: string, t: number): boolean {
    const h = Math.floor(t / HOUR_MS);
    for (const ids of this.seenAlerts.values()) if (ids.has(id)) return false;
    let ids = this.seenAlerts.get(h);
    if (!ids) {
      ids = new Set();
      this.seenAlerts.set(h, ids);
    }
    ids.add(id);
    return true;
  }

  /**
   * Drops what is older than the history (tallies, and changes but the last one before the floor, which
   * says who served at the floor) and the alert ids older than the id memory; at most once an hour.
   */
  private prune(): void {
    const hour = Math.floor(this.latest / HOUR_MS);
    if (hour <= this.prunedAt) return;
    this.prunedAt = hour;
    const idFloor = Math.floor((this.latest - this.idMemoryMs) / HOUR_MS);
    for (const h of this.seenAlerts.keys()) if (h < idFloor) this.seenAlerts.delete(h);
    const floor = this.floor;
    const floorHour = Math.floor(floor / HOUR_MS);
    for (const m of this.models.values()) {
      for (const [key, v] of m.versions) {
        const size = v.hours.size;
        for (const h of v.hours.keys()) if (h < floorHour) v.hours.delete(h);
        if (v.hours.size !== size) v.sorted = null;
        if (v.hours.size === 0 && v.latest < floor) m.versions.delete(key);
      }
      let last: HeldChange | undefined;
      for (const c of m.changes.values())
        if (
          c.time < floor &&
          (!last || c.time > last.time || (c.time === last.time && c.event_id > last.event_id))
        )
          last = c;
      for (const [id, c] of m.changes) if (c.time < floor && c !== last) m.changes.delete(id);
    }
  }

  /** A deploy event; only model_deploy and rollback of a model change the serving version. */
  observeDeploy(d: DeployEvent): void {
    if (d.model_id === undefined || (d.kind !== 'model_deploy' && d.kind !== 'rollback')) return;
    const m = this.model(d.model_id);
    if (m.changes.has(d.event_id)) return;
    m.changes.set(d.event_id, {
      event_id: d.event_id,
      time: d.event_time,
      kind: d.kind,
      version: d.version ?? null,
      previous_version: d.previous_version ?? null,
      deploy: d,
    });
    this.seen(m, d.event_time);
  }

  /** A scored alert, by the version it names (`model_version`): once per alert id. */
  observeAlert(a: LedgerAlert): void {
    if (a.event_time < this.floor) return;
    if (!this.remember(a.alert_id, a.event_time)) return;
    const m = this.model(a.model_id);
    const key = a.alert.model_version ?? '';
    let v = m.versions.get(key);
    if (!v) {
      v = {
        hours: new Map(),
        sorted: null,
        earliest: Number.POSITIVE_INFINITY,
        latest: Number.NEGATIVE_INFINITY,
      };
      m.versions.set(key, v);
    }
    const t = a.event_time;
    if (t < v.earliest) v.earliest = t;
    if (t > v.latest) v.latest = t;
    const h = Math.floor(t / HOUR_MS);
    let tally = v.hours.get(h);
    if (!tally) {
      tally = { alerts: 0, counted: 0, impact: 0, priority: 0, signals: {} };
      v.hours.set(h, tally);
      v.sorted = null;
    }
    if (t > this.latest) this.latest = t;
    if (t < m.observedFrom) m.observedFrom = t;
    tally.alerts++;
    tally.impact += a.expected_impact_per_hour;
    tally.priority += a.priority;
    if (!a.dedup.suppressed) {
      tally.counted++;
      tally.signals[a.alert.signal] = (tally.signals[a.alert.signal] ?? 0) + 1;
    }
    this.seen(m, t);
    this.prune();
  }

  /** The deploy event of a change the ledger holds (a regression's cause); undefined once the history dropped it. */
  deployOf(model: string, eventId: string): DeployEvent | undefined {
    return this.models.get(model)?.changes.get(eventId)?.deploy;
  }

  hasModel(model: string): boolean {
    return this.models.has(model);
  }

  /** Every version the ledger knows of a model: named by a change or by an alert. */
  versionsOf(model: string): string[] {
    const m = this.models.get(model);
    if (!m) return [];
    const out = new Set<string>();
    for (const c of m.changes.values()) {
      if (c.version !== null) out.add(c.version);
      if (c.previous_version !== null) out.add(c.previous_version);
    }
    for (const k of m.versions.keys()) if (k !== '') out.add(k);
    return [...out].sort();
  }

  modelIds(): string[] {
    return [...this.models.keys()].sort();
  }

  /**
   * Who served when, up to `at`: the changes in event-time order (ties by event id), the stretch before
   * the first one served by its previous_version. A model with no change serves the one version its
   * alerts name from its first record on; with several named and no change, each from its first alert to
   * its last (nothing says more).
   */
  intervals(model: string, at: number): ServingInterval[] {
    const m = this.models.get(model);
    if (!m) return [];
    const changes = [...m.changes.values()]
      .filter((c) => c.time <= at)
      .sort((a, b) => a.time - b.time || (a.event_id < b.event_id ? -1 : 1));
    const out: ServingInterval[] = [];
    const push = (version: string | null, from: number, to: number, by: VersionChange | null) => {
      const end = Math.min(to, at);
      const observed = Number.isFinite(m.observedFrom) ? Math.max(from, m.observedFrom) : from;
      const start = Math.max(observed, this.floorAt(at));
      if (end > start) out.push({ version, from: start, to: end, started_by: by });
    };
    if (changes.length === 0) {
      const named = [...m.versions.entries()].filter(([k]) => k !== '');
      if (named.length === 1) push(named[0]![0], m.firstSeen, at, null);
      else for (const [k, v] of named) push(k, v.earliest, v.latest, null);
      return out.sort((a, b) => a.from - b.from);
    }
    const first = changes[0]!;
    push(first.previous_version, m.firstSeen, first.time, null);
    changes.forEach((c, i) => {
      push(c.version, c.time, changes[i + 1]?.time ?? at, c);
    });
    return out;
  }

  /** The tallies of a version's alerts (key '' for those naming none), hour by hour, up to `at`. */
  hoursOf(model: string, version: string, at: number): [number, HourTally][] {
    const v = this.models.get(model)?.versions.get(version);
    if (!v) return [];
    const last = Math.floor(at / HOUR_MS);
    v.sorted ??= [...v.hours.entries()].sort((a, b) => a[0] - b[0]);
    const all = v.sorted;
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]![0] <= last) lo = mid + 1;
      else hi = mid;
    }
    return lo === all.length ? all : all.slice(0, lo);
  }

  /** The earliest alert naming a version (undefined when none does). */
  earliestOf(model: string, version: string): number | undefined {
    return this.models.get(model)?.versions.get(version)?.earliest;
  }

  /** The model's alert times seen: where the first version is watched from, the last record. */
  span(model: string): { firstSeen: number; lastSeen: number } | undefined {
    const m = this.models.get(model);
    return m ? { firstSeen: m.firstSeen, lastSeen: m.lastSeen } : undefined;
  }

  /** What the ledger holds (a metric, and what its bound is tested on): hour tallies, alert ids, changes. */
  sizes(): { hours: number; ids: number; changes: number } {
    let hours = 0;
    let changes = 0;
    for (const m of this.models.values()) {
      changes += m.changes.size;
      for (const v of m.versions.values()) hours += v.hours.size;
    }
    let ids = 0;
    for (const s of this.seenAlerts.values()) ids += s.size;
    return { hours, ids, changes };
  }

  /** How many model × version pairs the ledger watches (a metric). */
  get versionsWatched(): number {
    let n = 0;
    for (const id of this.models.keys()) n += this.versionsOf(id).length;
    return n;
  }
}
