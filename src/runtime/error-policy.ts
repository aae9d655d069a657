// What the pipeline does about a failure: a returned decision from the error's `code` / `canRetry`
// (and kafkajs' `type` / `retriable`), not duck typing in catch blocks.
//   retry        a transient fault (broker, registry, a writer in a bad state): undo, wait, read again
//   dead-letter  one input record cannot be processed, ever (its output cannot be encoded, scoring it
//                throws): undo, read the chunk again without it, and send it to the DLQ with the reason
//   lost         the partition was taken over by another instance (this writer is fenced): stop on it
//   fail         retrying cannot help (authorization; one of our errors that says so, like an
//                incompatible schema at start): the service stops with the reason

/** An input record that can never be processed; the chunk is read again without it. */
export class RecordFault extends Error {
  readonly offset: string;
  readonly code: string;
  readonly canRetry = false;
  constructor(offset: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordFault';
    this.offset = offset;
    this.code = code;
  }
}

export type Decision =
  | { action: 'retry'; reason: string; waitMs: number }
  | { action: 'dead-letter'; offset: string; code: string; message: string }
  | { action: 'lost' }
  | { action: 'fail'; reason: string };

/** The backoff: 200 ms, doubling, at most 10 s. */
export const BACKOFF = { baseMs: 200, factor: 2, maxMs: 10_000 } as const;

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.baseMs * BACKOFF.factor ** attempt);
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'KafkaJSProducerFenced']);
const FATAL = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'KafkaJSSASLAuthenticationError',
]);

interface ErrorShape {
  code?: unknown;
  canRetry?: unknown;
  type?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: ErrorShape;
  originalError?: ErrorShape;
}

/** The error names along its cause chain (kafkajs wraps the broker's error in retry errors). */
function namesOf(err: unknown): string[] {
  const names: string[] = [];
  let e = err as ErrorShape | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    for (const n of [e.type, e.name, e.code]) if (typeof n === 'string') names.push(n);
    e = e.cause ?? e.originalError;
  }
  return names;
}

export function decide(err: unknown, attempt: number): Decision {
  if (err instanceof RecordFault) {
    return { action: 'dead-letter', offset: err.offset, code: err.code, message: err.message };
  }
  const names = namesOf(err);
  if (names.some((n) => FENCED.has(n))) return { action: 'lost' };
  const message = String((err as ErrorShape)?.message ?? err);
  const fatal = names.find((n) => FATAL.has(n));
  if (fatal) return { action: 'fail', reason: `${fatal}: ${message}` };
  const e = err as ErrorShape;
  // Our own errors say what they are: a code, and whether a retry can help.
  if (typeof e?.code === 'string' && e.canRetry === true)
    return { action: 'retry', reason: e.code, waitMs: backoffMs(attempt) };
  if (typeof e?.code === 'string' && e.canRetry === false)
    return { action: 'fail', reason: `${e.code}: ${message}` };
  // Everything else on the way to and from Kafka is a fault of the moment (a broker away, a writer in
  // a bad state after a failed transaction): the writer is replaced and the chunk read again.
  return {
    action: 'retry',
    reason: typeof e?.code === 'string' ? e.code : 'kafka',
    waitMs: backoffMs(attempt),
  };
}
