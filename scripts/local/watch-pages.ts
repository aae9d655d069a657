// Prints every page as it is published (P1 and P2 topics, read committed), one line each.
//   node scripts/local/watch-pages.ts [--config file]
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { keyReason } from '../../src/cli/triage-table.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
const config = loadConfigFile(values.config, process.env);
const kafka = new Kafka({
  clientId: 'alert-triage-watch',
  brokers: [...config.kafka.brokers],
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: `alert-triage-watch-${process.pid}`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topics: [config.topics.P1, config.topics.P2], fromBeginning: true });
process.once('SIGINT', () => void consumer.disconnect().then(() => process.exit(0)));
await consumer.run({
  eachMessage: async ({ message }) => {
    if (!message.value || message.value[0] === 0) return; // Avro output: use the registry-aware tools
    const a = JSON.parse(message.value.toString('utf8')) as ScoredAlert;
    const when = new Date(a.event_time).toISOString().slice(5, 16).replace('T', ' ');
    console.log(
      `[${a.tier}] ${a.priority.toFixed(1).padStart(5)}  ${when}  ${a.model_id} ${a.alert.signal} → ${a.owner}: ${keyReason(a)}`,
    );
  },
});
