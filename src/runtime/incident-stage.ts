// The incident stage of the stream (stage 2 of core/incidents): reads the repartition topic, where
// stage 1 (the alert pipeline, pipeline.ts) wrote each alert as a member keyed by its incident's route,
// and runs the incident book of each repartition partition — the same step `score` runs — one
// transaction per chunk: the scored records, pages, actions and incident records it makes, its own
// state (changelog.ts records of core/incidents/snapshot.ts) and its input offset, all or nothing.
//
// The book takes members in (event time, alert id) order once a watermark passes them. Stage 1 writes,
// beside its members, where each alert partition stands (its stream time, and whether it is idle); the
// watermark here is the lowest over the alert partitions that are not idle — one still behind its end
// offset counts as active whatever it said — or, when all are idle, just past the highest: a quiet
// stream pages its last members after max_partition_idle. Members are thus taken in the same order on
// any number of partitions and instances, and the incidents, ids and pages are `score`'s.
//
// A failed chunk is never patched up: the partition's book is read back from its changelog and the
// chunk done again (or, fenced, left to the partition's new owner).
//
// Silences come from the compacted `topics.silences`, read whole by every instance (a broadcast reader,
// stream-service.ts): each record goes to every book held, in its next chunk's transaction, as
// `{kind: 'silence'}` (a tombstone as `silence_removed`); a book read back gets every silence held. They
// are not in the changelog: the topic is the state, and it is read to its end before any chunk.

import type { DrillFigures } from '../core/drill.ts';
import { drillOfIncident } from '../core/drill.ts';
import type { AlertFeedback } from '../core/events.ts';
import {
  createIncidentStep,
  type IncidentState,
  type IncidentStep,
  type Pending,
} from '../core/incidents/book.ts';
import {
  encodeEntry,
  incidentKey,
  META_KEY,
  metaOf,
  pendingAfter,
  pendingKey,
  restoreBook,
} from '../core/incidents/snapshot.ts';
import type { IncidentEvent, IncidentInput, IncidentOutput } from '../core/incidents/types.ts';
import type { TriageSettings } from '../core/settings.ts';
import { decodeSilenceRecord, type Silence } from '../core/silences.ts';
import type { DrillObservation } from '../telemetry.ts';
import { DrillTracker } from './drill-tracker.ts';
import { backoffMs, decide } from './error-policy.ts';
import type { ChunkControl, ChunkResult, PipelineLog } from './pipeline.ts';
import type {
  AlertLog,
  Changelog,
  Clock,
  Codec,
  InputRecord,
  OutputRecord,
  PlainSink,
  TransactionalSink,
} from './ports.ts';
import { deadLetterRecord, incidentRouteOf, type OutputTopics, type StageRecord } from './routing.ts';
import { Mutex, PartitionWaits } from './serial.ts';

export interface IncidentStagePorts {
  codec: Codec;
  /** One transaction per chunk of one repartition partition, with that partition's offset. */
  sink: TransactionalSink;
  /** The stage's changelog, partitioned like the repartition topic. */
  changelog: Changelog;
  /** The repartition topic's progress for the stage's group: where a new owner resumes. */
  log: AlertLog;
  /** The alert topic's progress for the alert pipeline's group: which alert partitions are behind. */
  sources: AlertLog;
  clock: Clock;
  /** Where a bad `topics.silences` record goes (the DLQ, outside any transaction). */
  deadLetters?: PlainSink;
}

export interface IncidentStageObserver {
  incidentEvents?(events: IncidentEvent[]): void;
  outputs?(outputs: IncidentOutput[]): void;
  transaction?(result: 'committed' | 'aborted'): void;
  deadLettered?(reason: string): void;
  retry?(reason: string): void;
  /** A drill's figure (time to page, ack, resolve), once its record is committed (docs/DRILLS.md). */
  drill?(observation: DrillObservation): void;
}

export interface IncidentStageOptions {
  settings: TriageSettings;
  topics: OutputTopics & {
    repartition: string;
    incidents: string;
    incidentChangelog: string;
    silences?: string;
  };
  log: PipelineLog;
  observer?: IncidentStageObserver;
}

/** next: the highest alert offset the partition's writer said it committed up to (see StageRecord). */
type SourceMark = { time: number | null; idle: boolean; next?: string };

interface Book {
  state: IncidentState;
  /** Alert partition → the latest it said; count: the alert topic's partitions (from the records). */
  sources: Map<number, SourceMark>;
  count: number;
  /** Alert ids waiting in the book (their changelog record is tombstoned when taken). */
  pending: Set<string>;
}

interface StageExtra {
  sources: [number, SourceMark][];
  count: number;
}

const MAX_RECENT_FEEDBACK = 50_000;

/** What waits for a book's next chunk: resolving feedback and silences from the side readers. */
type InboxInput = Extract<IncidentInput, { kind: 'feedback' | 'silence' | 'silence_removed' }>;

/**
 * The lowest stream time over the active alert partitions; when all are idle (nothing behind, nothing
 * in flight: every member there is has arrived), just past the highest of their times and `waiting`
 * (the latest member held) — a partition's newest time may not have been said before a crash.
 */
export function stageWatermark(
  sources: ReadonlyMap<number, SourceMark>,
  count: number,
  behind: ReadonlySet<number>,
  waiting = Number.NEGATIVE_INFINITY,
): number {
  if (count === 0) return Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let active = 0;
  for (let p = 0; p < count; p++) {
    const m = sources.get(p);
    if (m === undefined) return Number.NEGATIVE_INFINITY;
    const t = m.time ?? Number.NEGATIVE_INFINITY;
    if (t > high) high = t;
    if (!m.idle || behind.has(p)) {
      active++;
      if (t < low) low = t;
    }
  }
  if (active > 0) return low;
  const top = Math.max(high, waiting);
  return Number.isFinite(top) ? top + 1 : Number.NEGATIVE_INFINITY;
}

/** Some partition counts for the watermark only through its idle flag (said idle, not known behind). */
export function leavesOutIdle(
  sources: ReadonlyMap<number, SourceMark>,
  count: number,
  behind: ReadonlySet<number>,
): boolean {
  for (let p = 0; p < count; p++) {
    const m = sources.get(p);
    if (m?.idle && !behind.has(p)) return true;
  }
  return false;
}

/** Every alert partition heard from, and each idle and not behind: the stream is quiet. */
export function allIdle(
  sources: ReadonlyMap<number, SourceMark>,
  count: number,
  behind: ReadonlySet<number>,
): boolean {
  if (count === 0) return false;
  for (let p = 0; p < count; p++) {
    const m = sources.get(p);
    if (m === undefined || !m.idle || behind.has(p)) return false;
  }
  return true;
}

export class IncidentStage {
  private readonly o: IncidentStageOptions;
  private readonly ports: IncidentStagePorts;
  private readonly step: IncidentStep;
  private readonly drills: DrillTracker;
  private readonly lock = new Mutex();
  private readonly books = new Map<number, Book>();
  private assigned = new Set<number>();
  private readonly restoring = new PartitionWaits();
  private readonly resumeAt = new Map<number, bigint>();
  /** The alert group's committed offset and end per alert partition, as last asked (refreshBehind). */
  private progress = new Map<number, { position: bigint; end: bigint }>();
  /** Feedback that resolves and silences (from the side readers), per book, applied at its next chunk. */
  private readonly inbox = new Map<number, InboxInput[]>();
  /** The latest of each silence id read from the topic; null: tombstoned. Given to a book read back. */
  private readonly silences = new Map<string, Silence | null>();
  private silenceRecordsRead = 0;
  /** The latest resolving feedback seen (bounded), given to a book when it is read back. */
  private readonly recent: AlertFeedback[] = [];
  private progressAt = Number.NEGATIVE_INFINITY;
  private stopping = false;
  failing: string | undefined;
  fatal: string | undefined;

  constructor(options: IncidentStageOptions, ports: IncidentStagePorts) {
    this.o = options;
    this.ports = ports;
    this.step = createIncidentStep(options.settings);
    this.drills = new DrillTracker(options.settings.sla, () => ports.clock.now());
  }

  get restored(): boolean {
    return this.restoring.size === 0;
  }

  get partitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /** The silences held (read from the topic, not tombstoned; active or not), latest record of each. */
  heldSilences(): Silence[] {
    return [...this.silences.values()].filter((s): s is Silence => s !== null);
  }

  /** The drills this instance's books paged, with their figures so far (the console's drills table). */
  drillFigures(): DrillFigures[] {
    return this.drills.figures();
  }

  /** Silences held (read from the topic and not tombstoned; active or not) and topic records read. */
  silenceStats(): { held: number; read: number } {
    let held = 0;
    for (const s of this.silences.values()) if (s !== null) held++;
    return { held, read: this.silenceRecordsRead };
  }

  /** Open incidents and members waiting (for the watermark, or a page held for the group wait). */
  stats(): { open: number; pending: number } {
    let open = 0;
    let pending = 0;
    for (const b of this.books.values()) {
      for (const inc of b.state.incidents.values()) {
        if (inc.status === 'open') open++;
        if (inc.held !== null) pending++;
      }
      for (const p of b.state.pending.values()) if (p.rank === 0) pending++;
    }
    return { open, pending };
  }

  stop(): void {
    this.stopping = true;
  }

  /**
   * Feedback from the side reader: one that resolves goes to every book held, in its next chunk's
   * transaction (the book orders it by event time; given twice, it changes nothing).
   */
  feedback(f: AlertFeedback): void {
    // What the books act on: a resolution (closes the incident) or an acknowledgement (acknowledges its pages).
    if (f.resolved_at === undefined && f.acked_at === undefined) return;
    this.recent.push(f);
    if (this.recent.length > MAX_RECENT_FEEDBACK)
      this.recent.splice(0, this.recent.length - MAX_RECENT_FEEDBACK);
    this.toBooks({ kind: 'feedback', feedback: f });
  }

  /** A silence from the topic (added, replaced or expired): to every book held, in its next chunk. */
  silence(s: Silence): void {
    this.silences.set(s.id, s);
    this.toBooks({ kind: 'silence', silence: s });
  }

  /** A tombstone on the silence topic: the silence is forgotten by every book, in its next chunk. */
  silenceRemoved(id: string): void {
    this.silences.set(id, null);
    this.toBooks({ kind: 'silence_removed', id });
  }

  /**
   * One record of `topics.silences` (read by every instance, whole): a silence, a tombstone, or a bad
   * record — dead-lettered with its reason (every instance does, under the same key, as for the other
   * side inputs) and otherwise ignored. Returns undefined (the topic has no event time to watch).
   */
  async silenceRecord(topic: string, partition: number, record: InputRecord): Promise<undefined> {
    this.silenceRecordsRead++;
    const read = decodeSilenceRecord(
      record.key === null ? null : record.key.toString('utf8'),
      record.value === null ? null : record.value.toString('utf8'),
      { maxDurationMs: this.o.settings.incidents.max_silence },
    );
    if (read.kind === 'silence') this.silence(read.silence);
    else if (read.kind === 'removed') this.silenceRemoved(read.id);
    else {
      this.o.observer?.deadLettered?.(read.code);
      this.o.log.warn({ topic, partition, offset: record.offset, code: read.code }, read.message);
      const letter = deadLetterRecord(
        this.o.topics.dlq,
        { topic, partition, record },
        { code: read.code, message: read.message, recordType: 'Silence' },
      );
      for (let attempt = 0; this.ports.deadLetters && !this.stopping; attempt++) {
        try {
          await this.ports.deadLetters.send([letter]);
          break;
        } catch (err) {
          const d = decide(err, attempt);
          if (d.action === 'fail') throw err;
          this.o.observer?.retry?.('dlq');
          this.o.log.warn({ err, attempt }, 'bad silence record not dead-lettered yet; retrying');
          await this.pause(backoffMs(attempt));
        }
      }
    }
    return undefined;
  }

  private toBooks(input: InboxInput): void {
    for (const q of this.books.keys()) {
      const box = this.inbox.get(q);
      if (box) box.push(input);
      else this.inbox.set(q, [input]);
    }
  }

  /** What a book read back is given: every silence held (tombstones too), then the recent feedback. */
  private backlog(): InboxInput[] {
    const out: InboxInput[] = [];
    for (const [id, s] of this.silences)
      out.push(s === null ? { kind: 'silence_removed', id } : { kind: 'silence', silence: s });
    for (const f of this.recent) out.push({ kind: 'feedback', feedback: f });
    return out;
  }

  /** The repartition partitions read from now on; new ones are read back from the changelog first. */
  assign(partitions: readonly number[], { fresh = false } = {}): void {
    const before = fresh ? new Set<number>() : this.assigned;
    this.assigned = new Set(partitions);
    for (const q of [...this.books.keys()]) if (!this.assigned.has(q) || fresh) this.books.delete(q);
    this.restoring.retain(this.assigned);
    for (const q of [...this.resumeAt.keys()]) if (!this.assigned.has(q)) this.resumeAt.delete(q);
    const added = partitions.filter((q) => !before.has(q));
    // Kept through a rebalance: a chunk of ours may have committed after the consumer fetched the
    // offset (as in pipeline.ts): where our committed work ends is read once that chunk is done.
    const kept = partitions.filter((q) => before.has(q));
    if (kept.length > 0) {
      const resume = this.lock.run(() => this.readResume(kept));
      this.restoring.hold(kept, resume);
    }
    if (added.length === 0) return;
    const restore = this.lock.run(() => this.restore(added));
    this.restoring.hold(added, restore);
  }

  async chunk(partition: number, records: InputRecord[], control: ChunkControl): Promise<ChunkResult> {
    await this.restoring.get(partition);
    const resume = this.resumeAt.get(partition);
    if (resume !== undefined) {
      records = records.filter((r) => BigInt(r.offset) >= resume);
      if (records.length === 0) return 'committed';
      this.resumeAt.delete(partition);
    }
    return this.lock.run(async () => {
      for (let attempt = 0; ; attempt++) {
        if (!control.running() || this.stopping || !this.assigned.has(partition)) return 'stopped';
        const book = this.books.get(partition);
        if (book === undefined) {
          // Read back after a failed chunk, or never restored (its restore failed): try that first.
          await this.restore([partition]);
          if (!this.books.has(partition)) return 'stopped';
          continue;
        }
        try {
          const done = await this.process(partition, book, records);
          const next = (BigInt(records.at(-1)!.offset) + 1n).toString();
          await this.ports.sink.commit(partition, done.records, next);
          this.failing = undefined;
          const ob = this.o.observer;
          ob?.transaction?.('committed');
          ob?.incidentEvents?.(done.events);
          ob?.outputs?.(done.outputs);
          for (const d of done.drills) ob?.drill?.(d);
          for (const code of done.deadLettered) ob?.deadLettered?.(code);
          return 'committed';
        } catch (err) {
          // Whatever the chunk did to the book is dropped with it: the changelog has what was committed.
          this.books.delete(partition);
          this.o.observer?.transaction?.('aborted');
          const d = decide(err, attempt);
          await this.ports.sink.reset(partition).catch(() => undefined);
          if (d.action === 'lost') {
            this.o.log.warn(
              { partition },
              'incident stage: fenced, partition taken over by another instance',
            );
            return 'lost';
          }
          if (d.action === 'fail' || d.action === 'dead-letter') {
            this.fatal = d.action === 'fail' ? d.reason : `unexpected fault: ${(err as Error).message}`;
            throw err;
          }
          this.failing = `incidents: ${d.reason}: ${(err as Error).message}`;
          this.o.observer?.retry?.(d.reason);
          this.o.log.warn({ err, partition, attempt }, 'incident chunk not committed; retrying');
          await this.pause(d.waitMs, control);
        }
      }
    });
  }

  private async process(partition: number, book: Book, records: InputRecord[]) {
    const out: OutputRecord[] = [];
    const outputs: IncidentOutput[] = [];
    const events: IncidentEvent[] = [];
    const deadLettered: string[] = [];
    const changelog = new Map<string, string | null>();
    /** Members that came in this chunk and waited when they came. */
    const fresh = new Map<string, Pending>();
    /** alert_id → offset of its member record in this chunk (where a dead letter came from). */
    const memberOffsets = new Map<string, string>();
    const take = (r: { outputs: IncidentOutput[]; events: IncidentEvent[] }) => {
      for (const o of r.outputs) outputs.push(o);
      for (const e of r.events) events.push(e);
    };
    const inbox = this.inbox.get(partition) ?? [];
    this.inbox.delete(partition);
    for (const input of inbox) take(this.step(book.state, input));
    for (const r of records) {
      const parsed = parseStageRecord(r.value);
      if (typeof parsed === 'string') {
        // Only this service writes the topic: a bad record is a bug or a stranger, not a reason to stop.
        deadLettered.push('BAD_STAGE_RECORD');
        this.o.log.warn({ partition, offset: r.offset }, `incident stage: ${parsed}`);
        out.push(
          deadLetterRecord(
            this.o.topics.dlq,
            { topic: this.o.topics.repartition, partition, record: r },
            {
              code: 'BAD_STAGE_RECORD',
              message: parsed,
              recordType: 'IncidentMember',
              executingClass: 'alert-triage.incident-stage',
            },
          ),
        );
        continue;
      }
      if (parsed.type === 'member') {
        memberOffsets.set(parsed.member.alert.alert_id, r.offset);
        take(this.step(book.state, { kind: 'member', member: parsed.member }));
        const pending = pendingAfter(book.state, parsed.member);
        if (pending !== null) fresh.set(pending.id, pending);
        continue;
      }
      book.count = Math.max(book.count, parsed.sources);
      for (const [p, mark] of Object.entries(parsed.at)) {
        const prev = book.sources.get(Number(p));
        const time =
          prev?.time == null ? mark.time : mark.time === null ? prev.time : Math.max(prev.time, mark.time);
        const next =
          mark.next === undefined || (prev?.next !== undefined && BigInt(prev.next) > BigInt(mark.next))
            ? prev?.next
            : mark.next;
        book.sources.set(
          Number(p),
          next === undefined ? { time, idle: mark.idle } : { time, idle: mark.idle, next },
        );
      }
    }
    await this.refreshProgress(book.count);
    let waiting = Number.NEGATIVE_INFINITY;
    // Members only: feedback waits in the book for the alerts' time to reach its own.
    for (const p of book.state.pending.values()) if (p.rank === 0 && p.time > waiting) waiting = p.time;
    // (book.pending: the ids whose changelog record says waiting; reconciled with the book's queue below.)
    let behind = this.behindOf(book);
    let w = stageWatermark(book.sources, book.count, behind, waiting);
    if (
      (w > book.state.drained && leavesOutIdle(book.sources, book.count, behind)) ||
      allIdle(book.sources, book.count, behind)
    ) {
      // The watermark would move past a partition on its idle flag alone (or the stream would count as
      // quiet): that flag may be older than records its partition has been given since (a quiet spell,
      // then new alerts on every partition, one of them read first). Ask the log again, whatever the
      // throttle, before taking members past it.
      await this.refreshProgress(book.count, true);
      behind = this.behindOf(book);
      w = stageWatermark(book.sources, book.count, behind, waiting);
    }
    if (w > book.state.drained) take(this.step(book.state, { kind: 'watermark', time: w }));
    if (allIdle(book.sources, book.count, behind)) take(this.step(book.state, { kind: 'quiet' }));

    // Members the book has taken since (a held page's member is taken, its scored record comes later).
    // One that came and was taken in this chunk is never written; one still waiting is written once.
    const waitingNow = new Set<string>();
    for (const p of book.state.pending.values()) if (p.rank === 0) waitingNow.add(p.id);
    for (const id of book.pending) {
      if (waitingNow.has(id)) continue;
      book.pending.delete(id);
      changelog.set(pendingKey(id), null);
    }
    for (const [id, pending] of fresh) {
      if (!waitingNow.has(id)) continue;
      book.pending.add(id);
      changelog.set(pendingKey(id), encodeEntry(pending));
    }
    const touched = new Set<string>();
    for (const o of outputs) if (o.kind === 'incident') touched.add(o.incident.incident_id);
    for (const e of events) if (e.type === 'incident_dropped') touched.add(e.incident_id);
    for (const id of touched) {
      const inc = book.state.incidents.get(id);
      changelog.set(incidentKey(id), inc === undefined ? null : encodeEntry(inc));
    }
    const extra: StageExtra = { sources: [...book.sources], count: book.count };
    changelog.set(META_KEY, encodeEntry(metaOf(book.state, extra)));

    // A drill's records go out marked [DRILL] (docs/DRILLS.md); the rest as the step made them. The book
    // (restored from the changelog after a restart) says which incidents are drills when a record does not.
    const incidentDrill = (id: string) => {
      const inc = book.state.incidents.get(id);
      return inc === undefined ? null : drillOfIncident(inc);
    };
    const drilled = this.drills.mark(outputs, incidentDrill);
    for (const o of drilled.outputs) {
      const route = incidentRouteOf(o, this.o.topics);
      if ('json' in route.value) {
        out.push({
          topic: route.topic,
          key: route.key,
          value: JSON.stringify(route.value.json),
          headers: route.headers,
        });
        continue;
      }
      try {
        const value = await this.ports.codec.encode(route.value.codec, route.topic, route.value.record);
        out.push({ topic: route.topic, key: route.key, value, headers: route.headers });
      } catch (err) {
        const e = err as { canRetry?: boolean; code?: string; message: string };
        // A registry away is retried (the chunk fails and is read back); an output that can never be
        // encoded is dead-lettered alone, as stage 1 does, and the partition goes on.
        if (e.canRetry) throw err;
        const record = route.value.record as { alert_id?: string; alert?: { alert_id?: string } };
        const alertId = record.alert_id ?? record.alert?.alert_id;
        const code = e.code ?? 'ENCODE_FAILED';
        deadLettered.push(code);
        out.push(
          deadLetterRecord(
            this.o.topics.dlq,
            {
              topic: this.o.topics.repartition,
              partition,
              record: {
                // The member's record when it came in this chunk; -1 for one that waited for the watermark.
                offset: (alertId !== undefined ? memberOffsets.get(alertId) : undefined) ?? '-1',
                key: route.key === null ? null : Buffer.from(route.key),
                value: Buffer.from(JSON.stringify(route.value.record)),
                headers: route.headers,
              },
            },
            {
              code,
              message: `output not encodable (${route.topic}): ${e.message}`,
              recordType: OUTPUT_RECORD_TYPE[o.kind] ?? o.kind,
              stage: 'TASK_PUT',
              executingClass: 'alert-triage.incident-stage',
            },
          ),
        );
      }
    }
    for (const [key, value] of changelog)
      out.push({ topic: this.o.topics.incidentChangelog, key, value, partition, headers: {} });
    return {
      records: out,
      outputs: drilled.outputs,
      // Counted apart: a drill's incident and pages are in the drill_* metrics, not pages_total.
      events: this.drills.withoutDrills(events, incidentDrill),
      deadLettered,
      drills: drilled.observations,
    };
  }

  private async refreshProgress(count: number, force = false): Promise<void> {
    const now = this.ports.clock.now();
    if (count === 0 || (!force && now - this.progressAt < 250)) return;
    this.progressAt = now;
    const all = Array.from({ length: count }, (_, p) => p);
    const progress = await this.ports.sources.progress(all);
    this.progress = progress;
  }

  /**
   * The alert partitions a book must wait for: those with alerts stage 1 has not processed yet, and those
   * whose committed offset is past the latest `next` this book has read from them — members stage 1 has
   * committed that are still on their way through the repartition topic (a partition said idle, then
   * given new alerts that are processed and committed before this book reads them).
   */
  private behindOf(book: Book): ReadonlySet<number> {
    const out = new Set<number>();
    for (let p = 0; p < book.count; p++) {
      const x = this.progress.get(p);
      const next = book.sources.get(p)?.next;
      // One the log said nothing about counts as behind: holding is the safe side.
      if (x === undefined || x.position < x.end || (next !== undefined && x.position > BigInt(next)))
        out.add(p);
    }
    return out;
  }

  private async readResume(partitions: number[]): Promise<void> {
    try {
      const progress = await this.ports.log.progress(partitions);
      for (const q of partitions) {
        const position = progress.get(q)?.position;
        if (position !== undefined && this.assigned.has(q)) this.resumeAt.set(q, position);
      }
    } catch (err) {
      this.o.log.warn({ err, partitions }, 'incident stage: committed offsets unknown after a rebalance');
    }
  }

  private async restore(partitions: number[]): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      const wanted = partitions.filter((q) => this.assigned.has(q));
      if (wanted.length === 0) return;
      try {
        for (const q of wanted) await this.ports.sink.prepare(q);
        const progress = await this.ports.log.progress(wanted);
        for (const q of wanted) {
          const position = progress.get(q)?.position;
          if (position !== undefined) this.resumeAt.set(q, position);
        }
        const entries = new Map<number, Map<string, string | null>>(wanted.map((q) => [q, new Map()]));
        await this.ports.changelog.restore(wanted, (q, key, value) => {
          entries.get(q)?.set(key, value === null ? null : value.toString('utf8'));
        });
        for (const q of wanted) {
          const e = entries.get(q)!;
          const { state, extra } = restoreBook<StageExtra>(this.o.settings, e);
          const pending = new Set<string>();
          for (const [key, value] of e)
            if (key.startsWith('pending:') && value !== null) pending.add(key.slice(8));
          this.inbox.set(q, this.backlog());
          this.books.set(q, {
            state,
            sources: new Map(extra?.sources ?? []),
            count: extra?.count ?? 0,
            pending,
          });
        }
        this.o.log.info(
          { partitions: wanted, incidents: wanted.map((q) => this.books.get(q)!.state.incidents.size) },
          'incident books restored from the changelog',
        );
        if (this.failing?.startsWith('incidents: restore')) this.failing = undefined;
        return;
      } catch (err) {
        const d = decide(err, attempt);
        if (d.action === 'fail') {
          this.fatal = d.reason;
          throw err;
        }
        this.failing = `incidents: restore: ${(err as Error).message}`;
        this.o.observer?.retry?.('incident-restore');
        this.o.log.warn({ err, partitions: wanted, attempt }, 'incident changelog restore failed; retrying');
        await this.pause(backoffMs(attempt));
      }
    }
  }

  private async pause(ms: number, control?: ChunkControl): Promise<void> {
    const clock = this.ports.clock;
    const until = clock.now() + ms;
    while (clock.now() < until && !this.stopping && (control?.running() ?? true)) {
      await clock.sleep(Math.min(250, until - clock.now()));
      await control?.heartbeat().catch(() => undefined);
    }
  }
}

/** A repartition record, or why it is not one. */
/** The record type a dead letter of each stage-2 output names (x-dlq-record-type). */
const OUTPUT_RECORD_TYPE: Partial<Record<IncidentOutput['kind'], string>> = {
  scored: 'ScoredAlert',
  page: 'PageRecord',
  resolve: 'ResolveRecord',
  acknowledge: 'AcknowledgeRecord',
  action: 'ActionRecord',
  incident: 'IncidentRecord',
};

export function parseStageRecord(value: Buffer | null): StageRecord | string {
  if (value === null) return 'record has no value';
  let v: unknown;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const r = v as Partial<StageRecord> | null;
  if (r?.type === 'member') {
    const m = (r as { member?: { alert?: { alert_id?: unknown; event_time?: unknown } } }).member;
    if (typeof m?.alert?.alert_id !== 'string' || typeof m.alert.event_time !== 'number')
      return 'member without an alert id and event time';
    return r as StageRecord;
  }
  if (r?.type === 'watermark') {
    const w = r as { sources?: unknown; at?: unknown };
    if (typeof w.sources !== 'number' || w.at === null || typeof w.at !== 'object')
      return 'watermark without sources and marks';
    return r as StageRecord;
  }
  return 'neither a member nor a watermark';
}
