// The ingest producer without a broker to answer: send() fails within its bound (the endpoint's 503),
// and the next send tries a fresh connection rather than a dead one.
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { IngestTimeout, KafkaIngestProducer } from '../../../src/adapters/kafka/ingest-producer.ts';

describe('KafkaIngestProducer', () => {
  it('rejects within its timeout when no broker answers, and again on the next send', async () => {
    const kafka = new Kafka({
      clientId: 'ingest-test',
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 200,
    });
    const producer = new KafkaIngestProducer({ kafka, timeoutMs: 2_000 });
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      await assert.rejects(producer.send('t', [{ key: 'm', value: Buffer.from('{}') }]));
      assert.ok(Date.now() - started < 3_000, 'bounded');
    }
    await producer.close();
  });
  it('a broker that accepts but never answers: IngestTimeout after timeoutMs, not a hung request', async (t) => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as AddressInfo).port;
    const kafka = new Kafka({
      clientId: 'ingest-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      requestTimeout: 30_000,
    });
    const producer = new KafkaIngestProducer({ kafka, timeoutMs: 800 });
    const started = Date.now();
    await assert.rejects(producer.send('t', [{ key: 'm', value: Buffer.from('{}') }]), IngestTimeout);
    assert.ok(Date.now() - started < 2_000);
    await producer.close();
  });
});
