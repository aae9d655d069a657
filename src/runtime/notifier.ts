// Delivers one record to its receivers: route it, skip what the delivery log says is over, wait for the
// receiver's rate limit, send, classify, back off and retry, and write the outcome to the log. The same
// code serves `notify --from-file` and the Kafka consumer; the I/O comes in as ports.
import { deliverable } from '../core/drill.ts';
import {
  createDeliveryBook,
  DELIVERY_MEMORY_MS,
  forgetBefore,
  isDone,
  noteDelivery,
  pagedReceivers,
} from '../core/notify/delivery-book.ts';
import { type Bucket, createBucket, takeToken } from '../core/notify/rate-limit.ts';
import { type NotifyRecordError, readNotifyRecord } from '../core/notify/record.ts';
import { buildRequest } from '../core/notify/request.ts';
import { classify, nextStep } from '../core/notify/retry.ts';
import { receiversFor } from '../core/notify/route.ts';
import type {
  DeliveryEntry,
  HttpOutcome,
  HttpRequest,
  NotifySettings,
  Receiver,
  RetryReason,
} from '../core/notify/types.ts';

export interface NotifyPorts {
  /** `receiver`: its name, for the metrics. */
  send(request: HttpRequest, timeoutMs: number, receiver: string): Promise<HttpOutcome>;
  /** Resolves true after `ms`, or false at once when the notifier is stopping. */
  sleep(ms: number): Promise<boolean>;
  now(): number;
  /** 0..1, for the backoff's jitter. */
  random(): number;
  /** Makes an entry durable before the record counts as done (the file or the Kafka topic). */
  append(entry: DeliveryEntry): Promise<void>;
}

export type NotifyEvent =
  | { type: 'delivered'; receiver: string; page_id: string; action: string; attempts: number; status: number }
  | {
      type: 'failed';
      receiver: string;
      page_id: string;
      action: string;
      attempts: number;
      status: number | null;
      reason: 'rejected' | 'retries_exhausted';
      body: string;
    }
  | { type: 'duplicate'; receiver: string; page_id: string }
  | {
      type: 'retry';
      receiver: string;
      page_id: string;
      attempt: number;
      reason: RetryReason;
      status: number | null;
      wait_ms: number;
      detail: string;
    }
  | { type: 'invalid'; source: string; error: NotifyRecordError }
  /** A drill's record (docs/DRILLS.md), not handed to any receiver: drills are delivered only when asked. */
  | { type: 'drill_withheld'; page_id: string; tier: string; drill: string }
  | { type: 'unrouted'; page_id: string; tier: string };

/** Every this many deliveries, those older than the log's retention are forgotten. */
const FORGET_EVERY = 1_000;

/** How one record ended: every receiver is over (commit past it), or the notifier stopped first (do not). */
export type RecordResult = 'done' | 'stopped';

export class Notifier {
  private readonly book = createDeliveryBook();
  private readonly buckets = new Map<string, Bucket>();
  private stopping = false;
  private sinceForget = 0;

  private readonly settings: NotifySettings;
  private readonly receivers: Record<string, Receiver>;
  private readonly ports: NotifyPorts;
  private readonly observe: (e: NotifyEvent) => void;
  /** `--deliver-drills` / drills.deliver: a drill's pages reach the receivers too. */
  private readonly deliverDrills: boolean;

  constructor(
    settings: NotifySettings,
    receivers: Record<string, Receiver>,
    ports: NotifyPorts,
    observe: (e: NotifyEvent) => void = () => {},
    options: { deliverDrills?: boolean } = {},
  ) {
    this.deliverDrills = options.deliverDrills === true;
    this.settings = settings;
    this.receivers = receivers;
    this.ports = ports;
    this.observe = observe;
  }

  /** Entries read back from the delivery log (at start). */
  restore(entries: Iterable<DeliveryEntry>): number {
    for (const e of entries) noteDelivery(this.book, e);
    forgetBefore(this.book, this.ports.now() - DELIVERY_MEMORY_MS);
    return this.book.done.size;
  }

  get delivered(): number {
    return this.book.done.size;
  }

  /** No new attempt nor wait starts; a request in flight finishes (its record is not done unless all are). */
  stop(): void {
    this.stopping = true;
  }

  async deliver(value: unknown, source: string): Promise<RecordResult> {
    const read = readNotifyRecord(value);
    if (!read.ok) {
      this.observe({ type: 'invalid', source, error: read.error });
      return 'done';
    }
    const record = read.value;
    // A drill never reaches a real pager unless asked (docs/DRILLS.md): done, and counted.
    const drill = deliverable(record.raw, this.deliverDrills);
    if (!drill.deliver) {
      this.observe({
        type: 'drill_withheld',
        page_id: record.page_id,
        tier: record.tier,
        drill: drill.drill ?? '',
      });
      return 'done';
    }
    const names = receiversFor(
      record,
      this.settings.routes,
      this.settings.default,
      pagedReceivers(this.book, record.incident_id),
    );
    if (names.length === 0) {
      this.observe({ type: 'unrouted', page_id: record.page_id, tier: record.tier });
      return 'done';
    }
    const results = await Promise.all(
      names.map(async (name): Promise<RecordResult> => {
        const receiver = this.receivers[name];
        if (!receiver) throw new Error(`notify: receiver ${name} is routed to but not built`);
        if (isDone(this.book, name, record.page_id)) {
          this.observe({ type: 'duplicate', receiver: name, page_id: record.page_id });
          return 'done';
        }
        const entry = await this.attempts(receiver, record);
        if (!entry) return 'stopped';
        // Durable first, then remembered: a log that failed to write leaves the delivery to be done again.
        await this.ports.append(entry);
        noteDelivery(this.book, entry);
        if (++this.sinceForget >= FORGET_EVERY) {
          this.sinceForget = 0;
          forgetBefore(this.book, this.ports.now() - DELIVERY_MEMORY_MS);
        }
        return 'done';
      }),
    );
    return results.includes('stopped') ? 'stopped' : 'done';
  }

  private async attempts(
    receiver: Receiver,
    record: Parameters<typeof buildRequest>[1],
  ): Promise<DeliveryEntry | null> {
    const request = buildRequest(receiver, record);
    const over = (
      result: DeliveryEntry['result'],
      status: number | null,
      attempts: number,
      reason: DeliveryEntry['reason'],
    ): DeliveryEntry => ({
      receiver: receiver.name,
      page_id: record.page_id,
      incident_id: record.incident_id,
      action: record.action,
      result,
      status,
      attempts,
      reason,
      at: this.ports.now(),
    });
    for (let attempt = 1; ; attempt++) {
      if (!(await this.token(receiver))) return null;
      const outcome = await this.ports.send(request, receiver.timeout, receiver.name);
      const verdict = classify(outcome, this.ports.now());
      const step = nextStep(attempt, verdict, this.settings.retry, this.ports.random());
      const status = outcome.kind === 'response' ? outcome.status : null;
      if (step.kind === 'done') {
        this.observe({
          type: 'delivered',
          receiver: receiver.name,
          page_id: record.page_id,
          action: record.action,
          attempts: attempt,
          status: status!,
        });
        return over('delivered', status, attempt, null);
      }
      if (step.kind === 'give_up') {
        this.observe({
          type: 'failed',
          receiver: receiver.name,
          page_id: record.page_id,
          action: record.action,
          attempts: attempt,
          status,
          reason: step.reason,
          body: outcome.kind === 'response' ? outcome.body : outcome.message,
        });
        return over('failed', status, attempt, step.reason);
      }
      if (verdict.kind === 'retry')
        this.observe({
          type: 'retry',
          receiver: receiver.name,
          page_id: record.page_id,
          attempt,
          reason: verdict.reason,
          status,
          wait_ms: step.ms,
          detail: verdict.detail.slice(0, 200),
        });
      if (this.stopping || !(await this.ports.sleep(step.ms))) return null;
    }
  }

  /** Waits for the receiver's rate limit; false when stopping. */
  private async token(receiver: Receiver): Promise<boolean> {
    for (;;) {
      if (this.stopping) return false;
      const now = this.ports.now();
      const bucket = this.buckets.get(receiver.name) ?? createBucket(receiver.rate_limit, now);
      const taken = takeToken(bucket, receiver.rate_limit, now);
      this.buckets.set(receiver.name, taken.bucket);
      if (taken.waitMs === 0) return true;
      if (!(await this.ports.sleep(taken.waitMs))) return false;
    }
  }
}
