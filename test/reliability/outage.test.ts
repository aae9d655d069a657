// Outages mid-stream: the broker is stopped and started again (its data kept), then the schema
// registry hangs (SIGSTOP) while Avro alerts written with a schema id the service has never seen
// arrive. Processing pauses, retries with backoff and resumes; /readyz says "not ready" while it waits
// and "ready" after; nothing transient reaches the DLQ; every alert is scored exactly once and each
// tier topic holds exactly the non-suppressed alerts of its tier.
//
// It restarts the broker, so it runs only against the infrastructure of scripts/infra/infra.sh (what
// `npm run test:reliability` starts), never against a broker it did not start.
//
//   RELIABILITY_OUTAGE_ALERTS (20000), RELIABILITY_BROKER_DOWN_MS (15000),
//   RELIABILITY_REGISTRY_PAUSE_MS (25000) tune the run.
// Alert by alert (kafka.incident_stage: false): the tier topics checked hold one record per alert. With
// the stage, the broker restart is incident-outage.test.ts's, SIGKILLs incident-crash.test.ts's, and
// failed and retried transactions the in-memory property cases' (test/runtime/conformance-memory.test.ts).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import avro from 'avsc';
import type { Admin } from 'kafkajs';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { frame } from '../../src/adapters/registry/wire-format.ts';
import type { Config } from '../../src/config.ts';
import { parseAlert } from '../../src/core/parse-record.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import {
  createTopics,
  json,
  ndjsonLines,
  produceLines,
  produceRaw,
  REGISTRY,
  ROOT,
  readTopic,
  SKIP,
} from '../integration/harness.ts';
import {
  type Child,
  type ChildSetup,
  checkTierTopics,
  childWorld,
  groupProgress,
  infra,
  isReady,
  metricSum,
  metricsText,
  ownInfra,
  restoreInfra,
  scoredOnce,
  sleep,
  spawnCli,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_OUTAGE_ALERTS ?? 20_000);
const BROKER_DOWN_MS = Number(process.env.RELIABILITY_BROKER_DOWN_MS ?? 15_000);
const REGISTRY_PAUSE_MS = Number(process.env.RELIABILITY_REGISTRY_PAUSE_MS ?? 25_000);
/** Samples /readyz every 250 ms, so the test can ask what it said during each phase. */
class ReadinessLog {
  readonly samples: { at: number; ready: boolean }[] = [];
  private running = true;
  private readonly done: Promise<void>;
  constructor(port: number) {
    this.done = (async () => {
      while (this.running) {
        this.samples.push({ at: Date.now(), ready: await isReady(port) });
        await sleep(250);
      }
    })();
  }
  between(from: number, to: number): boolean[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.ready);
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

const skip = ownInfra(SKIP);

const ENV = { KAFKA_INCIDENT_STAGE: 'false' };

describe('outage: broker restart and registry hang mid-stream', { skip }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin | undefined;
  let child: Child | undefined;
  let readiness: ReadinessLog | undefined;
  let jsonAlerts: string[] = [];
  let avroAlerts: string[] = [];
  let alertIds: string[] = [];
  const log = () => join(dir, 'service.log');

  before(async () => {
    ({ dir, setup } = await childWorld('outage', ALERTS));
    config = loadConfigFile(setup.configPath, ENV);
    admin = await createTopics(config);
    const lines = ndjsonLines(join(dir, 'alerts.ndjson'));
    alertIds = lines.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id);
    // The first 60 % go in as JSON before the service starts; the rest as Avro during the registry hang.
    const split = Math.floor(lines.length * 0.6);
    jsonAlerts = lines.slice(0, split);
    avroAlerts = lines.slice(split);
    await produceLines(config.topics.deployments, ndjsonLines(join(dir, 'deploys.ndjson')), 'model_id');
    await produceLines(config.topics.alerts, jsonAlerts, 'model_id');
  });

  after(async () => {
    // Whatever happened, leave the infrastructure running for the suites after this one.
    restoreInfra();
    await readiness?.stop();
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await admin?.disconnect().catch(() => undefined);
    if (dir) rmSync(join(dir, 'alerts.ndjson'), { force: true });
  });

  it('pauses, retries, resumes; /readyz tells the truth; nothing lost, doubled or dead-lettered', {
    timeout: 600_000,
  }, async (t) => {
    const t0 = Date.now();
    const note = (what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    const progress = async () => (await groupProgress(admin!, setup.groupId, config.topics.alerts)).committed;
    const waitFor = async (what: string, pred: () => Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await pred())) {
        assert.ok(child!.proc.exitCode === null, `service exited by itself (see ${log()})`);
        assert.ok(Date.now() < deadline, `timed out waiting for ${what} (see ${log()})`);
        await sleep(200);
      }
    };

    child = spawnCli(['run', '--config', setup.configPath], log(), ENV);
    readiness = new ReadinessLog(setup.port);
    await waitFor('ready', () => isReady(setup.port), 120_000);
    await waitFor(
      'a first part scored',
      async () => (await progress()) >= Math.min(3_000, jsonAlerts.length / 4),
      120_000,
    );

    // ── The broker goes away, with the service mid-stream, and comes back on the same data.
    await admin!.disconnect();
    admin = undefined;
    const brokerDown = Date.now();
    infra('stop', 'kafka');
    note('broker stopped');
    await sleep(BROKER_DOWN_MS);
    const brokerBack = Date.now();
    infra('start', 'kafka');
    note('broker started again');
    admin = await createTopics(config); // a new admin client; the topics exist already
    await waitFor('ready again after the broker restart', () => isReady(setup.port), 180_000);
    const readyAgainAfterBroker = Date.now();
    note('ready again');
    await waitFor('the JSON alerts scored', async () => (await progress()) >= jsonAlerts.length, 300_000);
    note('the JSON alerts are scored');

    // ── The registry hangs while Avro alerts arrive under a schema id the service has never seen.
    const subject = `${config.topics.alerts}-value`;
    const v1 = JSON.parse(readFileSync(join(ROOT, 'schemas', 'anomaly-alert.avsc'), 'utf8'));
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'outage_probe', type: ['null', 'string'], default: null }],
    };
    const registered = await fetch(`${REGISTRY}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(v2) }),
    });
    assert.equal(registered.status, 200, `registering v2: ${await registered.clone().text()}`);
    const { id } = (await registered.json()) as { id: number };
    const type = avro.Type.forSchema(v2, { wrapUnions: 'auto' });
    const names = (v2.fields as { name: string }[]).map((f) => f.name);
    const encoded = avroAlerts.map((line) => {
      const parsed = parseAlert(JSON.parse(line));
      assert.ok(parsed.ok);
      const record = Object.fromEntries(
        names.map((n) => [n, (parsed.value as unknown as Record<string, unknown>)[n] ?? null]),
      );
      return { key: parsed.value.model_id, value: frame(id, type.toBuffer(record)) };
    });
    const registryPaused = Date.now();
    infra('pause', 'registry');
    note('registry paused');
    for (let i = 0; i < encoded.length; i += 2_000)
      await produceRaw(config.topics.alerts, encoded.slice(i, i + 2_000));
    await sleep(REGISTRY_PAUSE_MS);
    const committedDuringPause = await progress();
    const registryBack = Date.now();
    infra('resume', 'registry');
    note('registry resumed');
    await waitFor('every alert scored', async () => (await progress()) >= ALERTS, 300_000);
    await waitFor('ready after the registry hang', () => isReady(setup.port), 60_000);
    const readyAgainAfterRegistry = Date.now();
    const metrics = await metricsText(setup.port);
    await readiness.stop();

    child.proc.kill('SIGTERM');
    const exit = await Promise.race([child.exited, sleep(30_000).then(() => undefined)]);
    assert.ok(exit, 'the service exits within 30 s of SIGTERM');
    assert.equal(exit.code, 0, 'SIGTERM exits 0');
    note('stopped; reading the outputs');

    // ── What came out.
    const scored = (
      await readTopic(config.topics.scored, { expected: ALERTS, timeoutMs: 120_000, settleMs: 3_000 })
    ).map((m) => json<ScoredAlert>(m));
    const { lost, duplicates } = scoredOnce(scored, alertIds);
    const dlq = await readTopic(config.topics.dlq, { timeoutMs: 5_000, settleMs: 1_000 });
    const tiers = await checkTierTopics(config, scored, { timeoutMs: 60_000, settleMs: 1_000 });
    // Allowances: the cluster probe (every 2 s) is overdue after 4 s, so "not ready" comes within ~8 s
    // of the broker going away; a registry request times out after 10 s (+ the Avro records' produce).
    const duringBroker = readiness.between(brokerDown + 9_000, brokerBack);
    const duringRegistry = readiness.between(registryPaused + 14_000, registryBack);
    const figures = {
      alerts_fed: ALERTS,
      broker_down_s: Math.round((brokerBack - brokerDown) / 1000),
      ready_again_after_broker_s: Math.round((readyAgainAfterBroker - brokerBack) / 1000),
      not_ready_samples_while_broker_down: `${duringBroker.filter((r) => !r).length}/${duringBroker.length}`,
      registry_paused_s: Math.round((registryBack - registryPaused) / 1000),
      committed_during_registry_pause: committedDuringPause,
      ready_again_after_registry_s: Math.round((readyAgainAfterRegistry - registryBack) / 1000),
      not_ready_samples_while_registry_hung: `${duringRegistry.filter((r) => !r).length}/${duringRegistry.length}`,
      retries: (metrics ?? '').split('\n').filter((l) => l.startsWith('alert_triage_retries_total{')),
      scored: scored.length,
      lost: lost.length,
      duplicates,
      dead_lettered: dlq.length,
      tiers,
    };
    console.log(`RELIABILITY outage ${JSON.stringify(figures)}`);

    assert.ok(
      duringBroker.length > 0 && duringBroker.every((r) => !r),
      '/readyz says not ready while the broker is down',
    );
    assert.ok(
      duringRegistry.length > 0 && duringRegistry.every((r) => !r),
      '/readyz says not ready while the registry hangs',
    );
    assert.ok(committedDuringPause <= jsonAlerts.length, 'no Avro alert committed without its schema');
    assert.ok(metricSum(metrics, 'alert_triage_retries_total') > 0, 'the transient faults were retried');
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} alerts lost`);
    assert.equal(duplicates, 0, 'no alert scored twice');
    assert.equal(
      dlq.length,
      0,
      `nothing transient dead-lettered (got ${dlq.map((m) => String(m.headers?.[DLQ_HEADERS.code] ?? '?')).join(', ')})`,
    );
    for (const [tier, r] of Object.entries(tiers)) {
      assert.equal(r.twice, 0, `${tier}: paged twice`);
      assert.equal(r.wrong, 0, `${tier}: missing or unexpected alerts`);
    }
  });
});
