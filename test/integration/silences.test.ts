// Silences on the broker: `alert-triage silence add|list|expire --kafka` writes the compacted
// topics.silences, and a running StreamService with the incident stage reads it (every instance, whole):
// a silenced model's alerts are scored with `silenced_by` and never paged, the others page; an expired
// silence stops silencing later alerts; a silence on the topic before the start applies to the first
// alert; a bad record on the topic is dead-lettered by the stream and named by `silence list`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Admin, KafkaMessage } from 'kafkajs';
import type { CliIo } from '../../src/cli/score-command.ts';
import { runSilenceCommand } from '../../src/cli/silence-file-command.ts';
import { type Config, parseConfig } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/events.ts';
import type { PageRecord } from '../../src/core/incidents/types.ts';
import { DLQ_HEADERS } from '../../src/runtime/routing.ts';
import type { StreamService } from '../../src/runtime/stream-service.ts';
import { anAlert, CATALOG } from '../fixtures/builders.ts';
import {
  BROKERS,
  createTopics,
  json,
  produceLines,
  produceRaw,
  REGISTRY,
  readTopics,
  SKIP,
  startService,
  uniqueTopics,
  waitUntil,
} from './harness.ts';

type Scored = ScoredAlert & { page: boolean; silenced_by: string | null; incident_id: string };

/** `alert-triage silence …` in this process, on the test's config file, with its output captured. */
async function silence(configFile: string, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') => ({
    write: (s: string) => {
      out[k] += s;
      return true;
    },
  });
  const io = { stdout: sink('stdout'), stderr: sink('stderr') } as unknown as CliIo;
  const code = await runSilenceCommand([...args, '--kafka', '--config', configFile], io);
  return { code, ...out };
}

describe('silences on ml.silences, with the incident stage', { skip: SKIP }, () => {
  let config: Config;
  let configFile: string;
  let admin: Admin;
  let service: StreamService;
  /** Silenced before the service starts: fraud-scorer. */
  let before1: string;
  /** Silenced while it runs: triage-assist. */
  let running: string;
  let scored: Scored[] = [];
  let pages: PageRecord[] = [];
  let dlq: KafkaMessage[] = [];
  const t = () => config.topics;

  const read = async (expectScored: number) => {
    await waitUntil(
      `${expectScored} alerts scored`,
      async () => {
        const got = await readTopics([t().scored, t().P1, t().P2, t().P3, t().P4, t().dlq], {
          quietMs: 1_500,
          timeoutMs: 20_000,
        });
        scored = got.get(t().scored)!.map((m) => json<Scored>(m));
        pages = [t().P1, t().P2, t().P3, t().P4].flatMap((topic) =>
          got.get(topic)!.map((m) => json<PageRecord>(m)),
        );
        dlq = got.get(t().dlq)!;
        return scored.length >= expectScored;
      },
      90_000,
    );
  };
  const stageSilences = () =>
    (service.health().details.incidentStage as { silences: { held: number; read: number } }).silences;
  const alertLine = (id: string, model_id: string, over: Record<string, unknown> = {}) =>
    JSON.stringify(
      anAlert({
        alert_id: id,
        model_id,
        event_time: Date.now(),
        severity: 'critical',
        confidence: 0.95,
        affected_entities: 200_000,
        ...over,
      }),
    );

  before(async () => {
    const id = randomBytes(4).toString('hex');
    const doc = {
      ...CATALOG,
      topics: uniqueTopics(`sil-${id}`),
      kafka: {
        brokers: (BROKERS ?? '127.0.0.1:9092').split(','),
        group_id: `sil-${id}`,
        transactional_id_prefix: `sil-${id}`,
        client_id: `sil-${id}`,
        instance_id: `sil-${id}-1`,
        partitions: { alerts: 3, deployments: 1, feedback: 1, outputs: 2, dlq: 1, incidents: 2 },
        session_timeout: '10s',
        max_partition_idle: '2s',
        incident_stage: true,
      },
      registry: { url: REGISTRY ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
      http: { port: 0 },
    };
    config = parseConfig(doc);
    configFile = join(mkdtempSync(join(tmpdir(), 'silences-it-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(doc));
    admin = await createTopics(config);
    const meta = await admin.fetchTopicMetadata({ topics: [config.topics.silences] });
    assert.equal(meta.topics[0]!.partitions.length, 1, '`topics` creates ml.silences with one partition');

    // On the topic before the service starts: it must apply to the very first alert.
    const a = await silence(
      configFile,
      'add',
      '--match',
      'model_id="fraud-scorer"',
      '--duration',
      '2h',
      '--comment',
      'retraining',
      '--created-by',
      'alice',
    );
    assert.equal(a.code, 0, a.stderr);
    before1 = a.stdout.trim();

    service = startService(config);
    await service.start();
    await waitUntil('the service ready', () => service.health().ready, 60_000);
    assert.deepEqual(stageSilences(), { held: 1, read: 1 });

    const b = await silence(
      configFile,
      'add',
      '--match',
      'model_id=~"triage-.*"',
      '--duration',
      '1h',
      '--comment',
      'clinical release',
    );
    assert.equal(b.code, 0, b.stderr);
    running = b.stdout.trim();
    await waitUntil('the stage read the second silence', () => stageSilences().read >= 2, 20_000);

    await produceLines(
      t().alerts,
      [
        alertLine('fs-1', 'fraud-scorer'),
        alertLine('ta-1', 'triage-assist'),
        alertLine('sr-1', 'search-ranker'),
      ],
      'model_id',
    );
    await read(3);
  });

  after(async () => {
    await service?.stop();
    await admin?.disconnect();
  });

  it('scores the silenced models with silenced_by and never pages them; the other model pages', () => {
    const by = new Map(scored.map((s) => [s.alert_id, s]));
    assert.equal(scored.length, 3, 'each alert scored once');
    for (const s of scored) assert.ok(['P1', 'P2'].includes(s.tier), `${s.alert_id} is at a page tier`);
    assert.equal(by.get('fs-1')?.silenced_by, before1, 'the silence on the topic before the start applies');
    assert.equal(by.get('fs-1')?.page, false);
    assert.equal(by.get('ta-1')?.silenced_by, running, 'the silence added while running applies');
    assert.equal(by.get('ta-1')?.page, false);
    assert.equal(by.get('sr-1')?.silenced_by, null);
    assert.equal(by.get('sr-1')?.page, true);
    assert.deepEqual(
      pages.map((p) => p.alert.alert_id),
      ['sr-1'],
      'one page, for the model not silenced',
    );
  });

  it('lists both on the topic; after expire, list --all still shows it, and later alerts page again', async () => {
    const listed = await silence(configFile, 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(new Set(ids), new Set([before1, running]));

    const e = await silence(configFile, 'expire', before1);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, new RegExp(`^expired ${before1} at `));
    const active = await silence(configFile, 'list', '--json');
    assert.deepEqual(
      active.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
      [running],
    );
    const all = await silence(configFile, 'list', '--all');
    assert.match(all.stdout, new RegExp(`${before1}.*expired`));
    await waitUntil('the stage read the expiry', () => stageSilences().read >= 3, 20_000);
    assert.equal(stageSilences().held, 2, 'an expired silence is kept (it only stops matching)');

    // Another fingerprint of each silenced model (a repeat would be suppressed by dedup, not by a silence).
    await produceLines(
      t().alerts,
      [
        alertLine('fs-2', 'fraud-scorer', { signal: 'error_rate', metric: 'error_rate' }),
        alertLine('ta-2', 'triage-assist', { signal: 'error_rate', metric: 'error_rate' }),
      ],
      'model_id',
    );
    await read(5);
    const by = new Map(scored.map((s) => [s.alert_id, s]));
    assert.equal(scored.length, 5);
    assert.equal(by.get('fs-2')?.silenced_by, null, 'the expired silence no longer matches');
    assert.equal(by.get('fs-2')?.page, true, 'fraud-scorer pages again');
    assert.equal(by.get('ta-2')?.silenced_by, running, 'the other silence still holds');
    assert.equal(by.get('ta-2')?.page, false);
    assert.deepEqual(pages.map((p) => p.alert.alert_id).sort(), ['fs-2', 'sr-1']);
  });

  it('dead-letters a bad record on the topic with its reason; silence list names it and goes on', async () => {
    const readBefore = stageSilences().read;
    await produceRaw(t().silences, [{ key: 'sil-broken', value: '{"id":"sil-broken",' }]);
    await waitUntil('the stage read the bad record', () => stageSilences().read > readBefore, 20_000);
    await waitUntil(
      'the bad silence dead-lettered',
      async () => {
        await read(5);
        return dlq.length > 0;
      },
      30_000,
    );
    const letter = dlq.find((m) => m.key?.toString() === 'sil-broken');
    assert.ok(letter, 'the record is on the DLQ under its key');
    assert.equal(letter.headers?.[DLQ_HEADERS.topic]?.toString(), t().silences);
    assert.equal(letter.headers?.[DLQ_HEADERS.code]?.toString(), 'MALFORMED_JSON');
    assert.equal(letter.headers?.[DLQ_HEADERS.recordType]?.toString(), 'Silence');
    assert.match(String(letter.headers?.[DLQ_HEADERS.message]), /not JSON/);
    assert.equal(stageSilences().held, 2, 'the bad record changed nothing');

    const listed = await silence(configFile, 'list', '--all', '--json');
    assert.equal(listed.code, 0);
    assert.match(
      listed.stderr,
      new RegExp(
        `silence list: skipped a bad record on ${t().silences.replaceAll('.', '\\.')} \\(partition 0, offset \\d+\\): invalid Silence: not JSON`,
      ),
    );
    assert.equal(listed.stdout.trim().split('\n').length, 2);
  });
});
