// The demo producer: replays a generated week (examples/sample-week) into Kafka as JSON — deploys first, then
// alerts (and feedback with --feedback), keyed as PRODUCT.md says, at --rate alerts per second (0: as fast as
// possible). In src/ so that the image carries it compiled (docker-compose's `demo-producer` runs
// `node dist/demo/replay-week.js`); `npm run local` runs it from the checkout (scripts/local/replay-sample.ts).
//   node dist/demo/replay-week.js [--dir examples/sample-week] [--rate 200] [--feedback] [--config C.yaml]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfigFile } from '../adapters/file/config-file.ts';

export interface ReplayOptions {
  dir: string;
  /** Alerts per second; 0: as fast as the broker takes them. */
  rate: number;
  feedback: boolean;
  config?: string;
  env: Record<string, string | undefined>;
  progress?: (line: string) => void;
}

/** Produces the week's files to the configured topics; resolves with how many records went to each. */
export async function replayWeek(o: ReplayOptions): Promise<Record<string, number>> {
  const config = loadConfigFile(o.config, o.env);
  const kafka = new Kafka({
    clientId: 'alert-triage-replay',
    brokers: [...config.kafka.brokers],
    logLevel: logLevel.WARN,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const lines = (file: string) => readFileSync(join(o.dir, file), 'utf8').split('\n').filter(Boolean);
  const keyOf = (line: string, field: string) => {
    const v = (JSON.parse(line) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v : null;
  };
  const sent: Record<string, number> = {};
  const replay = async (topic: string, file: string, keyField: string, rate: number) => {
    const all = lines(file);
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 10)) : 1000;
    const started = Date.now();
    for (let i = 0; i < all.length; i += chunk) {
      const part = all.slice(i, i + chunk);
      await producer.send({ topic, messages: part.map((value) => ({ key: keyOf(value, keyField), value })) });
      if (rate > 0) {
        const due = started + ((i + part.length) / rate) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      }
      o.progress?.(`${topic}: ${Math.min(i + chunk, all.length)}/${all.length}`);
    }
    sent[topic] = all.length;
  };
  try {
    await replay(config.topics.deployments, 'deploys.ndjson', 'model_id', 0);
    await replay(config.topics.alerts, 'alerts.ndjson', 'model_id', o.rate);
    if (o.feedback) await replay(config.topics.feedback, 'feedback.ndjson', 'alert_id', 0);
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/** The command line: `node dist/demo/replay-week.js …` (or scripts/local/replay-sample.ts from a checkout). */
export async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'examples/sample-week' },
      rate: { type: 'string', default: '200' },
      feedback: { type: 'boolean', default: false },
      config: { type: 'string' },
    },
  });
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) {
    process.stderr.write(
      `replay-week: --rate must be a number of alerts per second ≥ 0, got ${values.rate}\n`,
    );
    process.exit(1);
  }
  const tty = process.stderr.isTTY;
  let last = 0;
  const sent = await replayWeek({
    dir: values.dir!,
    rate,
    feedback: values.feedback!,
    ...(values.config ? { config: values.config } : {}),
    env: process.env,
    progress: (line) => {
      // A redrawn line on a terminal; otherwise (compose logs) one every 5 s.
      if (tty) process.stderr.write(`\r${line}`);
      else if (Date.now() - last >= 5_000) {
        last = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
  });
  process.stderr.write(`${tty ? '\n' : ''}replay-week: done ${JSON.stringify(sent)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
