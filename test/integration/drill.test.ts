// `alert-triage drill` on the real broker, as an operator runs it: the service (`run`, a child process,
// drills enabled, the incident stage on), a drill refused where no drill-enabled service reads the
// topics, then a bad-deploy drill whose pages arrive on the tier topics marked [DRILL], an ack fed
// through the feedback topic, and the drill's time to page and to ack on /metrics.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config.ts';
import {
  BROKERS,
  createTopics,
  kafka,
  produceRaw,
  REGISTRY,
  ROOT,
  SAMPLE,
  SKIP,
  uniqueTopics,
  waitUntil,
} from './harness.ts';

const BIN = join(ROOT, 'bin', 'alert-triage.js');

/** What the test reads of a tier-topic record. */
interface TierValue {
  action: string;
  tier: string;
  drill?: string;
  alert: { alert_id: string };
  incident: { title: string };
  pagerduty: { payload: { summary: string } };
  opsgenie: { message: string };
  slack: { text: string };
}

function runBin(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('alert-triage drill against a running service', { skip: SKIP }, () => {
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'drill-it-'));
  const configPath = join(dir, 'service.json');
  const port = 19_000 + Math.floor(Math.random() * 900);
  const topics: Record<string, string> = { ...uniqueTopics(`it-${id}`), status: `it-${id}.status` };
  const doc = {
    ...(parseYaml(readFileSync(join(SAMPLE, 'catalog.yaml'), 'utf8')) as Record<string, unknown>),
    topics,
    kafka: {
      brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
      group_id: `it-drill-${id}`,
      transactional_id_prefix: `it-drill-${id}`,
      client_id: `it-drill-${id}`,
      partitions: { alerts: 2, deployments: 1, feedback: 1, outputs: 2, dlq: 1, incidents: 2 },
      session_timeout: '10s',
      max_partition_idle: '2s',
      incident_stage: true,
    },
    registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
    http: { port },
    drills: { enabled: true },
  };
  const env = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' };
  const children: ChildProcess[] = [];
  const tierRecords: { topic: string; message: KafkaMessage }[] = [];
  const reader = kafka().consumer({ groupId: `it-drill-reader-${id}`, readUncommitted: false });

  before(async () => {
    writeFileSync(configPath, JSON.stringify(doc));
    const admin = await createTopics(parseConfig(doc));
    await admin.disconnect();
    await reader.connect();
    await reader.subscribe({ topics: [topics.P1!, topics.P2!, topics.P3!, topics.P4!], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => void tierRecords.push({ topic, message }),
    });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await reader.disconnect();
  });

  it('is refused where no drill-enabled service reads the topics, and otherwise pages [DRILL] with its figures', {
    timeout: 240_000,
  }, async () => {
    // Before any service has started: nothing on the status topic, so no drill.
    const early = await runBin(['drill', '--scenario', 'bad-deploy', '--config', configPath], env);
    assert.equal(early.code, 3, early.stderr);
    assert.match(early.stderr, /DRILL_NO_SERVICE/);

    const child = spawn(process.execPath, [BIN, 'run', '--config', configPath], { env });
    children.push(child);
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitUntil(
        'ready',
        async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
        90_000,
      );
      await waitUntil('status published', () => logs.includes('status published on topics.status'), 30_000);

      // Another alerts topic: no service reads it, so the drill is refused there too.
      const elsewhere = join(dir, 'elsewhere.json');
      writeFileSync(elsewhere, JSON.stringify({ ...doc, topics: { ...topics, alerts: `it-${id}.other` } }));
      const refused = await runBin(['drill', '--scenario', 'bad-deploy', '--config', elsewhere], env);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /DRILL_NO_SERVICE: no alert-triage service/);

      const started = Date.now();
      const run = await runBin(
        ['drill', '--scenario', 'bad-deploy', '--config', configPath, '--speed', '600', '--seed', '5'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const drill = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
        drill_id: string;
        models: string[];
        ack: { topic: string; record: Record<string, unknown> };
      };
      assert.match(drill.drill_id, /^bad-deploy-/);

      const drillPages = () =>
        tierRecords
          .map((r) => ({ ...r, value: JSON.parse(r.message.value!.toString('utf8')) as TierValue }))
          .filter((r) => r.value.drill === drill.drill_id);
      await waitUntil('the drill page', () => drillPages().some((r) => r.value.action === 'trigger'), 90_000);
      const page = drillPages().find((r) => r.value.action === 'trigger')!;
      assert.match(page.value.pagerduty.payload.summary, /^\[DRILL\] \[P\d\] /);
      assert.match(page.value.opsgenie.message, /^\[DRILL\] /);
      assert.match(page.value.slack.text, /^\[DRILL\] /);
      assert.match(page.value.incident.title, /^\[DRILL\] /);
      assert.equal(page.message.headers?.drill?.toString(), drill.drill_id);
      assert.ok(page.value.alert.alert_id.startsWith(`drill-${drill.drill_id}-a`));

      const metrics = async () => (await fetch(`${base}/metrics`)).text();
      await waitUntil('time to page exported', async () =>
        /^alert_triage_drill_time_to_page_seconds_count\{tier="P\d",scenario="bad-deploy"\} 1$/m.test(
          await metrics(),
        ),
      );
      const text = await metrics();
      const ttp = Number(
        /^alert_triage_drill_last_seconds\{stage="page",tier="P\d",scenario="bad-deploy"\} (\S+)$/m.exec(
          text,
        )![1],
      );
      assert.ok(ttp >= 0 && ttp < (Date.now() - started) / 1000, `time to page ${ttp} s`);
      // Counted apart: the paging panels (pages_total) show real pages only, and nothing else here pages.
      assert.match(
        text,
        new RegExp(
          `^alert_triage_drill_pages_total\\{tier="${page.value.tier}",scenario="bad-deploy"\\} 1$`,
          'm',
        ),
      );
      assert.match(text, new RegExp(`^alert_triage_pages_total\\{tier="${page.value.tier}"\\} 0$`, 'm'));

      // On-call acknowledges: feedback with acked_at on the page's alert.
      const now = Date.now();
      await produceRaw(topics.feedback!, [
        {
          key: page.value.alert.alert_id,
          value: JSON.stringify({
            alert_id: page.value.alert.alert_id,
            event_time: now,
            outcome: 'actionable',
            acked_at: now,
          }),
        },
      ]);
      let n = 0;
      await waitUntil(
        'the drill ack',
        async () => {
          // Feedback waits for the alerts' stream time to pass its event time: the ordinary traffic of a
          // live platform moves it on; here info alerts every 100 ms on other models (every alert partition).
          const t = Date.now();
          n++;
          await produceRaw(
            topics.alerts!,
            ['churn-predictor', 'fraud-scorer', 'demand-forecaster', 'ads-bidder'].map((model) => ({
              key: model,
              value: JSON.stringify({
                alert_id: `bg-${id}-${model}-${n}`,
                event_time: t,
                model_id: model,
                signal: 'latency',
                severity: 'info',
              }),
            })),
          );
          return drillPages().some((r) => r.value.action === 'acknowledge');
        },
        60_000,
      );
      const ack = drillPages().find((r) => r.value.action === 'acknowledge')!;
      assert.match(ack.value.slack.text, /^\[DRILL\] /);
      await waitUntil('time to ack exported', async () =>
        /^alert_triage_drill_time_to_ack_seconds_count\{tier="P\d",scenario="bad-deploy"\} 1$/m.test(
          await metrics(),
        ),
      );
      assert.match(
        await metrics(),
        /^alert_triage_drill_sla_total\{tier="P\d",kind="ack",result="met"\} 1$/m,
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, logs.slice(-3000));
  });
});
