// `alert-triage notify --from-file` as a user runs it (a child process) against the loopback receiver:
// every page delivered with valid bodies, a rerun with the same delivery log sends nothing, and config
// problems (a literal secret, an unset variable) are named.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PagerReceiver } from '../fixtures/pager-receiver.ts';
import { aPage, aResolve, GENIE_KEY, PD_KEY } from '../fixtures/pages.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'alert-triage.js');
const server = new PagerReceiver();
before(() => server.start());
after(() => server.stop());

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('alert-triage notify --from-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-cli-'));
  const config = join(dir, 'notify.yaml');
  before(() => {
    server.genieKeys = new Set([GENIE_KEY]);
    writeFileSync(
      config,
      [
        'notify:',
        '  receivers:',
        `    pd: { type: pagerduty, url: "${server.url}/pagerduty/v2/enqueue", secret_env: PD_KEY, rate_limit: 50 }`,
        `    og: { type: opsgenie, url: "${server.url}/opsgenie/v2/alerts", secret_env: OG_KEY, rate_limit: 50 }`,
        '    slack: { type: slack, url_env: SLACK_URL, rate_limit: 50 }',
        '  routes:',
        '    - { match: { tier: P1, owner: risk-ml }, receivers: [pd, slack] }',
        '  default: [og]',
        '  retry: { initial_backoff: 20ms, max_backoff: 100ms }',
        '',
      ].join('\n'),
    );
  });
  let env: Record<string, string> = {};
  before(() => {
    env = { PD_KEY, OG_KEY: GENIE_KEY, SLACK_URL: `${server.url}/slack/hook` };
  });

  it('delivers every page once, and a rerun with the same delivery log delivers nothing', async () => {
    const pages = join(dir, 'pages.ndjson');
    const records = [
      aPage({ incident: 'inc-a' }),
      aPage({ incident: 'inc-b', owner: 'growth', tier: 'P2' }),
      aResolve('inc-a'),
      aPage({ incident: 'inc-a' }), // the same page again
    ];
    writeFileSync(pages, `${records.map((r) => JSON.stringify(r)).join('\n')}\nnot json\n`);
    server.failNext('pagerduty', { status: 503 });
    const log = join(dir, 'delivered.ndjson');
    const first = await run(['notify', '--config', config, '--from-file', pages, '--delivery-log', log], env);
    assert.match(
      first.stdout,
      /5 records, 5 delivered, 0 failed, 2 already delivered \(skipped\), 1 retries, 1 invalid/,
    );
    assert.equal(first.code, 2, 'an invalid line makes exit 2');
    assert.match(first.stderr, /pages\.ndjson:5: MALFORMED_JSON/);
    assert.deepEqual(server.invalid(), []);
    const sent = server.accepted().length;
    assert.equal(sent, 5);
    const again = await run(['notify', '--config', config, '--from-file', pages, '--delivery-log', log], env);
    assert.match(again.stdout, /0 delivered, 0 failed, 7 already delivered/);
    assert.equal(server.accepted().length, sent);
  });

  it("delivers the sample week's pages from `score --pages-out`: every body valid", {
    timeout: 120_000,
  }, async () => {
    const sample = join(import.meta.dirname, '..', '..', 'examples', 'sample-week');
    const pages = join(dir, 'week-pages.ndjson');
    const scored = await run(
      [
        'score',
        '--alerts',
        join(sample, 'alerts.ndjson'),
        '--deploys',
        join(sample, 'deploys.ndjson'),
        '--config',
        join(sample, 'catalog.yaml'),
        '--format',
        'csv',
        '--no-progress',
        '--pages-out',
        pages,
      ],
      {},
    );
    assert.equal(scored.code, 0, scored.stderr);
    const pageCount = Number(/(\d+) pages/.exec(scored.stderr)?.[1]);
    assert.ok(pageCount > 100, scored.stderr);
    const fast = join(dir, 'fast.yaml');
    writeFileSync(
      fast,
      [
        'notify:',
        '  receivers:',
        `    pd: { type: pagerduty, url: "${server.url}/pagerduty/v2/enqueue", secret_env: PD_KEY, rate_limit: 1000 }`,
        `    og: { type: opsgenie, url: "${server.url}/opsgenie/v2/alerts", secret_env: OG_KEY, rate_limit: 1000 }`,
        '    slack: { type: slack, url_env: SLACK_URL, rate_limit: 1000 }',
        '  default: [pd, og, slack]',
        '',
      ].join('\n'),
    );
    const before = server.received.length;
    const sent = await run(['notify', '--config', fast, '--from-file', pages], env);
    assert.equal(sent.code, 0, sent.stderr.slice(-2000));
    // Each page and, the input's end timing every incident out, its resolve.
    const records = readFileSync(pages, 'utf8').split('\n').filter(Boolean).length;
    assert.equal(records, 2 * pageCount);
    assert.match(sent.stdout, new RegExp(`${records} records, ${records * 3} delivered, 0 failed`));
    const mine = server.received.slice(before);
    assert.equal(mine.length, records * 3);
    assert.deepEqual(
      mine.filter((r) => r.problems.length > 0).map((r) => r.problems),
      [],
    );
  });

  it('names an unset secret variable and a literal secret in the file', async () => {
    const pages = join(dir, 'one.ndjson');
    writeFileSync(pages, `${JSON.stringify(aPage({ incident: 'x' }))}\n`);
    const unset = await run(['notify', '--config', config, '--from-file', pages], {
      SLACK_URL: env.SLACK_URL!,
    });
    assert.equal(unset.code, 1);
    assert.match(
      unset.stderr,
      /notify\.receivers\.pd\.secret_env: the environment variable PD_KEY is not set/,
    );
    assert.match(
      unset.stderr,
      /notify\.receivers\.og\.secret_env: the environment variable OG_KEY is not set/,
    );
    const literal = join(dir, 'literal.yaml');
    writeFileSync(literal, 'notify:\n  receivers:\n    pd: { type: pagerduty, routing_key: abc }\n');
    const bad = await run(['notify', '--config', literal, '--from-file', pages], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /notify\.receivers\.pd\.routing_key: a secret is never written in the config/);
    const shortKey = await run(['notify', '--config', config, '--from-file', pages], {
      ...env,
      PD_KEY: 'short',
    });
    assert.match(
      shortKey.stderr,
      /PD_KEY holds 5 characters; a PagerDuty routing \(integration\) key has 32/,
    );
    assert.doesNotMatch(shortKey.stderr, /short/);
  });

  it('has --help', async () => {
    const help = await run(['notify', '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--from-file <pages\.ndjson>/);
    assert.match(help.stdout, /--delivery-log <file>/);
  });
});
