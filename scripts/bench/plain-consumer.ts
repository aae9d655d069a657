// The baseline of bench:startup and bench:scale's readers: a plain kafkajs consumer (a group of its own,
// read_committed, from the beginning) that reads `--count` records of `--topic` and exits. No
// decoding, no state: what reading the records alone costs, with node's and kafkajs' own start-up.
//
//   node scripts/bench/plain-consumer.ts --brokers 127.0.0.1:39092 --topic T --count 100000
import { Kafka, logLevel } from 'kafkajs';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node scripts/bench/plain-consumer.ts --brokers HOST:PORT[,…] --topic T --count N

The baseline of bench:startup's reader (bench:startup starts it; no npm script of its own): a plain
kafkajs consumer (a group of its own, read_committed, from the beginning) that reads N records of T
and exits, printing {"read", "bytes"} as one JSON line. No decoding, no state.

Options (all required):
  --brokers B,…   Kafka bootstrap brokers
  --topic T       topic read
  --count N       records to read, a positive whole number
  -h, --help      print this text and exit

Environment: none (the brokers come from --brokers).
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

function parseArgs(argv: readonly string[]): { brokers: string[]; topic: string; count: number } {
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--brokers', '--topic', '--count'].includes(argv[i]!))
      throw new Error(`unknown argument ${argv[i]}`);
  }
  const arg = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`${flag} is required`);
    return v;
  };
  const count = Number(arg('--count'));
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--count needs a positive whole number, got ${arg('--count')}`);
  return { brokers: arg('--brokers').split(','), topic: arg('--topic'), count };
}

const { brokers, topic, count } = parseArgsOrExit('plain-consumer', () => parseArgs(process.argv.slice(2)));
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
