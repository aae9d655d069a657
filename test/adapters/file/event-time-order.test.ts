// Event-time order of an input file: checked, streamed as it is when sorted, sorted in memory or on disk when not.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inEventTimeOrder } from '../../../src/adapters/file/event-time-order.ts';
import { readNdjsonBatches } from '../../../src/adapters/file/ndjson-source.ts';
import { readPayloadRecords } from '../../../src/adapters/file/payload-source.ts';
import type { SourceRecord } from '../../../src/adapters/file/source-record.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-order-'));
const T = Date.parse('2026-11-19T14:00:00Z');

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const rec = (id: string, t: number | string) =>
  JSON.stringify({ alert_id: id, event_time: t, pad: 'x'.repeat(40) });

async function all(batches: AsyncIterable<SourceRecord[]>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}
const ids = (rs: SourceRecord[]) =>
  rs.map((r) => (r.text.startsWith('{') ? JSON.parse(r.text).alert_id : r.text));
/** `size` only bounds the sort's memory: it does not travel through the runs. */
const withoutSize = (rs: SourceRecord[]) => rs.map(({ size: _, ...r }) => r);

describe('event-time order of an input file', () => {
  it('streams a sorted file as it is (equal times allowed), and counts its records', async () => {
    const f = file('sorted.ndjson', [rec('a', T), rec('b', T), rec('c', new Date(T + 1000).toISOString())]);
    const o = await inEventTimeOrder(f, () => readNdjsonBatches(f), { memoryBytes: 1 << 20, tmpDir: dir });
    assert.deepEqual(o.order, { file: f, records: 3, outOfOrder: 0, order: 'in-order' });
    assert.deepEqual(ids(await all(o.batches)), ['a', 'b', 'c']);
  });

  const shuffled = [
    rec('t3', T + 3000),
    rec('t1a', T + 1000),
    'not json',
    rec('t2', new Date(T + 2000).toISOString()),
    rec('t1b', T + 1000),
    rec('t0', T),
  ];

  it('sorts an unsorted file in memory, stably, invalid lines first (they are rejected)', async () => {
    const f = file('shuffled.ndjson', shuffled);
    const o = await inEventTimeOrder(f, () => readNdjsonBatches(f), { memoryBytes: 1 << 20, tmpDir: dir });
    assert.equal(o.order.order, 'sorted-in-memory');
    assert.equal(o.order.outOfOrder, 4, 't1a, t2, t1b and t0 are each earlier than t3');
    const sorted = await all(o.batches);
    assert.deepEqual(ids(sorted), ['not json', 't0', 't1a', 't1b', 't2', 't3']);
    assert.deepEqual(
      sorted.map((r) => r.line),
      [3, 6, 2, 5, 4, 1],
      'every record keeps its line',
    );
  });

  it('sorts on disk past the memory bound: the same order, in several runs, temporary files removed', async () => {
    const f = file('shuffled-big.ndjson', shuffled);
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const o = await inEventTimeOrder(f, () => readNdjsonBatches(f), { memoryBytes: 150, tmpDir: tmp });
    assert.equal(o.order.order, 'sorted-on-disk');
    assert.ok((o.order.runs ?? 0) >= 3, `${o.order.runs} runs`);
    assert.equal(readdirSync(tmp).length, 1, 'one sort directory while reading');
    const sorted = await all(o.batches);
    assert.deepEqual(ids(sorted), ['not json', 't0', 't1a', 't1b', 't2', 't3']);
    assert.deepEqual(
      sorted.map((r) => r.line),
      [3, 6, 2, 5, 4, 1],
    );
    await o.close();
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('sorts mapped native alerts and refused items through the runs without losing a field', async () => {
    const payload = (t: string, model: string | undefined) =>
      JSON.stringify({
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'ErrorRateHigh', ...(model ? { model } : {}) },
            startsAt: t,
            fingerprint: `fp-${t}`,
          },
        ],
      });
    const f = file('am.ndjson', [
      payload('2026-11-19T14:05:00Z', 'a'),
      payload('2026-11-19T14:01:00Z', undefined),
      payload('2026-11-19T14:02:00Z', 'b'),
    ]);
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const open = () => readPayloadRecords(f, 'alertmanager');
    const inMemory = await all(
      (await inEventTimeOrder(f, open, { memoryBytes: 1 << 20, tmpDir: tmp })).batches,
    );
    const onDisk = await inEventTimeOrder(f, open, { memoryBytes: 10, tmpDir: tmp });
    assert.equal(onDisk.order.order, 'sorted-on-disk');
    const sorted = await all(onDisk.batches);
    await onDisk.close();
    assert.deepEqual(withoutSize(sorted), withoutSize(inMemory));
    assert.equal(sorted[0]!.refused?.code, 'MISSING_FIELD');
    assert.equal(sorted[0]!.line, 2);
    assert.deepEqual(
      sorted.slice(1).map((r) => [(r.value as { model_id: string }).model_id, r.item, r.line]),
      [
        ['b', 'alerts[0]', 3],
        ['a', 'alerts[0]', 1],
      ],
    );
    assert.equal(existsSync(tmp) && readdirSync(tmp).length, 0);
  });
});
