// Screenshots of the triage console for docs/console/: the queue, the side-by-side panel and an explain
// view, over the offline `alert-triage console` on the sample week, in Debian's Chromium.
// npx --no-install node scripts/console-screenshots.ts
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..');
const SAMPLE = join(ROOT, 'examples', 'sample-week');
const OUT = join(ROOT, 'docs', 'console');
mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'console-shots-'));

const child = spawn(
  process.execPath,
  [
    join(ROOT, 'bin', 'alert-triage.js'),
    'console',
    '--port',
    '0',
    '--alerts',
    join(SAMPLE, 'alerts.ndjson'),
    '--deploys',
    join(SAMPLE, 'deploys.ndjson'),
    '--feedback',
    join(SAMPLE, 'feedback.ndjson'),
    '--config',
    join(SAMPLE, 'catalog.yaml'),
    '--silence-file',
    join(dir, 'silences.ndjson'),
  ],
  {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ALERT_TRIAGE_CONSOLE_TOKEN: 'screenshot' },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
const base = await new Promise<string>((resolve, reject) => {
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    err += s;
    const m = /console: (http:\/\/\S+?)\/ /.exec(err);
    if (m) resolve(m[1] as string);
  });
  child.once('exit', (code) => reject(new Error(`console exited with ${code}:\n${err}`)));
});

const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1500, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
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
