// Prints every record of the P1 and P2 topics as it is published (read committed), one line each: with the
// incident stage, its pages (action trigger) and their resolves; without it, the scored alerts routed there.
//   node scripts/local/watch-pages.ts [--config file]
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { keyReason } from '../../src/cli/triage-table.ts';
import type { TierRecord } from '../../src/core/incidents/types.ts';
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
    const v = JSON.parse(message.value.toString('utf8')) as ScoredAlert | TierRecord;
    const when = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
    if ('action' in v && v.action === 'resolve') {
      console.log(`[${v.tier}] resolved ${when(v.event_time)}  ${v.incident_id}: ${v.reason}`);
    } else if ('action' in v && v.action === 'trigger') {
      console.log(
        `[${v.tier}] page     ${when(v.event_time)}  ${v.incident_id} → ${v.incident.owner}: ${v.reason}: ${v.incident.title}`,
      );
    } else {
      const a = v as ScoredAlert;
      console.log(
        `[${a.tier}] ${a.priority.toFixed(1).padStart(5)}  ${when(a.event_time)}  ${a.model_id} ${a.alert.signal} → ${a.owner}: ${keyReason(a)}`,
      );
    }
  },
});
