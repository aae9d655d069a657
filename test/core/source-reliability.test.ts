// What feedback teaches: shrunk false-positive rates, the bounded alert memory, pending feedback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertMemory, PendingFeedback, SourceReliability } from '../../src/core/source-reliability.ts';
import { aFeedback, anAlert, HOUR, T0 } from '../fixtures/builders.ts';

const PRIOR = { false_positive_rate: 0.3, strength: 20 };

describe('SourceReliability', () => {
  it('is the prior for a source never heard of', () => {
    assert.deepEqual(new SourceReliability().rate('new', 'latency', PRIOR), { rate: 0.3, observations: 0 });
  });

  it('shrinks the observed rate towards the prior by the prior strength', () => {
    const s = new SourceReliability();
    for (let i = 0; i < 20; i++) s.record('legacy', 'data_drift', i < 18 ? 'false_positive' : 'actionable');
    // (18 false positives + 0.3 × 20) / (20 + 20)
    assert.deepEqual(s.rate('legacy', 'data_drift', PRIOR), { rate: (18 + 6) / 40, observations: 20 });
  });

  it('counts noise as a false positive, ignores duplicates, and keeps signals apart', () => {
    const s = new SourceReliability();
    s.record('x', 'latency', 'noise');
    s.record('x', 'latency', 'duplicate');
    assert.equal(s.rate('x', 'latency', PRIOR).observations, 1);
    assert.equal(s.rate('x', 'error_rate', PRIOR).observations, 0);
  });
});

describe('AlertMemory', () => {
  it('forgets the oldest alert once full', () => {
    const m = new AlertMemory(3, 7 * 24 * HOUR);
    for (const id of ['a', 'b', 'c', 'd']) m.remember(anAlert({ alert_id: id }));
    assert.equal(m.size, 3);
    assert.equal(m.find('a', T0), undefined);
    assert.deepEqual(m.find('d', T0), {
      signal: 'performance_degradation',
      event_time: T0,
      source: 'evidently',
    });
  });

  it('keeps a redelivered alert once, so it does not push others out', () => {
    const m = new AlertMemory(2, HOUR);
    m.remember(anAlert({ alert_id: 'a' }));
    m.remember(anAlert({ alert_id: 'b' }));
    m.remember(anAlert({ alert_id: 'a' }));
    assert.ok(m.find('a', T0) && m.find('b', T0));
  });

  it('does not find alerts older than its ttl in stream time', () => {
    const m = new AlertMemory(10, HOUR);
    m.remember(anAlert({ alert_id: 'a' }));
    assert.ok(m.find('a', T0 + HOUR));
    assert.equal(m.find('a', T0 + HOUR + 1), undefined);
  });

  it('stays at its bound through many evictions', () => {
    const m = new AlertMemory(1000, HOUR);
    for (let i = 0; i < 50_000; i++) m.remember(anAlert({ alert_id: `x${i}` }));
    assert.equal(m.size, 1000);
    assert.ok(m.find('x49999', T0) && !m.find('x48999', T0) && m.find('x49000', T0));
  });
});

describe('PendingFeedback', () => {
  it('releases feedback in event-time order once its time has come', () => {
    const p = new PendingFeedback(10);
    for (const t of [3, 1, 2]) p.add(aFeedback({ alert_id: `f${t}`, event_time: T0 + t }));
    assert.deepEqual(
      p.due(T0 + 2).map((f) => f.alert_id),
      ['f1', 'f2'],
    );
    assert.deepEqual(p.due(T0 + 2), []);
    assert.deepEqual(
      p.due(T0 + 9).map((f) => f.alert_id),
      ['f3'],
    );
  });

  it('refuses records beyond its bound', () => {
    const p = new PendingFeedback(1);
    assert.equal(p.add(aFeedback()), true);
    assert.equal(p.add(aFeedback()), false);
    assert.equal(p.size, 1);
  });
});
