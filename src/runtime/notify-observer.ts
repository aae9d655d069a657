// What the notifier's events become (log lines, metrics, a tally) and its live ports (fetch, timers,
// the clock), shared by `notify --from-file` and the Kafka service.
import { sendRequest } from '../adapters/http/sender.ts';
import type { DeliveryEntry, HttpRequest } from '../core/notify/types.ts';
import type { Logger, NotifyMetrics } from '../telemetry.ts';
import type { NotifyEvent, NotifyPorts } from './notifier.ts';

export interface NotifyTally {
  records: number;
  invalid: number;
  unrouted: number;
  delivered: number;
  failed: number;
  duplicate: number;
  retries: number;
  /** Drill records not delivered (no --deliver-drills / drills.deliver). */
  drills: number;
}

/** Turns the notifier's events into log lines, metrics and a tally. */
export function notifyObserver(
  logger: Logger,
  metrics: NotifyMetrics,
): { observe: (e: NotifyEvent) => void; tally: NotifyTally } {
  const tally: NotifyTally = {
    records: 0,
    invalid: 0,
    unrouted: 0,
    delivered: 0,
    failed: 0,
    duplicate: 0,
    retries: 0,
    drills: 0,
  };
  const observe = (e: NotifyEvent) => {
    switch (e.type) {
      case 'delivered':
        tally.delivered++;
        metrics.deliveries.inc({ receiver: e.receiver, result: 'delivered' });
        logger.info(e, `notify: ${e.action} ${e.page_id} delivered to ${e.receiver}`);
        break;
      case 'failed':
        tally.failed++;
        metrics.deliveries.inc({ receiver: e.receiver, result: 'failed' });
        logger.error(
          e,
          `notify: ${e.action} ${e.page_id} to ${e.receiver} failed (${e.reason}, status ${e.status ?? 'none'})`,
        );
        break;
      case 'duplicate':
        tally.duplicate++;
        metrics.deliveries.inc({ receiver: e.receiver, result: 'duplicate' });
        logger.info(e, `notify: ${e.page_id} already delivered to ${e.receiver}: skipped`);
        break;
      case 'retry':
        tally.retries++;
        metrics.retries.inc({ receiver: e.receiver, reason: e.reason });
        logger.warn(e, `notify: ${e.page_id} to ${e.receiver}: ${e.reason}, retry in ${e.wait_ms} ms`);
        break;
      case 'invalid':
        tally.invalid++;
        metrics.records.inc({ result: 'invalid' });
        logger.error(e, `notify: ${e.source}: ${e.error.code}: ${e.error.message}`);
        break;
      case 'drill_withheld':
        tally.drills++;
        metrics.records.inc({ result: 'drill_withheld' });
        logger.info(
          e,
          `notify: ${e.page_id} (${e.tier}) is drill ${e.drill}: withheld (deliver with --deliver-drills)`,
        );
        break;
      case 'unrouted':
        tally.unrouted++;
        metrics.records.inc({ result: 'unrouted' });
        logger.warn(e, `notify: ${e.page_id} (${e.tier}) matches no route and there is no default`);
        break;
    }
  };
  return { observe, tally };
}

/** The real ports: fetch, timers, the clock; `stopping` aborted ends every wait at once. */
export function livePorts(
  append: (e: DeliveryEntry) => Promise<void>,
  metrics: NotifyMetrics,
  stopping: AbortSignal,
): NotifyPorts {
  return {
    send: async (request: HttpRequest, timeoutMs: number, receiver: string) => {
      const end = metrics.requestDuration.startTimer({ receiver });
      try {
        return await sendRequest(request, timeoutMs);
      } finally {
        end();
      }
    },
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        if (stopping.aborted) return resolve(false);
        const abort = () => {
          clearTimeout(t);
          resolve(false);
        };
        const t = setTimeout(() => {
          stopping.removeEventListener('abort', abort);
          resolve(true);
        }, ms);
        stopping.addEventListener('abort', abort, { once: true });
      }),
    now: () => Date.now(),
    random: () => Math.random(),
    append,
  };
}

export function summaryOf(t: NotifyTally): string {
  return (
    `alert-triage notify: ${t.records} records, ${t.delivered} delivered, ${t.failed} failed, ` +
    `${t.duplicate} already delivered (skipped), ${t.retries} retries, ${t.invalid} invalid, ${t.unrouted} unrouted` +
    (t.drills > 0 ? `, ${t.drills} drill records withheld` : '')
  );
}
