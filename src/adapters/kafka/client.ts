// The kafkajs client, built from the validated config; kafkajs' own logs go through pino.
import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig, logLevel as kafkaLogLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';

export function createKafka(config: Config, logger: Logger, clientSuffix = ''): Kafka {
  const k = config.kafka;
  const options: KafkaConfig = {
    clientId: `${k.client_id}${clientSuffix}`,
    brokers: [...k.brokers],
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // Transient broker faults: kafkajs retries with exponential backoff before anything surfaces.
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    logLevel: kafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        const child = logger.child({ component: 'kafkajs' });
        if (level <= kafkaLogLevel.ERROR) child.error(extra, message);
        else if (level === kafkaLogLevel.WARN) child.warn(extra, message);
        else child.debug(extra, message);
      },
  };
  if (k.ssl || k.ssl_ca_file) {
    options.ssl = k.ssl_ca_file ? { ca: [readFileSync(k.ssl_ca_file, 'utf8')] } : true;
  }
  if (k.sasl) {
    options.sasl = {
      mechanism: k.sasl.mechanism,
      username: k.sasl.username,
      password: k.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(options);
}
