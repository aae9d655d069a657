// DeployWindow: event-time ordered deploys per key, bounded by retention (in alert stream time) and a cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployWindow, modelKey, serviceKey } from '../../src/core/window-store.ts';
import { aDeploy, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const M = modelKey('fraud-scorer');
const ALL = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] as const;
const newWindow = (over: { retentionMs?: number; maxPerKey?: number } = {}) =>
  new DeployWindow({ retentionMs: 24 * HOUR, maxPerKey: 100, ...over });
const idsIn = (w: DeployWindow, key: string, from: number = ALL[0], to: number = ALL[1]) =>
  w.range(key, from, to).map((d) => d.event_id);

describe('DeployWindow.insert and range', () => {
  it('keeps in-order inserts in event-time order', () => {
    const w = newWindow();
    for (const [id, t] of [
      ['a', T0],
      ['b', T0 + MIN],
      ['c', T0 + 2 * MIN],
    ] as const) {
      assert.equal(w.insert(aDeploy({ event_id: id, event_time: t }), T0), 'inserted');
    }
    assert.deepEqual(idsIn(w, M), ['a', 'b', 'c']);
    assert.equal(w.size, 3);
  });

  it('places out-of-order inserts by event time', () => {
    const w = newWindow();
    w.insert(aDeploy({ event_id: 'late', event_time: T0 + 30 * MIN }), T0);
    w.insert(aDeploy({ event_id: 'early', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'mid', event_time: T0 + 10 * MIN }), T0);
    w.insert(aDeploy({ event_id: 'first', event_time: T0 - 10 * MIN }), T0);
    const times = w.range(M, ...ALL).map((d) => d.event_time);
    assert.deepEqual(idsIn(w, M), ['first', 'early', 'mid', 'late']);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
  });

  it('keeps arrival order among deploys at the same time', () => {
    const w = newWindow();
    w.insert(aDeploy({ event_id: 'x', event_time: T0 + MIN }), T0);
    w.insert(aDeploy({ event_id: 'p', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'q', event_time: T0 }), T0);
    assert.deepEqual(idsIn(w, M), ['p', 'q', 'x']);
  });

  it('range is inclusive at both ends and empty for an unknown key', () => {
    const w = newWindow();
    for (const [id, t] of [
      ['a', T0 - MIN],
      ['b', T0],
      ['c', T0 + MIN],
      ['d', T0 + 2 * MIN],
    ] as const) {
      w.insert(aDeploy({ event_id: id, event_time: t }), T0);
    }
    assert.deepEqual(idsIn(w, M, T0, T0 + MIN), ['b', 'c']);
    assert.deepEqual(idsIn(w, modelKey('nobody')), []);
  });

  it('reports a redelivered event_id at the same time as duplicate and stores it once', () => {
    const w = newWindow();
    const d = aDeploy({ event_id: 'd1', event_time: T0 });
    assert.equal(w.insert(d, T0), 'inserted');
    assert.equal(w.insert({ ...d }, T0), 'duplicate');
    assert.equal(w.size, 1);
    assert.deepEqual(idsIn(w, M), ['d1']);
  });

  it('detects a duplicate even when it arrives out of order', () => {
    const w = newWindow();
    w.insert(aDeploy({ event_id: 'd1', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'd2', event_time: T0 + MIN }), T0);
    assert.equal(w.insert(aDeploy({ event_id: 'd1', event_time: T0 }), T0), 'duplicate');
    assert.deepEqual(idsIn(w, M), ['d1', 'd2']);
  });

  it('refuses a deploy older than stream time minus retention, and accepts one at the horizon', () => {
    const w = newWindow({ retentionMs: HOUR });
    const stream = T0 + 2 * HOUR;
    assert.equal(w.insert(aDeploy({ event_id: 'old', event_time: stream - HOUR - 1 }), stream), 'expired');
    assert.equal(w.insert(aDeploy({ event_id: 'edge', event_time: stream - HOUR }), stream), 'inserted');
    assert.deepEqual(idsIn(w, M), ['edge']);
    assert.equal(w.size, 1);
  });

  it('accepts anything before the first alert (stream time -Infinity)', () => {
    const w = newWindow({ retentionMs: MIN });
    assert.equal(w.insert(aDeploy({ event_time: 0 }), Number.NEGATIVE_INFINITY), 'inserted');
  });

  it('stores a deploy naming a model and a service under both keys', () => {
    const w = newWindow();
    const d = aDeploy({ event_id: 'both', model_id: 'fraud-scorer', service: 'scorer-api' });
    assert.equal(w.insert(d, T0), 'inserted');
    assert.deepEqual(idsIn(w, modelKey('fraud-scorer')), ['both']);
    assert.deepEqual(idsIn(w, serviceKey('scorer-api')), ['both']);
    assert.equal(w.size, 2);
    assert.equal(w.keys, 2);
    assert.notEqual(modelKey('x'), serviceKey('x'));
  });

  it('stores a service-only deploy under the service key only', () => {
    const w = newWindow();
    w.insert(aDeploy({ event_id: 's', model_id: undefined, service: 'fraud-scorer' }), T0);
    assert.deepEqual(idsIn(w, serviceKey('fraud-scorer')), ['s']);
    assert.deepEqual(idsIn(w, modelKey('fraud-scorer')), []);
  });
});

describe('DeployWindow limits', () => {
  it('expire drops entries older than stream time minus retention, and size follows', () => {
    const w = newWindow({ retentionMs: HOUR });
    w.insert(aDeploy({ event_id: 'a', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'b', event_time: T0 + 30 * MIN }), T0);
    w.insert(aDeploy({ event_id: 'c', event_time: T0 + 90 * MIN }), T0);
    w.insert(aDeploy({ event_id: 's', model_id: undefined, service: 'svc', event_time: T0 }), T0);
    assert.equal(w.size, 4);
    // Horizon T0 + 40 min: a, b and the service's only entry go.
    assert.equal(w.expire(T0 + 100 * MIN), 3);
    assert.equal(w.size, 1);
    assert.deepEqual(idsIn(w, M), ['c']);
    assert.deepEqual(idsIn(w, serviceKey('svc')), []);
    assert.equal(w.keys, 1);
  });

  it('keeps an entry exactly at the horizon', () => {
    const w = newWindow({ retentionMs: HOUR });
    w.insert(aDeploy({ event_id: 'a', event_time: T0 }), T0);
    assert.equal(w.expire(T0 + HOUR), 0);
    assert.equal(w.size, 1);
  });

  it('caps each key, evicting the oldest', () => {
    const w = newWindow({ maxPerKey: 3 });
    for (let i = 0; i < 5; i++) w.insert(aDeploy({ event_id: `d${i}`, event_time: T0 + i * MIN }), T0);
    assert.deepEqual(idsIn(w, M), ['d2', 'd3', 'd4']);
    assert.equal(w.size, 3);
  });

  it('the cap evicts by event time, not by arrival', () => {
    const w = newWindow({ maxPerKey: 2 });
    w.insert(aDeploy({ event_id: 'new', event_time: T0 + 10 * MIN }), T0);
    w.insert(aDeploy({ event_id: 'old', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'newest', event_time: T0 + 20 * MIN }), T0);
    assert.deepEqual(idsIn(w, M), ['new', 'newest']);
    assert.equal(w.size, 2);
  });

  it('the cap is per key: another model keeps its own entries', () => {
    const w = newWindow({ maxPerKey: 1 });
    w.insert(aDeploy({ event_id: 'f1', event_time: T0 }), T0);
    w.insert(aDeploy({ event_id: 'f2', event_time: T0 + MIN }), T0);
    w.insert(aDeploy({ event_id: 'c1', model_id: 'churn-predictor', event_time: T0 }), T0);
    assert.deepEqual(idsIn(w, M), ['f2']);
    assert.deepEqual(idsIn(w, modelKey('churn-predictor')), ['c1']);
    assert.equal(w.size, 2);
  });
});
