// The receivers of `notify:` made ready to send: each URL and secret read from the environment once, at
// start. Every problem (a variable unset, a routing key that cannot be one) is reported together, naming
// the variable and the config key that names it; secrets themselves never appear in a message.
import { ConfigError } from '../config.ts';
import type { NotifySettings, Receiver } from '../core/notify/types.ts';

/** A PagerDuty integration (routing) key is 32 characters. */
const PAGERDUTY_KEY_LENGTH = 32;

export function buildReceivers(
  settings: NotifySettings,
  env: Record<string, string | undefined>,
  source = 'configuration',
): Record<string, Receiver> {
  const problems: string[] = [];
  const out: Record<string, Receiver> = Object.create(null);
  const names = Object.keys(settings.receivers);
  if (names.length === 0)
    problems.push('notify.receivers: none configured; add at least one (docs/NOTIFY.md has examples)');
  if (settings.routes.length === 0 && settings.default.length === 0 && names.length > 0)
    problems.push('notify.default: no routes and no default receivers: nothing would be delivered');
  for (const name of names) {
    const r = settings.receivers[name]!;
    const key = `notify.receivers.${name}`;
    let url = r.url;
    if (r.url_env) {
      const v = env[r.url_env]?.trim();
      if (!v) problems.push(`${key}.url_env: the environment variable ${r.url_env} is not set`);
      else if (!/^https?:\/\/[^\s]+$/i.test(v))
        problems.push(`${key}.url_env: ${r.url_env} does not hold an http(s) URL`);
      else url = v;
    }
    let secret: string | null = null;
    if (r.secret_env) {
      const v = env[r.secret_env]?.trim();
      if (!v) problems.push(`${key}.secret_env: the environment variable ${r.secret_env} is not set`);
      else if (r.type === 'pagerduty' && v.length !== PAGERDUTY_KEY_LENGTH)
        problems.push(
          `${key}.secret_env: ${r.secret_env} holds ${v.length} characters; a PagerDuty routing (integration) key has ${PAGERDUTY_KEY_LENGTH}`,
        );
      else secret = v;
    }
    if (url) out[name] = { ...r, url, secret };
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  return out;
}
