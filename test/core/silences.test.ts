// Silences: validation (every problem named), the active window on event time, change scoping, the
// book's deterministic choice, expire / remove / prune, and the `ml.silences` wire form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvalidRecord, Result } from '../../src/core/errors.ts';
import {
  DEFAULT_SILENCE_LIMITS,
  formatDuration,
  parseSilence,
  type Silence,
  SilenceBook,
  type SilenceTarget,
  silenceId,
  silenceRecord,
  silenceState,
} from '../../src/core/silences.ts';
import { HOUR, MIN, T0 } from '../fixtures/builders.ts';

const LIMITS = { maxDurationMs: 24 * HOUR };

function rawSilence(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'sil-a',
    matchers: [{ name: 'model_id', op: '=', value: 'fraud-scorer' }],
    starts_at: T0,
    ends_at: T0 + 2 * HOUR,
    created_by: 'alice',
    comment: 'retraining',
    created_at: T0 - MIN,
    ...over,
  };
}

function aSilence(over: Partial<Silence> = {}): Silence {
  return {
    id: 'sil-a',
    matchers: [{ name: 'model_id', op: '=', value: 'fraud-scorer' }],
    starts_at: T0,
    ends_at: T0 + 2 * HOUR,
    created_by: 'alice',
    comment: 'retraining',
    created_at: T0 - MIN,
    ...over,
  };
}

function aTarget(over: Partial<SilenceTarget> = {}): SilenceTarget {
  return { model_id: 'fraud-scorer', signal: 'data_drift', ...over };
}

function expectOk<T>(r: Result<T, InvalidRecord>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.message}`);
  return r.value;
}

function expectError<T>(r: Result<T, InvalidRecord>): InvalidRecord {
  if (r.ok) assert.fail(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

const issuesOf = (e: InvalidRecord) => e.issues.map((i) => ({ code: i.code, field: i.field }));
const bad = (over: Record<string, unknown>) => expectError(parseSilence(rawSilence(over), LIMITS));

describe('parseSilence: valid silences', () => {
  it('reads a silence, epoch ms or RFC 3339', () => {
    const fromMs = expectOk(parseSilence(rawSilence(), LIMITS));
    assert.deepStrictEqual(fromMs, aSilence());
    const fromIso = expectOk(
      parseSilence(
        rawSilence({
          starts_at: '2026-11-16T10:00:00Z',
          ends_at: '2026-11-16T12:00:00Z',
          created_at: '2026-11-16T09:59:00Z',
        }),
        LIMITS,
      ),
    );
    assert.deepStrictEqual(fromIso, fromMs);
  });

  it('takes matcher text as well as objects', () => {
    const s = expectOk(
      parseSilence(rawSilence({ matchers: ['signal=~"data_.*"', 'labels.env!=prod'] }), LIMITS),
    );
    assert.deepStrictEqual(s.matchers, [
      { name: 'signal', op: '=~', value: 'data_.*' },
      { name: 'labels.env', op: '!=', value: 'prod' },
    ]);
  });

  it('derives the id and created_at when absent', () => {
    const s = expectOk(parseSilence(rawSilence({ id: undefined, created_at: undefined }), LIMITS));
    assert.equal(s.created_at, T0);
    assert.equal(s.id, silenceId({ ...s }));
    assert.match(s.id, /^sil-[0-9a-f]{16}$/);
  });

  it('keeps a change scope, and reads an empty one as none', () => {
    assert.equal(
      expectOk(parseSilence(rawSilence({ change_event_id: 'chg-9' }), LIMITS)).change_event_id,
      'chg-9',
    );
    assert.ok(!('change_event_id' in expectOk(parseSilence(rawSilence({ change_event_id: '' }), LIMITS))));
  });

  it('accepts exactly the maximum duration, and an empty window (an expired-before-start silence)', () => {
    expectOk(parseSilence(rawSilence({ ends_at: T0 + 24 * HOUR }), LIMITS));
    expectOk(parseSilence(rawSilence({ ends_at: T0 }), LIMITS));
  });
});

describe('parseSilence: refused, each problem named', () => {
  it('not an object', () => {
    assert.equal(expectError(parseSilence('x', LIMITS)).code, 'NOT_AN_OBJECT');
  });

  it('no ends_at', () => {
    assert.deepStrictEqual(issuesOf(bad({ ends_at: undefined })), [
      { code: 'MISSING_FIELD', field: 'ends_at' },
    ]);
  });

  it('ends_at before starts_at', () => {
    const e = bad({ ends_at: T0 - 1 });
    assert.deepStrictEqual(issuesOf(e), [{ code: 'BAD_WINDOW', field: 'ends_at' }]);
    assert.equal(e.message, 'invalid Silence: ends_at: must not be before starts_at');
  });

  it('longer than the maximum, saying the maximum', () => {
    const e = bad({ ends_at: T0 + 24 * HOUR + 30 * MIN });
    assert.deepStrictEqual(issuesOf(e), [{ code: 'BAD_WINDOW', field: 'ends_at' }]);
    assert.equal(e.issues[0]!.reason, 'the silence lasts 1d30m, longer than the maximum of 1d');
  });

  it('no matchers', () => {
    for (const matchers of [undefined, null, []]) {
      const e = bad({ matchers });
      assert.deepStrictEqual(issuesOf(e), [{ code: 'MISSING_FIELD', field: 'matchers' }]);
      assert.match(e.message, /at least one matcher is required/);
    }
    assert.deepStrictEqual(issuesOf(bad({ matchers: 'model_id=x' })), [
      { code: 'WRONG_TYPE', field: 'matchers' },
    ]);
  });

  it('an unknown operator or name', () => {
    const e = bad({
      matchers: [
        { name: 'model_id', op: '==', value: 'x' },
        { name: 'env', op: '=', value: 'prod' },
      ],
    });
    assert.deepStrictEqual(issuesOf(e), [
      { code: 'BAD_MATCHER', field: 'matchers[0]' },
      { code: 'BAD_MATCHER', field: 'matchers[1]' },
    ]);
    assert.match(e.issues[0]!.reason, /unknown operator "==" in model_id=="x"/);
    assert.match(e.issues[1]!.reason, /unknown matcher name "env": use model_id, .* or labels\.<key>/);
  });

  it('an invalid regex, with the matcher shown', () => {
    const e = bad({ matchers: [{ name: 'signal', op: '=~', value: 'data_(' }] });
    assert.deepStrictEqual(issuesOf(e), [{ code: 'BAD_REGEX', field: 'matchers[0]' }]);
    assert.equal(
      e.message,
      'invalid Silence: matchers[0]: signal=~"data_(": invalid regular expression: Unterminated group',
    );
  });

  it('a matcher object with missing or mistyped parts', () => {
    const e = bad({ matchers: [{ name: 'model_id', value: 1 }, 7] });
    assert.deepStrictEqual(issuesOf(e), [
      { code: 'MISSING_FIELD', field: 'matchers[0].op' },
      { code: 'WRONG_TYPE', field: 'matchers[0].value' },
      { code: 'WRONG_TYPE', field: 'matchers[1]' },
    ]);
  });

  it('matchers that all match the empty string, unless scoped to a change', () => {
    const broad = { matchers: ['region!="eu"', 'signal=~".*"'] };
    const e = bad(broad);
    assert.deepStrictEqual(issuesOf(e), [{ code: 'TOO_BROAD', field: 'matchers' }]);
    assert.match(e.message, /every matcher matches the empty string \(region!="eu", signal=~"\.\*"\)/);
    expectOk(parseSilence(rawSilence({ ...broad, change_event_id: 'chg-9' }), LIMITS));
  });

  it('no author, no comment, an empty id', () => {
    assert.deepStrictEqual(issuesOf(bad({ created_by: '', comment: undefined, id: '' })), [
      { code: 'MISSING_FIELD', field: 'id' },
      { code: 'MISSING_FIELD', field: 'created_by' },
      { code: 'MISSING_FIELD', field: 'comment' },
    ]);
  });

  it('every problem at once', () => {
    const e = bad({
      starts_at: 'tomorrow',
      ends_at: undefined,
      matchers: ['signal=~"("', 'env=x'],
      comment: 5,
    });
    assert.deepStrictEqual(issuesOf(e), [
      { code: 'BAD_REGEX', field: 'matchers[0]' },
      { code: 'BAD_MATCHER', field: 'matchers[1]' },
      { code: 'BAD_TIMESTAMP', field: 'starts_at' },
      { code: 'MISSING_FIELD', field: 'ends_at' },
      { code: 'WRONG_TYPE', field: 'comment' },
    ]);
    assert.equal(e.code, 'BAD_REGEX', 'the record code is the first issue');
  });
});

describe('the wire form on ml.silences', () => {
  it('round-trips through JSON and parseSilence', () => {
    for (const s of [
      aSilence(),
      aSilence({ change_event_id: 'chg-9', matchers: [{ name: 'labels.env', op: '!~', value: 'dev|test' }] }),
    ]) {
      const text = JSON.stringify(silenceRecord(s));
      assert.deepStrictEqual(expectOk(parseSilence(JSON.parse(text), LIMITS)), s);
    }
  });

  it('is a plain object with the Silence field names and no undefined keys', () => {
    assert.deepStrictEqual(Object.keys(silenceRecord(aSilence())), [
      'id',
      'matchers',
      'starts_at',
      'ends_at',
      'created_by',
      'comment',
      'created_at',
    ]);
  });
});

describe('silenceId', () => {
  const parts = { matchers: aSilence().matchers, starts_at: T0, created_by: 'alice', created_at: T0 - MIN };

  it('is stable: the same parts give the same id, across releases', () => {
    assert.equal(silenceId(parts), silenceId({ ...parts }));
    assert.equal(silenceId(parts), 'sil-e2fa00005959415b');
  });

  it('ignores matcher order, and changes with any part', () => {
    const two = [
      { name: 'model_id', op: '=', value: 'a' },
      { name: 'signal', op: '=~', value: 'data_.*' },
    ] as const;
    assert.equal(
      silenceId({ ...parts, matchers: [...two] }),
      silenceId({ ...parts, matchers: [two[1], two[0]] }),
    );
    const ids = new Set([
      silenceId(parts),
      silenceId({ ...parts, starts_at: T0 + 1 }),
      silenceId({ ...parts, created_by: 'bob' }),
      silenceId({ ...parts, created_at: T0 }),
      silenceId({ ...parts, matchers: [{ name: 'model_id', op: '!=', value: 'fraud-scorer' }] }),
    ]);
    assert.equal(ids.size, 5);
  });
});

describe('SilenceBook.match', () => {
  it('an empty book matches nothing', () => {
    assert.equal(new SilenceBook().match(aTarget(), T0), null);
  });

  it('is active from starts_at (inclusive) to ends_at (exclusive), on event time', () => {
    const book = new SilenceBook();
    book.upsert(aSilence());
    assert.deepStrictEqual(
      [T0 - 1, T0, T0 + HOUR, T0 + 2 * HOUR - 1, T0 + 2 * HOUR].map((t) => book.match(aTarget(), t)),
      [null, 'sil-a', 'sil-a', 'sil-a', null],
    );
  });

  it('needs every matcher to match', () => {
    const book = new SilenceBook();
    book.upsert(
      aSilence({
        matchers: [
          { name: 'model_id', op: '=', value: 'fraud-scorer' },
          { name: 'signal', op: '=~', value: 'data_.*' },
        ],
      }),
    );
    assert.equal(book.match(aTarget(), T0), 'sil-a');
    assert.equal(book.match(aTarget({ signal: 'latency' }), T0), null);
    assert.equal(book.match(aTarget({ model_id: 'churn' }), T0), null);
  });

  it('a change-scoped silence only silences alerts whose deploy context lists the change', () => {
    const book = new SilenceBook();
    book.upsert(aSilence({ change_event_id: 'chg-9' }));
    assert.equal(book.match(aTarget(), T0), null);
    assert.equal(book.match(aTarget({ change_event_ids: ['chg-1'] }), T0), null);
    assert.equal(book.match(aTarget({ change_event_ids: ['chg-1', 'chg-9'] }), T0), 'sil-a');
    assert.equal(
      book.match(aTarget({ change_event_ids: ['chg-9'] }), T0 + 2 * HOUR),
      null,
      'and only in its window',
    );
  });

  it('when several match, the smallest id wins, whatever the order they came in', () => {
    const ids = ['sil-b', 'sil-c', 'sil-a2', 'sil-a10'];
    const forward = new SilenceBook();
    const backward = new SilenceBook();
    for (const id of ids) forward.upsert(aSilence({ id }));
    for (const id of [...ids].reverse()) backward.upsert(aSilence({ id }));
    assert.equal(forward.match(aTarget(), T0), 'sil-a10');
    assert.equal(backward.match(aTarget(), T0), 'sil-a10');
    forward.remove('sil-a10');
    assert.equal(forward.match(aTarget(), T0), 'sil-a2');
  });

  it('skips a smaller id that is not active or does not match', () => {
    const book = new SilenceBook();
    book.upsert(aSilence({ id: 'sil-1', starts_at: T0 + HOUR }));
    book.upsert(aSilence({ id: 'sil-2', matchers: [{ name: 'model_id', op: '=', value: 'churn' }] }));
    book.upsert(aSilence({ id: 'sil-3' }));
    assert.equal(book.match(aTarget(), T0), 'sil-3');
  });
});

describe('SilenceBook: upsert, remove, expire, prune, list', () => {
  it('upsert replaces by id: the last applied wins', () => {
    const book = new SilenceBook();
    book.upsert(aSilence());
    book.upsert(aSilence({ matchers: [{ name: 'model_id', op: '=', value: 'churn' }] }));
    assert.equal(book.size, 1);
    assert.equal(book.match(aTarget(), T0), null);
    assert.equal(book.match(aTarget({ model_id: 'churn' }), T0), 'sil-a');
  });

  it('upsert refuses a silence whose regex does not compile', () => {
    assert.throws(
      () => new SilenceBook().upsert(aSilence({ matchers: [{ name: 'signal', op: '=~', value: '(' }] })),
      /silence sil-a: signal=~"\(": invalid regular expression/,
    );
  });

  it('remove is a tombstone', () => {
    const book = new SilenceBook();
    book.upsert(aSilence());
    assert.equal(book.remove('sil-a'), true);
    assert.equal(book.remove('sil-a'), false);
    assert.equal(book.size, 0);
    assert.equal(book.match(aTarget(), T0), null);
  });

  it('expire ends an active silence at `at`, never later than it would have', () => {
    const book = new SilenceBook();
    book.upsert(aSilence());
    assert.equal(book.expire('sil-a', T0 + HOUR)?.ends_at, T0 + HOUR);
    assert.equal(book.match(aTarget(), T0 + HOUR - 1), 'sil-a');
    assert.equal(book.match(aTarget(), T0 + HOUR), null);
    assert.equal(book.expire('sil-a', T0 + 10 * HOUR)?.ends_at, T0 + HOUR, 'never extended');
    assert.equal(book.expire('nope', T0), undefined);
  });

  it('expiring a pending silence leaves an empty window: never active, still a valid record', () => {
    const book = new SilenceBook();
    book.upsert(aSilence({ starts_at: T0 + HOUR, ends_at: T0 + 3 * HOUR }));
    const s = book.expire('sil-a', T0)!;
    assert.deepStrictEqual([s.starts_at, s.ends_at], [T0 + HOUR, T0 + HOUR]);
    assert.equal(book.match(aTarget(), T0 + HOUR), null);
    assert.equal(silenceState(s, T0), 'expired');
    assert.deepStrictEqual(expectOk(parseSilence(silenceRecord(s), LIMITS)), s);
  });

  it('prune drops silences that ended before the time, and says how many', () => {
    const book = new SilenceBook();
    book.upsert(aSilence({ id: 'sil-1', ends_at: T0 + HOUR }));
    book.upsert(aSilence({ id: 'sil-2', ends_at: T0 + 2 * HOUR }));
    book.upsert(aSilence({ id: 'sil-3', ends_at: T0 + 3 * HOUR }));
    assert.equal(book.prune(T0 + 2 * HOUR), 1);
    assert.deepStrictEqual(
      book.list().map((s) => s.id),
      ['sil-2', 'sil-3'],
    );
    assert.equal(book.prune(T0 + 10 * HOUR), 2);
    assert.equal(book.size, 0);
  });

  it('list leaves out expired silences at `at` unless asked, ordered by start then id', () => {
    const book = new SilenceBook();
    book.upsert(aSilence({ id: 'sil-late', starts_at: T0 + HOUR }));
    book.upsert(aSilence({ id: 'sil-b' }));
    book.upsert(aSilence({ id: 'sil-a', ends_at: T0 + 30 * MIN }));
    const ids = (xs: Silence[]) => xs.map((s) => s.id);
    assert.deepStrictEqual(ids(book.list()), ['sil-a', 'sil-b', 'sil-late']);
    assert.deepStrictEqual(ids(book.list({ at: T0 + HOUR })), ['sil-b', 'sil-late']);
    assert.deepStrictEqual(ids(book.list({ at: T0 + HOUR, includeExpired: true })), [
      'sil-a',
      'sil-b',
      'sil-late',
    ]);
  });

  it('silenceState: pending, active, expired', () => {
    const s = aSilence();
    assert.deepStrictEqual(
      [T0 - 1, T0, T0 + 2 * HOUR].map((t) => silenceState(s, t)),
      ['pending', 'active', 'expired'],
    );
  });
});

describe('formatDuration and the default limit', () => {
  it('writes durations the way the CLI reads them', () => {
    assert.deepStrictEqual(
      [2 * HOUR, 90 * MIN, 7 * 24 * HOUR, 45_000, 250, 0, 24 * HOUR + MIN].map(formatDuration),
      ['2h', '1h30m', '7d', '45s', '250ms', '0s', '1d1m'],
    );
    assert.equal(DEFAULT_SILENCE_LIMITS.maxDurationMs, 7 * 24 * HOUR);
  });
});
