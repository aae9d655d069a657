import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  frame,
  HEADER_BYTES,
  isConfluentFramed,
  MAX_SCHEMA_ID,
  payloadOf,
  schemaIdOf,
} from '../../../src/adapters/registry/wire-format.ts';

describe('Confluent wire format', () => {
  it('frames a payload as magic byte 0, a big-endian schema id, then the payload', () => {
    const out = frame(0x01020304, Buffer.from([0xaa, 0xbb]));
    assert.deepStrictEqual([...out], [0, 1, 2, 3, 4, 0xaa, 0xbb]);
  });

  it('reads back the schema id and payload of a frame', () => {
    for (const id of [0, 1, 255, 256, 65_536, 999_999, MAX_SCHEMA_ID]) {
      const out = frame(id, Buffer.from('payload'));
      assert.ok(isConfluentFramed(out));
      assert.equal(schemaIdOf(out), id);
      assert.equal(payloadOf(out).toString(), 'payload');
    }
  });

  it('frames an empty payload into a bare header', () => {
    const out = frame(7, new Uint8Array(0));
    assert.equal(out.length, HEADER_BYTES);
    assert.ok(isConfluentFramed(out));
    assert.equal(payloadOf(out).length, 0);
  });

  it('reads a frame that is a view into a larger buffer', () => {
    const big = Buffer.concat([Buffer.from('junk'), frame(42, Buffer.from('xy')), Buffer.from('tail')]);
    const view = big.subarray(4, 4 + HEADER_BYTES + 2);
    assert.equal(schemaIdOf(view), 42);
    assert.equal(payloadOf(view).toString(), 'xy');
  });

  it('does not take JSON, short values or other magic bytes for a frame', () => {
    assert.equal(isConfluentFramed(Buffer.from('{"alert_id":"a"}')), false);
    assert.equal(isConfluentFramed(Buffer.from([0, 0, 0, 1])), false);
    assert.equal(isConfluentFramed(Buffer.alloc(0)), false);
    assert.equal(isConfluentFramed(Buffer.from([1, 0, 0, 0, 1, 2])), false);
  });

  it('refuses to read the id of a value that is not framed', () => {
    assert.throws(() => schemaIdOf(Buffer.from([0, 0, 1])), /3 bytes, the header needs 5/);
    assert.throws(() => schemaIdOf(Buffer.from([9, 0, 0, 0, 1])), /magic byte 9/);
    assert.throws(() => payloadOf(Buffer.from('{}')), RangeError);
  });

  it('refuses ids that are not 31-bit non-negative integers', () => {
    for (const id of [-1, 1.5, MAX_SCHEMA_ID + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => frame(id, Buffer.alloc(1)), RangeError, String(id));
    }
  });
});
