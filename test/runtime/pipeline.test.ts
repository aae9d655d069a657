// The alert pipeline's decisions on failure, on in-memory ports: what is retried, what is
// dead-lettered alone, what stops the partition; and the error policy itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../src/adapters/registry/codec.ts';
import { parseConfig } from '../../src/config.ts';
import { backoffMs, decide, RecordFault } from '../../src/runtime/error-policy.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import { FencedError, TransientCommitError } from '../fixtures/memory-broker.ts';
import { PipelineDriver } from '../fixtures/pipeline-driver.ts';
import { catalogOf, weekLines } from './conformance.ts';

describe('error policy', () => {
  it('decides from code / canRetry and kafkajs type / retriable, with one backoff table', () => {
    assert.deepEqual(decide(new RecordFault('7', 'ENCODE_FAILED', 'no'), 0), {
      action: 'dead-letter',
      offset: '7',
      code: 'ENCODE_FAILED',
      message: 'no',
    });
    assert.deepEqual(decide(new FencedError('fenced'), 0), { action: 'lost' });
    // kafkajs wraps the broker's error: the cause chain is read.
    const wrapped = Object.assign(new Error('retries exceeded'), { cause: { type: 'PRODUCER_FENCED' } });
    assert.deepEqual(decide(wrapped, 3), { action: 'lost' });
    assert.equal(
      decide(Object.assign(new Error('x'), { type: 'TOPIC_AUTHORIZATION_FAILED' }), 0).action,
      'fail',
    );
    assert.deepEqual(decide(new CodecError('REGISTRY_UNAVAILABLE', 'down'), 2), {
      action: 'retry',
      reason: 'REGISTRY_UNAVAILABLE',
      waitMs: 800,
    });
    assert.equal(decide(new CodecError('SCHEMA_INCOMPATIBLE', 'no'), 0).action, 'fail');
    assert.deepEqual(decide(new TransientCommitError('away'), 1), {
      action: 'retry',
      reason: 'kafka',
      waitMs: 400,
    });
    assert.deepEqual([0, 1, 5, 6, 20].map(backoffMs), [200, 400, 6_400, 10_000, 10_000]);
  });
});

describe('pipeline: an alert whose output can never be encoded', () => {
  it('is dead-lettered alone with the reason; its neighbours are published and the partition goes on', async () => {
    const config = parseConfig(catalogOf('sample-week'));
    const d = new PipelineDriver({ config, partitions: 2, seed: 5, chunk: [50, 50] });
    const alerts = weekLines('sample-week', 'alerts.ndjson').slice(0, 400);
    const victim = (JSON.parse(alerts[123]!) as { alert_id: string }).alert_id;
    d.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
    d.produce('alerts', alerts);
    await d.start();
    // Stage 1's codec, and with the incident stage (the default) stage 2's, which encodes the scored record.
    for (const codec of d.instances.flatMap((i) =>
      [i.mem.ports.codec, i.stageMem?.ports.codec ?? []].flat(),
    )) {
      const encode = codec.encode.bind(codec);
      codec.encode = async (kind, topic, record) => {
        if ((record as { alert_id?: string }).alert_id === victim)
          throw new CodecError('ENCODE_FAILED', 'a value the output schema cannot hold');
        return encode(kind, topic, record);
      };
    }
    await d.drain();
    const scored = d.scored().map((a) => a.alert_id);
    assert.equal(scored.length, alerts.length - 1);
    assert.ok(!scored.includes(victim));
    const dlq = d.records(d.topics.dlq);
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0]!.headers[DLQ_HEADERS.code], 'ENCODE_FAILED');
    assert.match(dlq[0]!.headers[DLQ_HEADERS.message]!, /output not encodable/);
    // Kafka Connect's headers say the same: a failure while processing (TASK_PUT), not while converting.
    assert.equal(dlq[0]!.headers['__connect.errors.stage'], 'TASK_PUT');
    assert.equal(dlq[0]!.headers['__connect.errors.exception.class.name'], 'ProcessingError');
    assert.match(
      dlq[0]!.headers['__connect.errors.exception.message']!,
      /^ENCODE_FAILED: .*output not encodable/,
    );
    assert.equal(dlq[0]!.headers['__connect.errors.offset'], dlq[0]!.headers[DLQ_HEADERS.offset]);
    assert.equal(JSON.parse(dlq[0]!.value!.toString('utf8')).alert_id, victim);
  });
});

describe('pipeline: transient commit failures', () => {
  it('are undone and retried: every alert once, as often as the broker failed', async () => {
    const config = parseConfig(catalogOf('sample-week'));
    const d = new PipelineDriver({ config, partitions: 3, seed: 9, commitFailures: 0.3 });
    const alerts = weekLines('sample-week', 'alerts.ndjson').slice(0, 800);
    d.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
    d.produce('alerts', alerts);
    await d.start();
    await d.drain();
    assert.ok(d.failedCommits > 0);
    const ids = d.scored().map((a) => a.alert_id);
    assert.equal(ids.length, alerts.length);
    assert.equal(new Set(ids).size, alerts.length);
  });
});

describe('pipeline: a new owner whose consumer fetched the committed offset before the old owner was fenced', () => {
  it('does not publish again what the old owner committed meanwhile', async () => {
    const config = parseConfig(catalogOf('sample-week'));
    const d = new PipelineDriver({ config, partitions: 1, seed: 3, instances: 2 });
    const alerts = weekLines('sample-week', 'alerts.ndjson').slice(0, 300);
    d.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
    d.produce('alerts', alerts);
    await d.start(1);
    const [a] = d.instances;
    const log = d.broker.log(d.topics.alerts, 0);
    const records = log.map((s) => ({
      offset: String(s.offset),
      key: s.key === null ? null : Buffer.from(s.key),
      value: s.value,
      headers: s.headers,
    }));
    const control = { running: () => true, heartbeat: async () => undefined };
    // The old owner commits the first 200 while the new owner's consumer still starts from offset 0.
    assert.equal(await a!.pipeline.chunk(0, records.slice(0, 200), control), 'committed');
    await d.join();
    // Partition 0 moves to the new instance (whatever the driver's spread said): it fences the old owner
    // and learns where that owner's committed work ends.
    const owner = d.instances[1]!;
    a!.pipeline.assign([]);
    owner.pipeline.assign([0]);
    assert.equal(await owner.pipeline.chunk(0, records, control), 'committed');
    const ids = d.stageOneAlerts().map((x) => x.alert_id);
    assert.equal(ids.length, alerts.length);
    assert.equal(new Set(ids).size, alerts.length, 'every alert once');
  });
});

describe('pipeline: a partition kept through a rebalance while one of its chunks was still committing', () => {
  it('does not publish again what that chunk committed when the consumer hands its records over again', async () => {
    const config = parseConfig(catalogOf('sample-week'));
    const d = new PipelineDriver({ config, partitions: 1, seed: 4, instances: 1 });
    const alerts = weekLines('sample-week', 'alerts.ndjson').slice(0, 300);
    d.produce('deployments', weekLines('sample-week', 'deploys.ndjson'));
    d.produce('alerts', alerts);
    await d.start(1);
    const [a] = d.instances;
    const records = d.broker.log(d.topics.alerts, 0).map((s) => ({
      offset: String(s.offset),
      key: s.key === null ? null : Buffer.from(s.key),
      value: s.value,
      headers: s.headers,
    }));
    const control = { running: () => true, heartbeat: async () => undefined };
    // The group rebalances while the first chunk is committing: the consumer keeps the partition, but
    // fetched its committed offset (0) before that commit, and hands the records over again from there.
    const first = a!.pipeline.chunk(0, records.slice(0, 200), control);
    await new Promise((r) => setImmediate(r)); // the chunk is under way (it holds the pipeline's lock)
    a!.pipeline.assign([0]);
    assert.equal(await first, 'committed');
    assert.equal(await a!.pipeline.chunk(0, records, control), 'committed');
    const ids = d.stageOneAlerts().map((x) => x.alert_id);
    assert.equal(ids.length, alerts.length);
    assert.equal(new Set(ids).size, alerts.length, 'every alert once');
  });
});
