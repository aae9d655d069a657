// The version ledger and the gate's verdict on hand-built histories, and the verdict's false-alarm rate
// and power on simulated versions (seeded Poisson alert streams, looked at every serving hour).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Signal } from '../../../src/core/events.ts';
import { DEFAULT_GATE } from '../../../src/core/settings.ts';
import { type LedgerAlert, VersionLedger } from '../../../src/core/versions/ledger.ts';
import { gateVerdict } from '../../../src/core/versions/verdict.ts';
import { aDeploy, HOUR, MIN, T0 } from '../../fixtures/builders.ts';

let seq = 0;
function scored(over: {
  t: number;
  version?: string;
  model?: string;
  signal?: Signal;
  suppressed?: boolean;
  impact?: number;
  priority?: number;
  id?: string;
}): LedgerAlert {
  return {
    alert_id: over.id ?? `a-${++seq}`,
    model_id: over.model ?? 'fraud-scorer',
    event_time: over.t,
    expected_impact_per_hour: over.impact ?? 100,
    priority: over.priority ?? 40,
    dedup: { suppressed: over.suppressed ?? false },
    alert: {
      signal: over.signal ?? 'data_drift',
      ...(over.version === undefined ? {} : { model_version: over.version }),
    },
  };
}

const verdictOf = (l: VersionLedger, q: Parameters<typeof gateVerdict>[1], s = DEFAULT_GATE) => {
  const r = gateVerdict(l, q, s);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.verdict;
};

describe('VersionLedger', () => {
  it('serving intervals come from model_deploy and rollback events, the stretch before the first from its previous_version', () => {
    const l = new VersionLedger();
    l.observeAlert(scored({ t: T0, version: 'v1' }));
    l.observeDeploy(
      aDeploy({ event_id: 'd2', event_time: T0 + 10 * HOUR, version: 'v2', previous_version: 'v1' }),
    );
    l.observeDeploy(aDeploy({ event_id: 'ff', event_time: T0 + 11 * HOUR, kind: 'feature_flag' }));
    l.observeDeploy(
      aDeploy({
        event_id: 'rb',
        event_time: T0 + 14 * HOUR,
        kind: 'rollback',
        version: 'v1',
        previous_version: 'v2',
      }),
    );
    const iv = l
      .intervals('fraud-scorer', T0 + 20 * HOUR)
      .map((i) => [i.version, (i.from - T0) / HOUR, (i.to - T0) / HOUR]);
    assert.deepEqual(iv, [
      ['v1', 0, 10],
      ['v2', 10, 14],
      ['v1', 14, 20],
    ]);
    assert.deepEqual(l.versionsOf('fraud-scorer'), ['v1', 'v2']);
    // at an earlier time: only what had happened by then
    assert.deepEqual(
      l.intervals('fraud-scorer', T0 + 12 * HOUR).map((i) => i.version),
      ['v1', 'v2'],
    );
  });

  it('is the same whatever order the records come in, and counts a record seen twice once', () => {
    const records: (() => (l: VersionLedger) => void)[] = [];
    records.push(
      () => (l) =>
        l.observeDeploy(
          aDeploy({ event_id: 'd', event_time: T0 + 24 * HOUR, version: 'v2', previous_version: 'v1' }),
        ),
    );
    for (let i = 0; i < 80; i++) {
      const a = scored({
        t: T0 + i * 45 * MIN,
        version: i * 45 * MIN < 24 * HOUR ? 'v1' : 'v2',
        id: `x${i}`,
      });
      records.push(() => (l) => l.observeAlert(a));
    }
    const forward = new VersionLedger();
    for (const r of records) r()(forward);
    const backward = new VersionLedger();
    for (const r of [...records].reverse()) r()(backward);
    for (const r of records.slice(0, 10)) r()(backward); // replays
    const q = { model: 'fraud-scorer', version: 'v2', at: T0 + 60 * HOUR };
    assert.deepEqual(verdictOf(backward, q), verdictOf(forward, q));
  });

  it('a deploy without a version is unknown-version time; alerts naming no version go to the version serving when they came', () => {
    const l = new VersionLedger();
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    l.observeDeploy(
      aDeploy({
        event_id: 'd2',
        event_time: T0 + 20 * HOUR,
        version: undefined,
        previous_version: undefined,
      }),
    );
    for (let h = 0; h < 20; h++) l.observeAlert(scored({ t: T0 + h * HOUR + 10 * MIN }));
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', baseline: 'v1', at: T0 + 30 * HOUR });
    assert.equal(v.unknown_version_hours, 10);
    assert.equal(v.candidate.counted, 20);
    assert.equal(v.candidate.unversioned, 20);
    assert.ok(
      v.reasons.some((r) => r.includes('unknown-version time')),
      v.reasons.join('\n'),
    );
  });

  it('reports alerts timed before their version served (clock skew), not hiding them', () => {
    const l = new VersionLedger();
    l.observeAlert(scored({ t: T0 - 30 * HOUR, version: 'v1' }));
    l.observeAlert(scored({ t: T0 - 3 * HOUR, version: 'v2' }));
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', at: T0 + 10 * HOUR });
    assert.deepEqual(v.clock_skew, { alerts_before_deploy: 1, earliest: T0 - 3 * HOUR });
    assert.ok(v.reasons.some((r) => r.includes('clock skew')));
  });

  it('unknown model or version: a named error listing what is known', () => {
    const l = new VersionLedger();
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    const m = gateVerdict(l, { model: 'nope', version: 'v2' }, DEFAULT_GATE);
    assert.ok(!m.ok && m.error.code === 'UNKNOWN_MODEL');
    const v = gateVerdict(l, { model: 'fraud-scorer', version: 'v9' }, DEFAULT_GATE);
    assert.ok(!v.ok && v.error.code === 'UNKNOWN_VERSION');
    assert.match(v.error.message, /known v1, v2/);
  });
});

describe('gateVerdict', () => {
  /** v1 served 48 h at `base`/h, then v2 at `cand`/h of `signal`, on top of v1's rate on data_drift. */
  function history(
    base: number,
    extra: number,
    candHours: number,
    signal: Signal = 'performance_degradation',
  ) {
    const l = new VersionLedger();
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    const every = (n: number, from: number, to: number, version: string, sig: Signal) => {
      if (n <= 0) return;
      for (let t = from; t < to; t += HOUR / n)
        l.observeAlert(scored({ t, version, signal: sig, impact: 500 }));
    };
    every(base, T0 - 48 * HOUR, T0, 'v1', 'data_drift');
    every(base, T0, T0 + candHours * HOUR, 'v2', 'data_drift');
    every(extra, T0, T0 + candHours * HOUR, 'v2', signal);
    return l;
  }

  it('insufficient_evidence until the candidate has served gate.min_serving', () => {
    const v = verdictOf(history(1, 4, 3), { model: 'fraud-scorer', version: 'v2', at: T0 + 3 * HOUR });
    assert.equal(v.verdict, 'insufficient_evidence');
    assert.match(v.reasons[0]!, /has served 3 h; the gate needs 8 h/);
  });

  it('regressed: a version that raises one signal, with the sentence of the evidence', () => {
    const v = verdictOf(history(1, 1, 24), { model: 'fraud-scorer', version: 'v2', at: T0 + 24 * HOUR });
    assert.equal(v.verdict, 'regressed');
    assert.equal(v.baseline, 'v1');
    assert.equal(v.test.decisive?.signal, 'performance_degradation');
    assert.match(
      v.reasons[0]!,
      /^fraud-scorer v2 raised 24 alerts where v1 had none over 24 serving hours .*; p = /,
    );
    const total = v.test.tests.find((t) => t.signal === 'all')!;
    assert.equal(total.rate_ratio, 2);
    assert.equal(v.rollback, null, 'no rollback named unless the catalog allows it');
    const allowed = verdictOf(history(1, 1, 24), {
      model: 'fraud-scorer',
      version: 'v2',
      at: T0 + 24 * HOUR,
      rollbackAllowed: true,
    });
    assert.deepEqual(allowed.rollback, { to_version: 'v1' });
    assert.match(allowed.reasons.at(-1)!, /^rollback fraud-scorer to v1/);
  });

  it('ok: the same rate, with the smallest p and what a regression would need', () => {
    const v = verdictOf(history(1, 0, 24), { model: 'fraud-scorer', version: 'v2', at: T0 + 24 * HOUR });
    assert.equal(v.verdict, 'ok');
    assert.match(
      v.reasons[0]!,
      /1\.00 alerts\/h over 24 serving hours against 1\.00\/h of v1 over 48 h \(1\.00×\)/,
    );
  });

  it('a rise of the minimum effect below alpha but not below its share: insufficient_evidence, wait', () => {
    // 6 alerts in 12 h where v1 had 4 in 40 h: 5×, p = 0.013 — below alpha (0.02), not below 0.02 / 9
    const l = new VersionLedger();
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    for (let i = 0; i < 4; i++) l.observeAlert(scored({ t: T0 - 40 * HOUR + i * 10 * HOUR, version: 'v1' }));
    for (let i = 0; i < 6; i++) l.observeAlert(scored({ t: T0 + HOUR + i * 108 * MIN, version: 'v2' }));
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', at: T0 + 12 * HOUR });
    const total = v.test.tests.find((x) => x.signal === 'all')!;
    assert.ok(total.p_value > v.test.alpha_per_test && total.p_value <= v.test.alpha, String(total.p_value));
    assert.equal(v.verdict, 'insufficient_evidence');
    assert.match(
      v.reasons[0]!,
      /alerts at 5\.0× the rate of v1 over 12 serving hours, p = 0\.013: not yet significant/,
    );
  });

  it('a significant rise below gate.min_rate_ratio is no regression', () => {
    const l = history(20, 5, 48, 'data_drift'); // 1.25× on a high base rate: significant, small
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', at: T0 + 48 * HOUR });
    assert.ok(v.test.tests.find((t) => t.signal === 'all')!.p_value < 0.001);
    assert.equal(v.verdict, 'ok');
  });

  it("the version it replaced served too briefly: the model's longer baseline, every version before, pooled", () => {
    const l = new VersionLedger();
    l.observeDeploy(aDeploy({ event_id: 'd2', event_time: T0, version: 'v2', previous_version: 'v1' }));
    l.observeDeploy(
      aDeploy({ event_id: 'd3', event_time: T0 + 2 * HOUR, version: 'v3', previous_version: 'v2' }),
    );
    for (let h = -48; h < 26; h++) {
      const version = h < 0 ? 'v1' : h < 2 ? 'v2' : 'v3';
      l.observeAlert(scored({ t: T0 + h * HOUR + 30 * MIN, version }));
    }
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v3', at: T0 + 26 * HOUR });
    assert.equal(v.baseline, 'v2');
    assert.equal(v.baseline_stats?.version, 'v2+v1');
    assert.equal(v.baseline_stats?.serving_hours, 49.5); // v1 watched from its first alert, 47.5 h before d2
    assert.equal(v.baseline_stats?.counted, 50);
    assert.equal(v.verdict, 'ok');
    // named, the brief one is the baseline, and it is too short to judge against
    const named = verdictOf(l, { model: 'fraud-scorer', version: 'v3', baseline: 'v2', at: T0 + 26 * HOUR });
    assert.equal(named.verdict, 'insufficient_evidence');
    assert.match(named.reasons[0]!, /v2, the baseline, has served 2 h/);
  });

  it('dedup repeats do not count: a flapping monitor is one alert', () => {
    const l = history(1, 0, 24);
    for (let i = 0; i < 200; i++)
      l.observeAlert(
        scored({ t: T0 + 5 * HOUR + i * MIN, version: 'v2', suppressed: i > 0, signal: 'latency' }),
      );
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', at: T0 + 24 * HOUR });
    assert.equal(v.verdict, 'ok');
    assert.equal(v.candidate.alerts - v.candidate.counted, 199);
  });
});

// ------------------------------------------------------------------ simulated versions
/** mulberry32: a seeded uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function poisson(u: () => number, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = u();
  while (p > l) {
    k++;
    p *= u();
  }
  return k;
}

const SIGNAL_MIX: Signal[] = [
  'data_drift',
  'data_drift',
  'feature_shift',
  'data_quality',
  'prediction_drift',
  'latency',
];

/**
 * One simulated version: the baseline served 24–96 h at a rate of 0.3–2 alerts/h spread over signals,
 * then the candidate at `factor` times that on one signal of the mix (its low-severity trickle).
 * Returns the first serving hour (1..hours) at which the gate said regressed, or null.
 */
function firstFlag(seed: number, hours: number, extraPerHour: (base: number) => number): number | null {
  const u = rng(seed);
  const base = 0.3 + u() * 1.7;
  const baseHours = 24 + Math.floor(u() * 72);
  const l = new VersionLedger();
  const deployAt = T0;
  l.observeDeploy(
    aDeploy({ event_id: `d${seed}`, event_time: deployAt, version: 'v2', previous_version: 'v1' }),
  );
  const emit = (hour: number, version: string, mean: number, signal?: Signal) => {
    for (let k = poisson(u, mean); k > 0; k--) {
      const t = deployAt + hour * HOUR + Math.floor(u() * HOUR);
      l.observeAlert(
        scored({ t, version, signal: signal ?? SIGNAL_MIX[Math.floor(u() * SIGNAL_MIX.length)]! }),
      );
    }
  };
  for (let h = -baseHours; h < 0; h++) emit(h, 'v1', base);
  const raised: Signal = 'performance_degradation';
  for (let h = 0; h < hours; h++) {
    emit(h, 'v2', base);
    emit(h, 'v2', extraPerHour(base), raised);
    const r = gateVerdict(
      l,
      { model: 'fraud-scorer', version: 'v2', at: deployAt + (h + 1) * HOUR - 1 },
      DEFAULT_GATE,
    );
    if (r.ok && r.verdict.verdict === 'regressed') return h + 1;
  }
  return null;
}

describe('the verdict on simulated versions (default gate, looked at every serving hour)', () => {
  it('good versions: at most 5% wrongly flagged in 72 serving hours of hourly looks', (t) => {
    const n = 400;
    let flagged = 0;
    for (let s = 1; s <= n; s++) if (firstFlag(s, 72, () => 0) !== null) flagged++;
    assert.ok(flagged / n <= 0.05, `${flagged} of ${n} good versions flagged`);
    t.diagnostic(`good versions flagged: ${flagged} of ${n}`);
  });

  it('slow regressions (+0.5 alerts/h of one signal, about 1.5–3× the total): at least 80% flagged within 24 serving hours', (t) => {
    const n = 200;
    const hoursToFlag: number[] = [];
    for (let s = 1; s <= n; s++) {
      const h = firstFlag(10_000 + s, 24, () => 0.5);
      if (h !== null) hoursToFlag.push(h);
    }
    assert.ok(hoursToFlag.length / n >= 0.8, `${hoursToFlag.length} of ${n} flagged within 24 h`);
    t.diagnostic(
      `regressions flagged within 24 h: ${hoursToFlag.length} of ${n}, median hour ${hoursToFlag.sort((a, b) => a - b)[hoursToFlag.length >> 1]}`,
    );
  });
});

describe('the ledger is bounded by gate.history', () => {
  it('after 90 days of alerts and deploys it holds the history, not the whole run, and forgets alert ids after a day', () => {
    const history = 10 * 24 * HOUR;
    const l = new VersionLedger({ historyMs: history });
    const unbounded = new VersionLedger({ historyMs: Number.POSITIVE_INFINITY });
    const sizes: { hours: number; ids: number; changes: number }[] = [];
    let version = 1;
    for (let h = 0; h < 90 * 24; h++) {
      if (h % 36 === 0 && h > 0) {
        const d = aDeploy({
          event_id: `dep-${h}`,
          event_time: T0 + h * HOUR,
          version: `v${version + 1}`,
          previous_version: `v${version}`,
        });
        version++;
        l.observeDeploy(d);
        unbounded.observeDeploy(d);
      }
      for (let k = 0; k < 6; k++) {
        const a = scored({ t: T0 + h * HOUR + k * 10 * MIN, version: `v${version}` });
        l.observeAlert(a);
        unbounded.observeAlert(a);
      }
      if (h === 30 * 24 || h === 89 * 24) sizes.push(l.sizes());
    }
    const [early, late] = sizes as [(typeof sizes)[0], (typeof sizes)[0]];
    // The history (10 days), the day of lag it keeps, and the hour it prunes at most once in.
    assert.ok(late.hours <= 11 * 24 + 2, `hour tallies ${late.hours}`);
    assert.equal(late.hours, early.hours, 'as many tallies after 89 days as after 30');
    assert.ok(late.ids <= 25 * 6, `alert ids remembered ${late.ids}`);
    assert.ok(late.changes <= (11 * 24) / 36 + 2, `changes held ${late.changes}`);
    assert.ok(unbounded.sizes().hours >= 90 * 24, 'without the bound it holds every hour');
    // Within the history, the verdict is the unbounded ledger's on the exposure it keeps.
    const at = T0 + 90 * 24 * HOUR - 1;
    const bounded = verdictOf(l, { model: 'fraud-scorer', version: `v${version}`, at });
    const all = verdictOf(unbounded, { model: 'fraud-scorer', version: `v${version}`, at });
    assert.equal(bounded.verdict, all.verdict);
    assert.deepEqual(bounded.candidate, all.candidate, 'the current version served within the history');
    assert.equal(bounded.baseline, all.baseline);
    // An id is remembered for a day: the same alert within it counts once.
    const again = scored({ t: T0 + 90 * 24 * HOUR, version: `v${version}`, id: 'twice' });
    l.observeAlert(again);
    const ids = l.sizes().ids;
    l.observeAlert({ ...again, event_time: again.event_time + HOUR });
    assert.equal(l.sizes().ids, ids, 'seen an hour later: counted once');
    const counted = (t: number) =>
      l.hoursOf('fraud-scorer', `v${version}`, t).reduce((n, [, tally]) => n + tally.alerts, 0);
    assert.equal(counted(again.event_time + 2 * HOUR), counted(again.event_time));
  });

  it("exposure older than the history is nobody's: a version that served before it is judged on its last gate.history only", () => {
    const l = new VersionLedger({ historyMs: 48 * HOUR });
    l.observeDeploy(aDeploy({ event_id: 'd1', event_time: T0, version: 'v2', previous_version: 'v1' }));
    for (let h = 0; h < 100; h++) l.observeAlert(scored({ t: T0 + h * HOUR + 5 * MIN, version: 'v2' }));
    const v = verdictOf(l, { model: 'fraud-scorer', version: 'v2', at: T0 + 100 * HOUR });
    assert.equal(v.candidate.serving_hours, 48);
    assert.equal(v.candidate.counted, 48);
  });
});
