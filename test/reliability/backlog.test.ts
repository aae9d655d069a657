// Backlog: a large queue of alerts already in the topic when `alert-triage run` starts; it drains with
// its memory bounded. The child's RSS (/proc/<pid>/status) and its state gauges are sampled every
// second against the share of the backlog committed; the memory late in the drain must not have grown
// with the number of alerts processed.
//
//   RELIABILITY_BACKLOG_ALERTS (200000; the figure in docs/RELIABILITY.md is for 1000000) sizes it.
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.ts';
import {
  INPUT_PRODUCER,
  kafka,
  ndjsonLines,
  produceLines,
  SKIP,
  sendExactly,
} from '../integration/harness.ts';
import {
  type Child,
  type ChildSetup,
  groupProgress,
  isReady,
  metricSum,
  metricsText,
  producedWorld,
  sleep,
  spawnCli,
} from './support.ts';

const ALERTS = Number(process.env.RELIABILITY_BACKLOG_ALERTS ?? 200_000);
const MiB = 1024 * 1024;

/** Streams an NDJSON file into a topic, keyed by model_id, a few sends in flight. */
async function produceFile(topic: string, file: string): Promise<number> {
  const producer = kafka().producer(INPUT_PRODUCER);
  await producer.connect();
  let batch: { key: string; value: string }[] = [];
  let bytes = 0;
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    const key = /"model_id":"([^"]*)"/.exec(line)?.[1] ?? '';
    batch.push({ key, value: line });
    bytes += line.length + key.length + 64;
    count++;
    if (bytes > 700_000) {
      await sendExactly(producer, topic, batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) await sendExactly(producer, topic, batch);
  await producer.disconnect();
  return count;
}

function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Sample {
  s: number;
  committed: number;
  rss: number;
  heap: number;
  window: number;
  dedup: number;
  open: number;
  waiting: number;
}

describe('backlog: a large queue drains with memory bounded', { skip: SKIP }, () => {
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin;
  let child: Child | undefined;
  const log = () => join(dir, 'service.log');

  before(async () => {
    // The backlog must be exact before the service starts (support.ts: producedWorld).
    ({ dir, setup, config, admin } = await producedWorld('backlog', ALERTS, async (c, d) => {
      await produceLines(c.topics.deployments, ndjsonLines(join(d, 'deploys.ndjson')), 'model_id');
      const produced = await produceFile(c.topics.alerts, join(d, 'alerts.ndjson'));
      assert.equal(produced, ALERTS);
      rmSync(join(d, 'alerts.ndjson'), { force: true });
    }));
  });

  after(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await admin?.disconnect();
  });

  it(`drains ${ALERTS} queued alerts with memory that does not grow with them`, {
    timeout: 1_800_000,
  }, async () => {
    const { end } = await groupProgress(admin, setup.groupId, config.topics.alerts);
    assert.equal(end, ALERTS, 'the whole backlog is queued before the service starts');
    const started = Date.now();
    child = spawnCli(['run', '--config', setup.configPath], log());
    const pid = child.proc.pid!;
    const samples: Sample[] = [];
    const deadline = Date.now() + 1_700_000;
    for (;;) {
      assert.ok(child.proc.exitCode === null, `service exited by itself (see ${log()})`);
      assert.ok(Date.now() < deadline, `backlog not drained (see ${log()})`);
      const [{ committed }, metrics] = await Promise.all([
        groupProgress(admin, setup.groupId, config.topics.alerts),
        metricsText(setup.port),
      ]);
      const rss = rssOf(pid);
      if (rss !== undefined && metrics) {
        samples.push({
          s: (Date.now() - started) / 1000,
          committed,
          rss,
          heap: metricSum(metrics, 'alert_triage_nodejs_heap_size_used_bytes'),
          window: metricSum(metrics, 'alert_triage_window_store_entries'),
          dedup: metricSum(metrics, 'alert_triage_dedup_entries'),
          open: metricSum(metrics, 'alert_triage_incidents_open'),
          waiting: metricSum(metrics, 'alert_triage_incident_members_waiting'),
        });
      }
      if (committed >= ALERTS && (await isReady(setup.port))) break;
      await sleep(1_000);
    }
    const drainedS = (Date.now() - started) / 1000;
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, 'SIGTERM exits 0');

    // Memory in each fifth of the backlog (by alerts committed): the peak and the state gauges.
    const fifths = [0, 1, 2, 3, 4].map((i) => {
      const inFifth = samples.filter(
        (x) => x.committed > (i * ALERTS) / 5 && x.committed <= ((i + 1) * ALERTS) / 5,
      );
      const peak = (f: (x: Sample) => number) => (inFifth.length ? Math.max(...inFifth.map(f)) : 0);
      return {
        committed_to: ((i + 1) * ALERTS) / 5,
        samples: inFifth.length,
        peak_rss_mib: Math.round(peak((x) => x.rss) / MiB),
        peak_heap_mib: Math.round(peak((x) => x.heap) / MiB),
        window_entries: peak((x) => x.window),
        dedup_entries: peak((x) => x.dedup),
        incidents_open: peak((x) => x.open),
        members_waiting: peak((x) => x.waiting),
      };
    });
    const peakRss = Math.max(...samples.map((x) => x.rss));
    const figures = {
      alerts: ALERTS,
      drained_s: Math.round(drainedS),
      alerts_per_s: Math.round(ALERTS / drainedS),
      peak_rss_mib: Math.round(peakRss / MiB),
      by_fifth: fifths,
      samples: samples.length,
    };
    console.log(`RELIABILITY backlog ${JSON.stringify(figures)}`);

    // Bounded: the last two fifths of the drain peak no higher than the first two (plus slack for the
    // garbage collector's timing), and the state gauges do not keep climbing with the alerts processed.
    const early = fifths.slice(0, 2).filter((f) => f.samples > 0);
    const late = fifths.slice(3).filter((f) => f.samples > 0);
    assert.ok(early.length > 0 && late.length > 0, `too few samples over the drain (${samples.length})`);
    const earlyRss = Math.max(...early.map((f) => f.peak_rss_mib));
    const lateRss = Math.max(...late.map((f) => f.peak_rss_mib));
    assert.ok(
      lateRss <= earlyRss * 1.25 + 64,
      `RSS grew with the backlog: ${earlyRss} MiB early, ${lateRss} MiB late`,
    );
    const earlyHeap = Math.max(...early.map((f) => f.peak_heap_mib));
    const lateHeap = Math.max(...late.map((f) => f.peak_heap_mib));
    assert.ok(
      lateHeap <= earlyHeap * 1.25 + 32,
      `heap grew with the backlog: ${earlyHeap} MiB early, ${lateHeap} MiB late`,
    );
  });
});
