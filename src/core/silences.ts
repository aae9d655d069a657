// Silences: on-call's "don't page me for this until …", with Alertmanager's semantics. A silenced alert
// is still scored and written, marked `silenced_by`, and never paged. Whether a silence is active is
// decided by the alert's event time, never a clock, so a replay silences the same alerts.
// A silence may be scoped to a planned change (`change_event_id`): the maintenance window.
import { hash64 } from './dedup.ts';
import {
  type FieldIssue,
  type InvalidRecord,
  invalidRecord,
  type RecordErrorCode,
  type Result,
} from './errors.ts';
import { FieldReader, reader } from './parse-record.ts';
import {
  type CompiledMatcher,
  compileMatcher,
  formatMatcher,
  isCompiled,
  type Matcher,
  type MatcherOp,
  matcherIssue,
  matcherMatches,
  matchesEmpty,
  parseMatcher,
  type SilenceTarget,
} from './silence-matchers.ts';

export {
  formatMatcher,
  type Matcher,
  type MatcherOp,
  parseMatcher,
  type SilenceTarget,
} from './silence-matchers.ts';

export interface Silence {
  id: string;
  matchers: Matcher[];
  /** Epoch ms; active for alerts with starts_at <= event_time < ends_at. */
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  /** Only alerts whose deploy context lists this change event are silenced. */
  change_event_id?: string;
}

export interface SilenceLimits {
  /** The longest window accepted, ends_at - starts_at. */
  maxDurationMs: number;
}

export const DAY_MS = 86_400_000;
/** Used until the config carries its own maximum. */
export const DEFAULT_SILENCE_LIMITS: SilenceLimits = { maxDurationMs: 7 * DAY_MS };
export const MAX_MATCHERS = 32;

/**
 * Validates a raw silence (a `ml.silences` value, a config entry), every problem reported. Timestamps
 * are epoch ms or RFC 3339. Matchers are `{name, op, value}` objects or matcher text. `id` defaults to
 * silenceId(...), `created_at` to `starts_at`. An empty window (ends_at = starts_at) is accepted: it is
 * what expiring a silence before it began leaves on the topic, and it is never active.
 */
export function parseSilence(value: unknown, limits: SilenceLimits): Result<Silence, InvalidRecord> {
  const r = reader('Silence', value);
  if (!(r instanceof FieldReader)) return { ok: false, error: r };
  const id = r.string('id');
  if (id === '') r.issues.push({ code: 'MISSING_FIELD', field: 'id', reason: 'must not be empty' });
  const parsed = readMatchers(r);
  const startsAt = r.timestamp('starts_at', true) as number | undefined;
  const endsAt = r.timestamp('ends_at', true) as number | undefined;
  const createdBy = r.string('created_by', true) as string | undefined;
  const comment = r.string('comment', true) as string | undefined;
  const createdAt = r.timestamp('created_at');
  const change = r.string('change_event_id') || undefined;

  if (startsAt !== undefined && endsAt !== undefined) {
    if (endsAt < startsAt) {
      r.issues.push({ code: 'BAD_WINDOW', field: 'ends_at', reason: 'must not be before starts_at' });
    } else if (endsAt - startsAt > limits.maxDurationMs) {
      r.issues.push({
        code: 'BAD_WINDOW',
        field: 'ends_at',
        reason: `the silence lasts ${formatDuration(endsAt - startsAt)}, longer than the maximum of ${formatDuration(limits.maxDurationMs)}`,
      });
    }
  }
  // Alertmanager's guard: matchers that all match an absent field would silence every alert.
  // A change-scoped silence is already bounded by its change.
  if (parsed?.compiled.every(matchesEmpty) && change === undefined) {
    r.issues.push({
      code: 'TOO_BROAD',
      field: 'matchers',
      reason: `every matcher matches the empty string (${parsed.matchers.map(formatMatcher).join(', ')}), so it would silence every alert: add one that does not, or scope it with change_event_id`,
    });
  }
  if (r.issues.length || !parsed || startsAt === undefined || endsAt === undefined) {
    return { ok: false, error: invalidRecord('Silence', r.issues) };
  }
  const silence: Silence = {
    id: '',
    matchers: parsed.matchers,
    starts_at: startsAt,
    ends_at: endsAt,
    created_by: createdBy!,
    comment: comment!,
    created_at: createdAt ?? startsAt,
  };
  silence.id = id ?? silenceId(silence);
  if (change !== undefined) silence.change_event_id = change;
  return { ok: true, value: silence };
}

function readMatchers(r: FieldReader): { matchers: Matcher[]; compiled: CompiledMatcher[] } | undefined {
  const raw = r.raw.matchers;
  const issue = (i: FieldIssue) => void r.issues.push(i);
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    issue({ code: 'MISSING_FIELD', field: 'matchers', reason: 'at least one matcher is required' });
    return undefined;
  }
  if (!Array.isArray(raw)) {
    issue({ code: 'WRONG_TYPE', field: 'matchers', reason: 'must be an array of matchers' });
    return undefined;
  }
  if (raw.length > MAX_MATCHERS) {
    issue({ code: 'TOO_LARGE', field: 'matchers', reason: `more than ${MAX_MATCHERS} matchers` });
    return undefined;
  }
  const matchers: Matcher[] = [];
  const compiled: CompiledMatcher[] = [];
  raw.forEach((item: unknown, i) => {
    const m = toMatcher(item, `matchers[${i}]`, issue);
    const c = m && compileMatcher(m);
    if (!m || !c) return;
    if (isCompiled(c)) {
      matchers.push(m);
      compiled.push(c);
    } else issue(matcherIssue(i, c));
  });
  return matchers.length === raw.length ? { matchers, compiled } : undefined;
}

function toMatcher(item: unknown, field: string, issue: (i: FieldIssue) => void): Matcher | undefined {
  if (typeof item === 'string') {
    const p = parseMatcher(item);
    if (!p.ok) for (const i of p.error.issues) issue({ ...i, field });
    return p.ok ? p.value : undefined;
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    issue({ code: 'WRONG_TYPE', field, reason: 'must be an object {name, op, value} or matcher text' });
    return undefined;
  }
  const o = item as Record<string, unknown>;
  let ok = true;
  for (const k of ['name', 'op', 'value'] as const) {
    if (typeof o[k] === 'string' && (k === 'value' || o[k] !== '')) continue;
    ok = false;
    issue(
      o[k] === undefined || o[k] === null || o[k] === ''
        ? { code: 'MISSING_FIELD', field: `${field}.${k}`, reason: 'is required' }
        : { code: 'WRONG_TYPE', field: `${field}.${k}`, reason: 'must be a string' },
    );
  }
  return ok ? { name: o.name as string, op: o.op as MatcherOp, value: o.value as string } : undefined;
}

/** The value written to `ml.silences` (key: the id; a tombstone removes it). parseSilence reads it back. */
export function silenceRecord(s: Silence): Silence {
  const record: Silence = {
    id: s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    starts_at: s.starts_at,
    ends_at: s.ends_at,
    created_by: s.created_by,
    comment: s.comment,
    created_at: s.created_at,
  };
  if (s.change_event_id !== undefined) record.change_event_id = s.change_event_id;
  return record;
}

/** `sil-<16 hex>`, the same for the same matchers (in any order), start, author and creation time. */
export function silenceId(s: Pick<Silence, 'matchers' | 'starts_at' | 'created_by' | 'created_at'>): string {
  const matchers = s.matchers.map(formatMatcher).sort().join('\u0000');
  return `sil-${hash64(`${matchers}\u0001${s.starts_at}\u0001${s.created_by}\u0001${s.created_at}`)}`;
}

/**
 * The silence ended at `at`, never later than it would have. Before its start the window closes empty
 * (ends_at = starts_at): never active, and still a record parseSilence accepts.
 */
export function expireSilence(s: Silence, at: number): Silence {
  return { ...s, ends_at: Math.max(s.starts_at, Math.min(s.ends_at, at)) };
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Silence, at: number): SilenceState {
  if (at >= s.ends_at || s.ends_at === s.starts_at) return 'expired';
  return at < s.starts_at ? 'pending' : 'active';
}

/** `2h`, `1h30m`, `7d`, `45s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const units: [string, number][] = [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.round(ms);
  let out = '';
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${name}`;
    rest -= n * size;
  }
  return out;
}

interface Entry {
  readonly silence: Silence;
  readonly matchers: readonly CompiledMatcher[];
}

/**
 * The silences in force, as read from `ml.silences` in topic order (the last record of an id wins).
 * `match` runs on every alert: one branch when the book is empty, regexes compiled at upsert.
 */
export class SilenceBook {
  private readonly byId = new Map<string, Entry>();
  /** By id in code-unit order: the first that matches wins, so the choice is the smallest id. */
  private ordered: Entry[] = [];

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Silence | undefined {
    return this.byId.get(id)?.silence;
  }

  /** Adds or replaces by id. Takes a silence from parseSilence; an invalid matcher throws. */
  upsert(s: Silence): void {
    const matchers = s.matchers.map((m, i) => {
      const c = compileMatcher(m);
      if (!isCompiled(c))
        throw new TypeError(`silence ${s.id}: ${matcherIssue(i, c).reason} (parse it first)`);
      return c;
    });
    // All must match, so the order is free: string comparisons first, regexes only when those pass.
    matchers.sort((x, y) => (x.re ? 1 : 0) - (y.re ? 1 : 0));
    const entry: Entry = { silence: s, matchers };
    const i = this.indexOf(s.id);
    if (this.byId.has(s.id)) this.ordered[i] = entry;
    else this.ordered.splice(i, 0, entry);
    this.byId.set(s.id, entry);
  }

  /** A tombstone: forgets the silence. */
  remove(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    this.ordered.splice(this.indexOf(id), 1);
    return true;
  }

  /** Ends the silence at `at` (see expireSilence). Returns the updated silence. */
  expire(id: string, at: number): Silence | undefined {
    const held = this.byId.get(id)?.silence;
    if (!held) return undefined;
    const silence = expireSilence(held, at);
    this.upsert(silence);
    return silence;
  }

  /** The id of an active silence matching the alert, or null; when several match, the smallest id. */
  match(target: SilenceTarget, eventTime: number): string | null {
    const entries = this.ordered;
    if (entries.length === 0) return null;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const s = e.silence;
      if (eventTime < s.starts_at || eventTime >= s.ends_at) continue;
      if (s.change_event_id !== undefined && !target.change_event_ids?.includes(s.change_event_id)) continue;
      if (matchesAll(e.matchers, target)) return s.id;
    }
    return null;
  }

  /** By start time, then id. Without `at`, or with includeExpired, every silence held. */
  list(o: { at?: number; includeExpired?: boolean } = {}): Silence[] {
    const at = o.at;
    const out: Silence[] = [];
    for (const e of this.ordered) {
      if (o.includeExpired || at === undefined || silenceState(e.silence, at) !== 'expired')
        out.push(e.silence);
    }
    return out.sort((a, b) => a.starts_at - b.starts_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Drops silences that ended before `before`; returns how many. */
  prune(before: number): number {
    let removed = 0;
    for (const e of [...this.ordered]) {
      if (e.silence.ends_at < before && this.remove(e.silence.id)) removed++;
    }
    return removed;
  }

  /** Where the id is, or would be inserted, in `ordered` (binary search, code-unit order). */
  private indexOf(id: string): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ordered[mid]!.silence.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function matchesAll(matchers: readonly CompiledMatcher[], target: SilenceTarget): boolean {
  for (let i = 0; i < matchers.length; i++) if (!matcherMatches(matchers[i]!, target)) return false;
  return true;
}

/** One `ml.silences` record read: a silence (added or replaced), a tombstone, or why it is neither. */
export type SilenceRecordRead =
  | { kind: 'silence'; silence: Silence }
  | { kind: 'removed'; id: string }
  | { kind: 'bad'; code: RecordErrorCode; message: string };

/** The key and value written to `ml.silences` for `s`: key = its id, value = silenceRecord as JSON. */
export function silenceMessage(s: Silence): { key: string; value: string } {
  return { key: s.id, value: JSON.stringify(silenceRecord(s)) };
}

/**
 * Reads one `ml.silences` record (key and value as UTF-8 text; null value = tombstone). The key is the
 * silence id: a value without `id` takes it, one with another id is refused (KEY_MISMATCH), since
 * compaction keeps the latest value per key and would otherwise keep the wrong one.
 */
export function decodeSilenceRecord(
  key: string | null,
  value: string | null,
  limits: SilenceLimits,
): SilenceRecordRead {
  if (key === null || key === '') {
    return {
      kind: 'bad',
      code: 'MISSING_FIELD',
      message: 'invalid Silence: the record has no key (an ml.silences record is keyed by its silence id)',
    };
  }
  if (value === null) return { kind: 'removed', id: key };
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (e) {
    return {
      kind: 'bad',
      code: 'MALFORMED_JSON',
      message: `invalid Silence: not JSON: ${(e as Error).message}`,
    };
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const id = (raw as { id?: unknown }).id;
    if (id === undefined) raw = { ...raw, id: key };
    else if (typeof id === 'string' && id !== key) {
      return {
        kind: 'bad',
        code: 'KEY_MISMATCH',
        message: `invalid Silence: id ${JSON.stringify(id)} under key ${JSON.stringify(key)}: the key must be the silence id`,
      };
    }
  }
  const r = parseSilence(raw, limits);
  if (!r.ok) return { kind: 'bad', code: r.error.code, message: r.error.message };
  return { kind: 'silence', silence: r.value };
}
