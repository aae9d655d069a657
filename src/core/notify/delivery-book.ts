// What has been delivered: every (receiver, page_id) that is over (delivered or given up), and which
// receivers each incident's triggers reached (where its resolve goes). Rebuilt from the delivery log at start.
import { deliveryKey } from './request.ts';
import type { DeliveryEntry } from './types.ts';

export interface DeliveryBook {
  done: Map<string, DeliveryEntry>;
  /** incident_id → receivers a trigger of it was delivered to, in order. */
  paged: Map<string, string[]>;
}

/**
 * How long a delivery is remembered: the delivery log topic's retention, a day beyond the tier topics' 14 d
 * (a page no longer on its topic is never read again, so its entry is not needed).
 */
export const DELIVERY_MEMORY_MS = 15 * 86_400_000;

export function createDeliveryBook(): DeliveryBook {
  return { done: new Map(), paged: new Map() };
}

export function isDone(book: DeliveryBook, receiver: string, pageId: string): DeliveryEntry | undefined {
  return book.done.get(deliveryKey(receiver, pageId));
}

export function noteDelivery(book: DeliveryBook, entry: DeliveryEntry): void {
  book.done.set(deliveryKey(entry.receiver, entry.page_id), entry);
  if (entry.action !== 'trigger' || entry.result !== 'delivered') return;
  const list = book.paged.get(entry.incident_id) ?? [];
  if (!list.includes(entry.receiver)) list.push(entry.receiver);
  book.paged.set(entry.incident_id, list);
}

/** Forgets deliveries decided before `before` (the book stays as large as the log's retention keeps it). */
export function forgetBefore(book: DeliveryBook, before: number): number {
  let n = 0;
  for (const [key, e] of book.done)
    if (e.at < before) {
      book.done.delete(key);
      n++;
    }
  if (n === 0) return 0;
  // Where each incident was paged, from what is left (in the order the deliveries were noted).
  book.paged.clear();
  const entries = [...book.done.values()];
  book.done.clear();
  for (const e of entries) noteDelivery(book, e);
  return n;
}

export function pagedReceivers(book: DeliveryBook, incidentId: string): readonly string[] {
  return book.paged.get(incidentId) ?? [];
}

/** A delivery-log line read back; null when it is not one (a log line from elsewhere is not trusted). */
export function readDeliveryEntry(v: unknown): DeliveryEntry | null {
  if (!v || typeof v !== 'object') return null;
  const e = v as Record<string, unknown>;
  const s = (k: string) => typeof e[k] === 'string' && e[k] !== '';
  if (!s('receiver') || !s('page_id') || !s('incident_id')) return null;
  if (e.action !== 'trigger' && e.action !== 'acknowledge' && e.action !== 'resolve') return null;
  if (e.result !== 'delivered' && e.result !== 'failed') return null;
  return {
    receiver: e.receiver as string,
    page_id: e.page_id as string,
    incident_id: e.incident_id as string,
    action: e.action,
    result: e.result,
    status: typeof e.status === 'number' ? e.status : null,
    attempts: typeof e.attempts === 'number' ? e.attempts : 0,
    reason: e.reason === 'rejected' || e.reason === 'retries_exhausted' ? e.reason : null,
    at: typeof e.at === 'number' ? e.at : 0,
  };
}
