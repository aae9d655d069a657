// `alert-triage silence add|list|expire` against an in-memory store: what is written, what is shown,
// and one clear line (exit 2) for each kind of bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseDuration,
  type SilenceDeps,
  type SilenceStore,
  silenceAdd,
  silenceCommand,
  silenceExpire,
  silenceList,
} from '../../src/cli/silence-command.ts';
import { parseSilence, type Silence, silenceRecord } from '../../src/core/silences.ts';
import { HOUR, MIN, T0 } from '../fixtures/builders.ts';

/** A compacted topic in memory: every put appended, all() the latest per id, in first-seen order. */
class MemoryStore implements SilenceStore {
  readonly puts: Silence[] = [];
  failWith: string | undefined;
  async put(s: Silence): Promise<void> {
    if (this.failWith) throw new Error(this.failWith);
    // What the Kafka store will do: the JSON record, read back.
    this.puts.push(JSON.parse(JSON.stringify(silenceRecord(s))) as Silence);
  }
  async all(): Promise<Silence[]> {
    if (this.failWith) throw new Error(this.failWith);
    return [...new Map(this.puts.map((s) => [s.id, s])).values()];
  }
}

function deps(over: Partial<SilenceDeps> = {}): SilenceDeps & { store: MemoryStore } {
  return { store: new MemoryStore(), now: T0, user: 'alice', ...over } as SilenceDeps & {
    store: MemoryStore;
  };
}

const ADD = ['--match', 'model_id="fraud-scorer"', '--duration', '2h', '--comment', 'retraining'];

async function addOk(d: SilenceDeps, args: string[] = ADD): Promise<string> {
  const r = await silenceAdd(args, d);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function addError(args: string[], d: SilenceDeps = deps()): Promise<string> {
  const r = await silenceAdd(args, d);
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  return r.stderr.trimEnd();
}

describe('silence add', () => {
  it('writes a valid silence starting now, and prints its id', async () => {
    const d = deps();
    const id = await addOk(d);
    assert.match(id, /^sil-[0-9a-f]{16}$/);
    assert.deepStrictEqual(d.store.puts, [
      {
        id,
        matchers: [{ name: 'model_id', op: '=', value: 'fraud-scorer' }],
        starts_at: T0,
        ends_at: T0 + 2 * HOUR,
        created_by: 'alice',
        comment: 'retraining',
        created_at: T0,
      },
    ]);
    assert.ok(parseSilence(d.store.puts[0], { maxDurationMs: 2 * HOUR }).ok, 'a record the service accepts');
  });

  it('takes several matchers, an explicit window, an author and a change', async () => {
    const d = deps();
    await addOk(d, [
      '--match',
      'signal=~"data_.*"',
      '--match=labels.env!=prod',
      '--starts-at',
      '2026-11-16T11:00:00Z',
      '--ends-at',
      String(T0 + 3 * HOUR),
      '--created-by',
      'bob',
      '--comment',
      'expected drift after the pipeline change',
      '--change',
      'chg-42',
    ]);
    const s = d.store.puts[0]!;
    assert.deepStrictEqual(s.matchers, [
      { name: 'signal', op: '=~', value: 'data_.*' },
      { name: 'labels.env', op: '!=', value: 'prod' },
    ]);
    assert.deepStrictEqual(
      [s.starts_at, s.ends_at, s.created_by, s.change_event_id],
      [T0 + HOUR, T0 + 3 * HOUR, 'bob', 'chg-42'],
    );
  });

  it('says what it added on stderr', async () => {
    const r = await silenceAdd(ADD, deps());
    assert.match(
      r.stderr,
      /^added sil-\w+: model_id="fraud-scorer", 2026-11-16T10:00:00.000Z → 2026-11-16T12:00:00.000Z \(2h\), by alice\n$/,
    );
  });

  it('the same command at the same instant gives the same id', async () => {
    assert.equal(await addOk(deps()), await addOk(deps()));
  });

  it('refuses a bad matcher, showing it', async () => {
    assert.equal(
      await addError(['--match', 'model_id=="x"', '--duration', '2h', '--comment', 'x']),
      `silence add: --match 'model_id=="x"': unknown operator "==": use =, !=, =~ or !~ (quote a value that starts with one of = ! ~)`,
    );
    assert.equal(
      await addError(['--match', 'env="prod"', '--duration', '2h', '--comment', 'x']),
      `silence add: --match 'env="prod"': unknown matcher name "env": use model_id, product_area, region, customer_segment, signal, source or labels.<key>`,
    );
    assert.equal(
      await addError(['--match', 'signal=~"data_("', '--duration', '2h', '--comment', 'x']),
      `silence add: --match signal=~"data_(": invalid regular expression: Unterminated group`,
    );
  });

  it('refuses a silence without an end', async () => {
    assert.equal(
      await addError(['--match', 'model_id=a', '--comment', 'x']),
      'silence add: --ends-at or --duration is required: a silence must end',
    );
  });

  it('refuses one longer than the maximum, saying the maximum', async () => {
    assert.equal(
      await addError(['--match', 'model_id=a', '--duration', '8d', '--comment', 'x']),
      'silence add: --ends-at/--duration: the silence lasts 8d, longer than the maximum of 7d',
    );
    const short = deps({ limits: { maxDurationMs: HOUR } });
    assert.match(await addError(ADD, short), /lasts 2h, longer than the maximum of 1h$/);
  });

  it('refuses the other mistakes, one line each', async () => {
    const cases: [string[], RegExp][] = [
      [['--duration', '2h', '--comment', 'x'], /at least one --match is required/],
      [['--match', 'model_id=a', '--duration', '2h'], /^silence add: --comment: is required$/],
      [
        ['--match', 'model_id=a', '--duration', 'two hours', '--comment', 'x'],
        /--duration 'two hours': must be a duration like 90m/,
      ],
      [['--match', 'model_id=a', '--duration', '0m', '--comment', 'x'], /--duration 0m: must be a duration/],
      [
        ['--match', 'model_id=a', '--duration', '2h', '--ends-at', String(T0 + HOUR), '--comment', 'x'],
        /not both/,
      ],
      [
        ['--match', 'model_id=a', '--ends-at', 'tomorrow', '--comment', 'x'],
        /--ends-at tomorrow: must be epoch milliseconds or an RFC 3339/,
      ],
      [
        [
          '--match',
          'model_id=a',
          '--ends-at',
          String(T0 - HOUR),
          '--starts-at',
          String(T0),
          '--comment',
          'x',
        ],
        /--ends-at must be after --starts-at/,
      ],
      [
        ['--match', 'model_id=a', '--starts-at', String(T0 - 3 * HOUR), '--duration', '1h', '--comment', 'x'],
        /already past/,
      ],
      [
        ['--match', 'region!=eu', '--duration', '1h', '--comment', 'x'],
        /--match: every matcher matches the empty string/,
      ],
      [[...ADD, '--created-by='], /^silence add: --created-by: must not be empty$/],
      [[...ADD, '--comment', 'again'], /--comment given twice/],
      [[...ADD, '--force'], /unknown option --force \(see alert-triage silence add --help\)/],
      [[...ADD, 'extra'], /unexpected argument "extra"/],
      [['--match'], /--match needs a value/],
    ];
    for (const [args, expected] of cases) assert.match(await addError(args), expected, args.join(' '));
  });

  it('a broad matcher set is allowed when scoped to a change', async () => {
    await addOk(deps(), [
      '--match',
      'signal=~".*"',
      '--duration',
      '2h',
      '--comment',
      'x',
      '--change',
      'chg-1',
    ]);
  });

  it('a store that fails is exit 1, with the reason', async () => {
    const d = deps();
    d.store.failWith = 'broker down';
    const r = await silenceAdd(ADD, d);
    assert.deepStrictEqual(r, {
      code: 1,
      stdout: '',
      stderr: 'silence add: cannot write the silence: broker down\n',
    });
  });
});

describe('silence list', () => {
  async function world() {
    const d = deps();
    const a = await addOk(d);
    const b = await addOk(d, [
      '--match',
      'signal=~"data_.*"',
      '--starts-at',
      String(T0 + HOUR),
      '--duration',
      '90m',
      '--comment',
      'planned maintenance of the payments pipeline, announced in #ml-ops last week',
      '--change',
      'chg-7',
      '--created-by',
      'bob',
    ]);
    const c = await addOk(d, ['--match', 'model_id=old', '--duration', '10m', '--comment', 'short']);
    return { d, a, b, c };
  }

  it('shows active and pending silences as a table', async () => {
    const { d, a, b, c } = await world();
    const r = await silenceList([], { ...d, now: T0 + 30 * MIN });
    assert.equal(r.code, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^id\s+matchers\s+starts \(UTC\)\s+ends \(UTC\)\s+remaining\s+created_by\s+comment$/,
    );
    assert.equal(lines.length, 3, 'the expired one left out');
    assert.ok(lines[1]!.startsWith(`${a}  model_id="fraud-scorer"`));
    assert.match(lines[1]!, /2026-11-16 10:00\s+2026-11-16 12:00\s+1h30m\s+alice\s+retraining$/);
    assert.ok(lines[2]!.startsWith(`${b}  signal=~"data_.*" (change chg-7)`));
    assert.match(lines[2]!, /starts in 30m\s+bob\s+planned maintenance of the payments pipeline, a…$/);
    assert.ok(!r.stdout.includes(c));
  });

  it('--all includes expired ones', async () => {
    const { d, c } = await world();
    const r = await silenceList(['--all'], { ...d, now: T0 + 30 * MIN });
    assert.match(
      r.stdout,
      new RegExp(`${c}\\s+model_id="old"\\s+2026-11-16 10:00\\s+2026-11-16 10:10\\s+expired`),
    );
  });

  it('--json writes one record per line, as on ml.silences', async () => {
    const { d, a, b } = await world();
    const r = await silenceList(['--json'], { ...d, now: T0 + 30 * MIN });
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Silence);
    assert.deepStrictEqual(
      records.map((s) => s.id),
      [a, b],
    );
    assert.deepStrictEqual(records[0], d.store.puts[0]);
  });

  it('says when there is nothing to show', async () => {
    assert.deepStrictEqual(await silenceList([], deps()), {
      code: 0,
      stdout: 'no active or pending silences\n',
      stderr: '',
    });
    assert.equal((await silenceList(['--all'], deps())).stdout, 'no silences\n');
  });

  it('refuses an unknown option', async () => {
    const r = await silenceList(['--since', 'x'], deps());
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'silence list: unknown option --since (see alert-triage silence list --help)\n');
  });
});

describe('silence expire', () => {
  it('ends an active silence now, written as a new record of the same id', async () => {
    const d = deps();
    const id = await addOk(d);
    const r = await silenceExpire([id], { ...d, now: T0 + 20 * MIN });
    assert.deepStrictEqual(r, { code: 0, stdout: `expired ${id} at 2026-11-16T10:20:00.000Z\n`, stderr: '' });
    assert.equal(d.store.puts.length, 2);
    assert.deepStrictEqual(d.store.puts[1], { ...d.store.puts[0]!, ends_at: T0 + 20 * MIN });
    const listed = await silenceList([], { ...d, now: T0 + 20 * MIN });
    assert.equal(listed.stdout, 'no active or pending silences\n');
  });

  it('a pending silence closes with an empty window', async () => {
    const d = deps();
    const id = await addOk(d, [...ADD, '--starts-at', String(T0 + HOUR)]);
    await silenceExpire([id], d);
    const s = d.store.puts[1]!;
    assert.deepStrictEqual([s.starts_at, s.ends_at], [T0 + HOUR, T0 + HOUR]);
    assert.ok(parseSilence(s, { maxDurationMs: HOUR }).ok);
  });

  it('an already ended silence is left as it is', async () => {
    const d = deps();
    const id = await addOk(d);
    const r = await silenceExpire([id], { ...d, now: T0 + 3 * HOUR });
    assert.deepStrictEqual(r, {
      code: 0,
      stdout: '',
      stderr: `${id} already ended at 2026-11-16T12:00:00.000Z\n`,
    });
    assert.equal(d.store.puts.length, 1);
  });

  it('an unknown or missing id is exit 2 with a clear message', async () => {
    assert.deepStrictEqual(await silenceExpire(['sil-nope'], deps()), {
      code: 2,
      stdout: '',
      stderr: 'silence expire: no silence "sil-nope" (see alert-triage silence list --all)\n',
    });
    const none = await silenceExpire([], deps());
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      'silence expire: give exactly one silence id (see alert-triage silence list)\n',
    );
  });

  it('a store that cannot be read is exit 1', async () => {
    const d = deps();
    d.store.failWith = 'timeout';
    assert.deepStrictEqual(await silenceExpire(['sil-x'], d), {
      code: 1,
      stdout: '',
      stderr: 'silence expire: cannot read the silences: timeout\n',
    });
  });
});

describe('silenceCommand and durations', () => {
  it('dispatches the subcommands and prints usage', async () => {
    const d = deps();
    assert.equal((await silenceCommand(['add', ...ADD], d)).code, 0);
    assert.match((await silenceCommand(['list'], d)).stdout, /model_id="fraud-scorer"/);
    assert.match((await silenceCommand([], d)).stdout, /^usage: alert-triage silence add\|list\|expire/);
    assert.match((await silenceCommand(['add', '--help'], d)).stdout, /--match <matcher>/);
    const bad = await silenceCommand(['mute'], d);
    assert.deepStrictEqual(
      [bad.code, bad.stderr],
      [2, 'silence: unknown subcommand "mute": use add, list or expire\n'],
    );
  });

  it('parseDuration reads the forms the docs show', () => {
    assert.deepStrictEqual(
      ['2h', '90m', '1h30m', '1.5h', '7d', '500ms', '0s', '2', 'h', '-1h', '2 h'].map(parseDuration),
      [
        2 * HOUR,
        90 * MIN,
        90 * MIN,
        90 * MIN,
        7 * 24 * HOUR,
        500,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ],
    );
  });
});
