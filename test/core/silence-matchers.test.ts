// Silence matchers: the text form, Alertmanager's semantics (anchored regexes, absent = empty), errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvalidRecord, Result } from '../../src/core/errors.ts';
import {
  type CompiledMatcher,
  compileMatcher,
  formatMatcher,
  isCompiled,
  type Matcher,
  matcherMatches,
  matchesEmpty,
  parseMatcher,
  type SilenceTarget,
} from '../../src/core/silence-matchers.ts';

function expectOk<T>(r: Result<T, InvalidRecord>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.message}`);
  return r.value;
}

function expectError<T>(r: Result<T, InvalidRecord>): InvalidRecord {
  if (r.ok) assert.fail(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

function compiled(text: string): CompiledMatcher {
  const c = compileMatcher(expectOk(parseMatcher(text)));
  assert.ok(isCompiled(c));
  return c;
}

function aTarget(over: Partial<SilenceTarget> = {}): SilenceTarget {
  return { model_id: 'fraud-scorer', signal: 'data_drift', ...over };
}

const matches = (text: string, t: SilenceTarget = aTarget()) => matcherMatches(compiled(text), t);

describe('parseMatcher: the text form', () => {
  it('reads the four operators, quoted or bare', () => {
    assert.deepStrictEqual(
      ['model_id="fraud-scorer"', 'signal=~"data_.*"', 'labels.env!=prod', "source!~'legacy-.*'"].map((t) =>
        expectOk(parseMatcher(t)),
      ),
      [
        { name: 'model_id', op: '=', value: 'fraud-scorer' },
        { name: 'signal', op: '=~', value: 'data_.*' },
        { name: 'labels.env', op: '!=', value: 'prod' },
        { name: 'source', op: '!~', value: 'legacy-.*' },
      ],
    );
  });

  it('tolerates whitespace around the name, the operator and the value', () => {
    assert.deepStrictEqual(expectOk(parseMatcher('  model_id = "fraud-scorer" ')), {
      name: 'model_id',
      op: '=',
      value: 'fraud-scorer',
    });
    assert.deepStrictEqual(expectOk(parseMatcher('signal =~ data_.*')), {
      name: 'signal',
      op: '=~',
      value: 'data_.*',
    });
  });

  it('keeps spaces inside quotes, reads escapes, and allows an empty value', () => {
    assert.equal(expectOk(parseMatcher('labels.team=" risk ml "')).value, ' risk ml ');
    assert.equal(expectOk(parseMatcher('labels.note="say \\"hi\\" \\\\ ok"')).value, 'say "hi" \\ ok');
    assert.equal(expectOk(parseMatcher("labels.note='it\\'s'")).value, "it's");
    assert.equal(expectOk(parseMatcher('signal=~"data\\.drift"')).value, 'data\\.drift');
    assert.equal(expectOk(parseMatcher('region=""')).value, '');
    assert.equal(expectOk(parseMatcher('region=')).value, '');
  });

  it('refuses text that is not a matcher', () => {
    for (const text of ['model_id', '', '="x"', 'model id="x"']) {
      const e = expectError(parseMatcher(text));
      assert.equal(e.code, 'BAD_MATCHER', text);
      assert.match(e.issues[0]!.reason, /expected a name, an operator \(=, !=, =~, !~\) and a value/);
    }
  });

  it('refuses an unknown operator, naming it', () => {
    for (const [text, op] of [
      ['model_id=="x"', '=='],
      ['model_id=!x', '=!'],
      ['model_id~x', '~'],
      ['model_id<>x', '<>'],
    ] as const) {
      const e = expectError(parseMatcher(text));
      assert.equal(e.code, 'BAD_MATCHER');
      assert.ok(e.issues[0]!.reason.includes(`unknown operator "${op}"`), e.message);
    }
  });

  it('refuses an unclosed quote or text after the closing quote', () => {
    for (const text of ['model_id="fraud', "model_id='fraud", 'model_id="a"b', 'model_id="a\\"']) {
      const e = expectError(parseMatcher(text));
      assert.equal(e.code, 'BAD_MATCHER', text);
      assert.match(e.issues[0]!.reason, /quoted value is not closed/);
    }
  });

  it('refuses a bare name that is not an alert field, naming the allowed ones', () => {
    const e = expectError(parseMatcher('env="prod"'));
    assert.equal(e.code, 'BAD_MATCHER');
    assert.equal(
      e.issues[0]!.reason,
      'unknown matcher name "env": use model_id, product_area, region, customer_segment, signal, source or labels.<key>',
    );
  });

  it('refuses an empty label key', () => {
    const e = expectError(parseMatcher('labels.="x"'));
    assert.equal(e.code, 'BAD_MATCHER');
    assert.match(e.issues[0]!.reason, /bad label name "labels\."/);
  });

  it('refuses an invalid regex with the matcher shown', () => {
    const e = expectError(parseMatcher('signal=~"data_("'));
    assert.equal(e.code, 'BAD_REGEX');
    assert.equal(e.issues[0]!.reason, 'signal=~"data_(": invalid regular expression: Unterminated group');
    assert.equal(
      e.message,
      'invalid Matcher: signal=~"data_(": invalid regular expression: Unterminated group',
    );
  });

  it('refuses a regex that would escape its anchors once wrapped', () => {
    assert.equal(expectError(parseMatcher('model_id=~"a)|(.*"')).code, 'BAD_REGEX');
  });

  it('takes the regexes Alertmanager users write', () => {
    for (const text of ['source=~"legacy\\-.*"', 'signal=~"[\\w-]+"', 'model_id=~"(fraud|churn)-v\\d+"']) {
      expectOk(parseMatcher(text));
    }
  });

  it('refuses a value over the string limit', () => {
    assert.equal(expectError(parseMatcher(`model_id="${'x'.repeat(2049)}"`)).code, 'TOO_LARGE');
  });

  it('does not check regex syntax for = and !=', () => {
    assert.deepStrictEqual(expectOk(parseMatcher('labels.expr="data_("')).value, 'data_(');
  });
});

describe('formatMatcher', () => {
  it('writes name, operator and a double-quoted value', () => {
    assert.equal(formatMatcher({ name: 'signal', op: '=~', value: 'data_.*' }), 'signal=~"data_.*"');
    assert.equal(
      formatMatcher({ name: 'signal', op: '=~', value: 'data\\.drift' }),
      'signal=~"data\\.drift"',
    );
  });

  it('parses back to the same matcher, whatever the value holds', () => {
    const values = [
      '',
      'plain',
      'a\\.b',
      'say "hi"',
      'back\\',
      '\\\\',
      'line\nbreak',
      'lit\\n',
      "it's",
      ' pad ',
    ];
    for (const value of values) {
      const m: Matcher = { name: 'labels.note', op: '!=', value };
      assert.deepStrictEqual(expectOk(parseMatcher(formatMatcher(m))), m, JSON.stringify(value));
    }
  });
});

describe('matching: Alertmanager semantics', () => {
  it('= and != compare the whole value', () => {
    assert.equal(matches('model_id="fraud-scorer"'), true);
    assert.equal(matches('model_id="fraud"'), false);
    assert.equal(matches('model_id!="fraud"'), true);
    assert.equal(matches('model_id!="fraud-scorer"'), false);
  });

  it('regexes are fully anchored', () => {
    assert.equal(matches('model_id=~"fraud"'), false);
    assert.equal(matches('model_id=~"scorer"'), false);
    assert.equal(matches('model_id=~"fraud.*"'), true);
    assert.equal(matches('model_id=~"churn|fraud-scorer"'), true);
    assert.equal(matches('model_id=~"fraud|x"'), false, 'the anchors hold across an alternation');
    assert.equal(matches('model_id!~"fraud"'), true);
    assert.equal(matches('model_id!~"fraud-.*"'), false);
  });

  it('a leading (?i) makes the regex case-insensitive, as in RE2', () => {
    assert.equal(matches('model_id=~"(?i)FRAUD-.*"'), true);
    assert.equal(matches('model_id=~"FRAUD-.*"'), false);
  });

  it('an absent field reads as the empty string', () => {
    const bare = aTarget();
    const nulls = aTarget({ region: null, product_area: null, customer_segment: null, source: null });
    for (const t of [bare, nulls]) {
      assert.equal(matches('region!="eu-west"', t), true);
      assert.equal(matches('region=""', t), true);
      assert.equal(matches('region=~".*"', t), true);
      assert.equal(matches('region=~".+"', t), false);
      assert.equal(matches('region!~".+"', t), true);
      assert.equal(matches('region="eu-west"', t), false);
      assert.equal(matches('source=~"legacy-.*"', t), false);
    }
    assert.equal(matches('region=""', aTarget({ region: 'eu-west' })), false);
  });

  it('reads every named field', () => {
    const t = aTarget({
      product_area: 'payments',
      region: 'eu-west',
      customer_segment: 'enterprise',
      source: 'evidently',
    });
    for (const text of [
      'model_id="fraud-scorer"',
      'signal="data_drift"',
      'product_area="payments"',
      'region="eu-west"',
      'customer_segment="enterprise"',
      'source="evidently"',
    ]) {
      assert.equal(matches(text, t), true, text);
    }
  });

  it('labels.<key> reads a label; an absent label or labels map is the empty string', () => {
    const t = aTarget({ labels: { env: 'prod', team: 'risk' } });
    assert.equal(matches('labels.env="prod"', t), true);
    assert.equal(matches('labels.env!="prod"', t), false);
    assert.equal(matches('labels.zone!="a"', t), true);
    assert.equal(matches('labels.env=""'), true);
    assert.equal(matches('labels.env=~"p.*"'), false);
  });

  it('a label key named like an Object.prototype member is just an absent label', () => {
    assert.equal(matches('labels.constructor=""'), true);
    assert.equal(matches('labels.toString=~".+"', aTarget({ labels: {} })), false);
    assert.equal(matches('labels.__proto__=""', aTarget({ labels: {} })), true);
  });

  it('matchesEmpty tells the matchers that would match an alert lacking the field', () => {
    const of = (t: string) => matchesEmpty(compiled(t));
    assert.deepStrictEqual(
      ['region!="eu"', 'region=~".*"', 'region=""', 'region="eu"', 'region=~".+"', 'region!~".*"'].map(of),
      [true, true, true, false, false, false],
    );
  });
});
