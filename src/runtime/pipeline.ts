// The alert pipeline of the stream service, over ports (ports.ts): one chunk of one input partition
// flows decode → side-input watermark gate → step → route (routing.ts) → encode → one transaction.
// Everything it changes in the core's state goes through the step as a CoreInput: the lanes it reads,
// which of them are behind, changelog restores, and the transaction around each chunk (an abort puts
// the whole state back). Failures are decided by error-policy.ts. The service (stream-service.ts)
// owns the Kafka clients and the lifecycle; the test driver runs the same pipeline on in-memory ports.
import type { OutputKind } from '../adapters/registry/codec.ts';
import type { DedupEntry } from '../core/dedup.ts';
import type { AlertFeedback, CoreInput, DeployEvent } from '../core/events.ts';
import type { ModelMemory } from '../core/incidents/routing.ts';
import {
  type CoreEvent,
  createState,
  createStep,
  dedupEntries,
  type Output,
  type ProcessorOptions,
  type Step,
  type TriageState,
} from '../core/processor.ts';
import type { TriageSettings } from '../core/settings.ts';
import { decodeAlertRecord, decodeValue, type InputKind, RECORD_TYPE } from './decode.ts';
import { backoffMs, decide, RecordFault } from './error-policy.ts';
import type { InputRecord, OutputRecord, PipelinePorts } from './ports.ts';
import { deadLetterRecord, MEMORY_PREFIX, type OutputTopics, routeOf, watermarkRecords } from './routing.ts';
import { Mutex, PartitionWaits } from './serial.ts';

/** What the pipeline reports for metrics; every method is optional. */
export interface PipelineObserver {
  consumed?(topic: string, count: number): void;
  coreEvents?(events: CoreEvent[]): void;
  outputs?(outputs: Output[]): void;
  /** A valid deploy event, once stepped (the version ledger reads them: runtime/version-watch.ts). */
  deploy?(deploy: DeployEvent): void;
  /** A valid feedback record, once stepped (the incident stage resolves incidents by it). */
  feedback?(feedback: AlertFeedback): void;
  deadLettered?(reason: string): void;
  transaction?(result: 'committed' | 'aborted'): void;
  retry?(reason: string): void;
  chunkProcessed?(seconds: number, records: number): void;
  watermarkTimeout?(): void;
}

/** The log lines it writes (a pino logger fits). */
export interface PipelineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PipelineOptions {
  settings: TriageSettings;
  topics: OutputTopics & { alerts: string; deployments: string; feedback: string };
  outputFormat: 'json' | 'avro';
  /** How long a caught-up partition that the others have passed still holds the stream time. */
  laneIdleMs: number;
  /** Longest an alert waits for the side inputs to reach its event time. */
  maxWatermarkWaitMs: number;
  /** How long a chunk waits, from when it was fetched, for side input produced just after it. */
  sideInputGraceMs?: number;
  processor?: ProcessorOptions;
  /**
   * The incident stage: alerts leave as members to `topics.repartition` (`partitions` of it), with where
   * this instance's alert partitions stand after each chunk and tick (incident-stage.ts); `sources`: the
   * alert topic's partitions, every one of which the stage waits to hear from.
   */
  incidents?: { partitions: number; sources: number };
  observer?: PipelineObserver;
  log: PipelineLog;
}

export type ChunkResult = 'committed' | 'lost' | 'stopped';

/** The consumer's say in a chunk: whether it may go on, and its heartbeat while it waits. */
export interface ChunkControl {
  running(): boolean;
  heartbeat(): Promise<void>;
}

/** How often a tick says where the partitions stand even when nothing changed. */
const MARKS_REFRESH_MS = 5_000;

type Decoded = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export class AlertPipeline {
  readonly state: TriageState;
  private readonly step: Step;
  private readonly o: PipelineOptions;
  private readonly ports: PipelinePorts;
  private readonly lock = new Mutex();
  private assigned = new Set<number>();
  private readonly restoring = new PartitionWaits();
  /** Records found unprocessable, by partition and offset: the next reading dead-letters them. */
  private readonly poisoned = new Map<number, Map<string, { code: string; message: string }>>();
  /**
   * Per newly assigned partition, where its previous owner's committed work ends, read *after* that owner
   * was fenced: records before it were published already. kafkajs has no KIP-447, so the consumer may have
   * fetched the committed offset before the fence, while the previous owner still committed a chunk.
   */
  private readonly resumeAt = new Map<number, bigint>();
  private behind: string[] = [];
  /** What the incident stage was last told of each partition, and when the last chunk committed. */
  private readonly sentMarks = new Map<number, { time: number | null; idle: boolean }>();
  private lastChunkAt = Number.NEGATIVE_INFINITY;
  private marksSentAt = Number.NEGATIVE_INFINITY;
  private progressAt = Number.NEGATIVE_INFINITY;
  private lastLag: { topic: string; partition: number; lag: number }[] = [];
  private stopping = false;
  /** Why the last chunk or restore failed, while it is being retried. */
  failing: string | undefined;
  /** Set when retrying cannot help (authorization): the service stops. */
  fatal: string | undefined;

  constructor(options: PipelineOptions, ports: PipelinePorts) {
    this.o = options;
    this.ports = ports;
    this.state = createState(options.settings);
    this.step = createStep(options.settings, {
      ...options.processor,
      laneIdleMs: options.laneIdleMs,
      ...(options.incidents ? { incidents: 'inline' as const } : {}),
    });
    if (options.incidents && options.topics.repartition === undefined)
      throw new Error('the incident stage needs topics.repartition');
  }

  /** Every assigned partition's dedup episodes read back from the changelog. */
  get restored(): boolean {
    return this.restoring.size === 0;
  }

  get partitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  stats() {
    return {
      windowEntries: this.state.deploys.size,
      dedupEntries: dedupEntries(this.state),
      rootCauseExamples: this.state.rootCauses.examples,
      streamTime: this.state.streamTime,
      lag: this.lastLag,
    };
  }

  stop(): void {
    this.stopping = true;
  }

  /**
   * The partitions this instance reads from now on. Partitions it keeps keep their state; new ones
   * (all of them when `fresh`: this member was out of the group in between) are restored from their
   * changelog partition before any of their alerts is processed.
   */
  assign(partitions: readonly number[], { fresh = false } = {}): void {
    const before = fresh ? new Set<number>() : this.assigned;
    this.assigned = new Set(partitions);
    const added = partitions.filter((p) => !before.has(p));
    this.restoring.retain(this.assigned);
    for (const p of [...this.poisoned.keys()]) if (!this.assigned.has(p)) this.poisoned.delete(p);
    for (const p of [...this.resumeAt.keys()]) if (!this.assigned.has(p)) this.resumeAt.delete(p);
    const lanes = this.lock.run(async () => {
      // A fresh assignment drops every lane first, so kept partitions are restored like new ones.
      if (fresh) this.apply({ kind: 'lanes', assigned: [], at: this.ports.clock.now() });
      const { events } = this.apply({
        kind: 'lanes',
        assigned: partitions.map(String),
        at: this.ports.clock.now(),
      });
      this.o.observer?.coreEvents?.(events);
      const rewound = events.find((e) => e.type === 'stream_time_rewound');
      if (rewound !== undefined)
        this.o.log.info(
          {
            partitions: rewound.lanes,
            from: new Date(rewound.from).toISOString(),
            reread: Number.isFinite(rewound.deploys_lost_before),
          },
          'partitions taken over: the stream time starts again from them',
        );
      return rewound !== undefined && Number.isFinite(rewound.deploys_lost_before);
    });
    // Partitions kept through a rebalance: the consumer fetched their committed offset while a chunk of
    // ours may still have been committing (kafkajs lets a batch finish after the group moved on), so it
    // may hand those records over again. Where our committed work ends is read once that chunk is done
    // (under the lock), and what lies before it is not done twice.
    const kept = partitions.filter((p) => before.has(p));
    if (kept.length > 0) {
      const resume = lanes.then(() => this.lock.run(() => this.readResume(kept)));
      this.restoring.hold(kept, resume);
    }
    if (added.length === 0) return;
    const restore = lanes.then(async (reread) => {
      // The deploys the window let go, read again (outside the lock: chunks of kept partitions go on)
      // while the new partitions' state is restored; their first chunk waits for both.
      const side = reread ? this.rereadDeploys() : undefined;
      await this.lock.run(() => this.restore(added));
      await side;
    });
    // Handled here (a failed restore sets `fatal`); a chunk of the partition still sees it fail.
    this.restoring.hold(added, restore);
  }

  private async rereadDeploys(): Promise<void> {
    const reread = this.ports.side.reread;
    if (reread === undefined) return;
    const started = this.ports.clock.now();
    try {
      await reread.call(this.ports.side, 'deploy');
      this.o.log.info(
        { ms: this.ports.clock.now() - started },
        'deploy input read again for the partitions taken over',
      );
    } catch (err) {
      // Scored with what the window holds: the join may miss a change, the alert is not lost.
      this.o.log.warn(
        { err },
        'deploy input could not be read again; the partitions taken over may miss deploy context',
      );
    }
  }

  /**
   * One deploy or feedback record: decoded and stepped, or dead-lettered. Returns its event time.
   * `replay`: a deploy read again after a rewind (ports.ts SideInputs.reread).
   */
  async sideRecord(
    kind: InputKind,
    topic: string,
    partition: number,
    record: InputRecord,
    { replay = false }: { replay?: boolean } = {},
  ) {
    if (!replay) this.o.observer?.consumed?.(topic, 1);
    const value = await this.retrying('side-decode', () => this.decode(record.value, kind));
    const decoded = value.ok
      ? decodeValue(kind, value.value, this.ports.clock.now())
      : ({ ok: false, error: { code: value.code, message: value.message } } as const);
    if (decoded.ok) {
      const input = decoded.value.input;
      // Read again: the core's answer only (the observers counted and watched it the first time).
      if (replay) {
        if (input.kind === 'deploy') this.apply({ ...input, replay: true });
        return decoded.value.eventTime;
      }
      // Stepped first: an optional call skips evaluating its arguments when there is no observer.
      const { events } = this.apply(input);
      this.o.observer?.coreEvents?.(events);
      if (input.kind === 'deploy') this.o.observer?.deploy?.(input.deploy);
      else if (input.kind === 'feedback') this.o.observer?.feedback?.(input.feedback);
      return decoded.value.eventTime;
    }
    // Dead-lettered the first time it was read.
    if (replay) return undefined;
    const e = decoded.error;
    this.o.observer?.deadLettered?.(e.code);
    this.o.log.warn({ topic, partition, offset: record.offset, code: e.code }, e.message);
    // Every instance reads the side inputs whole, so each dead-letters a bad one under the same key.
    const letter = deadLetterRecord(
      this.o.topics.dlq,
      { topic, partition, record },
      { code: e.code, message: e.message, recordType: RECORD_TYPE[kind] },
    );
    await this.retrying('dlq', () => this.ports.deadLetters.send([letter]));
    return undefined;
  }

  /** Wall-time punctuation: which partitions have records to read; idle ones stop holding the stream time. */
  tick(): Promise<void> {
    return this.lock.run(async () => {
      await this.refreshProgress(0).catch((err: Error) => {
        this.o.log.warn({ err }, 'alert partition progress unknown; keeping the last');
      });
      this.apply({ kind: 'tick', at: this.ports.clock.now(), behind: this.behind });
      // Where every assigned partition stands, for the incident stage, when that changed: idle once
      // nothing is behind and no chunk came for max_partition_idle.
      const idle = this.behind.length === 0 && this.ports.clock.now() - this.lastChunkAt >= this.o.laneIdleMs;
      // Unchanged marks are said again every 5 s: the stage then runs a chunk and applies feedback it holds.
      const stale = this.ports.clock.now() - this.marksSentAt >= MARKS_REFRESH_MS;
      const marks = this.marks(this.partitions, idle, !stale);
      if (marks) {
        await this.ports.deadLetters.send(marks.records).then(
          () => {
            for (const [p, m] of marks.sent) this.sentMarks.set(p, m);
            this.marksSentAt = this.ports.clock.now();
          },
          (err: Error) => this.o.log.warn({ err }, 'incident stage watermark not sent; next tick'),
        );
      }
    });
  }

  /**
   * The watermark records for the incident stage (routing.ts StageRecord) saying where `partitions`
   * stand: the stream time (null before any alert) and whether idle. `onlyChanged`: none if nothing
   * changed since last sent.
   */
  private marks(partitions: readonly number[], idle: boolean, onlyChanged = false) {
    const inc = this.o.incidents;
    if (inc === undefined || partitions.length === 0) return undefined;
    const t = this.state.streamTime;
    const mark = { time: Number.isFinite(t) ? t : null, idle };
    const sent = new Map(partitions.map((p) => [p, mark]));
    if (onlyChanged) {
      const same = partitions.every((p) => {
        const m = this.sentMarks.get(p);
        return m !== undefined && m.time === mark.time && m.idle === mark.idle;
      });
      if (same) return undefined;
    }
    const at = Object.fromEntries(partitions.map((p) => [String(p), mark]));
    const records = watermarkRecords(this.o.topics.repartition!, inc.partitions, {
      type: 'watermark',
      sources: inc.sources,
      at,
    });
    return { records, sent };
  }

  /** One chunk of one partition, in one transaction; retried, undone and read again as decided. */
  async chunk(partition: number, records: InputRecord[], control: ChunkControl): Promise<ChunkResult> {
    const fetchedAt = this.ports.clock.now();
    await this.restoring.get(partition);
    const resume = this.resumeAt.get(partition);
    if (resume !== undefined) {
      // What the previous owner committed between our offset fetch and its fence is not done twice.
      records = records.filter((r) => BigInt(r.offset) >= resume);
      if (records.length === 0) return 'committed';
      this.resumeAt.delete(partition);
    }
    return this.lock.run(async () => {
      for (let attempt = 0; ; attempt++) {
        if (!control.running() || this.stopping || !this.assigned.has(partition)) return 'stopped';
        const started = performance.now();
        this.apply({ kind: 'transaction', op: 'begin', at: this.ports.clock.now() });
        try {
          const done = await this.score(partition, records, control, fetchedAt);
          const next = (BigInt(records.at(-1)!.offset) + 1n).toString();
          const marks = this.marks([partition], false);
          if (marks) done.records.push(...marks.records);
          await this.ports.sink.commit(partition, done.records, next);
          this.lastChunkAt = this.ports.clock.now();
          if (marks) this.sentMarks.set(partition, marks.sent.get(partition)!);
          this.apply({ kind: 'transaction', op: 'commit', at: this.ports.clock.now() });
          this.poisoned.delete(partition);
          this.failing = undefined;
          const ob = this.o.observer;
          ob?.transaction?.('committed');
          ob?.consumed?.(this.o.topics.alerts, records.length);
          ob?.coreEvents?.(done.events);
          ob?.outputs?.(done.outputs);
          for (const code of done.deadLettered) ob?.deadLettered?.(code);
          ob?.chunkProcessed?.((performance.now() - started) / 1000, records.length);
          return 'committed';
        } catch (err) {
          this.apply({ kind: 'transaction', op: 'abort', at: this.ports.clock.now() });
          this.o.observer?.transaction?.('aborted');
          const d = decide(err, attempt);
          if (d.action === 'dead-letter') {
            this.o.log.warn(
              { partition, offset: d.offset, code: d.code },
              `unprocessable alert: ${d.message}`,
            );
            const marks = this.poisoned.get(partition) ?? new Map();
            marks.set(d.offset, { code: d.code, message: d.message });
            this.poisoned.set(partition, marks);
            attempt = -1;
            continue;
          }
          await this.ports.sink.reset(partition).catch(() => undefined);
          if (d.action === 'lost') {
            this.o.log.warn({ partition }, 'producer fenced: partition taken over by another instance');
            return 'lost';
          }
          if (d.action === 'fail') {
            this.fatal = d.reason;
            throw err;
          }
          this.failing = `${d.reason}: ${(err as Error).message}`;
          this.o.observer?.retry?.(d.reason);
          this.o.log.warn({ err, partition, attempt, wait: d.waitMs }, 'chunk not committed; retrying');
          await this.pause(d.waitMs, control);
        }
      }
    });
  }

  // ── inside a chunk's transaction ──────────────────────────────────────────────────────────────

  private async score(partition: number, records: InputRecord[], control: ChunkControl, fetchedAt: number) {
    const topic = this.o.topics.alerts;
    const out: OutputRecord[] = [];
    const events: CoreEvent[] = [];
    const outputs: Output[] = [];
    const deadLettered: string[] = [];
    const dead = (record: InputRecord, code: string, message: string) => {
      deadLettered.push(code);
      out.push(
        deadLetterRecord(
          this.o.topics.dlq,
          { topic, partition, record },
          { code, message, recordType: 'AnomalyAlert' },
        ),
      );
    };
    // Decode everything first: a registry outage surfaces here, before any state changes.
    const values: Decoded[] = [];
    for (const r of records) values.push(await this.decode(r.value, 'alert'));
    // With a grace, change events produced up to that long after these alerts are waited for too.
    const grace = this.o.sideInputGraceMs ?? 0;
    if (grace > 0) await this.pause(fetchedAt + grace - this.ports.clock.now(), control);
    // Where the side inputs end now, after these alerts were fetched: any deploy produced before an
    // alert is then known to exist, and the gate waits for it. And which partitions have records to read.
    await Promise.all([this.ports.side.refresh(0), this.refreshProgress(250)]);
    this.apply({ kind: 'tick', at: this.ports.clock.now(), behind: this.behind });
    const poisoned = this.poisoned.get(partition);
    const lane = String(partition);
    let last: { alert: object; value: Buffer | string } | undefined;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const mark = poisoned?.get(r.offset);
      if (mark) {
        dead(r, mark.code, mark.message);
        continue;
      }
      const v = values[i]!;
      // One record is one alert, or (with the alert-triage-format header) another tool's payload of any
      // number of them; a payload's refused items go to the DLQ with the record, its good ones are scored.
      const decoded = v.ok
        ? decodeAlertRecord(v.value, r.headers, this.ports.clock.now())
        : { decoded: [], refused: { code: v.code, message: v.message, recordType: 'AnomalyAlert' } };
      if (decoded.refused) {
        const f = decoded.refused;
        deadLettered.push(f.code);
        out.push(deadLetterRecord(this.o.topics.dlq, { topic, partition, record: r }, f));
      }
      for (const d of decoded.decoded) {
        await this.gate(d.eventTime, control);
        const input = d.input;
        if (input.kind === 'alert') input.lane = lane;
        let result: ReturnType<Step>;
        try {
          result = this.step(this.state, input);
        } catch (err) {
          throw new RecordFault(r.offset, 'STEP_FAILED', `scoring threw: ${(err as Error).message}`, {
            cause: err,
          });
        }
        for (const e of result.events) events.push(e);
        for (const o of result.outputs) {
          outputs.push(o);
          const route = routeOf(o, this.o.topics);
          let value: Buffer | string | null;
          if ('json' in route.value)
            value = route.value.json === null ? null : JSON.stringify(route.value.json);
          else if (o.kind === 'tier' && this.o.outputFormat === 'json' && last?.alert === o.alert)
            value = last.value;
          else value = await this.encode(route.value.codec, route.topic, route.value.record, r.offset);
          if (o.kind === 'scored' && value !== null) last = { alert: o.alert, value };
          const record: OutputRecord = { topic: route.topic, key: route.key, value, headers: route.headers };
          if (route.partition !== undefined) record.partition = route.partition;
          out.push(record);
        }
      }
    }
    return { records: out, events, outputs, deadLettered };
  }

  /** Holds an alert until the deploy and feedback inputs have reached its event time (bounded wait). */
  private async gate(eventTime: number, control: ChunkControl): Promise<void> {
    const side = this.ports.side;
    const ahead = () => Math.min(side.watermark('deploy'), side.watermark('feedback')) >= eventTime;
    if (ahead()) return;
    const clock = this.ports.clock;
    const deadline = clock.now() + this.o.maxWatermarkWaitMs;
    while (!ahead()) {
      if (clock.now() > deadline || this.stopping) {
        this.o.observer?.watermarkTimeout?.();
        this.o.log.warn(
          { eventTime },
          'side inputs did not reach the alert event time in time; scoring anyway',
        );
        return;
      }
      await side.refresh();
      await clock.sleep(10);
      await control.heartbeat();
    }
  }

  private async encode(kind: OutputKind, topic: string, record: object, offset: string) {
    try {
      return await this.ports.codec.encode(kind, topic, record);
    } catch (err) {
      const e = err as { canRetry?: boolean; code?: string; message: string };
      // A registry away is retried; an output that can never be encoded is that alert's dead letter.
      if (e.canRetry) throw err;
      throw new RecordFault(offset, e.code ?? 'ENCODE_FAILED', `output not encodable: ${e.message}`, {
        cause: err,
      });
    }
  }

  // ── outside any transaction ───────────────────────────────────────────────────────────────────

  private async restore(partitions: number[]): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      const wanted = partitions.filter((p) => this.assigned.has(p));
      if (wanted.length === 0) return;
      try {
        // Fence whoever wrote these partitions before, so their open transactions end and the
        // changelog can be read to its end.
        for (const p of wanted) await this.ports.sink.prepare(p);
        const progress = await this.ports.alertLog.progress(wanted);
        for (const p of wanted) {
          const position = progress.get(p)?.position;
          if (position !== undefined) this.resumeAt.set(p, position);
        }
        let entries = 0;
        await this.ports.changelog.restore(wanted, (partition, fingerprint, value) => {
          if (fingerprint.startsWith(MEMORY_PREFIX)) {
            const memory = value === null ? undefined : parseMemory(value);
            if (memory === undefined) return;
            this.apply({
              kind: 'restore',
              lane: String(partition),
              fingerprint,
              entry: null,
              memory: { model_id: fingerprint.slice(MEMORY_PREFIX.length), value: memory },
              at: this.ports.clock.now(),
            });
            return;
          }
          const entry = value === null ? null : parseEntry(value);
          if (entry === undefined) {
            this.o.log.warn({ partition, fingerprint }, 'unreadable dedup changelog record skipped');
            return;
          }
          entries++;
          this.apply({
            kind: 'restore',
            lane: String(partition),
            fingerprint,
            entry,
            at: this.ports.clock.now(),
          });
        });
        this.o.log.info({ partitions: wanted, entries }, 'dedup state restored from the changelog');
        if (this.failing?.startsWith('restore:')) this.failing = undefined;
        return;
      } catch (err) {
        const d = decide(err, attempt);
        if (d.action === 'fail') {
          this.fatal = d.reason;
          throw err;
        }
        this.failing = `restore: ${(err as Error).message}`;
        this.o.observer?.retry?.('restore');
        this.o.log.warn({ err, partitions: wanted, attempt }, 'changelog restore failed; retrying');
        await this.pause(backoffMs(attempt));
      }
    }
  }

  /** Where each partition's committed work ends now (see assign); unknown: nothing is skipped. */
  private async readResume(partitions: number[]): Promise<void> {
    try {
      const progress = await this.ports.alertLog.progress(partitions);
      for (const p of partitions) {
        const position = progress.get(p)?.position;
        if (position !== undefined && this.assigned.has(p)) this.resumeAt.set(p, position);
      }
    } catch (err) {
      this.o.log.warn({ err, partitions }, 'committed offsets unknown after a rebalance; not checked');
    }
  }

  private async refreshProgress(minIntervalMs: number): Promise<void> {
    const now = this.ports.clock.now();
    if (now - this.progressAt < minIntervalMs) return;
    this.progressAt = now;
    const partitions = this.partitions;
    const progress = await this.ports.alertLog.progress(partitions);
    // A partition the log said nothing about is taken as behind: holding the stream time is the safe side.
    this.behind = partitions
      .filter((p) => {
        const x = progress.get(p);
        return x === undefined || x.position < x.end;
      })
      .map(String);
    this.lastLag = [...progress].map(([partition, x]) => ({
      topic: this.o.topics.alerts,
      partition,
      lag: Number(x.end > x.position ? x.end - x.position : 0n),
    }));
  }

  /** A permanent codec error is returned (dead-letter the record), a transient one thrown (retry). */
  private async decode(value: Buffer | null, kind: InputKind): Promise<Decoded> {
    if (value === null) return { ok: false, code: 'EMPTY_VALUE', message: 'record has no value (tombstone)' };
    try {
      // Avro is read as our schema of the kind: the producer's writer schema resolved against it.
      return { ok: true, value: await this.ports.codec.decode(value, kind) };
    } catch (err) {
      const e = err as { canRetry?: boolean; code?: string; message: string };
      if (e.canRetry) throw err;
      return { ok: false, code: e.code ?? 'UNDECODABLE', message: e.message };
    }
  }

  /**
   * Retries a transient fault (as decided by the error policy) until it succeeds or the pipeline stops;
   * `failing` says why meanwhile. The service's own start-up steps (the registry) use it too.
   */
  async retrying<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fn();
        if (this.failing?.startsWith(`${reason}:`)) this.failing = undefined;
        return r;
      } catch (err) {
        const d = decide(err, attempt);
        if (d.action !== 'retry' || this.stopping) throw err;
        this.failing = `${reason}: ${(err as Error).message}`;
        this.o.observer?.retry?.(reason);
        this.o.log.warn({ err, attempt, wait: d.waitMs }, `${reason} failed; retrying`);
        await this.pause(d.waitMs);
        if (this.stopping) throw err;
      }
    }
  }

  /** Waits in slices of ≤ 250 ms, so a stop (or the consumer letting go) ends the wait at once. */
  private async pause(ms: number, control?: ChunkControl): Promise<void> {
    const clock = this.ports.clock;
    const until = clock.now() + ms;
    while (clock.now() < until && !this.stopping && (control?.running() ?? true)) {
      await clock.sleep(Math.min(250, until - clock.now()));
      await control?.heartbeat().catch(() => undefined);
    }
  }

  private apply(input: CoreInput) {
    return this.step(this.state, input);
  }
}

function parseMemory(value: Buffer): ModelMemory | undefined {
  try {
    const m = JSON.parse(value.toString('utf8')) as ModelMemory;
    return typeof m?.incident_id === 'string' && typeof m.last === 'number' ? m : undefined;
  } catch {
    return undefined;
  }
}

function parseEntry(value: Buffer): DedupEntry | undefined {
  try {
    const e = JSON.parse(value.toString('utf8')) as DedupEntry;
    return typeof e?.last_seen === 'number' && typeof e.occurrences === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}
