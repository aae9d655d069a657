// The `notify:` block of the config (alert-triage notify, docs/NOTIFY.md): receivers, routes, retries.
// Secrets never sit in the file: a receiver names the environment variable that holds its routing key or
// API key (`secret_env`), and a key that looks like a literal secret is refused with what to write instead.
import { z } from 'zod';
import type { Tier } from './core/events.ts';
import type { NotifySettings, ReceiverSettings, ReceiverType } from './core/notify/types.ts';

export const RECEIVER_TYPES = ['pagerduty', 'opsgenie', 'slack', 'webhook'] as const;

export const DEFAULT_RECEIVER_URL: Partial<Record<ReceiverType, string>> = {
  pagerduty: 'https://events.pagerduty.com/v2/enqueue',
  opsgenie: 'https://api.opsgenie.com/v2/alerts',
};

/**
 * Requests per second per receiver, sized to the public limits: PagerDuty takes ~120 events a minute per
 * routing key, a Slack incoming webhook one message a second; Opsgenie's depend on the plan.
 */
export const DEFAULT_RATE_LIMIT: Record<ReceiverType, number> = {
  pagerduty: 2,
  opsgenie: 5,
  slack: 1,
  webhook: 10,
};

/** Keys a literal secret would be written under: refused, with the env-var way to say it. */
const LITERAL_SECRET_KEYS = [
  'routing_key',
  'integration_key',
  'service_key',
  'api_key',
  'apikey',
  'genie_key',
  'token',
  'secret',
  'password',
  'authorization',
];

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (letters, digits, _)');

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

const duration = (fallback: number) =>
  z
    .union([
      z.number().int().nonnegative(),
      z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'must be a duration like 500ms, 10s, 5m'),
    ])
    .transform((v) => {
      if (typeof v === 'number') return v;
      const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v)!;
      return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm']);
    })
    .default(fallback);

const receiverSchema = z.preprocess(
  (raw, ctx) => {
    if (raw && typeof raw === 'object' && !Array.isArray(raw))
      for (const k of Object.keys(raw))
        if (LITERAL_SECRET_KEYS.includes(k.toLowerCase()))
          ctx.issues.push({
            code: 'custom',
            path: [k],
            input: raw,
            message:
              'a secret is never written in the config: put it in an environment variable and name that ' +
              'variable in secret_env (a Slack webhook URL: url_env)',
          });
    return raw;
  },
  z
    .strictObject({
      type: z.enum(RECEIVER_TYPES),
      /** Defaults: PagerDuty's and Opsgenie's public endpoints; required (or url_env) for slack and webhook. */
      url: httpUrl.optional(),
      /** The environment variable holding the URL (a Slack incoming webhook's URL is its secret). */
      url_env: envName.optional(),
      /** The environment variable holding the routing key (pagerduty), the API key (opsgenie), a bearer token (webhook). */
      secret_env: envName.optional(),
      /** Requests per second at most (retries included). */
      rate_limit: z.number().positive().max(1000).optional(),
      /** One request's timeout. */
      timeout: duration(10_000),
    })
    .superRefine((r, ctx) => {
      const issue = (path: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      if (r.url && r.url_env) issue('url_env', 'give url or url_env, not both');
      if ((r.type === 'slack' || r.type === 'webhook') && !r.url && !r.url_env)
        issue('url', `a ${r.type} receiver needs url (or url_env)`);
      if ((r.type === 'pagerduty' || r.type === 'opsgenie') && !r.secret_env)
        issue(
          'secret_env',
          `a ${r.type} receiver needs secret_env: the environment variable holding its ${r.type === 'pagerduty' ? 'routing (integration) key' : 'API key (GenieKey)'}`,
        );
      if (r.type === 'slack' && r.secret_env)
        issue('secret_env', "a Slack incoming webhook's secret is its URL: name its variable in url_env");
    }),
);

const oneOrMany = <T extends z.ZodType>(t: T) =>
  z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const tier = z.enum(['P1', 'P2', 'P3', 'P4']);

const routeSchema = z.strictObject({
  /** Every field given must match (a list: any of its values); no field: every record. */
  match: z
    .strictObject({ tier: oneOrMany(tier).optional(), owner: oneOrMany(z.string().min(1)).optional() })
    .default({}),
  receivers: z.array(z.string().min(1)).min(1),
  /** Alertmanager's `continue`: look at the next routes too. */
  continue: z.boolean().default(false),
});

export const notifySchema = z
  .strictObject({
    receivers: z.record(z.string(), receiverSchema).default({}),
    routes: z.array(routeSchema).default([]),
    /** Receivers of a record no route matched. */
    default: z.array(z.string().min(1)).default([]),
    /** The tier topics `notify` consumes. */
    tiers: z.array(tier).min(1).default(['P1', 'P2']),
    /** Where a new consumer group starts: `latest` (no old pages sent on a first start) or `earliest`. */
    start_from: z.enum(['latest', 'earliest']).default('latest'),
    retry: z
      .strictObject({
        max_attempts: z.number().int().min(1).max(100).default(6),
        initial_backoff: duration(1_000),
        max_backoff: duration(60_000),
        /** A Retry-After longer than this is cut to it. */
        max_retry_after: duration(300_000),
      })
      .prefault({})
      .refine(
        (r) =>
          typeof r.initial_backoff !== 'number' ||
          typeof r.max_backoff !== 'number' ||
          r.initial_backoff <= r.max_backoff,
        { message: 'initial_backoff must not exceed max_backoff', path: ['initial_backoff'] },
      ),
  })
  .prefault({})
  .superRefine(
    (n, ctx) => {
      const receivers = n.receivers as unknown;
      if (!receivers || typeof receivers !== 'object') return;
      const known = new Set(Object.keys(receivers));
      for (const name of known)
        if (!/^[A-Za-z0-9_.-]+$/.test(name))
          ctx.addIssue({
            code: 'custom',
            path: ['receivers', name],
            message:
              'a receiver name is letters, digits, _, . and - (it keys the delivery log: <receiver>/<page_id>)',
          });
      const check = (path: (string | number)[], name: unknown) => {
        if (typeof name === 'string' && !known.has(name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown receiver ${JSON.stringify(name)}${known.size ? `: use ${[...known].join(', ')}` : ' (notify.receivers is empty)'}`,
          });
      };
      const routes = n.routes as unknown;
      if (Array.isArray(routes))
        routes.forEach((r, i) => {
          const list = (r as { receivers?: unknown })?.receivers;
          if (Array.isArray(list)) list.forEach((name, j) => void check(['routes', i, 'receivers', j], name));
        });
      const dflt = n.default as unknown;
      if (Array.isArray(dflt)) dflt.forEach((name, j) => void check(['default', j], name));
    },
    { when: () => true },
  );

/** The validated block as the notifier takes it: each receiver's URL and rate filled in. */
export function notifySettings(p: z.output<typeof notifySchema>): NotifySettings {
  const receivers: Record<string, ReceiverSettings> = Object.create(null);
  for (const [name, r] of Object.entries(p.receivers)) {
    receivers[name] = {
      name,
      type: r.type,
      url: r.url ?? (r.url_env ? null : (DEFAULT_RECEIVER_URL[r.type] ?? null)),
      url_env: r.url_env ?? null,
      secret_env: r.secret_env ?? null,
      rate_limit: r.rate_limit ?? DEFAULT_RATE_LIMIT[r.type],
      timeout: r.timeout,
    };
  }
  return {
    receivers,
    routes: p.routes.map((r) => ({
      match: {
        ...(r.match.tier ? { tier: [...new Set(r.match.tier)] as Tier[] } : {}),
        ...(r.match.owner ? { owner: [...new Set(r.match.owner)] } : {}),
      },
      receivers: [...new Set(r.receivers)],
      continue: r.continue,
    })),
    default: [...new Set(p.default)],
    tiers: [...new Set(p.tiers)] as Tier[],
    start_from: p.start_from,
    retry: p.retry,
  };
}
