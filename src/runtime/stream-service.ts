// The Kafka stream processor: the same step function as the offline CLI, between topics, exactly once.
//
//   alerts (group, split by partition) ──► decode ─► gate on side-input watermark ─► step ─► encode
//        └─ per partition: one transactional producer; per chunk: one transaction that sends the
//           scored, tier, action, dedup-changelog and DLQ records and commits the consumer offsets.
//   deploys + feedback (every instance reads every partition) ──► decode ─► step
//   dedup changelog (every instance reads it) ──► DedupStore.restore
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { BroadcastReader } from '../adapters/kafka/broadcast-reader.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { deadLetter } from '../adapters/kafka/dead-letter.ts';
import { type RecordCodec, registryTopicsOf } from '../adapters/registry/codec.ts';
import type { Config } from '../config.ts';
import type { DedupEntry } from '../core/dedup.ts';
import {
  type CoreEvent,
  closeLane,
  createState,
  createStep,
  type Output,
  openLane,
  type ProcessorOptions,
  type Step,
  type TriageState,
} from '../core/processor.ts';
import { decodeValue, type InputKind, RECORD_TYPE } from './decode.ts';

/** What the service reports for metrics; every method is optional so tests can pass nothing. */
export interface ServiceObserver {
  consumed?(topic: string, count: number): void;
  coreEvents?(events: CoreEvent[]): void;
  outputs?(outputs: Output[]): void;
  deadLettered?(reason: string): void;
  transaction?(result: 'committed' | 'aborted'): void;
  retry?(reason: string): void;
  chunkProcessed?(seconds: number, records: number): void;
  rebalance?(): void;
  watermarkTimeout?(): void;
  gauges?(g: {
    windowEntries: number;
    dedupEntries: number;
    rootCauseExamples: number;
    lag: { topic: string; partition: number; lag: number }[];
  }): void;
}

export interface StreamServiceOptions extends ProcessorOptions {
  config: Config;
  logger: Logger;
  codec: RecordCodec;
  observer?: ServiceObserver;
  clock?: () => number;
  /** Test hooks: slow the deploy/feedback reader down, to prove a lagging side input changes nothing. */
  sideInputDelayPerBatchMs?: number;
}

export interface ServiceHealth {
  live: boolean;
  ready: boolean;
  details: Record<string, unknown>;
}

const CHUNK = 500;
const MAX_SEND_BYTES = 512 * 1024;
const MAX_BACKOFF_MS = 10_000;
/** The cluster probe (every 2 s) is overdue after this long: the service is then not ready. */
const PROBE_TIMEOUT_MS = 4_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class TransientError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export class StreamService {
  private readonly o: StreamServiceOptions;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly state: TriageState;
  private readonly step: Step;
  private readonly clock: () => number;
  private readonly instanceId: string;
  private readonly alerts: Consumer;
  private readonly producers = new Map<number, Producer>();
  private sideDlq: Producer | undefined;
  private side: BroadcastReader | undefined;
  private changelog: BroadcastReader | undefined;
  private joined = false;
  private assigned: number[] = [];
  private changelogSynced = false;
  private stopping = false;
  private failing: string | undefined;
  /** Why the cluster probe last failed (or is overdue); undefined while the cluster answers. */
  private unreachable: string | undefined;
  private probeSince = 0;
  /** Set when kafkajs gives the alert consumer up (a crash it will not restart): /healthz fails. */
  private dead: string | undefined;
  private gaugeTimer: NodeJS.Timeout | undefined;

  constructor(options: StreamServiceOptions) {
    this.o = options;
    this.config = options.config;
    this.log = options.logger;
    this.clock = options.clock ?? Date.now;
    this.instanceId = options.config.kafka.instance_id ?? `${process.env.HOSTNAME ?? 'local'}-${process.pid}`;
    this.kafka = createKafka(this.config, this.log);
    this.admin = this.kafka.admin();
    this.state = createState(this.config);
    this.step = createStep(this.config, options);
    this.alerts = this.kafka.consumer({
      groupId: this.config.kafka.group_id,
      readUncommitted: false,
      sessionTimeout: this.config.kafka.session_timeout,
      heartbeatInterval: Math.max(1_000, Math.floor(this.config.kafka.session_timeout / 10)),
      maxWaitTimeInMs: 100,
    });
  }

  health(): ServiceHealth {
    const ready =
      !this.stopping &&
      this.joined &&
      !!this.side?.rebuilt &&
      !!this.changelog?.rebuilt &&
      this.failing === undefined &&
      this.unreachable === undefined;
    return {
      live: !this.stopping && this.dead === undefined,
      ready,
      details: {
        instance: this.instanceId,
        joined: this.joined,
        assignedPartitions: this.assigned,
        deploysRebuilt: !!this.side?.rebuilt,
        changelogRebuilt: !!this.changelog?.rebuilt,
        failing: this.failing ?? null,
        cluster: this.unreachable ?? 'reachable',
        ...(this.dead ? { dead: this.dead } : {}),
        windowEntries: this.state.deploys.size,
        dedupEntries: this.state.dedup.size,
      },
    };
  }

  async start(): Promise<void> {
    const t = this.config.topics;
    await this.admin.connect();
    await this.retryTransient('registry', () => this.o.codec.registerSchemas(registryTopicsOf(t)));
    this.sideDlq = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.sideDlq.connect();

    const now = this.clock();
    this.changelog = new BroadcastReader({
      kafka: this.kafka,
      admin: this.admin,
      groupId: `${this.config.kafka.group_id}.changelog.${this.instanceId}`,
      topics: [{ topic: t.dedup_changelog, startAt: 'beginning' }],
      logger: this.log,
      onRecord: async (_topic, _partition, m) => this.onChangelogRecord(m),
    });
    this.side = new BroadcastReader({
      kafka: this.kafka,
      admin: this.admin,
      groupId: `${this.config.kafka.group_id}.side.${this.instanceId}`,
      topics: [
        { topic: t.deployments, startAt: { timestamp: now - this.config.windows.deploy_retention } },
        { topic: t.feedback, startAt: { timestamp: now - this.config.windows.feedback_lookup } },
      ],
      logger: this.log,
      onRecord: (topic, partition, m) => this.onSideRecord(topic, partition, m),
      ...(this.o.sideInputDelayPerBatchMs ? { delayPerBatchMs: this.o.sideInputDelayPerBatchMs } : {}),
    });
    await this.changelog.start();
    await this.side.start();

    this.alerts.on(this.alerts.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.changelogSynced = false;
      this.o.observer?.rebalance?.();
      const assigned = new Set(payload.memberAssignment[t.alerts] ?? []);
      this.assigned = [...assigned].sort((a, b) => a - b);
      this.log.info({ assigned: [...assigned] }, 'joined the alert consumer group');
      for (const [partition, producer] of this.producers) {
        if (assigned.has(partition)) continue;
        this.producers.delete(partition);
        void producer.disconnect().catch(() => undefined);
      }
      for (const lane of [...this.state.lanes.keys()])
        if (!assigned.has(Number(lane))) closeLane(this.state, lane);
      // Every assigned partition holds the stream time back until its first alert (or until it proves idle).
      for (const partition of assigned) openLane(this.state, String(partition));
    });
    this.alerts.on(this.alerts.events.CRASH, ({ payload }) => {
      // Not consuming until kafkajs has restarted the consumer and it has joined again.
      this.joined = false;
      if (!payload.restart) this.dead = `alert consumer stopped: ${payload.error.message}`;
      this.log.error({ err: payload.error, restart: payload.restart }, 'alert consumer crashed');
    });
    await this.alerts.connect();
    await this.alerts.subscribe({ topic: t.alerts, fromBeginning: true });
    await this.alerts.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onAlertBatch(payload),
    });
    this.gaugeTimer = setInterval(() => this.probe(), 2_000);
    this.gaugeTimer.unref();
  }

  /** SIGTERM: finish the batch in hand, commit it, leave the group, close everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    await this.alerts.disconnect().catch((err) => this.log.warn({ err }, 'alert consumer disconnect'));
    await Promise.all([this.side?.stop(), this.changelog?.stop()]).catch((err) =>
      this.log.warn({ err }, 'reader stop'),
    );
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
    await this.sideDlq?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /**
   * Every 2 s, the cluster probe: the partition check below, which asks the broker for offsets. While
   * it fails, or has had no answer for PROBE_TIMEOUT_MS, /readyz says not ready and why — a consumer
   * only crashes after kafkajs has retried for up to a minute, and /readyz must not say ready meanwhile.
   */
  private probe(): void {
    if (this.stopping) return;
    if (this.probeSince > 0) {
      const waited = Date.now() - this.probeSince;
      if (waited > PROBE_TIMEOUT_MS && this.unreachable === undefined) {
        this.unreachable = `kafka: no answer from the cluster for ${Math.round(waited / 1000)} s`;
        this.log.warn(this.unreachable);
      }
      return;
    }
    this.probeSince = Date.now();
    this.watchAlertPartitions()
      .then(
        () => {
          if (this.unreachable !== undefined) this.log.info('kafka: the cluster answers again');
          this.unreachable = undefined;
        },
        (err: Error) => {
          if (this.unreachable === undefined) this.log.warn({ err }, 'kafka: the cluster probe failed');
          this.unreachable = `kafka: ${err.message}`;
        },
      )
      .finally(() => {
        this.probeSince = 0;
      });
  }

  /**
   * Every 2 s: the consumer lag of the assigned alert partitions (committed offset against the high
   * watermark) for the gauges, and lanes of assigned partitions with nothing to read closed, so they
   * stop holding the stream time back (their next alert opens the lane again, and may be late).
   */
  private async watchAlertPartitions(): Promise<void> {
    const topic = this.config.topics.alerts;
    const [highs, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: this.config.kafka.group_id, topics: [topic] }),
    ]);
    const done = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    const lag: { topic: string; partition: number; lag: number }[] = [];
    for (const partition of this.assigned) {
      const h = highs.find((x) => x.partition === partition);
      if (!h) continue;
      const high = BigInt(h.high);
      const position = done.get(partition) ?? -1n;
      const from = position >= 0n ? position : BigInt(h.low);
      lag.push({ topic, partition, lag: Number(high > from ? high - from : 0n) });
      const lane = String(partition);
      if (from >= high && this.state.lanes.get(lane) === Number.NEGATIVE_INFINITY)
        closeLane(this.state, lane);
    }
    this.o.observer?.gauges?.({
      windowEntries: this.state.deploys.size,
      dedupEntries: this.state.dedup.size,
      rootCauseExamples: this.state.rootCauses.examples,
      lag: [...lag, ...(this.side?.lag() ?? []), ...(this.changelog?.lag() ?? [])],
    });
  }

  // ── side inputs ──────────────────────────────────────────────────────────────────────────────

  private async onChangelogRecord(m: KafkaMessage): Promise<number | undefined> {
    if (!m.key || !m.value) return undefined;
    try {
      const entry = JSON.parse(m.value.toString('utf8')) as DedupEntry;
      if (typeof entry.last_seen === 'number' && typeof entry.occurrences === 'number') {
        this.state.dedup.restore(m.key.toString('utf8'), entry);
      }
    } catch (err) {
      this.log.warn({ err, offset: m.offset }, 'unreadable dedup changelog record skipped');
    }
    return undefined;
  }

  private async onSideRecord(topic: string, partition: number, m: KafkaMessage): Promise<number | undefined> {
    const kind: InputKind = topic === this.config.topics.deployments ? 'deploy' : 'feedback';
    this.o.observer?.consumed?.(topic, 1);
    const bytes = await this.retryTransient('side-decode', () => this.decodeOrThrow(m.value));
    const decoded = bytes.ok
      ? decodeValue(kind, bytes.value, this.clock())
      : ({ ok: false, error: { code: bytes.code, message: bytes.message } } as const);
    if (!decoded.ok) {
      const e = decoded.error;
      this.o.observer?.deadLettered?.(e.code);
      this.log.warn({ topic, partition, offset: m.offset, code: e.code }, e.message);
      // Every instance reads the side inputs whole, so each dead-letters a bad one under the same key.
      await this.retryTransient('dlq', () =>
        this.sideDlq!.send({
          topic: this.config.topics.dlq,
          messages: [
            deadLetter(
              { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {} },
              { code: e.code, message: e.message, recordType: RECORD_TYPE[kind] },
            ),
          ],
        }),
      );
      return undefined;
    }
    const result = this.step(this.state, decoded.value.input);
    this.o.observer?.coreEvents?.(result.events);
    return decoded.value.eventTime;
  }

  // ── alerts ───────────────────────────────────────────────────────────────────────────────────

  private async onAlertBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload) {
    await this.untilReady(heartbeat);
    for (let i = 0; i < batch.messages.length; i += CHUNK) {
      if (!isRunning() || isStale() || this.stopping) return;
      const chunk = batch.messages.slice(i, i + CHUNK);
      const done = await this.processChunk(batch.topic, batch.partition, chunk, heartbeat, isRunning);
      if (!done) {
        // Not committed: read these again from the first one.
        this.alerts.seek({ topic: batch.topic, partition: batch.partition, offset: chunk[0]!.offset });
        return;
      }
      resolveOffset(chunk.at(-1)!.offset);
      await heartbeat();
    }
  }

  /** Deploy state rebuilt, and the changelog read to its end since the last rebalance. */
  private async untilReady(heartbeat: () => Promise<void>): Promise<void> {
    while (!this.stopping && !(this.side?.rebuilt && this.changelog?.rebuilt)) {
      await sleep(50);
      await heartbeat();
    }
    if (!this.changelogSynced && this.changelog) {
      const ok = await this.changelog.catchUp(this.config.topics.dedup_changelog, 60_000, heartbeat);
      if (!ok) this.log.warn('dedup changelog not read to its end within 60 s; going on with what was read');
      this.changelogSynced = true;
    }
  }

  /** One transaction for one chunk; false when it was undone and must be read again. */
  private async processChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (!isRunning() || this.stopping) return false;
      const started = performance.now();
      this.state.dedup.begin();
      try {
        const messages = await this.scoreChunk(topic, partition, chunk, heartbeat);
        await this.commitChunk(topic, partition, chunk, messages);
        this.state.dedup.commit();
        this.failing = undefined;
        this.o.observer?.transaction?.('committed');
        this.o.observer?.chunkProcessed?.((performance.now() - started) / 1000, chunk.length);
        return true;
      } catch (err) {
        this.state.dedup.rollback();
        this.o.observer?.transaction?.('aborted');
        if (isFenced(err)) {
          this.log.warn({ partition }, 'producer fenced: partition taken over by another instance');
          this.producers.delete(partition);
          return false;
        }
        const reason = err instanceof TransientError ? err.reason : 'kafka';
        this.failing = `${reason}: ${(err as Error).message}`;
        this.o.observer?.retry?.(reason);
        const wait = Math.min(MAX_BACKOFF_MS, 200 * 2 ** attempt);
        this.log.warn({ err, partition, attempt, wait }, 'chunk not committed; retrying');
        // A producer left in a failed transaction state is replaced rather than trusted.
        const p = this.producers.get(partition);
        this.producers.delete(partition);
        await p?.disconnect().catch(() => undefined);
        await this.backoff(wait, isRunning, heartbeat);
      }
    }
  }

  private async scoreChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<Map<string, Message[]>> {
    const t = this.config.topics;
    const out = new Map<string, Message[]>();
    const push = (to: string, m: Message) => {
      const list = out.get(to);
      if (list) list.push(m);
      else out.set(to, [m]);
    };
    // Decode everything first: a registry outage surfaces here, before any state changes.
    const values: ({ ok: true; value: unknown } | { ok: false; code: string; message: string })[] = [];
    for (const m of chunk) values.push(await this.decodeOrThrow(m.value));
    // Where the side inputs end now, after these alerts were fetched: any deploy produced before an
    // alert is then known to exist, and the gate waits for it.
    await this.side!.refreshHighs(0);
    this.o.observer?.consumed?.(topic, chunk.length);
    const pending: Output[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const m = chunk[i]!;
      const v = values[i]!;
      const decoded = v.ok
        ? decodeValue('alert', v.value, this.clock())
        : ({ ok: false, error: { code: v.code, message: v.message, recordType: 'AnomalyAlert' } } as const);
      if (!decoded.ok) {
        this.o.observer?.deadLettered?.(decoded.error.code);
        push(
          t.dlq,
          deadLetter(
            { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {} },
            { code: decoded.error.code, message: decoded.error.message, recordType: 'AnomalyAlert' },
          ),
        );
        continue;
      }
      await this.gate(decoded.value.eventTime, heartbeat);
      const input = decoded.value.input;
      if (input.kind === 'alert') input.lane = String(partition);
      const result = this.step(this.state, input);
      this.o.observer?.coreEvents?.(result.events);
      this.o.observer?.outputs?.(result.outputs);
      pending.push(...result.outputs);
    }
    // A tier record is the scored record again: in JSON its bytes are the same, so it is encoded once.
    const reuse = this.config.output.format === 'json';
    let last: { alert: object; value: Message['value'] } | undefined;
    for (const o of pending) {
      switch (o.kind) {
        case 'scored': {
          const m = await this.encoded('scored', t.scored, o.key, o.alert, { tier: o.alert.tier });
          last = { alert: o.alert, value: m.value };
          push(t.scored, m);
          break;
        }
        case 'tier':
          push(
            t[o.tier],
            reuse && last?.alert === o.alert
              ? { key: o.key, value: last.value, headers: { tier: o.tier } }
              : await this.encoded('scored', t[o.tier], o.key, o.alert, { tier: o.tier }),
          );
          break;
        case 'action':
          push(t.actions, await this.encoded('action', t.actions, o.key, o.action, { type: o.action.type }));
          break;
        case 'dedup':
          push(t.dedup_changelog, { key: o.fingerprint, value: JSON.stringify(o.entry) });
          break;
      }
    }
    return out;
  }

  private async encoded(
    kind: 'scored' | 'action',
    topic: string,
    key: string,
    record: object,
    headers: Record<string, string>,
  ): Promise<Message> {
    try {
      return { key, value: await this.o.codec.encode(kind, topic, record), headers };
    } catch (err) {
      const e = err as { canRetry?: boolean; code?: string; message: string };
      // An output we cannot encode is our bug or a registry fault, never the input's: retry, do not drop.
      throw new TransientError(e.code ?? 'encode', e.message);
    }
  }

  private async commitChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    out: Map<string, Message[]>,
  ) {
    const producer = await this.producerFor(partition);
    const tx = await producer.transaction();
    try {
      // The broker refuses a record batch over message.max.bytes (1 MiB by default): send in slices.
      for (const topicMessages of slicesOf(out, MAX_SEND_BYTES)) await tx.sendBatch({ topicMessages });
      await tx.sendOffsets({
        consumerGroupId: this.config.kafka.group_id,
        topics: [
          { topic, partitions: [{ partition, offset: (BigInt(chunk.at(-1)!.offset) + 1n).toString() }] },
        ],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }

  /** Holds an alert until the deploy and feedback inputs have reached its event time (bounded wait). */
  private async gate(eventTime: number, heartbeat: () => Promise<void>): Promise<void> {
    const side = this.side!;
    const t = this.config.topics;
    const ahead = () => Math.min(side.watermark(t.deployments), side.watermark(t.feedback)) >= eventTime;
    if (ahead()) return;
    const deadline = Date.now() + this.config.kafka.max_watermark_wait;
    while (!ahead()) {
      if (Date.now() > deadline || this.stopping) {
        this.o.observer?.watermarkTimeout?.();
        this.log.warn(
          { eventTime },
          'side inputs did not reach the alert event time in time; scoring anyway',
        );
        return;
      }
      await side.refreshHighs();
      await sleep(10);
      await heartbeat();
    }
  }

  private async producerFor(partition: number): Promise<Producer> {
    const existing = this.producers.get(partition);
    if (existing) return existing;
    // One transactional id per input partition: whoever owns the partition next fences this one.
    const producer = this.kafka.producer({
      transactionalId: `${this.config.kafka.transactional_id_prefix}-${this.config.topics.alerts}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    await producer.connect();
    this.producers.set(partition, producer);
    return producer;
  }

  /** Bytes → value; a permanent codec error is returned (dead-letter it), a transient one thrown (retry). */
  private async decodeOrThrow(
    value: Buffer | null,
  ): Promise<{ ok: true; value: unknown } | { ok: false; code: string; message: string }> {
    if (value === null) return { ok: false, code: 'EMPTY_VALUE', message: 'record has no value (tombstone)' };
    try {
      return { ok: true, value: await this.o.codec.decode(value) };
    } catch (err) {
      const e = err as { canRetry?: boolean; code?: string; message: string };
      if (e.canRetry) throw new TransientError(e.code ?? 'decode', e.message);
      return { ok: false, code: e.code ?? 'UNDECODABLE', message: e.message };
    }
  }

  /**
   * Waits `ms` before a retry, in slices of ≤ 250 ms so a SIGTERM (or `keepGoing` turning false) ends the
   * wait at once; `between` runs after each slice (the consumer's heartbeat).
   */
  private async backoff(ms: number, keepGoing = () => true, between?: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.stopping && keepGoing()) {
      await sleep(Math.min(250, until - Date.now()));
      await between?.().catch(() => undefined);
    }
  }

  /** Retries a transient fault with backoff until it succeeds or the service stops. */
  private async retryTransient<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fn();
        if (this.failing?.startsWith(`${reason}:`)) this.failing = undefined;
        return r;
      } catch (err) {
        const e = err as { canRetry?: boolean; retriable?: boolean; message: string };
        const transient =
          err instanceof TransientError || e.canRetry === true || e.retriable === true || reason === 'dlq';
        if (!transient || this.stopping) throw err;
        this.failing = `${reason}: ${e.message}`;
        this.o.observer?.retry?.(reason);
        const wait = Math.min(MAX_BACKOFF_MS, 200 * 2 ** attempt);
        this.log.warn({ err, attempt, wait }, `${reason} failed; retrying`);
        await this.backoff(wait);
        if (this.stopping) throw err;
      }
    }
  }
}

/** Groups the outputs into sends of at most about `maxBytes` of values each. */
function slicesOf(out: Map<string, Message[]>, maxBytes: number): { topic: string; messages: Message[] }[][] {
  const slices: { topic: string; messages: Message[] }[][] = [];
  let slice: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const [topic, messages] of out) {
    let current: Message[] = [];
    for (const m of messages) {
      const size = (m.value ? m.value.length : 0) + 64;
      if (bytes + size > maxBytes && (current.length > 0 || slice.length > 0)) {
        if (current.length > 0) slice.push({ topic, messages: current });
        slices.push(slice);
        slice = [];
        current = [];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
    if (current.length > 0) slice.push({ topic, messages: current });
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}

function isFenced(err: unknown): boolean {
  const e = err as { type?: string; name?: string; cause?: { type?: string } };
  const types = [e?.type, e?.cause?.type, e?.name];
  return types.some(
    (t) => t === 'INVALID_PRODUCER_EPOCH' || t === 'PRODUCER_FENCED' || t === 'KafkaJSProducerFenced',
  );
}
