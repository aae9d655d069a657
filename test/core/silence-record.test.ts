// The `ml.silences` record as the Kafka store writes it and the stream and the CLI read it back:
// key = silence id, value = silenceRecord JSON, a tombstone removes, a bad record is named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSilenceRecord, expireSilence, type Silence, silenceMessage } from '../../src/core/silences.ts';
import { HOUR, MIN, T0 } from '../fixtures/builders.ts';

const LIMITS = { maxDurationMs: 24 * HOUR };

const silence: Silence = {
  id: 'sil-a',
  matchers: [
    { name: 'model_id', op: '=', value: 'fraud-scorer' },
    { name: 'signal', op: '=~', value: 'data_.*' },
  ],
  starts_at: T0,
  ends_at: T0 + 2 * HOUR,
  created_by: 'alice',
  comment: 'retraining',
  created_at: T0 - MIN,
  change_event_id: 'chg-42',
};

describe('silenceMessage / decodeSilenceRecord', () => {
  it('writes the silence keyed by its id, as the documented JSON, and reads it back equal', () => {
    const m = silenceMessage(silence);
    assert.equal(m.key, 'sil-a');
    assert.deepEqual(JSON.parse(m.value), {
      id: 'sil-a',
      matchers: [
        { name: 'model_id', op: '=', value: 'fraud-scorer' },
        { name: 'signal', op: '=~', value: 'data_.*' },
      ],
      starts_at: T0,
      ends_at: T0 + 2 * HOUR,
      created_by: 'alice',
      comment: 'retraining',
      created_at: T0 - MIN,
      change_event_id: 'chg-42',
    });
    assert.deepEqual(decodeSilenceRecord(m.key, m.value, LIMITS), { kind: 'silence', silence });
  });

  it('an expired silence is the same record with ends_at moved: the same key, so it replaces the first', () => {
    const expired = silenceMessage(expireSilence(silence, T0 + 30 * MIN));
    assert.equal(expired.key, silenceMessage(silence).key);
    const read = decodeSilenceRecord(expired.key, expired.value, LIMITS);
    assert.equal(read.kind, 'silence');
    assert.equal(read.kind === 'silence' && read.silence.ends_at, T0 + 30 * MIN);
  });

  it('a tombstone removes the silence of its key', () => {
    assert.deepEqual(decodeSilenceRecord('sil-a', null, LIMITS), { kind: 'removed', id: 'sil-a' });
  });

  it('a value without an id takes the key', () => {
    const { id: _id, ...noId } = JSON.parse(silenceMessage(silence).value) as Record<string, unknown>;
    const read = decodeSilenceRecord('sil-a', JSON.stringify(noId), LIMITS);
    assert.equal(read.kind === 'silence' && read.silence.id, 'sil-a');
  });

  it('names what is wrong with a bad record', () => {
    const bad = (key: string | null, value: string | null) => {
      const r = decodeSilenceRecord(key, value, LIMITS);
      assert.equal(r.kind, 'bad');
      return r as { code: string; message: string };
    };
    assert.deepEqual(bad(null, silenceMessage(silence).value).code, 'MISSING_FIELD');
    assert.match(bad(null, null).message, /no key/);
    const json = bad('sil-a', '{"id":');
    assert.equal(json.code, 'MALFORMED_JSON');
    assert.match(json.message, /not JSON/);
    const other = bad('sil-b', silenceMessage(silence).value);
    assert.equal(other.code, 'KEY_MISMATCH');
    assert.match(other.message, /id "sil-a" under key "sil-b"/);
    const long = bad('sil-a', silenceMessage({ ...silence, ends_at: T0 + 30 * HOUR }).value);
    assert.equal(long.code, 'BAD_WINDOW');
    assert.match(long.message, /longer than the maximum of 1d/);
    const regex = bad(
      'sil-a',
      JSON.stringify({ ...JSON.parse(silenceMessage(silence).value), matchers: ['signal=~"data_("'] }),
    );
    assert.equal(regex.code, 'BAD_REGEX');
    assert.equal(bad('sil-a', '[]').code, 'NOT_AN_OBJECT');
  });
});
