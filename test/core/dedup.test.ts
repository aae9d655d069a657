// Noise control: fingerprints, episodes, and which repeats page again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DedupEntry,
  DedupStore,
  type DedupWindows,
  fingerprintOf,
  hash64,
  noteOccurrence,
  routingDecision,
} from '../../src/core/dedup.ts';
import { anAlert, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const W: DedupWindows = { windowMs: HOUR, renotifyMs: 24 * HOUR };

/** Runs occurrences at the given times through noteOccurrence, returning the final entry. */
function occurrences(times: number[]): DedupEntry {
  let entry: DedupEntry | undefined;
  for (const t of times) entry = noteOccurrence(entry, t, W);
  return entry!;
}

describe('fingerprintOf', () => {
  it('is equal for the same model, signal, feature and metric, whatever the id, time or value', () => {
    const a = anAlert({ alert_id: 'x1', event_time: T0, value: 0.8, severity: 'high', feature: 'amount' });
    const b = anAlert({
      alert_id: 'x2',
      event_time: T0 + 5 * HOUR,
      value: 0.1,
      severity: 'low',
      feature: 'amount',
    });
    assert.equal(fingerprintOf(a), fingerprintOf(b));
    assert.match(fingerprintOf(a), /^fp-[0-9a-f]{16}$/);
  });

  it('differs when any of model, signal, feature or metric differs', () => {
    const base = anAlert({ feature: 'amount', metric: 'auc' });
    const variants = [
      anAlert({ feature: 'amount', metric: 'auc', model_id: 'churn-predictor' }),
      anAlert({ feature: 'amount', metric: 'auc', signal: 'data_drift' }),
      anAlert({ feature: 'merchant', metric: 'auc' }),
      anAlert({ feature: 'amount', metric: 'psi' }),
      anAlert({ feature: undefined, metric: 'auc' }),
    ];
    const fps = new Set([base, ...variants].map(fingerprintOf));
    assert.equal(fps.size, variants.length + 1);
  });

  it('does not confuse field boundaries', () => {
    const a = anAlert({ feature: 'ab', metric: 'c' });
    const b = anAlert({ feature: 'a', metric: 'bc' });
    assert.notEqual(fingerprintOf(a), fingerprintOf(b));
  });

  it('hash64 is stable and 16 hex digits', () => {
    assert.equal(hash64('abc'), hash64('abc'));
    assert.notEqual(hash64('abc'), hash64('abd'));
    assert.match(hash64(''), /^[0-9a-f]{16}$/);
  });
});

describe('noteOccurrence', () => {
  it('starts an episode at the first occurrence', () => {
    assert.deepEqual(noteOccurrence(undefined, T0, W), { first_seen: T0, last_seen: T0, occurrences: 1 });
  });

  it('counts occurrences whose gaps stay within the window', () => {
    // Each gap is under an hour though the episode spans 2.5 h: the window slides with the last occurrence.
    const e = occurrences([T0, T0 + 50 * MIN, T0 + 100 * MIN, T0 + 150 * MIN]);
    assert.deepEqual(e, { first_seen: T0, last_seen: T0 + 150 * MIN, occurrences: 4 });
  });

  it('a gap of exactly the window still continues the episode', () => {
    assert.equal(occurrences([T0, T0 + W.windowMs]).occurrences, 2);
  });

  it('resets after a gap longer than the window', () => {
    const e = occurrences([T0, T0 + 10 * MIN, T0 + 10 * MIN + W.windowMs + 1]);
    assert.deepEqual(e, {
      first_seen: T0 + 10 * MIN + W.windowMs + 1,
      last_seen: T0 + 10 * MIN + W.windowMs + 1,
      occurrences: 1,
    });
  });

  it('an out-of-order occurrence inside the window extends first_seen back', () => {
    const e = occurrences([T0, T0 - 20 * MIN]);
    assert.deepEqual(e, { first_seen: T0 - 20 * MIN, last_seen: T0, occurrences: 2 });
  });

  it('a reset drops what the previous episode routed', () => {
    const routed: DedupEntry = {
      first_seen: T0,
      last_seen: T0,
      occurrences: 3,
      routed_tier: 'P1',
      routed_at: T0,
    };
    const next = noteOccurrence(routed, T0 + 2 * HOUR, W);
    assert.equal(next.routed_tier, undefined);
    assert.equal(next.occurrences, 1);
  });
});

describe('routingDecision', () => {
  const firstRouted = (tier: 'P1' | 'P2' | 'P3' | 'P4', t = T0): DedupEntry =>
    routingDecision(noteOccurrence(undefined, t, W), tier, t, W).entry;

  it('routes the first occurrence and records the tier and time', () => {
    const d = routingDecision(noteOccurrence(undefined, T0, W), 'P2', T0, W);
    assert.equal(d.suppressed, false);
    assert.equal(d.reason, undefined);
    assert.equal(d.entry.routed_tier, 'P2');
    assert.equal(d.entry.routed_at, T0);
  });

  for (const tier of ['P2', 'P3'] as const) {
    it(`suppresses a repeat at ${tier} after a P2 was routed`, () => {
      const t = T0 + 10 * MIN;
      const seen = noteOccurrence(firstRouted('P2'), t, W);
      const d = routingDecision(seen, tier, t, W);
      assert.equal(d.suppressed, true);
      assert.match(d.reason!, /repeat #2 .*already routed at P2: suppressed/);
      // Suppression keeps what was routed.
      assert.equal(d.entry.routed_tier, 'P2');
      assert.equal(d.entry.routed_at, T0);
    });
  }

  it('routes again when the tier rises', () => {
    const t = T0 + 10 * MIN;
    const d = routingDecision(noteOccurrence(firstRouted('P3'), t, W), 'P1', t, W);
    assert.equal(d.suppressed, false);
    assert.match(d.reason!, /tier rose from P3 to P1/);
    assert.equal(d.entry.routed_tier, 'P1');
    assert.equal(d.entry.routed_at, t);
  });

  it('routes again at the same tier once the renotify period has passed', () => {
    // Keep the episode alive with occurrences every 50 min until the renotify period is over.
    let entry = firstRouted('P2');
    let t = T0;
    while (t - T0 < W.renotifyMs) {
      t += 50 * MIN;
      entry = noteOccurrence(entry, t, W);
      const d = routingDecision(entry, 'P2', t, W);
      assert.equal(d.suppressed, t - T0 < W.renotifyMs, `at +${(t - T0) / MIN} min`);
      entry = d.entry;
    }
    assert.equal(entry.routed_at, t);
  });

  it('the renotify reason says how long it has been firing', () => {
    const t = T0 + W.renotifyMs;
    const entry: DedupEntry = {
      first_seen: T0,
      last_seen: t,
      occurrences: 30,
      routed_tier: 'P3',
      routed_at: T0,
    };
    const d = routingDecision(entry, 'P3', t, W);
    assert.equal(d.suppressed, false);
    assert.match(d.reason!, /still firing after 24 h/);
  });
});

describe('DedupStore', () => {
  it('get/set by fingerprint', () => {
    const store = new DedupStore(W);
    const e = noteOccurrence(undefined, T0, W);
    store.set('fp-a', e);
    assert.deepEqual(store.get('fp-a'), e);
    assert.equal(store.get('fp-b'), undefined);
    assert.equal(store.size, 1);
  });

  it('expire forgets episodes whose last occurrence is older than a window', () => {
    const store = new DedupStore(W);
    store.set('old', occurrences([T0 - 3 * HOUR]));
    store.set('edge', occurrences([T0 - HOUR]));
    store.set('fresh', occurrences([T0 - 3 * HOUR, T0 - 2 * HOUR - 10 * MIN, T0 - 90 * MIN, T0 - 30 * MIN]));
    assert.deepEqual(store.expire(T0), ['old']);
    assert.equal(store.get('old'), undefined);
    assert.notEqual(store.get('edge'), undefined);
    assert.notEqual(store.get('fresh'), undefined);
    assert.equal(store.size, 2);
  });

  it('expire sweeps at most once per quarter window', () => {
    const store = new DedupStore(W);
    store.set('a', occurrences([T0]));
    // At T0 + window the entry sits exactly on the horizon: kept.
    assert.deepEqual(store.expire(T0 + W.windowMs), []);
    // A moment later it is past the horizon, but the last sweep was under a quarter window ago.
    assert.deepEqual(store.expire(T0 + W.windowMs + 1), []);
    assert.equal(store.size, 1);
    assert.deepEqual(store.expire(T0 + W.windowMs + W.windowMs / 4), ['a']);
    assert.equal(store.size, 0);
  });
});
