// The console in the running service (`alert-triage run` as a child process, the real broker, the incident
// stage on, ALERT_TRIAGE_CONSOLE_TOKEN set): the queue at / shows what the service scored; a silence created
// from the page's form lands on the compacted ml.silences topic, the incident stage applies it to the next
// alert of that model (scored with `silenced_by`, not paged), and expiring it from the page moves its end on
// the topic. Without the token's value a POST is refused (403) and nothing is written.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isReady, sampleChildConfig, spawnCli } from '../reliability/support.ts';
import { json, ndjsonLines, produceLines, readTopics, SAMPLE, SKIP, waitUntil } from './harness.ts';

/** A topic read whole, read_committed, until 1.5 s pass with nothing new. */
const readAll = async (topic: string) =>
  (await readTopics([topic], { quietMs: 1_500, timeoutMs: 20_000 })).get(topic)!;

interface SilenceOnTopic {
  id: string;
  ends_at: number;
  created_by: string;
  matchers: { name: string; value: string }[];
}
interface Scored {
  alert_id: string;
  model_id: string;
  silenced_by: string | null;
  page: boolean;
}

describe('the console in the running service', { skip: SKIP }, () => {
  it('shows the queue, creates and expires a silence on ml.silences with the token, 403 without', async (t) => {
    const {
      id,
      dir,
      port,
      doc: full,
      configPath,
    } = await sampleChildConfig('console', { alertPartitions: 2 });
    const topics = full.topics as { alerts: string; scored: string; silences: string };
    const token = `console-${randomBytes(12).toString('hex')}`;
    const child = spawnCli(['run', '--config', configPath], join(dir, 'service.log'), {
      ALERT_TRIAGE_CONSOLE_TOKEN: token,
    });
    t.after(async () => {
      child.proc.kill('SIGTERM');
      await child.exited;
    });
    await waitUntil('ready', () => isReady(port), 90_000);
    const base = `http://127.0.0.1:${port}`;

    // The queue: a few of the sample week's alerts, scored by the service, on the page.
    const lines = ndjsonLines(join(SAMPLE, 'alerts.ndjson')).slice(0, 40);
    await produceLines(topics.alerts, lines, 'model_id');
    await waitUntil('40 alerts scored', async () => (await readAll(topics.scored)).length >= 40, 90_000);
    const page = await fetch(`${base}/?status=all`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const first = JSON.parse(lines[0]!) as { model_id: string };
    assert.ok(html.includes(first.model_id), 'the queue names the first alert’s model');
    assert.ok(!html.includes('read-only'), 'writes on: no read-only notice');
    // The explain view of that alert holds the silence form, its matchers prefilled.
    const alertIdOf = JSON.parse(lines[0]!) as { alert_id: string };
    const explain = await (await fetch(`${base}/alert/${encodeURIComponent(alertIdOf.alert_id)}`)).text();
    assert.ok(explain.includes('action="/silences"'), 'the explain view has the silence form');
    assert.ok(explain.includes(first.model_id), 'its matchers name the model');

    const form = (body: Record<string, string>) =>
      fetch(`${base}/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    // A wrong token is refused, and nothing reaches the topic.
    const wrong = await form({
      token: 'nope',
      matcher_0: 'model_id=fraud-scorer',
      duration: '1h',
      comment: 'x',
    });
    assert.equal(wrong.status, 403);
    // A bad duration is a 400 naming it, and nothing reaches the topic.
    const bad = await form({ token, matcher_0: 'model_id=fraud-scorer', duration: 'soon', comment: 'x' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /duration/);
    assert.equal((await readAll(topics.silences)).length, 0);

    // Created from the page: on the topic, with the matcher and the console as its author.
    const ok = await form({
      token,
      matcher_0: 'model_id=fraud-scorer',
      duration: '2h',
      comment: 'console test',
    });
    assert.equal(ok.status, 201, await ok.clone().text());
    const created = /Silence (\S+) created/.exec(await ok.text())?.[1];
    assert.ok(created, 'the answer names the silence');
    const onTopic = (await readAll(topics.silences)).map((m) => json<SilenceOnTopic>(m));
    assert.equal(onTopic.length, 1);
    assert.equal(onTopic[0]!.id, created);
    assert.deepEqual(
      onTopic[0]!.matchers.map((m) => [m.name, m.value]),
      [['model_id', 'fraud-scorer']],
    );
    assert.match(onTopic[0]!.created_by, /^console@/);
    assert.ok(onTopic[0]!.ends_at > Date.now() + 60 * 60_000);

    // The stage reads it: a fraud-scorer alert now is scored silenced and never paged.
    const now = Date.now();
    const alertId = `console-silenced-${id}`;
    await produceLines(
      topics.alerts,
      [
        JSON.stringify({
          alert_id: alertId,
          event_time: now,
          model_id: 'fraud-scorer',
          signal: 'prediction_drift',
          severity: 'critical',
          source: 'evidently',
        }),
      ],
      'model_id',
    );
    let mine: Scored | undefined;
    await waitUntil(
      'the silenced alert scored',
      async () => {
        const all = (await readAll(topics.scored)).map((m) => json<Scored>(m));
        mine = all.find((a) => a.alert_id === alertId);
        return mine !== undefined;
      },
      90_000,
    );
    assert.equal(mine!.silenced_by, created);
    assert.equal(mine!.page, false);

    // Listed on the page with an expire button, then expired from it: its end moves to now on the topic.
    assert.ok((await (await fetch(`${base}/?status=all`)).text()).includes(created!));
    const expire = await fetch(`${base}/silences/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, id: created! }).toString(),
    });
    assert.ok(expire.status < 300, `expire: ${expire.status}`);
    const after = (await readAll(topics.silences)).map((m) => json<SilenceOnTopic>(m));
    const latest = after.filter((s) => s.id === created).at(-1)!;
    assert.equal(after.length, 2, 'the expiry is the same silence written again, end moved');
    assert.ok(latest.ends_at <= Date.now(), 'expired: its end is now or before');
  });
});
