// The baseline of bench:startup and bench:scale's readers: a plain kafkajs consumer (a group of its own,
// read_committed, from the beginning) that reads `--count` records of `--topic` and exits. No
// decoding, no state: what reading the records alone costs, with node's and kafkajs' own start-up.
//
//   node scripts/bench/plain-consumer.ts --brokers 127.0.0.1:39092 --topic T --count 100000
import { Kafka, logLevel } from 'kafkajs';

function arg(flag: string): string {
  const i = process.argv.indexOf(flag);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`${flag} is required`);
  return v;
}

const brokers = arg('--brokers').split(',');
const topic = arg('--topic');
const count = Number(arg('--count'));
const kafka = new Kafka({ clientId: 'bench-plain-consumer', brokers, logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: `bench-plain-${process.pid}-${Date.now()}`,
  readUncommitted: false,
  maxWaitTimeInMs: 250,
});
let read = 0;
let bytes = 0;
const done = Promise.withResolvers<void>();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    for (const m of batch.messages) bytes += m.value?.length ?? 0;
    read += batch.messages.length;
    if (read >= count) done.resolve();
  },
});
await done.promise;
process.stdout.write(`${JSON.stringify({ read, bytes })}\n`);
// Leaving the group is not part of reading: exit without waiting for it.
process.exit(0);
