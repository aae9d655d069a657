// Accumulated impact (issue 13, item 2): a fingerprint's alerts that keep coming raise their priority by
// the impact accrued so far; a lone alert is unchanged; replays and the changelog give the same answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AccrualSettings, accrualBoost, accrue } from '../../src/core/accrual.ts';
import type { CoreInput } from '../../src/core/events.ts';
import { createState, createStep, type Output, type ScoredAlert } from '../../src/core/processor.ts';
import { aConfig, anAlert, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const S: AccrualSettings = { enabled: true, reference: 20_000, max_boost: 20, gap: 6 * HOUR, max_tier: 'P2' };

describe('accrue (pure)', () => {
  it('integrates the impact per hour over the time each alert held, and saturates', () => {
    const a = accrue(undefined, T0, 1000, S);
    assert.deepEqual(a, { run: { since: T0, at: T0, rate: 1000, impact: 0 }, boost: 0, reason: null });
    const b = accrue(a.run, T0 + 2 * HOUR, 500, S);
    assert.equal(b.run.impact, 2000);
    assert.equal(b.run.rate, 500);
    assert.equal(b.boost, accrualBoost(2000, S));
    assert.equal(
      b.reason,
      "accrued 2,000 over 2.0 h of this fingerprint's alerts (scoring.accrual): +1.8 priority",
    );
    assert.ok(accrualBoost(1e12, S) <= S.max_boost);
    assert.equal(accrualBoost(S.reference, S), S.max_boost / 2);
  });

  it('a gap longer than `gap` starts a new run; a late alert adds nothing', () => {
    const a = accrue(undefined, T0, 1000, S);
    const b = accrue(a.run, T0 + 7 * HOUR, 1000, S);
    assert.deepEqual(b.run, { since: T0 + 7 * HOUR, at: T0 + 7 * HOUR, rate: 1000, impact: 0 });
    const c = accrue(a.run, T0 + HOUR, 1000, S);
    const late = accrue(c.run, T0 + 30 * MIN, 9999, S);
    assert.equal(late.run.impact, c.run.impact);
    assert.equal(late.run.at, c.run.at);
  });

  it('disabled, or max_boost 0: no boost', () => {
    const a = accrue(undefined, T0, 1000, S);
    assert.equal(accrue(a.run, T0 + HOUR, 1000, { ...S, enabled: false }).boost, 0);
    assert.equal(accrue(a.run, T0 + HOUR, 1000, { ...S, max_boost: 0 }).boost, 0);
  });
});

// A slow regression: a low-severity alert of one fingerprint every 20 min for two days, on a model with
// no compliance floor, with tiers set so that each alert alone is P3 (P2 from 60).
const TIERS = { tiers: { P1: 80, P2: 60, P3: 30 } };
const trickle = (n = 3 * 24 * 2): CoreInput[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'alert' as const,
    at: 0,
    lane: '0',
    alert: anAlert({
      alert_id: `low-${i}`,
      event_time: T0 + i * 20 * MIN,
      model_id: 'search-ranker',
      severity: 'low',
      value: 0.88,
      threshold: 0.9,
      confidence: 0.8,
      affected_entities: 20_000,
    }),
  }));
const LANES: CoreInput = { kind: 'lanes', assigned: ['0'], at: 0 };

function run(inputs: CoreInput[], accrual: Record<string, unknown> = {}) {
  const config = aConfig({ scoring: { ...TIERS, accrual: { enabled: true, ...accrual } } });
  const step = createStep(config);
  const state = createState(config);
  const outputs: Output[] = [];
  step(state, LANES);
  for (const input of inputs) outputs.push(...step(state, input).outputs);
  const scored = outputs.flatMap((o) => (o.kind === 'scored' ? [o.alert] : []));
  return { state, step, outputs, scored };
}

const view = (a: ScoredAlert) => ({ id: a.alert_id, priority: a.priority, tier: a.tier, reasons: a.reasons });

describe('accrual in the step function', () => {
  it('a two-day trickle of low alerts reaches P2 and pages, saying what accrued over how long', () => {
    const off = run(trickle(), { enabled: false });
    assert.ok(
      off.scored.every((a) => a.tier === 'P3' || a.tier === 'P4'),
      'alone, each alert is below the page tiers',
    );
    const on = run(trickle());
    const first = on.scored.find((a) => a.tier === 'P2');
    assert.ok(first, 'the run reaches P2');
    const sentence = first.reasons.find((r) => r.startsWith('accrued '));
    assert.match(sentence ?? '', /^accrued [\d,]+ over \d+(\.\d)? h of this fingerprint's alerts/);
    assert.equal(first.dedup.suppressed, false, 'a rise routes again');
    assert.ok(
      on.outputs.some((o) => o.kind === 'tier' && o.alert.alert_id === first.alert_id),
      'the rise is routed to its tier topic',
    );
    assert.ok(
      first.event_time - T0 > 2 * HOUR && first.event_time - T0 < 24 * HOUR,
      'within a day, not at once',
    );
    assert.ok(
      on.scored.every((a) => a.tier !== 'P1'),
      'accrual alone never lifts past max_tier (P2)',
    );
  });

  it('a single alert is scored as without accrual', () => {
    const alert = trickle(1);
    const on = run(alert).scored.map(view);
    const off = run(alert, { enabled: false }).scored.map(view);
    assert.deepEqual(on, off);
  });

  it('a replay gives the same priorities, tiers and sentences', () => {
    assert.deepEqual(run(trickle()).scored.map(view), run(trickle()).scored.map(view));
  });

  it('the run survives the dedup changelog: restored from it, the next alert accrues as if nothing happened', () => {
    const inputs = trickle();
    const cut = 80;
    const whole = run(inputs);
    const before = run(inputs.slice(0, cut));
    // What the changelog holds: the latest entry of each fingerprint, as JSON.
    const latest = new Map<string, unknown>();
    for (const o of before.outputs)
      if (o.kind === 'dedup') latest.set(o.fingerprint, JSON.parse(JSON.stringify(o.entry)));
    const config = aConfig({ scoring: { ...TIERS, accrual: { enabled: true } } });
    const step = createStep(config);
    const state = createState(config);
    step(state, LANES);
    for (const [fingerprint, entry] of latest)
      step(state, { kind: 'restore', lane: '0', fingerprint, entry: entry as never, at: 0 });
    const next = step(state, inputs[cut]!).outputs.flatMap((o) => (o.kind === 'scored' ? [o.alert] : []));
    const same = whole.scored.find((a) => a.alert_id === `low-${cut}`)!;
    assert.equal(next[0]?.priority, same.priority);
    assert.equal(next[0]?.tier, same.tier);
    assert.deepEqual(
      next[0]?.reasons.find((r) => r.startsWith('accrued ')),
      same.reasons.find((r) => r.startsWith('accrued ')),
    );
  });

  it('an entry written before accrual (no `accrual` field) reads back and starts a run', () => {
    const config = aConfig({ scoring: { ...TIERS, accrual: { enabled: true } } });
    const step = createStep(config);
    const state = createState(config);
    step(state, LANES);
    const [first] = trickle(1);
    const fp = run([first!]).outputs.find((o) => o.kind === 'dedup');
    assert.ok(fp?.kind === 'dedup');
    step(state, {
      kind: 'restore',
      lane: '0',
      fingerprint: fp.fingerprint,
      entry: { first_seen: T0, last_seen: T0, occurrences: 1, routed_tier: 'P3', routed_at: T0 },
      at: 0,
    });
    const out = step(state, trickle(2)[1]!).outputs.flatMap((o) => (o.kind === 'scored' ? [o.alert] : []));
    assert.equal(out[0]?.dedup.occurrences, 2);
    assert.ok(!out[0]?.reasons.some((r) => r.startsWith('accrued ')), 'nothing accrued yet: no sentence');
  });
});
