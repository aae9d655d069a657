// kafkajs' own log lines: what it retries (or recovers from) is a warning, so alerting on `error` logs
// does not fire on a healthy service; what it does not recover from stays an error.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { createKafka, kafkajsLevel } from '../../../src/adapters/kafka/client.ts';
import { parseConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/telemetry.ts';

test('retried and recovering kafkajs errors are warnings; the rest stay errors', () => {
  const E = logLevel.ERROR;
  const cases: [number, string, Record<string, unknown>, string][] = [
    [E, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092' }, 'warn'],
    [E, 'Connection timeout', {}, 'warn'],
    [
      E,
      'Response Metadata(key: 3, version: 6)',
      { error: 'This server is not the leader for that topic-partition' },
      'warn',
    ],
    [
      E,
      'Failed to connect to seed broker, trying another broker from the list: x',
      { retryCount: 2, retryTime: 800 },
      'warn',
    ],
    [E, 'Failed to send messages: x', { retryCount: 0, retryTime: 300 }, 'warn'],
    [E, 'Restarting the consumer in 1200ms', { retryCount: 3 }, 'warn'],
    [E, 'Crash: KafkaJSNumberOfRetriesExceeded: x', { groupId: 'g', retryCount: 8 }, 'warn'],
    [E, 'The coordinator is not aware of this member, re-joining the group', {}, 'warn'],
    [E, 'Failed to execute listener: boom', { eventName: 'consumer.crash' }, 'error'],
    [E, 'SASL PLAIN authentication failed: bad password', { broker: 'b:9092' }, 'error'],
    [E, 'Caught error when disconnecting the consumer: x', {}, 'error'],
    [logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner', {}, 'warn'],
    [logLevel.INFO, 'Starting', {}, 'debug'],
  ];
  for (const [level, message, extra, want] of cases)
    assert.equal(kafkajsLevel(level, message, extra), want, message);
});

test("kafkajs' logger writes through the service logger at those levels", () => {
  const entries: { level: string; msg: string; component?: string }[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) entries.push(JSON.parse(l));
      done();
    },
  });
  const config = parseConfig({ kafka: { brokers: ['127.0.0.1:1'] } }, 'test');
  const kafka = createKafka(config, createLogger({ level: 'debug', destination }));
  // The root logger kafkajs hands its components, as the connection and the pool use it.
  const log = kafka.logger().namespace('Connection');
  log.error('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1' });
  log.error('Failed to execute listener: boom', {});
  assert.deepEqual(
    entries.filter((e) => e.component === 'kafkajs').map((e) => [e.level, e.msg]),
    [
      ['warn', 'Connection error: connect ECONNREFUSED 127.0.0.1:1'],
      ['error', 'Failed to execute listener: boom'],
    ],
  );
});
