// The deploy window's duplicate check on busy keys (a map of ids past a few dozen events) must answer
// exactly as a scan of the key's events would, through inserts, cap evictions and expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployWindow, modelKey } from '../../src/core/window-store.ts';
import { aDeploy, MIN, T0 } from '../fixtures/builders.ts';
import { Rng } from '../fixtures/rng.ts';

describe('DeployWindow duplicate check on busy keys', () => {
  it('agrees with a scan of the held events through inserts, evictions and expiry', () => {
    const rng = new Rng(11);
    const w = new DeployWindow({ retentionMs: 600 * MIN, maxPerKey: 64 });
    const key = modelKey('m');
    let streamTime = T0;
    for (let i = 0; i < 5000; i++) {
      if (rng.chance(0.01)) {
        streamTime += rng.int(1, 200) * MIN;
        w.expire(streamTime);
      }
      const d = aDeploy({
        event_id: `d-${rng.int(0, 400)}`,
        model_id: 'm',
        event_time: streamTime - rng.int(0, 500) * MIN,
      });
      const held = w.range(key, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
      const expected =
        d.event_time < streamTime - 600 * MIN
          ? 'expired'
          : held.some((h) => h.event_id === d.event_id) ||
              (held.length >= 64 && d.event_time < held[0]!.event_time)
            ? 'duplicate'
            : 'inserted';
      assert.equal(w.insert(d, streamTime), expected, `insert #${i} of ${d.event_id}`);
    }
  });
});
