// Silence matchers with Alertmanager's semantics: `=`, `!=`, `=~`, `!~` on an alert field or label;
// regexes fully anchored; an absent field or label reads as the empty string. Parsed and checked
// here once, compiled once per silence, then matched on every alert without allocating.
import { type FieldIssue, type InvalidRecord, invalidRecord, type Result } from './errors.ts';
import { LIMITS } from './parse-record.ts';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

/** Alert fields a matcher can name; anything else must be `labels.<key>`. */
export const MATCHER_FIELDS = [
  'model_id',
  'product_area',
  'region',
  'customer_segment',
  'signal',
  'source',
] as const;
export type MatcherField = (typeof MATCHER_FIELDS)[number];

export const LABEL_PREFIX = 'labels.';

export interface Matcher {
  name: string;
  op: MatcherOp;
  value: string;
}

/** What a silence is matched against: the alert's fields, and the change events its deploy context lists. */
export interface SilenceTarget {
  model_id: string;
  signal: string;
  product_area?: string | null;
  region?: string | null;
  customer_segment?: string | null;
  source?: string | null;
  labels?: Readonly<Record<string, string>>;
  change_event_ids?: readonly string[];
}

/** A matcher ready for the hot path: the field resolved, the regex built. */
export interface CompiledMatcher {
  readonly field: MatcherField | null;
  /** The label key for `labels.<key>`, else null. */
  readonly label: string | null;
  readonly op: MatcherOp;
  readonly value: string;
  readonly re: RegExp | null;
}

/** A problem with one matcher, in the FieldIssue shape (the caller adds the field path). */
export interface MatcherProblem {
  code: 'BAD_MATCHER' | 'BAD_REGEX' | 'TOO_LARGE';
  reason: string;
}

const ALLOWED_NAMES = `${MATCHER_FIELDS.join(', ')} or labels.<key>`;
// A label key must survive formatMatcher → parseMatcher: no spaces, quotes or operator characters.
const LABEL_KEY = /^[^\s"'=!~<>{},]+$/;
// RE2's leading `(?i)` (common in Alertmanager silences) has no JavaScript spelling: it becomes the `i` flag.
const CASE_INSENSITIVE = '(?i)';

function fieldOf(name: string): MatcherField | undefined {
  return (MATCHER_FIELDS as readonly string[]).includes(name) ? (name as MatcherField) : undefined;
}

/** The name's problem, if any. A bare name that is not a field is refused, never guessed to be a label. */
function nameProblem(name: string): MatcherProblem | undefined {
  if (fieldOf(name)) return undefined;
  if (name.startsWith(LABEL_PREFIX)) {
    const key = name.slice(LABEL_PREFIX.length);
    if (LABEL_KEY.test(key) && key.length <= LIMITS.maxStringLength) return undefined;
    return {
      code: 'BAD_MATCHER',
      reason: `bad label name ${JSON.stringify(name)}: the key after "labels." must be non-empty, without spaces, quotes or = ! ~ < > { } ,`,
    };
  }
  return {
    code: 'BAD_MATCHER',
    reason: `unknown matcher name ${JSON.stringify(name)}: use ${ALLOWED_NAMES}`,
  };
}

function buildRegex(value: string): RegExp | string {
  const ci = value.startsWith(CASE_INSENSITIVE);
  const source = ci ? value.slice(CASE_INSENSITIVE.length) : value;
  // No `u` flag: it refuses escapes RE2 takes and Alertmanager users write, such as `legacy\-.*`.
  const flags = ci ? 'i' : '';
  try {
    // Checked alone first: wrapped unchecked, `a)|(b` would compile to `^(?:a)|(b)$` and lose its anchors.
    new RegExp(source, flags);
    return new RegExp(`^(?:${source})$`, flags);
  } catch (e) {
    const detail = e instanceof Error ? e.message.slice(e.message.lastIndexOf(': ') + 2) : '';
    return detail ? `invalid regular expression: ${detail}` : 'invalid regular expression';
  }
}

/** Builds a matcher for the hot path, or says what is wrong with it (name, op, regex), matcher shown. */
export function compileMatcher(m: Matcher): CompiledMatcher | MatcherProblem {
  const named = nameProblem(m.name);
  if (named) return named;
  if (!(MATCHER_OPS as readonly string[]).includes(m.op)) {
    return {
      code: 'BAD_MATCHER',
      reason: `unknown operator ${JSON.stringify(m.op)} in ${m.name}${m.op}${quote(m.value)}: use =, !=, =~ or !~`,
    };
  }
  if (m.value.length > LIMITS.maxStringLength) {
    return {
      code: 'TOO_LARGE',
      reason: `value of ${m.name} longer than ${LIMITS.maxStringLength} characters`,
    };
  }
  let re: RegExp | null = null;
  if (m.op === '=~' || m.op === '!~') {
    const built = buildRegex(m.value);
    if (typeof built === 'string') return { code: 'BAD_REGEX', reason: `${formatMatcher(m)}: ${built}` };
    re = built;
  }
  const label = m.name.startsWith(LABEL_PREFIX) ? m.name.slice(LABEL_PREFIX.length) : null;
  return { field: label === null ? fieldOf(m.name)! : null, label, op: m.op, value: m.value, re };
}

export function isCompiled(c: CompiledMatcher | MatcherProblem): c is CompiledMatcher {
  return 'op' in c;
}

/** The value a matcher reads: absent, null and empty are all the empty string (Alertmanager's rule). */
function readValue(m: CompiledMatcher, t: SilenceTarget): string {
  if (m.label !== null) {
    const labels = t.labels;
    // hasOwn: a key like "constructor" must not read Object.prototype.
    return labels !== undefined && Object.hasOwn(labels, m.label) ? (labels[m.label] as string) : '';
  }
  switch (m.field) {
    case 'model_id':
      return t.model_id;
    case 'signal':
      return t.signal;
    case 'product_area':
      return t.product_area ?? '';
    case 'region':
      return t.region ?? '';
    case 'customer_segment':
      return t.customer_segment ?? '';
    case 'source':
      return t.source ?? '';
    default:
      return '';
  }
}

export function matcherMatches(m: CompiledMatcher, t: SilenceTarget): boolean {
  const v = readValue(m, t);
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.re!.test(v);
    case '!~':
      return !m.re!.test(v);
  }
}

/** True when the matcher matches an alert that lacks the field: `x!="a"`, `x=~".*"`, `x=""`. */
export function matchesEmpty(m: CompiledMatcher): boolean {
  return matcherMatches(m, EMPTY_TARGET);
}

const EMPTY_TARGET: SilenceTarget = { model_id: '', signal: '' };

/**
 * `model_id="fraud-scorer"`, `signal=~"data_.*"`, `labels.env!=prod`, `source!~'legacy-.*'`: the name,
 * an operator, and a value that is bare (trimmed), double-quoted (`\"`, `\\`, `\n` escapes) or
 * single-quoted (`\'`, `\\`). Whitespace around the operator is allowed. The matcher is checked as
 * compileMatcher checks it (name, operator, regex). A reason names the matcher only for a bad regex
 * (as compileMatcher does); otherwise the caller, who has the text, shows it.
 */
export function parseMatcher(text: string): Result<Matcher, InvalidRecord> {
  const bad = (code: MatcherProblem['code'], reason: string): Result<Matcher, InvalidRecord> => ({
    ok: false,
    error: invalidRecord('Matcher', [{ code, field: '', reason }]),
  });
  const m = /^\s*([^\s=!~<>"'{},]+)\s*([=!~<>]+)\s*(.*?)\s*$/s.exec(text);
  if (!m) {
    return bad(
      'BAD_MATCHER',
      `not a matcher: expected a name, an operator (=, !=, =~, !~) and a value, e.g. model_id="fraud-scorer"`,
    );
  }
  const [, name, op, rest] = m as unknown as [string, string, string, string];
  if (!(MATCHER_OPS as readonly string[]).includes(op)) {
    return bad(
      'BAD_MATCHER',
      `unknown operator ${JSON.stringify(op)}: use =, !=, =~ or !~ (quote a value that starts with one of = ! ~)`,
    );
  }
  const value = unquote(rest);
  if (value === undefined) {
    return bad('BAD_MATCHER', 'the quoted value is not closed, or text follows its closing quote');
  }
  const matcher: Matcher = { name, op: op as MatcherOp, value };
  const compiled = compileMatcher(matcher);
  if (!isCompiled(compiled)) return bad(compiled.code, compiled.reason);
  return { ok: true, value: matcher };
}

function unquote(raw: string): string | undefined {
  const q = raw[0];
  if (q !== '"' && q !== "'") return raw;
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === q) return i === raw.length - 1 ? out : undefined;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1]!;
      if (n === q || n === '\\') {
        out += n;
        i++;
        continue;
      }
      if (n === 'n' && q === '"') {
        out += '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return undefined;
}

/**
 * Double quotes, escaping only what unquote would read back differently — so a regex keeps its
 * single backslashes (`"a\.b"`) and the text parses back to the same matcher.
 */
function quote(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\\') {
      const n = value[i + 1];
      out += n === undefined || n === '"' || n === '\\' || n === 'n' ? '\\\\' : '\\';
    } else out += c;
  }
  return `${out}"`;
}

/** `name op "value"`, the text parseMatcher reads back to the same matcher. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${quote(m.value)}`;
}

/** A parse issue for `matchers[i]`, for parseSilence. */
export function matcherIssue(index: number, p: MatcherProblem): FieldIssue {
  return { code: p.code, field: `matchers[${index}]`, reason: p.reason };
}
