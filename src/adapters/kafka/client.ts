// The kafkajs client, built from the validated config; kafkajs' own logs go through pino.
import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig, logLevel as kafkaLogLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';

let negativeTimeoutWarningDropped = false;

/**
 * kafkajs 2.2.4 computes one request-queue delay as `throttledUntil - Date.now()` with `throttledUntil` 0, so every
 * process on Node 24 prints a `TimeoutNegativeWarning` (tulios/kafkajs#1751; the fixes, #1755 and #1756, were never
 * released). Node clamps that delay to 1 ms, which is what kafkajs meant, so the line is noise, and it is not JSON
 * on a service whose stderr is otherwise pino's. Only that warning type is dropped; every other warning is emitted.
 */
export function dropKafkajsNegativeTimeoutWarning(): void {
  if (negativeTimeoutWarningDropped) return;
  negativeTimeoutWarningDropped = true;
  const emit = process.emitWarning;
  process.emitWarning = function emitWarning(
    this: unknown,
    warning: string | Error,
    ...rest: unknown[]
  ): void {
    const first = rest[0];
    const type = typeof first === 'string' ? first : (first as { type?: unknown } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') return;
    if (warning instanceof Error && warning.name === 'TimeoutNegativeWarning') return;
    (emit as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
}

/**
 * Messages kafkajs logs at ERROR while it is still recovering: connection errors and timeouts (the pool
 * reconnects), a broker's error answer (`Response Metadata(…)`: the caller retries it or gets it thrown),
 * a rejoin, an offset reset, and the consumer crash it restarts from (the service logs an unrecoverable
 * crash itself). Logged at warn, so log-based alerting on `error` does not fire on a healthy service.
 */
const RECOVERING = [
  /^Connection error/,
  /^Connection timeout/,
  /^Response /,
  /^Failed to connect to (seed )?broker/,
  /^Restarting the consumer/,
  /^Crash: /,
  /^The coordinator is not aware of this member/,
  /^Offset out of range/,
  /^The group is rebalancing/,
];

/** The pino level of one kafkajs log entry: an error kafkajs retries, or is retrying within, is a warning. */
export function kafkajsLevel(
  level: number,
  message: string,
  extra: Record<string, unknown>,
): 'error' | 'warn' | 'debug' {
  if (level === kafkaLogLevel.WARN) return 'warn';
  if (level > kafkaLogLevel.WARN) return 'debug';
  if ('retryCount' in extra || 'retryTime' in extra) return 'warn';
  return RECOVERING.some((re) => re.test(message)) ? 'warn' : 'error';
}

export function createKafka(config: Config, logger: Logger, clientSuffix = ''): Kafka {
  dropKafkajsNegativeTimeoutWarning();
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
        logger.child({ component: 'kafkajs' })[kafkajsLevel(level, message, extra)](extra, message);
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
