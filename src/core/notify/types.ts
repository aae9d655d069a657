// The notifier's contracts (docs/NOTIFY.md): the settings of `notify:`, the record it delivers, the HTTP
// request it builds and the outcome it classifies. Pure data: the shell sends, the core decides.
import type { Tier } from '../events.ts';

export type ReceiverType = 'pagerduty' | 'opsgenie' | 'slack' | 'webhook';

export interface ReceiverSettings {
  name: string;
  type: ReceiverType;
  /** null when the URL comes from the environment (`url_env`). */
  url: string | null;
  url_env: string | null;
  /** The environment variable with the routing key / API key / bearer token; null for none. */
  secret_env: string | null;
  /** Requests per second at most. */
  rate_limit: number;
  /** One request's timeout, ms. */
  timeout: number;
}

export interface RouteSettings {
  match: { tier?: Tier[]; owner?: string[] };
  receivers: string[];
  continue: boolean;
}

export interface RetrySettings {
  max_attempts: number;
  initial_backoff: number;
  max_backoff: number;
  max_retry_after: number;
}

export interface NotifySettings {
  receivers: Record<string, ReceiverSettings>;
  routes: RouteSettings[];
  default: string[];
  tiers: Tier[];
  start_from: 'latest' | 'earliest';
  retry: RetrySettings;
}

/** A receiver ready to send: its URL and secret read from the environment by the shell. */
export interface Receiver extends ReceiverSettings {
  url: string;
  secret: string | null;
}

export type NotifyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface SlackMessage {
  text: string;
  blocks?: unknown[];
}

/**
 * A tier topic's record as the notifier reads it: a page (trigger) or, for a resolved incident, a resolve.
 * A record without `action` is a trigger; one without `slack` gets a plain `{text}` from the summary.
 */
export interface NotifyRecord {
  action: NotifyAction;
  page_id: string;
  incident_id: string;
  tier: Tier;
  event_time: number;
  /** The incident's owner, when the record carries it (pages do: `incident.owner`). */
  owner: string | null;
  /** The Events v2 body without routing_key (a resolve: `event_action` and `dedup_key`). */
  pagerduty: Record<string, unknown> & { event_action: string; dedup_key: string };
  /** A Create Alert body, or for a resolve `{alias, action: 'close', note, source}`. */
  opsgenie: Record<string, unknown> & { alias: string };
  slack: SlackMessage;
  /** The record as it came: what a webhook receives. */
  raw: Record<string, unknown>;
}

export interface HttpRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came back: a response (body cut to a few KiB), or no response at all. */
export type HttpOutcome =
  | { kind: 'response'; status: number; retryAfter: string | null; body: string }
  | { kind: 'network'; message: string };

export type RetryReason = 'rate_limited' | 'server_error' | 'network' | 'timeout';

export type Verdict =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: RetryReason; status: number | null; retryAfterMs: number | null; detail: string }
  | { kind: 'rejected'; status: number; body: string };

/** One line of the delivery log: a (receiver, page_id) delivery that is over, either way. */
export interface DeliveryEntry {
  receiver: string;
  page_id: string;
  incident_id: string;
  action: NotifyAction;
  result: 'delivered' | 'failed';
  /** The last HTTP status, null when the last attempt got no response. */
  status: number | null;
  attempts: number;
  /** Why it failed: `rejected` (a 4xx), `retries_exhausted`; null when delivered. */
  reason: 'rejected' | 'retries_exhausted' | null;
  /** When it was decided (epoch ms, the shell's clock). */
  at: number;
}
