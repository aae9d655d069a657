// `alert-triage topics`: print the topic plan, then create what is missing. Without a reachable broker it
// ends in one line naming the brokers and what to do, within `--timeout`, instead of kafkajs' retries
// (a minute of them) and a KafkaJSNumberOfRetriesExceeded stack trace.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { type CliIo, EXIT } from './score-command.ts';

export interface TopicsOptions {
  config?: string;
  dryRun?: boolean;
  /** Seconds to reach the broker and create the topics. */
  timeout: number;
}

export class BrokerUnreachableError extends Error {
  readonly code = 'BROKER_UNREACHABLE';
  readonly canRetry = true;
}

export class TopicsError extends Error {
  readonly code = 'TOPICS_FAILED';
  readonly canRetry = false;
}

export async function topicsCommand(opts: TopicsOptions, io: CliIo): Promise<number> {
  // Loaded here, not at the top: the offline commands never pay for kafkajs.
  const { ensureTopics, topicSpecs } = await import('../adapters/kafka/admin.ts');
  const config = loadConfigFile(opts.config, process.env);
  for (const s of topicSpecs(config)) {
    const settings = Object.entries(s.configs)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    io.stdout.write(`${s.topic.padEnd(32)} partitions=${s.partitions} ${settings}\n`);
  }
  if (opts.dryRun) return EXIT.ok;
  const { createKafka } = await import('../adapters/kafka/client.ts');
  const { createLogger } = await import('../telemetry.ts');
  // kafkajs' own lines are its retries (warn): the outcome is this command's one line.
  const admin = createKafka(config, createLogger({ level: 'error' })).admin();
  const brokers = config.kafka.brokers.join(',');
  const timeoutMs = opts.timeout * 1000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BrokerUnreachableError(`no answer within ${opts.timeout} s`)),
      timeoutMs,
    );
  });
  let connected = false;
  try {
    const work = admin.connect().then(() => {
      connected = true;
      return ensureTopics(admin, config);
    });
    const r = await Promise.race([work, deadline]);
    io.stdout.write(
      `created ${r.created.length} topic(s)${r.created.length ? `: ${r.created.join(', ')}` : ''}; ${r.existing.length} already existed\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (connected)
      throw new TopicsError(`topics: creating the topics on ${brokers} failed: ${(e as Error).message}`);
    throw new BrokerUnreachableError(
      `topics: cannot reach the Kafka broker(s) at ${brokers} (${(e as Error).message}); start the broker, ` +
        'or point KAFKA_BROKERS (or kafka.brokers in --config) at a running one; --dry-run prints the plan without one',
    );
  } finally {
    clearTimeout(timer);
    // A connect still retrying is abandoned: do not wait for it.
    void admin.disconnect().catch(() => undefined);
  }
}
