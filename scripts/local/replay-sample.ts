// Replays a generated week into Kafka as JSON: deploys first, then alerts (and feedback with
// --feedback), keyed as PRODUCT.md says, at --rate alerts per second (0: as fast as possible).
//   node scripts/local/replay-sample.ts [--dir examples/sample-week] [--rate 200] [--feedback]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'examples/sample-week' },
    rate: { type: 'string', default: '200' },
    feedback: { type: 'boolean', default: false },
    config: { type: 'string' },
  },
});
const config = loadConfigFile(values.config, process.env);
const kafka = new Kafka({
  clientId: 'alert-triage-replay',
  brokers: [...config.kafka.brokers],
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

const lines = (file: string) => readFileSync(join(values.dir!, file), 'utf8').split('\n').filter(Boolean);
const keyOf = (line: string, field: string) => {
  const v = (JSON.parse(line) as Record<string, unknown>)[field];
  return typeof v === 'string' ? v : null;
};

async function replay(topic: string, file: string, keyField: string, rate: number) {
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
    process.stderr.write(`\r${topic}: ${Math.min(i + chunk, all.length)}/${all.length}`);
  }
  process.stderr.write('\n');
}

await replay(config.topics.deployments, 'deploys.ndjson', 'model_id', 0);
await replay(config.topics.alerts, 'alerts.ndjson', 'model_id', Number(values.rate));
if (values.feedback) await replay(config.topics.feedback, 'feedback.ndjson', 'alert_id', 0);
await producer.disconnect();
