// Screenshots of the triage console for docs/console/: the queue, the side-by-side panel and an explain
// view, over the offline `alert-triage console` on the sample week, in Debian's Chromium.
// npx --no-install node scripts/console-screenshots.ts
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, sampleWeekConsoleArgs, startConsole } from '../test/fixtures/console.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'console');
mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'console-shots-'));

const { child, base } = await startConsole(sampleWeekConsoleArgs(join(dir, 'silences.ndjson')), {
  ALERT_TRIAGE_CONSOLE_TOKEN: 'screenshot',
});

const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1500, height: 900 },
  args: CHROMIUM_ARGS,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/?status=all&tier=P1,P2`);
  await page.screenshot({ path: join(OUT, 'queue.png') });
  await page.locator('#side-by-side').screenshot({ path: join(OUT, 'side-by-side.png') });
  await page.locator('#queue tr[data-incident] a').first().click();
  await page.waitForURL(/\/incident\//);
  await page.screenshot({ path: join(OUT, 'explain.png'), fullPage: true });
  console.log(`wrote ${OUT}/queue.png, side-by-side.png, explain.png`);
} finally {
  await context.close();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
