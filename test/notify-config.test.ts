// The notify: block: defaults, and every problem named by its key (no literal secrets, known receivers).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../src/config.ts';

const problems = (doc: unknown): string[] => {
  try {
    parseConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('config: notify', () => {
  it('fills URLs and rate limits per type', () => {
    const { notify } = parseConfig({
      notify: {
        receivers: {
          pd: { type: 'pagerduty', secret_env: 'PD' },
          og: { type: 'opsgenie', secret_env: 'OG', url: 'https://api.eu.opsgenie.com/v2/alerts' },
          chat: { type: 'slack', url_env: 'SLACK_URL' },
          hook: { type: 'webhook', url: 'https://hooks.example/x', rate_limit: 0.5, timeout: '2s' },
        },
        default: ['chat'],
      },
    });
    assert.deepEqual(
      Object.values(notify.receivers).map((r) => [r.name, r.url, r.rate_limit, r.timeout]),
      [
        ['pd', 'https://events.pagerduty.com/v2/enqueue', 2, 10_000],
        ['og', 'https://api.eu.opsgenie.com/v2/alerts', 5, 10_000],
        ['chat', null, 1, 10_000],
        ['hook', 'https://hooks.example/x', 0.5, 2_000],
      ],
    );
    assert.deepEqual(notify.tiers, ['P1', 'P2']);
    assert.deepEqual(notify.retry, {
      max_attempts: 6,
      initial_backoff: 1000,
      max_backoff: 60_000,
      max_retry_after: 300_000,
    });
  });

  it('names every problem at once', () => {
    assert.deepEqual(
      [
        ...problems({
          notify: {
            receivers: {
              pd: { type: 'pagerduty', routing_key: 'R0123' },
              og: { type: 'opsgenie' },
              chat: { type: 'slack', secret_env: 'X', url: 'https://hooks.slack.com/x' },
              hook: { type: 'webhook', url: 'ftp://x', url_env: 'HOOK' },
              'bad name': { type: 'webhook', url: 'https://x' },
              pager: { type: 'pagerduty', secret_env: 'lower-case-not-ok' },
            },
            routes: [{ match: { tier: 'P7', team: 'x' }, receivers: ['nobody'] }],
            default: ['ghost'],
            tiers: [],
            colour: 'red',
            retry: { initial_backoff: '2m', max_backoff: '1m' },
          },
        }),
      ].sort(),
      [
        'notify.colour: unknown key',
        'notify.receivers.pd.routing_key: a secret is never written in the config: put it in an environment variable and name that variable in secret_env (a Slack webhook URL: url_env)',
        'notify.receivers.og.secret_env: a opsgenie receiver needs secret_env: the environment variable holding its API key (GenieKey)',
        "notify.receivers.chat.secret_env: a Slack incoming webhook's secret is its URL: name its variable in url_env",
        'notify.receivers.hook.url: must be an http:// or https:// URL',
        'notify.receivers.hook.url_env: give url or url_env, not both',
        'notify.receivers.bad name: a receiver name is letters, digits, _, . and - (it keys the delivery log: <receiver>/<page_id>)',
        'notify.receivers.pager.secret_env: must be the name of an environment variable (letters, digits, _)',
        'notify.routes.0.match.team: unknown key',
        'notify.routes.0.match.tier: Invalid input',
        'notify.tiers: Too small: expected array to have >=1 items',
        'notify.retry.initial_backoff: initial_backoff must not exceed max_backoff',
        'notify.routes.0.receivers.0: unknown receiver "nobody": use pd, og, chat, hook, bad name, pager',
        'notify.default.0: unknown receiver "ghost": use pd, og, chat, hook, bad name, pager',
      ].sort(),
    );
  });
});
