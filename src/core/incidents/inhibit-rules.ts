// Inhibit rules' matchers: the silence matchers (Alertmanager's `=`, `!=`, `=~`, `!~`, anchored regexes,
// absent reads as empty) plus two names only the incident stage knows: `tier` and `cause_kind`.
// A rule is checked in two halves: `target` on the alert in its lane (stage 1), `source` and `equal`
// against the open incident in the incident stage (stage 2), where both sides are known.
import { TIERS, type Tier } from '../events.ts';
import type { InhibitRule } from '../settings.ts';
import {
  type CompiledMatcher,
  compileMatcher,
  isCompiled,
  type Matcher,
  type MatcherProblem,
  matcherMatches,
  parseMatcher,
  type SilenceTarget,
} from '../silence-matchers.ts';

/** Names a silence cannot use: they exist once an alert is tiered and grouped. */
export const INHIBIT_FIELDS = ['tier', 'cause_kind'] as const;
type InhibitField = (typeof INHIBIT_FIELDS)[number];

/** What an inhibit matcher reads: an alert's silence fields, its tier, and its incident's cause kind. */
export interface InhibitTarget extends SilenceTarget {
  tier: Tier;
  cause_kind?: string | null;
}

export interface CompiledInhibitMatcher {
  readonly extra: InhibitField | null;
  readonly base: CompiledMatcher;
}

export interface CompiledInhibitRule {
  readonly source: readonly CompiledInhibitMatcher[];
  readonly target: readonly CompiledInhibitMatcher[];
  readonly equal: readonly string[];
}

const isExtra = (name: string): name is InhibitField => (INHIBIT_FIELDS as readonly string[]).includes(name);

// The extra names are checked as a label matcher would be (operator, regex), then read from the target.
const asLabel = (m: Matcher): Matcher => ({ ...m, name: `labels.${m.name}` });

/** A silence matcher's problem, reworded for an inhibit rule (its own names, the extra ones listed). */
function reword(p: MatcherProblem, extra: InhibitField | null): MatcherProblem {
  let reason = extra ? p.reason.replaceAll(`labels.${extra}`, extra) : p.reason;
  reason = reason.replace('use model_id,', `use ${INHIBIT_FIELDS.join(', ')}, model_id,`);
  return { ...p, reason };
}

export function compileInhibitMatcher(m: Matcher): CompiledInhibitMatcher | MatcherProblem {
  const extra = isExtra(m.name) ? m.name : null;
  if (extra === 'tier' && (m.op === '=' || m.op === '!=') && !(TIERS as readonly string[]).includes(m.value))
    return {
      code: 'BAD_MATCHER',
      reason: `tier${m.op}${JSON.stringify(m.value)}: a tier is P1, P2, P3 or P4`,
    };
  const c = compileMatcher(extra ? asLabel(m) : m);
  return isCompiled(c) ? { extra, base: c } : reword(c, extra);
}

/** Matcher text (`tier="P1"`, `model_id=~"fraud.*"`), as parseMatcher reads it, with the extra names. */
export function parseInhibitMatcher(
  text: string,
): { ok: true; value: Matcher } | { ok: false; problem: MatcherProblem } {
  const name = /^\s*([^\s=!~<>"'{},]+)/.exec(text)?.[1];
  const extra = name !== undefined && isExtra(name) ? name : null;
  const p = parseMatcher(extra ? `labels.${text.trimStart()}` : text);
  if (!p.ok) {
    const i = p.error.issues[0];
    const problem = {
      code: (i?.code ?? 'BAD_MATCHER') as MatcherProblem['code'],
      reason: i?.reason ?? 'not a matcher',
    };
    return { ok: false, problem: reword(problem, extra) };
  }
  return { ok: true, value: extra ? { ...p.value, name: extra } : p.value };
}

export function compileInhibitRule(rule: InhibitRule): CompiledInhibitRule {
  const compile = (m: Matcher) => {
    const c = compileInhibitMatcher(m);
    if (!('base' in c)) throw new TypeError(`inhibit rule: ${c.reason} (validate it first)`);
    return c;
  };
  return { source: rule.source.map(compile), target: rule.target.map(compile), equal: rule.equal };
}

/** The value `name` reads on a target, for `equal`: a silence field, `labels.<key>`, `tier` or `cause_kind`. */
export function readName(t: InhibitTarget, name: string): string {
  if (name === 'tier') return t.tier;
  if (name === 'cause_kind') return t.cause_kind ?? '';
  if (name.startsWith('labels.')) {
    const key = name.slice('labels.'.length);
    return t.labels !== undefined && Object.hasOwn(t.labels, key) ? (t.labels[key] as string) : '';
  }
  const v = (t as unknown as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

export function inhibitMatches(ms: readonly CompiledInhibitMatcher[], t: InhibitTarget): boolean {
  for (const m of ms) {
    if (m.extra === null) {
      if (!matcherMatches(m.base, t)) return false;
      continue;
    }
    // Read through a one-label target: the operator and the regex are the silence matcher's own.
    if (!matcherMatches(m.base, { model_id: '', signal: '', labels: { [m.extra]: readName(t, m.extra) } }))
      return false;
  }
  return true;
}

/** Whether `equal` holds between the source and the target (Alertmanager: absent equals absent). */
export function equalHolds(equal: readonly string[], source: InhibitTarget, target: InhibitTarget): boolean {
  for (const name of equal) if (readName(source, name) !== readName(target, name)) return false;
  return true;
}
