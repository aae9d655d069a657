// `alert-triage silence add|list|expire`: the logic, with the silence store and the clock passed in.
// The store is the compacted `ml.silences` topic (`--kafka`) or a file (silence-file-command.ts picks);
// tests use an in-memory one.
// Every command returns its exit code and output instead of writing: 0 done, 1 the store failed,
// 2 bad input (one line naming the problem).
import { toEpochMillis } from '../core/parse-record.ts';
import {
  DEFAULT_SILENCE_LIMITS,
  expireSilence,
  formatDuration,
  formatMatcher,
  type Matcher,
  parseMatcher,
  parseSilence,
  type Silence,
  type SilenceLimits,
  silenceId,
  silenceRecord,
  silenceState,
} from '../core/silences.ts';

/** Where silences live. `all` gives the latest state of every silence (the compacted topic read to its end). */
export interface SilenceStore {
  put(s: Silence): Promise<void>;
  all(): Promise<Silence[]>;
}

export interface SilenceDeps {
  store: SilenceStore;
  /** Wall-clock time, epoch ms: the default start, and what "expired" is measured against. */
  now: number;
  /** The default --created-by (the OS user, say). */
  user: string;
  limits?: SilenceLimits;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const SILENCE_EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const USAGE = {
  add: `usage: alert-triage silence add --match <matcher>... (--ends-at <time> | --duration <d>) --comment <text>
                                 [--starts-at <time>] [--created-by <name>] [--change <event_id>]
  matcher: model_id="fraud-scorer", signal=~"data_.*", labels.env!=prod, source!~'legacy-.*'
  time: epoch milliseconds or RFC 3339; duration: 90m, 2h, 1h30m, 7d`,
  list: 'usage: alert-triage silence list [--all] [--json]',
  expire: 'usage: alert-triage silence expire <silence_id>',
} as const;

type Sub = keyof typeof USAGE;

/** Dispatches `add`, `list` or `expire` with the arguments after it. */
export async function silenceCommand(args: readonly string[], deps: SilenceDeps): Promise<CommandResult> {
  const [sub, ...rest] = args;
  if (sub === 'add') return silenceAdd(rest, deps);
  if (sub === 'list') return silenceList(rest, deps);
  if (sub === 'expire') return silenceExpire(rest, deps);
  const usage = `usage: alert-triage silence add|list|expire …\n\n${Object.values(USAGE).join('\n')}\n`;
  if (sub === undefined || sub === '--help' || sub === '-h') return done(usage);
  return fail(
    SILENCE_EXIT.usage,
    `silence: unknown subcommand ${JSON.stringify(sub)}: use add, list or expire`,
  );
}

export async function silenceAdd(args: readonly string[], deps: SilenceDeps): Promise<CommandResult> {
  const a = parseArgs('add', args, {
    values: ['--starts-at', '--ends-at', '--duration', '--created-by', '--comment', '--change'],
    repeatable: ['--match'],
  });
  if (typeof a === 'string') return usageError('add', a);
  if (a.help) return done(`${USAGE.add}\n`);
  if (a.positional.length) return usageError('add', `unexpected argument ${JSON.stringify(a.positional[0])}`);

  const texts = a.values.get('--match') ?? [];
  if (!texts.length)
    return usageError('add', `at least one --match is required, e.g. --match 'model_id="fraud-scorer"'`);
  const matchers: Matcher[] = [];
  for (const text of texts) {
    const m = parseMatcher(text);
    if (!m.ok) {
      const { code, reason } = m.error.issues[0]!;
      // A regex problem already shows the matcher; every other reason is about the text typed.
      return usageError(
        'add',
        code === 'BAD_REGEX' ? `--match ${reason}` : `--match ${shellQuote(text)}: ${reason}`,
      );
    }
    matchers.push(m.value);
  }
  const startsAt = timeOption(a, '--starts-at') ?? deps.now;
  if (typeof startsAt === 'string') return usageError('add', startsAt);
  const endsAtOpt = timeOption(a, '--ends-at');
  if (typeof endsAtOpt === 'string') return usageError('add', endsAtOpt);
  const durationText = first(a, '--duration');
  if (endsAtOpt !== undefined && durationText !== undefined) {
    return usageError('add', 'give --ends-at or --duration, not both');
  }
  let endsAt = endsAtOpt;
  if (durationText !== undefined) {
    const d = parseDuration(durationText);
    if (d === undefined) {
      return usageError(
        'add',
        `--duration ${shellQuote(durationText)}: must be a duration like 90m, 2h, 1h30m, 7d`,
      );
    }
    endsAt = startsAt + d;
  }
  if (endsAt === undefined)
    return usageError('add', '--ends-at or --duration is required: a silence must end');
  if (endsAt <= startsAt) return usageError('add', '--ends-at must be after --starts-at');
  if (endsAt <= deps.now) return usageError('add', `it would end at ${iso(endsAt)}, already past`);

  const parts = {
    matchers,
    starts_at: startsAt,
    created_by: first(a, '--created-by') ?? deps.user,
    created_at: deps.now,
  };
  const raw = {
    id: silenceId(parts),
    ...parts,
    ends_at: endsAt,
    comment: first(a, '--comment'),
    change_event_id: first(a, '--change'),
  };
  const parsed = parseSilence(raw, deps.limits ?? DEFAULT_SILENCE_LIMITS);
  if (!parsed.ok) {
    const problems = parsed.error.issues.map((i) => `${OPTION_OF[i.field] ?? i.field}: ${i.reason}`);
    return usageError('add', problems.join('; '));
  }
  const s = parsed.value;
  const stored = await attempt('add', () => deps.store.put(s));
  if (stored) return stored;
  return {
    code: SILENCE_EXIT.ok,
    stdout: `${s.id}\n`,
    stderr: `added ${s.id}: ${describeMatchers(s)}, ${iso(s.starts_at)} → ${iso(s.ends_at)} (${formatDuration(s.ends_at - s.starts_at)}), by ${s.created_by}\n`,
  };
}

export async function silenceList(args: readonly string[], deps: SilenceDeps): Promise<CommandResult> {
  const a = parseArgs('list', args, { flags: ['--all', '--json'] });
  if (typeof a === 'string') return usageError('list', a);
  if (a.help) return done(`${USAGE.list}\n`);
  if (a.positional.length)
    return usageError('list', `unexpected argument ${JSON.stringify(a.positional[0])}`);
  const held = await load('list', deps);
  if (!Array.isArray(held)) return held;
  const all = a.flags.has('--all');
  const shown = held
    .filter((s) => all || silenceState(s, deps.now) !== 'expired')
    .sort((x, y) => x.starts_at - y.starts_at || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  if (a.flags.has('--json')) {
    return done(shown.map((s) => `${JSON.stringify(silenceRecord(s))}\n`).join(''));
  }
  if (!shown.length) return done(all ? 'no silences\n' : 'no active or pending silences\n');
  return done(renderSilenceTable(shown, deps.now));
}

export async function silenceExpire(args: readonly string[], deps: SilenceDeps): Promise<CommandResult> {
  const a = parseArgs('expire', args, {});
  if (typeof a === 'string') return usageError('expire', a);
  if (a.help) return done(`${USAGE.expire}\n`);
  if (a.positional.length !== 1) {
    return usageError('expire', 'give exactly one silence id (see alert-triage silence list)');
  }
  const id = a.positional[0]!;
  const held = await load('expire', deps);
  if (!Array.isArray(held)) return held;
  const s = latest(held).get(id);
  if (!s)
    return usageError('expire', `no silence ${JSON.stringify(id)} (see alert-triage silence list --all)`);
  if (silenceState(s, deps.now) === 'expired') {
    return { code: SILENCE_EXIT.ok, stdout: '', stderr: `${id} already ended at ${iso(s.ends_at)}\n` };
  }
  const expired = expireSilence(s, deps.now);
  const stored = await attempt('expire', () => deps.store.put(expired));
  if (stored) return stored;
  return done(`expired ${id} at ${iso(expired.ends_at)}\n`);
}

/** id, matchers, starts, ends, remaining, created_by, comment — times in UTC. */
export function renderSilenceTable(silences: readonly Silence[], now: number): string {
  const header = ['id', 'matchers', 'starts (UTC)', 'ends (UTC)', 'remaining', 'created_by', 'comment'];
  const rows = silences.map((s) => [
    s.id,
    describeMatchers(s),
    shortTime(s.starts_at),
    shortTime(s.ends_at),
    remaining(s, now),
    s.created_by,
    s.comment.length > 48 ? `${s.comment.slice(0, 47)}…` : s.comment,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export function describeMatchers(s: Silence): string {
  const m = s.matchers.map(formatMatcher).join(', ');
  return s.change_event_id === undefined ? m : `${m} (change ${s.change_event_id})`;
}

function remaining(s: Silence, now: number): string {
  const state = silenceState(s, now);
  if (state === 'expired') return 'expired';
  if (state === 'pending') return `starts in ${roughDuration(s.starts_at - now)}`;
  return roughDuration(s.ends_at - now);
}

/** Two units at most, for a human: 3d4h, 1h59m, 12m, 40s. */
function roughDuration(ms: number): string {
  const text = formatDuration(ms >= 60_000 ? Math.floor(ms / 60_000) * 60_000 : Math.ceil(ms / 1000) * 1000);
  return (text.match(/\d+[a-z]+/g) ?? [text]).slice(0, 2).join('');
}

/** `90m`, `2h`, `1h30m`, `1.5h`, `7d`, `500ms`; more than zero. */
export function parseDuration(text: string): number | undefined {
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(n) * unit[u!]!;
  total = Math.round(total);
  return total > 0 ? total : undefined;
}

// The option a parseSilence issue is about, so the one-line error names what the user typed.
const OPTION_OF: Record<string, string> = {
  matchers: '--match',
  starts_at: '--starts-at',
  ends_at: '--ends-at/--duration',
  created_by: '--created-by',
  comment: '--comment',
  change_event_id: '--change',
};

interface Args {
  values: Map<string, string[]>;
  flags: Set<string>;
  positional: string[];
  help: boolean;
}

/** `--name value`, `--name=value`, flags and positionals; a problem comes back as one sentence. */
function parseArgs(
  sub: Sub,
  args: readonly string[],
  spec: { values?: string[]; repeatable?: string[]; flags?: string[] },
): Args | string {
  const out: Args = { values: new Map(), flags: new Set(), positional: [], help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.flags?.includes(name)) {
      if (eq > 0) return `${name} takes no value`;
      out.flags.add(name);
      continue;
    }
    const repeatable = spec.repeatable?.includes(name) ?? false;
    if (!repeatable && !spec.values?.includes(name))
      return `unknown option ${name} (see alert-triage silence ${sub} --help)`;
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) return `${name} needs a value`;
      i++;
    }
    const held = out.values.get(name);
    if (held && !repeatable) return `${name} given twice`;
    if (held) held.push(value);
    else out.values.set(name, [value]);
  }
  return out;
}

function first(a: Args, name: string): string | undefined {
  return a.values.get(name)?.[0];
}

function timeOption(a: Args, name: string): number | string | undefined {
  const text = first(a, name);
  if (text === undefined) return undefined;
  const ms = toEpochMillis(/^\d+$/.test(text) ? Number(text) : text);
  return (
    ms ??
    `${name} ${shellQuote(text)}: must be epoch milliseconds or an RFC 3339 date-time (2026-11-16T10:00:00Z)`
  );
}

/** The latest record of each id, as a compacted topic would hold it. */
function latest(silences: readonly Silence[]): Map<string, Silence> {
  const byId = new Map<string, Silence>();
  for (const s of silences) byId.set(s.id, s);
  return byId;
}

async function load(sub: Sub, deps: SilenceDeps): Promise<Silence[] | CommandResult> {
  try {
    return [...latest(await deps.store.all()).values()];
  } catch (e) {
    return fail(SILENCE_EXIT.failure, `silence ${sub}: cannot read the silences: ${(e as Error).message}`);
  }
}

async function attempt(sub: Sub, write: () => Promise<void>): Promise<CommandResult | undefined> {
  try {
    await write();
    return undefined;
  } catch (e) {
    return fail(SILENCE_EXIT.failure, `silence ${sub}: cannot write the silence: ${(e as Error).message}`);
  }
}

function usageError(sub: Sub, problem: string): CommandResult {
  return fail(SILENCE_EXIT.usage, `silence ${sub}: ${problem}`);
}

function fail(code: number, line: string): CommandResult {
  return { code, stdout: '', stderr: `${line}\n` };
}

function done(stdout: string): CommandResult {
  return { code: SILENCE_EXIT.ok, stdout, stderr: '' };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function shortTime(ms: number): string {
  return iso(ms).slice(0, 16).replace('T', ' ');
}

/** Shows an argument as the user would type it back into a shell. */
function shellQuote(text: string): string {
  return /^[\w.,:/@+=-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
