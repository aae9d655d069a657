// The incident book as keyed records (snapshot.ts): what the stream's incident stage writes to its
// changelog and reads back. A book restored from its records mid-week goes on exactly as one that never
// stopped: the same outputs (scored records, pages, incident records) and events for the rest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIncidentStep, fingerprintKey, type IncidentState } from '../../../src/core/incidents/book.ts';
import {
  decodeEntry,
  encodeEntry,
  incidentKey,
  META_KEY,
  metaOf,
  pendingKey,
  restoreBook,
  UnreadableEntry,
} from '../../../src/core/incidents/snapshot.ts';
import type { IncidentInput } from '../../../src/core/incidents/types.ts';
import { aConfig, T0 } from '../../fixtures/builders.ts';
import { aChange, aMember, inOrder, stageOne } from '../../fixtures/incidents.ts';
import { Rng } from '../../fixtures/rng.ts';
import { weekConfig, weekInputs } from '../../fixtures/weeks.ts';

const MIN = 60_000;

/** A seeded mix: cascades of a few changes over several models, same-model bursts, lone noise, ties. */
function inputs(seed: number): IncidentInput[] {
  const rng = new Rng(seed);
  const changes = Array.from({ length: 6 }, (_, i) =>
    aChange({ event_id: `chg-${i}`, event_time: T0 + i * 90 * MIN, service: `svc-${i % 3}` }),
  );
  const out: IncidentInput[] = [];
  for (let i = 0; i < 400; i++) {
    const time = T0 + rng.int(0, 10 * 60) * MIN;
    const change = rng.next() < 0.4 ? rng.pick(changes) : undefined;
    const member = aMember({
      alert_id: `a-${i}`,
      model_id: `model-${rng.int(0, 7)}`,
      event_time: time,
      tier: rng.pick(['P1', 'P2', 'P2', 'P3', 'P4'] as const),
      priority: rng.int(10, 95),
      suppressed: rng.next() < 0.1,
      ...(change && change.event_time <= time ? { cause: change } : {}),
    });
    out.push({ kind: 'member', member });
    // Watermarks now and then, a little behind the members (as several partitions give them).
    if (rng.next() < 0.3) out.push({ kind: 'watermark', time: time - rng.int(0, 30) * MIN });
  }
  out.push({ kind: 'watermark', time: T0 + 11 * 60 * MIN });
  return out;
}

/** Every record the stage would hold for this book: each incident, each waiting member, the meta. */
function recordsOf(st: IncidentState): [string, string | null][] {
  const rows: [string, string | null][] = [];
  for (const inc of st.incidents.values()) rows.push([incidentKey(inc.id), encodeEntry(inc)]);
  for (const p of st.pending.values()) rows.push([pendingKey(p.id), encodeEntry(p)]);
  rows.push([META_KEY, encodeEntry(metaOf(st, { note: 'kept' }))]);
  return rows;
}

describe('incident book snapshot', () => {
  for (const seed of [1, 2, 3]) {
    it(`restored mid-week, goes on as one that never stopped (seed ${seed})`, () => {
      const config = aConfig();
      const step = createIncidentStep(config);
      const all = inputs(seed);
      const cut = Math.floor(all.length / 2);
      const { state: a } = restoreBook(config, []);
      for (const x of all.slice(0, cut)) step(a, x);
      const { state: b, extra } = restoreBook<{ note: string }>(config, recordsOf(a));
      assert.deepEqual(extra, { note: 'kept' });
      assert.ok(b.incidents.size > 0 && b.pending.size > 0, 'the cut leaves incidents and waiting members');
      assert.deepEqual(
        b.byFingerprint,
        a.byFingerprint,
        'each fingerprint finds the incident it last joined',
      );
      const rest = all.slice(cut);
      const left = rest.map((x) => step(a, x));
      const right = rest.map((x) => step(b, x));
      assert.deepEqual(right, left);
      assert.ok(
        left.some((r) => r.outputs.some((o) => o.kind === 'page')),
        'the rest pages',
      );
    });
  }

  it('a fingerprint in several incidents finds, read back, the one its latest member joined', () => {
    // f joins X, then Y (both on one route); X then takes a member of another fingerprint, so X has the
    // latest member of any.
    // Read back by "the incident with the latest member", f would find X: a repeat of f would then be
    // judged against X (waiting for corroboration, say) instead of Y — a page the live book never sends.
    const config = aConfig();
    const step = createIncidentStep(config);
    const { state: live } = restoreBook(config, []);
    const fp = (id: string, f: string, time: number, cause: string) => {
      const m = aMember({
        alert_id: id,
        event_time: time,
        cause: aChange({ event_id: cause, event_time: T0 - 5 * MIN }),
      });
      return {
        ...m,
        route: 'change:shared',
        alert: { ...m.alert, dedup: { ...m.alert.dedup, fingerprint: f } },
      };
    };
    for (const member of [
      fp('a1', 'f', T0, 'chg-x'),
      fp('a2', 'f', T0 + 5 * MIN, 'chg-y'),
      fp('a3', 'g', T0 + 10 * MIN, 'chg-x'),
    ])
      step(live, { kind: 'member', member });
    step(live, { kind: 'watermark', time: T0 + 11 * MIN });
    const x = live.byAlert.get('a1')!;
    const y = live.byAlert.get('a2')!;
    assert.notEqual(x, y);
    const f = fingerprintKey('change:shared', 'f');
    assert.equal(live.byFingerprint.get(f), y);
    assert.ok(live.incidents.get(x)!.last > live.incidents.get(y)!.last, 'X has the latest member of any');
    // Records in either order: the answer does not depend on it.
    for (const rows of [recordsOf(live), recordsOf(live).reverse()]) {
      const { state } = restoreBook(config, rows);
      assert.equal(state.byFingerprint.get(f), y);
      assert.equal(state.byFingerprint.get(fingerprintKey('change:shared', 'g')), x);
    }
  });

  for (const week of ['sample-week', 'cascade-week']) {
    it(`read back every 97 members of ${week}, goes on as one that never stopped (upstream lanes too)`, () => {
      // Stage 1's members of a bundled week, in event-time order; a second book is read back from its own
      // records again and again. Where they part, the records miss something the live book decides by
      // (the upstream lanes' service index was such a miss: 266 of 3,545 alerts in another incident).
      const config = weekConfig(week);
      const { members } = stageOne(weekInputs(week), config);
      const all = inOrder(members);
      const step = createIncidentStep(config);
      const { state: live } = restoreBook(config, []);
      let read = restoreBook(config, []).state;
      const idsOf = (r: ReturnType<typeof step>) =>
        r.outputs.flatMap((o) =>
          o.kind === 'scored' ? [`${o.alert.alert_id} ${o.alert.incident_id} ${o.alert.page}`] : [],
        );
      let linked = 0;
      for (let i = 0; i < all.length; i++) {
        if (i % 97 === 0) read = restoreBook(config, recordsOf(read)).state;
        const l = step(live, all[i]!);
        const r = step(read, all[i]!);
        assert.deepEqual(idsOf(r), idsOf(l), `input ${i}`);
        for (const o of l.outputs)
          if (o.kind === 'scored' && /unrecorded change upstream/.test(o.alert.incident?.reasons[0] ?? ''))
            linked++;
      }
      assert.ok(linked > 0, "some alerts joined another model's incident through an upstream service");
    });
  }

  it('keeps ±∞, Maps and Sets through JSON', () => {
    const v = { a: Number.NEGATIVE_INFINITY, m: new Map([['k', new Set([1, 2])]]) };
    assert.deepEqual(decodeEntry(encodeEntry(v)), v);
  });

  it('refuses a record it cannot read, naming its key', () => {
    const config = aConfig();
    assert.throws(() => restoreBook(config, [['inc:x', '{nope']]), UnreadableEntry);
    assert.throws(() => restoreBook(config, [['stranger', '{}']]), /unknown key: stranger/);
  });
});
