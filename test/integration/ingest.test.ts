// Native inputs into the running service (`alert-triage run` as a child process, the real broker):
// every bundled example (examples/native, real-shaped from each tool's docs) posted to
// POST /v1/ingest/<format>, then produced to the alerts topic with the alert-triage-format header,
// and each of its alerts scored on the scored topic once per way in. Wrong token 401, too large 413,
// a bad Alertmanager item rejected alone (HTTP 207; Kafka: DLQ with the reason, the others scored).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { createKafka } from '../../src/adapters/kafka/client.ts';
import { KafkaIngestProducer } from '../../src/adapters/kafka/ingest-producer.ts';
import { createCodec, registryTopicsOf } from '../../src/adapters/registry/codec.ts';
import { isConfluentFramed } from '../../src/adapters/registry/wire-format.ts';
import { createIngest } from '../../src/runtime/ingest.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import { isReady, sampleChildConfig, spawnCli } from '../reliability/support.ts';
import {
  createTopics,
  INPUT_PRODUCER,
  json,
  kafka,
  quietLogger,
  readTopic,
  readTopics,
  SKIP,
  sendExactly,
  testConfig,
  waitUntil,
} from './harness.ts';

const FORMATS = ['alertmanager', 'grafana', 'evidently', 'whylabs', 'arize', 'cloudevents'] as const;
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'native');
const example = (f: string) => readFileSync(join(EXAMPLES, `${f}.json`), 'utf8');

/** `alert-triage run` as a child on topics of its own, with an ingest token; stopped after the test. */
async function startChild(t: TestContext, kafkaOverrides: Record<string, unknown> = {}) {
  const {
    id,
    dir,
    port,
    doc: full,
    configPath,
  } = await sampleChildConfig('ingest', {
    alertPartitions: 3,
    kafka: kafkaOverrides,
  });
  const token = `ingest-${randomBytes(12).toString('hex')}`;
  const log = join(dir, 'service.log');
  const child = spawnCli(['run', '--config', configPath], log, { ALERT_TRIAGE_INGEST_TOKEN: token });
  t.after(async () => {
    child.proc.kill('SIGTERM');
    await child.exited;
  });
  await waitUntil('ready', () => isReady(port), 90_000);
  const post = (format: string, body: string, auth = `Bearer ${token}`) =>
    fetch(`http://127.0.0.1:${port}/v1/ingest/${format}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: auth },
    });
  return {
    id,
    token,
    log,
    child,
    post,
    topics: full.topics as { alerts: string; scored: string; dlq: string; incidents: string },
  };
}

describe('native inputs into the running service', { skip: SKIP }, () => {
  it('HTTP ingest and the format header: every example scored, bad input refused by name', async (t) => {
    const { id, token, log, child, post, topics } = await startChild(t);

    // 1. Over HTTP: each example, 202 with its alert ids.
    const idsOf = new Map<string, string[]>();
    for (const format of FORMATS) {
      const res = await post(format, example(format));
      const body = (await res.json()) as { alert_ids: string[]; accepted: number; rejected: number };
      assert.equal(res.status, 202, `${format}: ${JSON.stringify(body)}`);
      assert.equal(body.rejected, 0);
      idsOf.set(format, body.alert_ids);
    }
    const native = {
      alert_id: `native-${id}`,
      event_time: '2026-11-19T14:30:00Z',
      model_id: 'ads-bidder',
      signal: 'latency',
      severity: 'high',
    };
    const nres = await post('native', JSON.stringify(native));
    assert.equal(nres.status, 202);
    idsOf.set('native', [native.alert_id]);

    // Refused by name, nothing produced for them.
    assert.equal((await post('alertmanager', example('alertmanager'), 'Bearer wrong')).status, 401);
    assert.equal((await post('alertmanager', example('alertmanager'), '')).status, 401);
    const huge = JSON.stringify({ alerts: [{ labels: { model: 'm', pad: 'x'.repeat((1 << 20) + 10) } }] });
    assert.equal((await post('alertmanager', huge)).status, 413);
    const partial = JSON.parse(example('alertmanager'));
    partial.alerts[0].startsAt = 'not a time';
    const pres = await post('alertmanager', JSON.stringify(partial));
    const pbody = (await pres.json()) as { accepted: number; rejects: { code: string; field: string }[] };
    assert.equal(pres.status, 207);
    assert.equal(pbody.accepted, partial.alerts.length - 1);
    assert.deepEqual(
      pbody.rejects.map((r) => [r.code, r.field]),
      [['BAD_TIMESTAMP', 'alerts[0].startsAt']],
    );
    const httpAlerts = [...idsOf.values()].reduce((n, ids) => n + ids.length, 0) + pbody.accepted;

    const scoredById = async (expected: number) => {
      let got = new Map<string, KafkaMessage[]>();
      await waitUntil(
        `${expected} scored records`,
        async () => {
          got = await readTopics([topics.scored, topics.dlq], { quietMs: 1_500, timeoutMs: 20_000 });
          return got.get(topics.scored)!.length >= expected;
        },
        120_000,
      );
      const counts = new Map<string, number>();
      for (const m of got.get(topics.scored)!) {
        const a = json<{ alert_id: string }>(m);
        counts.set(a.alert_id, (counts.get(a.alert_id) ?? 0) + 1);
      }
      return { counts, total: got.get(topics.scored)!.length, dlq: got.get(topics.dlq)! };
    };
    const afterHttp = await scoredById(httpAlerts);
    assert.equal(afterHttp.total, httpAlerts, 'each acknowledged alert scored once');
    assert.equal(afterHttp.dlq.length, 0, 'nothing HTTP accepted is dead-lettered');

    // 2. On Kafka: the same payloads on the alerts topic with the header, and one with a bad item.
    const producer = kafka().producer(INPUT_PRODUCER);
    await producer.connect();
    await sendExactly(producer, topics.alerts, [
      ...FORMATS.map((format) => ({
        key: format,
        value: example(format),
        headers: { 'alert-triage-format': format },
      })),
      { key: 'native', value: JSON.stringify(native), headers: { 'alert-triage-format': 'native' } },
      {
        key: 'alertmanager',
        value: JSON.stringify(partial),
        headers: { 'alert-triage-format': 'alertmanager' },
      },
    ]);
    await producer.disconnect();
    const after = await scoredById(2 * httpAlerts);
    assert.equal(after.total, 2 * httpAlerts, 'each alert scored once more, by the header path');
    const report: string[] = [];
    for (const [format, ids] of idsOf) {
      for (const alertId of ids) {
        const n = after.counts.get(alertId) ?? 0;
        // The Alertmanager example's alerts come once more each in the partial payload (all but the bad one).
        const extra = format === 'alertmanager' && alertId !== idsOf.get('alertmanager')![0] ? 2 : 0;
        assert.equal(n, 2 + extra, `${format} ${alertId}`);
      }
      const sum = (c: Map<string, number>) => ids.reduce((n, a) => n + (c.get(a) ?? 0), 0);
      const byHttp = sum(afterHttp.counts);
      report.push(
        `${format}: ${ids.length} alert(s), scored ${byHttp} via HTTP, ${sum(after.counts) - byHttp} via the topic`,
      );
    }
    assert.equal(after.dlq.length, 1, 'the payload with a bad item is dead-lettered once');
    const headers = after.dlq[0]!.headers!;
    assert.equal(String(headers[DLQ_HEADERS.code]), 'BAD_TIMESTAMP');
    assert.equal(String(headers[DLQ_HEADERS.recordType]), 'AlertmanagerWebhook');
    assert.match(String(headers[DLQ_HEADERS.message]), /alerts\[0\]\.startsAt/);
    t.diagnostic(
      `${report.join('; ')} (alertmanager: with the 2 good alerts of the payload with a bad item, each way)`,
    );

    // The token never reaches the logs.
    child.proc.kill('SIGTERM');
    await child.exited;
    const logs = readFileSync(log, 'utf8');
    assert.ok(!logs.includes(token), 'the ingest token is never logged');
    assert.match(logs, /"ingest":"on: POST \/v1\/ingest/);
  });
  it('with the incident stage: a resolved Alertmanager alert resolves the incident its firing alert joined', async (t) => {
    const { post, topics } = await startChild(t, { incident_stage: true });
    // The example's FraudScorerAUCLow alert (resolved at 14:05:41), started 15 min before instead of 2 h,
    // so its incident is still open (gap 30 min) when the resolve comes: first posted firing, then the
    // example itself carrying it resolved — the resolve's alert_id is the firing one's plus :resolved.
    const body = JSON.parse(example('alertmanager'));
    const resolved = { ...body.alerts[2], startsAt: '2026-11-19T13:50:41.117Z' };
    body.alerts[2] = resolved;
    const firing = {
      ...body,
      status: 'firing',
      alerts: [{ ...resolved, status: 'firing', endsAt: '0001-01-01T00:00:00Z' }],
    };
    const f = await post('alertmanager', JSON.stringify(firing));
    assert.equal(f.status, 202);
    const firingId = ((await f.json()) as { alert_ids: string[] }).alert_ids[0]!;
    const r = await post('alertmanager', JSON.stringify(body));
    assert.equal(r.status, 202);
    assert.ok(((await r.json()) as { alert_ids: string[] }).alert_ids.includes(`${firingId}:resolved`));

    type Incident = {
      incident_id: string;
      status: string;
      resolved_by: string | null;
      resolved_at: number | null;
    };
    let latest = new Map<string, Incident>();
    let scored: { alert_id: string; incident_id?: string; page?: boolean }[] = [];
    await waitUntil(
      'the incident resolved by its source',
      async () => {
        const got = await readTopics([topics.incidents, topics.scored], {
          quietMs: 1_500,
          timeoutMs: 15_000,
        });
        latest = new Map();
        for (const m of got.get(topics.incidents)!) {
          if (m.value === null) continue;
          const inc = json<Incident>(m);
          latest.set(inc.incident_id, inc);
        }
        scored = got.get(topics.scored)!.map((m) => json(m));
        const inc = latest.get(scored.find((a) => a.alert_id === firingId)?.incident_id ?? '');
        return inc?.resolved_by === 'source';
      },
      90_000,
    ).catch((err) => {
      t.diagnostic(JSON.stringify({ incidents: [...latest.values()], scored }).slice(0, 4000));
      throw err;
    });
    const firingScored = scored.find((a) => a.alert_id === firingId)!;
    const resolveScored = scored.find((a) => a.alert_id === `${firingId}:resolved`)!;
    assert.equal(resolveScored.incident_id, firingScored.incident_id);
    assert.equal(resolveScored.page, false);
    const inc = latest.get(firingScored.incident_id!)!;
    assert.equal(inc.status, 'resolved');
    assert.equal(inc.resolved_at, Date.parse(resolved.endsAt));
    t.diagnostic(`incident ${inc.incident_id}: resolved_by ${inc.resolved_by} at ${resolved.endsAt}`);
  });
  it('with output.format avro, ingested alerts are Confluent-framed Avro of the registered AnomalyAlert schema', async () => {
    const config = testConfig({ output: { format: 'avro' } });
    const admin = await createTopics(config);
    await admin.disconnect();
    const codec = createCodec({ registryUrl: config.registry.url, outputFormat: 'avro' });
    await codec.registerSchemas(registryTopicsOf(config.topics, config.kafka.incident_stage));
    const producer = new KafkaIngestProducer({ kafka: createKafka(config, quietLogger(), '-ingest') });
    const ingest = createIngest({
      topic: config.topics.alerts,
      ports: { codec, producer },
      log: quietLogger(),
    });
    try {
      const answer = await ingest('grafana', JSON.parse(example('grafana')));
      assert.equal(answer.status, 202);
      const got = await readTopic(config.topics.alerts, { expected: answer.accepted, timeoutMs: 30_000 });
      assert.equal(got.length, answer.accepted);
      for (const m of got) {
        assert.ok(isConfluentFramed(m.value!), 'Avro in the Confluent wire format');
        const alert = (await codec.decode(m.value!)) as { alert_id: string; model_id: string };
        assert.equal(m.key!.toString(), alert.model_id);
        assert.ok((answer.body.alert_ids as string[]).includes(alert.alert_id));
      }
    } finally {
      await producer.close();
    }
  });
});
