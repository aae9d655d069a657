// What an answer means and what to do next: 2xx delivered; 429, 408, 5xx and no answer are retried with
// exponential backoff (equal jitter), a Retry-After honoured; any other 4xx is permanent (never retried).
import type { HttpOutcome, RetrySettings, Verdict } from './types.ts';

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export function classify(outcome: HttpOutcome, now: number): Verdict {
  if (outcome.kind === 'network') {
    const timeout = /timeout|timed out|aborted/i.test(outcome.message);
    return {
      kind: 'retry',
      reason: timeout ? 'timeout' : 'network',
      status: null,
      retryAfterMs: null,
      detail: outcome.message,
    };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 429 || status === 408 || status >= 500)
    return {
      kind: 'retry',
      reason: status === 429 ? 'rate_limited' : status === 408 ? 'timeout' : 'server_error',
      status,
      retryAfterMs: parseRetryAfter(outcome.retryAfter, now),
      detail: outcome.body,
    };
  return { kind: 'rejected', status, body: outcome.body };
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): initial × 2^(attempt−1), capped, jittered. */
export function backoffDelay(attempt: number, retry: RetrySettings, jitter: number): number {
  const full = Math.min(retry.max_backoff, retry.initial_backoff * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (full / 2) * Math.min(1, Math.max(0, jitter)));
}

export type NextStep =
  | { kind: 'done' }
  | { kind: 'wait'; ms: number }
  | { kind: 'give_up'; reason: 'rejected' | 'retries_exhausted' };

/** After attempt `attempt` came back as `verdict`. */
export function nextStep(attempt: number, verdict: Verdict, retry: RetrySettings, jitter: number): NextStep {
  if (verdict.kind === 'delivered') return { kind: 'done' };
  if (verdict.kind === 'rejected') return { kind: 'give_up', reason: 'rejected' };
  if (attempt >= retry.max_attempts) return { kind: 'give_up', reason: 'retries_exhausted' };
  if (verdict.retryAfterMs !== null)
    return { kind: 'wait', ms: Math.min(verdict.retryAfterMs, retry.max_retry_after) };
  return { kind: 'wait', ms: backoffDelay(attempt, retry, jitter) };
}
