// The Kafka stream processor: the lifecycle around the alert pipeline (pipeline.ts) — clients,
// consumers, readiness and shutdown. What is processed how, and written where, is the pipeline's.
//
//   alerts (group, split by partition) ──► pipeline.chunk: one transaction per chunk of a partition
//   deploys + feedback (every instance reads every partition) ──► pipeline.sideRecord
//   dedup changelog (partitioned like the alerts) ──► read back per assigned partition on assignment
// and with kafka.incident_stage (incident-stage.ts):
//   the pipeline's members ──► <group>-incidents-repartition (keyed by incident) ──► stage.chunk:
//   one transaction per chunk of a repartition partition (group <group>-incidents), its incident book
//   read back from <group>-incidents-changelog on assignment
//   topics.silences (every instance reads it whole, from the beginning) ──► stage.silenceRecord: to every
//   book held, in its next chunk; read to its end before any chunk is processed, as the deploys are

import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { partitionCounts } from '../adapters/kafka/admin.ts';
import { BroadcastReader } from '../adapters/kafka/broadcast-reader.ts';
import { ChangelogReader } from '../adapters/kafka/changelog-reader.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { KafkaAlertLog, KafkaPlainSink, KafkaTransactionalSink } from '../adapters/kafka/pipeline-ports.ts';
import { type RecordCodec, registryTopicsOf } from '../adapters/registry/codec.ts';
import { type Config, incidentStageNames, triageSettings } from '../config.ts';
import type { DrillFigures } from '../core/drill.ts';
import type { IncidentEvent, IncidentOutput } from '../core/incidents/types.ts';
import type { ProcessorOptions } from '../core/processor.ts';
import type { Silence } from '../core/silences.ts';
import type { DrillObservation } from '../telemetry.ts';
import { IncidentStage } from './incident-stage.ts';
import { AlertPipeline, type ChunkResult, type PipelineObserver } from './pipeline.ts';
import type { InputRecord, PipelinePorts, SideInputs } from './ports.ts';

/** What the service reports for metrics; every method is optional so tests can pass nothing. */
export interface ServiceObserver extends PipelineObserver {
  rebalance?(): void;
  gauges?(g: {
    windowEntries: number;
    dedupEntries: number;
    rootCauseExamples: number;
    lag: { topic: string; partition: number; lag: number }[];
  }): void;
  incidentEvents?(events: IncidentEvent[]): void;
  incidentOutputs?(outputs: IncidentOutput[]): void;
  /** A drill's time to page, ack or resolve (docs/DRILLS.md). */
  drill?(observation: DrillObservation): void;
  incidentGauges?(g: { open: number; pending: number }): void;
}

/** The incident stage and its Kafka parts (kafka.incident_stage). */
interface StageParts {
  stage: IncidentStage;
  consumer: Consumer;
  sink: KafkaTransactionalSink;
  changelog: ChangelogReader;
  /** The reader of topics.silences (every partition, from the beginning; created at start). */
  silences: BroadcastReader | undefined;
  /** The alert partition count, learnt at start, which the pipeline's watermark records carry. */
  sources: { partitions: number; sources: number };
  joined: boolean;
  memberId: string | undefined;
  dead: string | undefined;
}

export interface StreamServiceOptions extends ProcessorOptions {
  config: Config;
  logger: Logger;
  codec: RecordCodec;
  observer?: ServiceObserver;
  /** Called once when the service cannot go on (retrying cannot help): the caller stops it. */
  onFatal?: (reason: string) => void;
  /** Test hooks: slow the deploy/feedback reader down, to prove a lagging side input changes nothing. */
  sideInputDelayPerBatchMs?: number;
}

export interface ServiceHealth {
  live: boolean;
  ready: boolean;
  details: Record<string, unknown>;
}

const CHUNK = 500;
/** The cluster probe (every 2 s) is overdue after this long: the service is then not ready. */
const PROBE_TIMEOUT_MS = 4_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const toInput = (m: KafkaMessage): InputRecord => ({
  offset: m.offset,
  key: m.key,
  value: m.value,
  headers: m.headers ?? {},
});

/** How long a read again of the deploy topic may take before the partitions taken over go on without it. */
const REREAD_TIMEOUT_MS = 60_000;

export class StreamService {
  private readonly o: StreamServiceOptions;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly instanceId: string;
  private readonly alerts: Consumer;
  private readonly sink: KafkaTransactionalSink;
  private readonly deadLetters: KafkaPlainSink;
  private readonly pipeline: AlertPipeline;
  private side: BroadcastReader | undefined;
  /** Where the side reader began on the deploy topic (wall time), for a read again. */
  private deploysFrom = 0;
  private rereads = 0;
  private changelog: ChangelogReader | undefined;
  private joined = false;
  private memberId: string | undefined;
  private stopping = false;
  /** Why the cluster probe last failed (or is overdue); undefined while the cluster answers. */
  private unreachable: string | undefined;
  private probeSince = 0;
  private ticking = false;
  /** Alert partitions paused because they ran too far ahead of the stream time (kafka.max_partition_skew). */
  private readonly paused = new Set<number>();
  /** Set when kafkajs gives the alert consumer up (a crash it will not restart): /healthz fails. */
  private dead: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly incidents: StageParts | undefined;

  constructor(options: StreamServiceOptions) {
    this.o = options;
    const config = options.config;
    this.config = config;
    this.log = options.logger;
    this.instanceId = config.kafka.instance_id ?? `${process.env.HOSTNAME ?? 'local'}-${process.pid}`;
    this.kafka = createKafka(config, this.log);
    this.admin = this.kafka.admin();
    const t = config.topics;
    this.sink = new KafkaTransactionalSink({
      kafka: this.kafka,
      alertsTopic: t.alerts,
      groupId: config.kafka.group_id,
      transactionalIdOf: (p) => `${config.kafka.transactional_id_prefix}-${t.alerts}-${p}`,
    });
    this.deadLetters = new KafkaPlainSink(this.kafka);
    // The side reader exists once started; until then nothing is processed (the consumer is not running).
    const side: SideInputs = {
      watermark: (kind) => this.side!.watermark(kind === 'deploy' ? t.deployments : t.feedback),
      refresh: (minIntervalMs) => this.side!.refreshHighs(minIntervalMs),
      reread: () => this.rereadDeploys(),
    };
    const ports: PipelinePorts = {
      codec: options.codec,
      sink: this.sink,
      deadLetters: this.deadLetters,
      side,
      alertLog: new KafkaAlertLog(this.admin, t.alerts, config.kafka.group_id),
      changelog: {
        restore: (partitions, onRecord) => this.changelog!.restore(partitions, onRecord),
      },
      clock: { now: Date.now, sleep },
    };
    const {
      config: _c,
      logger: _l,
      codec: _k,
      observer,
      onFatal: _f,
      sideInputDelayPerBatchMs: _d,
      ...processor
    } = options;
    const names = incidentStageNames(config);
    const stageOn = config.kafka.incident_stage;
    const stageSources = { partitions: config.kafka.partitions.incidents, sources: 0 };
    this.pipeline = new AlertPipeline(
      {
        settings: triageSettings(config),
        topics: stageOn ? { ...t, repartition: names.repartition } : t,
        ...(stageOn ? { incidents: stageSources } : {}),
        outputFormat: config.output.format,
        laneIdleMs: config.kafka.max_partition_idle,
        maxWatermarkWaitMs: config.kafka.max_watermark_wait,
        sideInputGraceMs: config.kafka.side_input_grace,
        processor,
        // The incident stage hears of feedback that resolves (it reads no side input of its own).
        ...(observer || stageOn
          ? {
              observer: {
                ...observer,
                feedback: (f) => {
                  observer?.feedback?.(f);
                  this.incidents?.stage.feedback(f);
                },
              },
            }
          : {}),
        log: this.log,
      },
      ports,
    );
    const consumerOf = (groupId: string) =>
      this.kafka.consumer({
        groupId,
        readUncommitted: false,
        sessionTimeout: config.kafka.session_timeout,
        heartbeatInterval: Math.max(1_000, Math.floor(config.kafka.session_timeout / 10)),
        maxWaitTimeInMs: 100,
      });
    this.alerts = consumerOf(config.kafka.group_id);
    if (stageOn) {
      const sink = new KafkaTransactionalSink({
        kafka: this.kafka,
        alertsTopic: names.repartition,
        groupId: names.groupId,
        transactionalIdOf: names.transactionalIdOf,
      });
      const changelog = new ChangelogReader({
        kafka: this.kafka,
        admin: this.admin,
        topic: names.changelog,
        groupId: `${names.groupId}.changelog.${this.instanceId}`,
        logger: this.log,
      });
      const stage = new IncidentStage(
        {
          settings: triageSettings(config),
          topics: {
            ...t,
            repartition: names.repartition,
            incidents: t.incidents,
            incidentChangelog: names.changelog,
            silences: t.silences,
          },
          log: this.log,
          observer: {
            incidentEvents: (e) => observer?.incidentEvents?.(e),
            outputs: (o) => observer?.incidentOutputs?.(o),
            transaction: (r) => observer?.transaction?.(r),
            deadLettered: (r) => observer?.deadLettered?.(r),
            retry: (r) => observer?.retry?.(r),
            drill: (d) => observer?.drill?.(d),
          },
        },
        {
          codec: options.codec,
          sink,
          changelog: { restore: (partitions, onRecord) => changelog.restore(partitions, onRecord) },
          log: new KafkaAlertLog(this.admin, names.repartition, names.groupId),
          sources: new KafkaAlertLog(this.admin, t.alerts, config.kafka.group_id),
          clock: { now: Date.now, sleep },
          deadLetters: this.deadLetters,
        },
      );
      this.incidents = {
        stage,
        consumer: consumerOf(names.groupId),
        sink,
        changelog,
        silences: undefined,
        sources: stageSources,
        joined: false,
        memberId: undefined,
        dead: undefined,
      };
    }
  }

  /** The drills this instance's incident stage paged, with their figures (none without the stage). */
  drillFigures(): DrillFigures[] {
    return this.incidents?.stage.drillFigures() ?? [];
  }

  /** The silences the incident stage holds (what it applies); undefined without the stage. */
  heldSilences(): Silence[] | undefined {
    return this.incidents?.stage.heldSilences();
  }

  health(): ServiceHealth {
    const p = this.pipeline;
    const inc = this.incidents;
    const stageReady =
      inc === undefined ||
      (inc.joined && inc.stage.restored && inc.stage.failing === undefined && !!inc.silences?.rebuilt);
    const ready =
      !this.stopping &&
      this.joined &&
      !!this.side?.rebuilt &&
      p.restored &&
      p.failing === undefined &&
      stageReady &&
      this.unreachable === undefined;
    const stats = p.stats();
    const stageLive = inc === undefined || (inc.dead === undefined && inc.stage.fatal === undefined);
    return {
      live: !this.stopping && this.dead === undefined && p.fatal === undefined && stageLive,
      ready,
      details: {
        instance: this.instanceId,
        joined: this.joined,
        assignedPartitions: p.partitions,
        deploysRebuilt: !!this.side?.rebuilt,
        changelogRestored: p.restored,
        failing: p.failing ?? null,
        cluster: this.unreachable ?? 'reachable',
        ...(this.dead ? { dead: this.dead } : {}),
        ...(p.fatal ? { fatal: p.fatal } : {}),
        windowEntries: stats.windowEntries,
        dedupEntries: stats.dedupEntries,
        streamTime: Number.isFinite(stats.streamTime) ? stats.streamTime : null,
        ...(inc
          ? {
              incidentStage: {
                joined: inc.joined,
                assignedPartitions: inc.stage.partitions,
                restored: inc.stage.restored,
                silencesRead: !!inc.silences?.rebuilt,
                silences: inc.stage.silenceStats(),
                failing: inc.stage.failing ?? null,
                ...inc.stage.stats(),
                ...(inc.dead ? { dead: inc.dead } : {}),
                ...(inc.stage.fatal ? { fatal: inc.stage.fatal } : {}),
              },
            }
          : {}),
      },
    };
  }

  async start(): Promise<void> {
    const t = this.config.topics;
    await this.admin.connect();
    await this.checkChangelogPartitions();
    await this.pipeline.retrying('registry', () =>
      this.o.codec.registerSchemas(registryTopicsOf(t, this.config.kafka.incident_stage)),
    );
    await this.deadLetters.connect();

    const now = Date.now();
    this.deploysFrom = now - this.config.windows.deploy_retention;
    this.changelog = new ChangelogReader({
      kafka: this.kafka,
      admin: this.admin,
      topic: t.dedup_changelog,
      groupId: `${this.config.kafka.group_id}.changelog.${this.instanceId}`,
      logger: this.log,
    });
    this.side = new BroadcastReader({
      kafka: this.kafka,
      admin: this.admin,
      groupId: `${this.config.kafka.group_id}.side.${this.instanceId}`,
      topics: [
        { topic: t.deployments, startAt: { timestamp: this.deploysFrom } },
        { topic: t.feedback, startAt: { timestamp: now - this.config.windows.feedback_lookup } },
      ],
      logger: this.log,
      onRecord: (topic, partition, m) =>
        this.pipeline.sideRecord(
          topic === t.deployments ? 'deploy' : 'feedback',
          topic,
          partition,
          toInput(m),
        ),
      ...(this.o.sideInputDelayPerBatchMs ? { delayPerBatchMs: this.o.sideInputDelayPerBatchMs } : {}),
    });
    await this.changelog.start();
    await this.side.start();
    if (this.incidents) {
      const stage = this.incidents.stage;
      this.incidents.silences = new BroadcastReader({
        kafka: this.kafka,
        admin: this.admin,
        groupId: `${this.config.kafka.group_id}.silences.${this.instanceId}`,
        topics: [{ topic: t.silences, startAt: 'beginning' }],
        logger: this.log,
        onRecord: (topic, partition, m) => {
          this.o.observer?.consumed?.(topic, 1);
          return stage.silenceRecord(topic, partition, toInput(m));
        },
      });
      await this.incidents.silences.start();
    }

    this.alerts.on(this.alerts.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.o.observer?.rebalance?.();
      const assigned = [...new Set(payload.memberAssignment[t.alerts] ?? [])].sort((a, b) => a - b);
      // A new member id means this instance was out of the group in between: others may have
      // processed any of its partitions meanwhile, so every one is restored again.
      const fresh = this.memberId !== undefined && this.memberId !== payload.memberId;
      this.memberId = payload.memberId;
      this.log.info({ assigned, fresh }, 'joined the alert consumer group');
      // A new assignment starts unpaused: the skew is judged again from the lanes it restores.
      if (this.paused.size > 0) {
        this.alerts.resume([{ topic: t.alerts, partitions: [...this.paused] }]);
        this.paused.clear();
      }
      this.pipeline.assign(assigned, { fresh });
      void this.sink.retain(assigned);
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
    if (this.incidents) await this.startIncidentStage(this.incidents);
    this.timers.push(
      setInterval(() => this.probe(), 2_000),
      setInterval(() => this.tick(), 1_000),
    );
    for (const timer of this.timers) timer.unref();
  }

  private async startIncidentStage(inc: StageParts): Promise<void> {
    const names = incidentStageNames(this.config);
    await inc.changelog.start();
    inc.consumer.on(inc.consumer.events.GROUP_JOIN, ({ payload }) => {
      inc.joined = true;
      const assigned = [...new Set(payload.memberAssignment[names.repartition] ?? [])].sort((a, b) => a - b);
      const fresh = inc.memberId !== undefined && inc.memberId !== payload.memberId;
      inc.memberId = payload.memberId;
      this.log.info({ assigned, fresh }, 'joined the incident stage group');
      inc.stage.assign(assigned, { fresh });
      void inc.sink.retain(assigned);
    });
    inc.consumer.on(inc.consumer.events.CRASH, ({ payload }) => {
      inc.joined = false;
      if (!payload.restart) inc.dead = `incident stage consumer stopped: ${payload.error.message}`;
      this.log.error({ err: payload.error, restart: payload.restart }, 'incident stage consumer crashed');
    });
    await inc.consumer.connect();
    await inc.consumer.subscribe({ topic: names.repartition, fromBeginning: true });
    await inc.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) =>
        this.onBatch(
          payload,
          inc.consumer,
          (p, records, control) => inc.stage.chunk(p, records, control),
          () => inc.stage.fatal,
        ),
    });
  }

  /** SIGTERM: finish the batch in hand, commit it, leave the group, close everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.pipeline.stop();
    this.incidents?.stage.stop();
    for (const timer of this.timers) clearInterval(timer);
    await this.alerts.disconnect().catch((err) => this.log.warn({ err }, 'alert consumer disconnect'));
    await this.incidents?.consumer
      .disconnect()
      .catch((err) => this.log.warn({ err }, 'incident stage consumer disconnect'));
    await Promise.all([
      this.side?.stop(),
      this.changelog?.stop(),
      this.incidents?.changelog.stop(),
      this.incidents?.silences?.stop(),
    ]).catch((err) => this.log.warn({ err }, 'reader stop'));
    await this.sink.close();
    await this.incidents?.sink.close();
    await this.deadLetters.close();
    await this.admin.disconnect().catch(() => undefined);
  }

  /** The changelog is partitioned like the alerts; fewer partitions would lose episodes. */
  private async checkChangelogPartitions(): Promise<void> {
    const t = this.config.topics;
    const names = incidentStageNames(this.config);
    const stage = this.incidents ? [names.repartition, names.changelog, t.incidents, t.silences] : [];
    const counts = await partitionCounts(this.admin, [t.alerts, t.dedup_changelog, ...stage]);
    const count = (name: string) => counts.get(name) ?? 0;
    const alerts = count(t.alerts);
    const changelog = count(t.dedup_changelog);
    if (this.incidents) {
      this.incidents.sources.sources = alerts;
      this.incidents.sources.partitions = count(names.repartition);
      if (count(names.changelog) < count(names.repartition))
        throw new Error(
          `${names.changelog} has fewer partitions than ${names.repartition}: the incident books of some ` +
            'partitions would have nowhere to go (run `alert-triage topics`, which grows it)',
        );
    }
    if (changelog < alerts) {
      throw new Error(
        `${t.dedup_changelog} has ${changelog} partitions and ${t.alerts} ${alerts}: the dedup changelog ` +
          'must have at least as many partitions as the alerts (run `alert-triage topics`, which grows it)',
      );
    }
  }

  /**
   * Every 2 s, the cluster probe: while it fails, or has had no answer for PROBE_TIMEOUT_MS, /readyz
   * says not ready and why — a consumer only crashes after kafkajs has retried for up to a minute, and
   * /readyz must not say ready meanwhile. It also reports the gauges.
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
    this.admin
      .fetchTopicOffsets(this.config.topics.alerts)
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
    const stats = this.pipeline.stats();
    this.o.observer?.gauges?.({
      windowEntries: stats.windowEntries,
      dedupEntries: stats.dedupEntries,
      rootCauseExamples: stats.rootCauseExamples,
      lag: [...stats.lag, ...(this.side?.lag() ?? []), ...(this.incidents?.silences?.lag() ?? [])],
    });
    if (this.incidents) this.o.observer?.incidentGauges?.(this.incidents.stage.stats());
  }

  /** Every second: which partitions have records to read, so idle ones stop holding the stream time. */
  private tick(): void {
    if (this.stopping || this.ticking || !this.joined) return;
    this.ticking = true;
    this.pipeline
      .tick()
      .catch((err: Error) => this.log.warn({ err }, 'tick failed'))
      .finally(() => {
        this.ticking = false;
        this.resumeCaughtUp();
      });
  }

  private onAlertBatch(payload: EachBatchPayload) {
    return this.onBatch(
      payload,
      this.alerts,
      (p, records, control) => this.pipeline.chunk(p, records, control),
      () => this.pipeline.fatal,
      (p, next) => {
        // Each chunk moves the stream time: a partition paused before may be within reach again.
        this.resumeCaughtUp();
        return this.pauseIfAhead(p, next);
      },
    );
  }

  /**
   * With the incident stage: a partition whose lane ran more than kafka.max_partition_skew ahead of the
   * stream time stops here (paused, to be read again from `next`) until the others catch up (tick). The
   * lane holding the stream time is never ahead of it, so some partition is always read.
   */
  private pauseIfAhead(partition: number, next: string): boolean {
    const skew = this.config.kafka.max_partition_skew;
    if (!this.incidents || skew <= 0 || this.pipeline.aheadBy(partition) <= skew) return false;
    const topic = this.config.topics.alerts;
    this.alerts.pause([{ topic, partitions: [partition] }]);
    this.alerts.seek({ topic, partition, offset: next });
    if (!this.paused.has(partition))
      this.log.debug(
        { partition, aheadMs: this.pipeline.aheadBy(partition) },
        'alert partition paused: ahead',
      );
    this.paused.add(partition);
    return true;
  }

  /** Paused partitions back within half the skew of the stream time (or no longer ours) are read again. */
  private resumeCaughtUp(): void {
    if (this.paused.size === 0) return;
    const skew = this.config.kafka.max_partition_skew;
    const mine = new Set(this.pipeline.partitions);
    const back = [...this.paused].filter((p) => !mine.has(p) || this.pipeline.aheadBy(p) <= skew / 2);
    if (back.length === 0) return;
    for (const p of back) this.paused.delete(p);
    this.alerts.resume([{ topic: this.config.topics.alerts, partitions: back }]);
  }

  /** A fetched batch, chunk by chunk, each committed (in its transaction) before the next. */
  private async onBatch(
    { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload,
    consumer: Consumer,
    chunkOf: (
      partition: number,
      records: InputRecord[],
      control: { running(): boolean; heartbeat(): Promise<void> },
    ) => Promise<ChunkResult>,
    fatal: () => string | undefined,
    /** After each committed chunk, with the next offset: true stops the batch there (the partition paused). */
    after?: (partition: number, next: string) => boolean,
  ) {
    await this.untilSideRebuilt(heartbeat);
    const control = {
      running: () => isRunning() && !isStale() && !this.stopping,
      heartbeat,
    };
    for (let i = 0; i < batch.messages.length; i += CHUNK) {
      if (!control.running()) return;
      const chunk = batch.messages.slice(i, i + CHUNK);
      let result: ChunkResult;
      try {
        result = await chunkOf(batch.partition, chunk.map(toInput), control);
      } catch (err) {
        this.log.fatal({ err, partition: batch.partition, topic: batch.topic }, 'alert-triage cannot go on');
        this.o.onFatal?.(fatal() ?? (err as Error).message);
        return;
      }
      if (result !== 'committed') {
        // Not committed: read these again from the first one (by whoever owns the partition now).
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: chunk[0]!.offset });
        return;
      }
      resolveOffset(chunk.at(-1)!.offset);
      await heartbeat();
      if (after?.(batch.partition, (BigInt(chunk.at(-1)!.offset) + 1n).toString())) return;
    }
  }

  /**
   * The deploy topic read again from where the side reader began, to where it ends now, by a reader of
   * its own (a group of its own, stopped once read): SideInputs.reread, after partitions were taken
   * over behind the stream time. The records go to the pipeline as replays.
   */
  private async rereadDeploys(): Promise<void> {
    const t = this.config.topics;
    const reader = new BroadcastReader({
      kafka: this.kafka,
      admin: this.admin,
      groupId: `${this.config.kafka.group_id}.side.${this.instanceId}.reread-${++this.rereads}`,
      topics: [{ topic: t.deployments, startAt: { timestamp: this.deploysFrom } }],
      logger: this.log,
      onRecord: (topic, partition, m) =>
        this.pipeline.sideRecord('deploy', topic, partition, toInput(m), { replay: true }),
    });
    try {
      await reader.start();
      const deadline = Date.now() + REREAD_TIMEOUT_MS;
      while (!reader.rebuilt) {
        if (this.stopping) return;
        if (Date.now() > deadline) throw new Error(`not read within ${REREAD_TIMEOUT_MS / 1000} s`);
        await sleep(25);
      }
    } finally {
      await reader.stop().catch(() => undefined);
    }
  }

  /**
   * Deploy and feedback state rebuilt up to where those topics stood at start, and (with the incident
   * stage) the silences read to where their topic ended then: a silence added before the start applies
   * to the first alert.
   */
  private async untilSideRebuilt(heartbeat: () => Promise<void>): Promise<void> {
    const read = () =>
      !!this.side?.rebuilt && (this.incidents === undefined || !!this.incidents.silences?.rebuilt);
    while (!this.stopping && !read()) {
      await sleep(50);
      await heartbeat();
    }
  }
}
