// The baseline of bench:stream: a kafkajs transactional passthrough with the shape of the stream
// service (src/runtime/stream-service.ts) and none of its work. One consumer group reading the input
// with read_committed; per input partition one transactional producer; batches cut into chunks of at
// most 500 records; per chunk one transaction that sends the same bytes (key, value, headers) to the
// output topic and commits the consumer offsets with sendOffsets. No decoding, no scoring, no side
// inputs. Runs until SIGTERM / SIGINT, then leaves the group and exits.
//
//   node scripts/bench/passthrough.ts --brokers 127.0.0.1:29092 --input T --output T2 --group G
//        [--tx-prefix P] [--session-timeout-ms 10000]
import { Kafka, type KafkaMessage, logLevel, type Producer } from 'kafkajs';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node scripts/bench/passthrough.ts --brokers HOST:PORT[,…] --input T --output T2 --group G [options]

The baseline of bench:stream (which starts it; no npm script of its own): a kafkajs transactional
passthrough with the stream service's shape and none of its work. Reads --input with read_committed
in group G, and per chunk of at most 500 records sends the same bytes to --output and commits the
offsets in one transaction. Runs until SIGTERM or SIGINT.

Options:
  --brokers B,…             Kafka bootstrap brokers (required)
  --input T                 topic read (required)
  --output T2               topic written (required)
  --group G                 consumer group (required)
  --tx-prefix P             prefix of the transactional ids (default: the group)
  --session-timeout-ms MS   consumer session timeout (default 10000)
  -h, --help                print this text and exit

Environment: none (the brokers come from --brokers).
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const CHUNK = 500;

interface Args {
  brokers: string[];
  input: string;
  output: string;
  group: string;
  txPrefix: string;
  sessionTimeout: number;
}

const FLAGS = ['--brokers', '--input', '--output', '--group', '--tx-prefix', '--session-timeout-ms'];

function parseArgs(argv: readonly string[]): Args {
  for (let i = 0; i < argv.length; i += 2) {
    if (!FLAGS.includes(argv[i]!)) throw new Error(`unknown argument ${argv[i]}`);
  }
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const need = (flag: string): string => {
    const v = get(flag);
    if (!v) throw new Error(`${flag} is required`);
    return v;
  };
  const group = need('--group');
  const sessionTimeout = Number(get('--session-timeout-ms') ?? 10_000);
  if (!Number.isInteger(sessionTimeout) || sessionTimeout < 1)
    throw new Error(`--session-timeout-ms needs a positive whole number, got ${get('--session-timeout-ms')}`);
  return {
    brokers: need('--brokers').split(','),
    input: need('--input'),
    output: need('--output'),
    group,
    txPrefix: get('--tx-prefix') ?? group,
    sessionTimeout,
  };
}

async function main(): Promise<void> {
  const a = parseArgsOrExit('passthrough', () => parseArgs(process.argv.slice(2)));
  // The same client settings as src/adapters/kafka/client.ts.
  const kafka = new Kafka({
    clientId: `${a.group}-passthrough`,
    brokers: a.brokers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
  });
  // The same consumer settings as the service's alert consumer.
  const consumer = kafka.consumer({
    groupId: a.group,
    readUncommitted: false,
    sessionTimeout: a.sessionTimeout,
    heartbeatInterval: Math.max(1_000, Math.floor(a.sessionTimeout / 10)),
    maxWaitTimeInMs: 100,
  });
  const producers = new Map<number, Producer>();
  const producerFor = async (partition: number): Promise<Producer> => {
    const existing = producers.get(partition);
    if (existing) return existing;
    const p = kafka.producer({
      transactionalId: `${a.txPrefix}-${a.input}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    await p.connect();
    producers.set(partition, p);
    return p;
  };
  const commitChunk = async (partition: number, chunk: KafkaMessage[]): Promise<void> => {
    const producer = await producerFor(partition);
    const tx = await producer.transaction();
    try {
      await tx.sendBatch({
        topicMessages: [
          {
            topic: a.output,
            messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
          },
        ],
      });
      await tx.sendOffsets({
        consumerGroupId: a.group,
        topics: [
          {
            topic: a.input,
            partitions: [{ partition, offset: (BigInt(chunk.at(-1)!.offset) + 1n).toString() }],
          },
        ],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  };

  let stopping = false;
  await consumer.connect();
  await consumer.subscribe({ topic: a.input, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      for (let i = 0; i < batch.messages.length; i += CHUNK) {
        if (!isRunning() || isStale() || stopping) return;
        const chunk = batch.messages.slice(i, i + CHUNK);
        try {
          await commitChunk(batch.partition, chunk);
        } catch (err) {
          console.error(`passthrough: chunk not committed (${(err as Error).message}); reading it again`);
          consumer.seek({ topic: batch.topic, partition: batch.partition, offset: chunk[0]!.offset });
          return;
        }
        resolveOffset(chunk.at(-1)!.offset);
        await heartbeat();
      }
    },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  stopping = true;
  await consumer.disconnect().catch(() => undefined);
  await Promise.all([...producers.values()].map((p) => p.disconnect().catch(() => undefined)));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
