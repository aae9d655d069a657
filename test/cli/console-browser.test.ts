// The triage console in a real browser: Debian's Chromium driven by playwright-core, over the offline
// `alert-triage console` command on the sample week (a child process). Needs /usr/bin/chromium
// (scripts/infra/ensure-chromium.sh installs it); without it the test fails, it does not skip.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, sampleWeekConsoleArgs, startConsole } from '../fixtures/console.ts';

const TOKEN = 'console-test-token';

describe('the triage console in Chromium', { timeout: 180_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  let base: string;
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;
  let page: Page;
  const silenceFile = () => join(dir, 'silences.ndjson');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-browser-'));
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run scripts/infra/ensure-chromium.sh (apt-get install -y chromium)`,
    );
    ({ child, base } = await startConsole(sampleWeekConsoleArgs(silenceFile()), {
      ALERT_TRIAGE_CONSOLE_TOKEN: TOKEN,
    }));
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  after(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => page.locator('#queue tr[data-incident]');

  it('shows the queue ranked, and the filters change the URL and the rows', async () => {
    await page.goto(`${base}/?status=all`);
    const all = await rows().count();
    assert.ok(all > 10, `the sample week has incidents (${all})`);
    const tiers = await page.locator('#queue tr[data-incident] .tier').allTextContents();
    assert.deepStrictEqual(tiers, [...tiers].sort(), 'highest tier first');
    await page.fill('input[name=tier]', 'P1');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/tier=P1/);
    assert.match(page.url(), /[?&]tier=P1(&|$)/);
    const p1 = await rows().count();
    assert.ok(p1 > 0 && p1 < all, `P1 only: ${p1} of ${all}`);
    assert.deepStrictEqual(
      new Set(await page.locator('#queue tr[data-incident] .tier').allTextContents()),
      new Set(['P1']),
    );
    // The link is shareable: opening the URL gives the same rows.
    const again = await browser.newPage();
    await again.goto(page.url());
    assert.equal(await again.locator('#queue tr[data-incident]').count(), p1);
    await again.close();
    assert.ok(await page.locator('#side-by-side').isVisible(), 'business and technical side by side');
  });

  it('opens the explain view of an incident', async () => {
    await page.goto(`${base}/?status=all&tier=P1`);
    const id = await rows().first().getAttribute('data-incident');
    await rows().first().locator('a').first().click();
    await page.waitForURL(/\/incident\//);
    assert.match((await page.locator('#explain-title').textContent()) ?? '', /priority/);
    assert.equal(await page.locator('#components tr').count(), 6, 'five dimensions and a header');
    assert.ok((await page.locator('#reasons li').count()) > 0);
    assert.ok((await page.content()).includes(id as string));
  });

  it('creates a silence from the page with the matchers prefilled, in the silence file', async () => {
    await page.goto(`${base}/?status=all&tier=P1`);
    await rows().first().locator('a').first().click();
    await page.waitForURL(/\/incident\//);
    const matchers = await page
      .locator('#silence-form input[name^=matcher_]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    assert.ok(
      matchers.some((m) => m.startsWith('model_id=')),
      matchers.join(' '),
    );
    await page.fill('#silence-form input[name=token]', TOKEN);
    await page.click('#silence-form button[type=submit]');
    await page.waitForURL(/\/silences$/);
    assert.match((await page.locator('h2').first().textContent()) ?? '', /Silence .* created/);
    const written = readFileSync(silenceFile(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(written.length, 1);
    const model = matchers.find((m) => m.startsWith('model_id='))!.slice('model_id='.length);
    assert.ok(
      JSON.stringify(written[0].matchers).includes(model),
      `the silence matches the prefilled model ${model}: ${JSON.stringify(written[0].matchers)}`,
    );
  });

  it('expires that silence from the queue page', async () => {
    await page.goto(`${base}/`);
    const row = page.locator('#silences tr[data-silence]');
    assert.equal(await row.count(), 1);
    const id = await row.first().getAttribute('data-silence');
    await row.first().locator('input[name=token]').fill(TOKEN);
    await row.first().locator('button[type=submit]').click();
    await page.waitForURL(/\/silences\/expire$/);
    assert.match((await page.locator('h2').first().textContent()) ?? '', /expired/);
    const written = readFileSync(silenceFile(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(written.length, 2, 'the expiry is a second record of the same id');
    assert.equal(written[1].id, id);
    assert.ok(written[1].ends_at <= written[0].ends_at);
    await page.goto(`${base}/`);
    assert.equal(await page.locator('#silences tr[data-silence]').count(), 0);
  });

  it('a wrong token is refused with 403', async () => {
    const r = await page.request.post(`${base}/silences`, {
      form: { token: 'nope', matcher_0: 'model_id=x', duration: '1h', comment: 'x' },
    });
    assert.equal(r.status(), 403);
  });

  it('a bad filter shows the validation message, and an unknown parameter a notice', async () => {
    const r = await page.goto(`${base}/?tier=P9`);
    assert.equal(r?.status(), 400);
    assert.match((await page.locator('.error').first().textContent()) ?? '', /"P9" is not a tier/);
    assert.ok(!(await page.content()).includes('    at '), 'no stack trace');
    await page.goto(`${base}/?colour=blue`);
    assert.match(
      (await page.locator('.notice').first().textContent()) ?? '',
      /ignored unknown query parameter\(s\): colour/,
    );
  });
});
