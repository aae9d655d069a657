// The one JSON reader: the same limits for files, Kafka records and webhooks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodec } from '../../src/adapters/registry/codec.ts';
import { JSON_LIMITS, parseJsonText } from '../../src/core/json-text.ts';
import { decodeJsonText } from '../../src/runtime/decode.ts';

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('parseJsonText', () => {
  it('reads JSON within the limits', () => {
    assert.deepEqual(parseJsonText('{"a":[1,{"b":"]"}]}', 'X'), { ok: true, value: { a: [1, { b: ']' }] } });
    assert.equal(parseJsonText(deep(JSON_LIMITS.maxDepth), 'X').ok, true);
  });

  it('refuses deeper nesting and larger records as TOO_LARGE, and bad text as MALFORMED_JSON', () => {
    const code = (t: string) => {
      const r = parseJsonText(t, 'X');
      return r.ok ? 'ok' : r.error.issues[0]!.code;
    };
    assert.equal(code(deep(JSON_LIMITS.maxDepth + 1)), 'TOO_LARGE');
    assert.equal(code(`"${'x'.repeat(JSON_LIMITS.maxBytes)}"`), 'TOO_LARGE');
    assert.equal(code('{"a":'), 'MALFORMED_JSON');
    // Brackets inside strings (and escaped quotes) do not count.
    assert.equal(code(`["${'[\\"'.repeat(100)}"]`), 'ok');
  });

  it('is the reader of the offline CLI and of the stream codec alike', async () => {
    const text = deep(JSON_LIMITS.maxDepth + 1);
    const offline = decodeJsonText('alert', text, 0);
    assert.ok(!offline.ok && offline.error.issues[0]!.code === 'TOO_LARGE');
    const codec = createCodec({ registryUrl: 'http://127.0.0.1:9/unused', outputFormat: 'json' });
    await assert.rejects(() => codec.decode(Buffer.from(text)), { code: 'RECORD_TOO_LARGE' });
    await assert.rejects(() => codec.decode(Buffer.from('{"a":')), { code: 'MALFORMED_JSON' });
  });
});
