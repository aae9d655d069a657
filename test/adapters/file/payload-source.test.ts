// Native-format alerts files: one payload per line, or one pretty-printed document; bad payloads refused by line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPayloadRecords } from '../../../src/adapters/file/payload-source.ts';
import type { SourceRecord } from '../../../src/adapters/file/source-record.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-payloads-'));
const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'native');
const example = (f: string) => JSON.parse(readFileSync(join(EXAMPLES, `${f}.json`), 'utf8'));

async function read(name: string, text: string, format: 'alertmanager' | 'cloudevents' = 'alertmanager') {
  const path = join(dir, name);
  writeFileSync(path, text);
  const out: SourceRecord[] = [];
  for await (const b of readPayloadRecords(path, format)) out.push(...b);
  return out;
}
const summary = (rs: SourceRecord[]) => rs.map((r) => [r.line, r.item, r.refused?.code ?? 'ok']);

describe('native payload files', () => {
  const am = example('alertmanager');

  it('reads one payload per line, each alert with its line and its place, a batch in event-time order', async () => {
    const one = JSON.stringify(am);
    const rs = await read('am.ndjson', `${one}\n\n${one}\n`);
    // alerts[2] is the resolved one, at 14:05; the firing ones started at 14:19 and 14:22.
    assert.deepEqual(summary(rs), [
      [1, 'alerts[2]', 'ok'],
      [1, 'alerts[0]', 'ok'],
      [1, 'alerts[1]', 'ok'],
      [3, 'alerts[2]', 'ok'],
      [3, 'alerts[0]', 'ok'],
      [3, 'alerts[1]', 'ok'],
    ]);
    assert.equal(rs[0]!.text, one, 'the payload stays the raw text of its alerts');
  });

  it('reads a file that is one pretty-printed document (the examples are)', async () => {
    const rs = await read('am.json', JSON.stringify(am, null, 2));
    assert.deepEqual(summary(rs), [
      [1, 'alerts[2]', 'ok'],
      [1, 'alerts[0]', 'ok'],
      [1, 'alerts[1]', 'ok'],
    ]);
  });

  it('takes a JSON array as that many payloads, prefixing the place of each item (refused ones first)', async () => {
    const bad = { ...am, alerts: [{ ...am.alerts[0], labels: { alertname: 'x' } }] };
    const rs = await read('two.json', JSON.stringify([am, bad], null, 2));
    assert.deepEqual(summary(rs), [
      [1, '[1].alerts[0].labels', 'MISSING_FIELD'],
      [1, '[0].alerts[2]', 'ok'],
      [1, '[0].alerts[0]', 'ok'],
      [1, '[0].alerts[1]', 'ok'],
    ]);
    assert.match(rs[0]!.refused!.message, /^\[1\]\.alerts\[0\]\.labels: no model label/);
    assert.equal(rs[0]!.refused!.recordType, 'AlertmanagerWebhook');
  });

  it('keeps a CloudEvents batch document whole: the mapper takes the array', async () => {
    const rs = await read('ce.json', JSON.stringify(example('cloudevents'), null, 2), 'cloudevents');
    assert.deepEqual(summary(rs), [
      [1, '[0]', 'ok'],
      [1, '[1]', 'ok'],
    ]);
  });

  it('refuses a line that is not JSON, by its line, and goes on', async () => {
    const rs = await read('mixed.ndjson', `${JSON.stringify(am)}\n{"alerts": [\n`);
    assert.deepEqual(summary(rs).slice(3), [[2, undefined, 'MALFORMED_JSON']], 'line 1 gave three alerts');
  });

  it('reads NDJSON whose first line is broken line by line: the good lines are kept', async () => {
    const rs = await read('bad-first.ndjson', `{"alerts": [\n${JSON.stringify(am)}\n`);
    assert.deepEqual(summary(rs)[0], [1, undefined, 'MALFORMED_JSON']);
    assert.equal(rs.filter((r) => !r.refused && r.line === 2).length, 3);
  });

  it('refuses a broken document as one', async () => {
    const rs = await read('broken.json', '{\n  "alerts": [\n');
    assert.deepEqual(summary(rs), [[1, undefined, 'MALFORMED_JSON']]);
  });
});
