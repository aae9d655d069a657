// Tiers: thresholds, likelihood gates, compliance/safety floors, SLAs and escalation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tier } from '../../src/core/events.ts';
import {
  assignTier,
  escalationPath,
  higherTier,
  slaDeadlines,
  type TierInput,
  type TierRules,
  tierFloorPriority,
  tierFor,
  tierRank,
} from '../../src/core/tier.ts';
import { aConfig, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const config = aConfig();
const RULES: TierRules = {
  thresholds: config.scoring.tiers,
  floors: config.scoring.floors,
  gates: config.scoring.gates,
};
const { P1, P2, P3 } = RULES.thresholds;
const P1_GATE = RULES.gates.P1.min_likelihood;
const P2_GATE = RULES.gates.P2.min_likelihood;
const COMPLIANCE_MIN = RULES.floors.compliance.min_likelihood;
const SAFETY_MIN = RULES.floors.safety.min_likelihood;

const input = (over: Partial<TierInput>): TierInput => ({
  priority: 50,
  likelihood: 0.9,
  severity: 0.8,
  compliance: [],
  safety: false,
  ...over,
});

/** A tiny deterministic LCG (Numerical Recipes constants), yielding floats in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('tierFor', () => {
  it('uses the default thresholds 70/50/30', () => {
    assert.deepEqual([P1, P2, P3], [70, 50, 30]);
  });

  it('is inclusive at each threshold', () => {
    const cases: [number, Tier][] = [
      [100, 'P1'],
      [P1, 'P1'],
      [P1 - 0.01, 'P2'],
      [P2, 'P2'],
      [P2 - 0.01, 'P3'],
      [P3, 'P3'],
      [P3 - 0.01, 'P4'],
      [0, 'P4'],
    ];
    for (const [priority, tier] of cases)
      assert.equal(tierFor(priority, RULES), tier, `priority ${priority}`);
  });

  it('tierFloorPriority is the lowest priority landing in the tier', () => {
    for (const tier of ['P1', 'P2', 'P3', 'P4'] as const) {
      const floor = tierFloorPriority(tier, RULES);
      assert.equal(tierFor(floor, RULES), tier);
      if (floor > 0) assert.notEqual(tierFor(floor - 0.01, RULES), tier);
    }
  });

  it('ranks tiers with P1 highest', () => {
    assert.ok(tierRank('P1') < tierRank('P2'));
    assert.equal(higherTier('P3', 'P1'), 'P1');
    assert.equal(higherTier('P2', 'P4'), 'P2');
  });
});

describe('assignTier: gates', () => {
  it('leaves a plausible alert on its threshold tier with no adjustment', () => {
    const r = assignTier(input({ priority: 80, likelihood: P1_GATE }), RULES);
    assert.deepEqual(r, { tier: 'P1', priority: 80, reasons: [] });
  });

  it('holds a P1 with likelihood below the P1 gate at P2, capping priority below the P1 threshold', () => {
    const r = assignTier(input({ priority: 85, likelihood: P1_GATE - 0.01 }), RULES);
    assert.equal(r.tier, 'P2');
    assert.equal(r.adjustment, 'gate:P1');
    assert.ok(r.priority < P1 && r.priority >= P2, `priority ${r.priority}`);
    assert.equal(tierFor(r.priority, RULES), 'P2');
    assert.match(r.reasons.join('\n'), /below P1's minimum 0\.50: held at P2/);
  });

  it('cascades through both gates down to P3', () => {
    const r = assignTier(input({ priority: 95, likelihood: P2_GATE - 0.05 }), RULES);
    assert.equal(r.tier, 'P3');
    assert.equal(r.adjustment, 'gate:P2');
    assert.equal(tierFor(r.priority, RULES), 'P3');
    assert.equal(r.reasons.length, 2);
  });

  it('holds a P2 below the P2 gate at P3', () => {
    const r = assignTier(input({ priority: 60, likelihood: P2_GATE - 0.01 }), RULES);
    assert.equal(r.tier, 'P3');
    assert.ok(r.priority < P2);
  });

  it('never gates P3 or P4', () => {
    assert.equal(assignTier(input({ priority: 40, likelihood: 0 }), RULES).tier, 'P3');
    assert.equal(assignTier(input({ priority: 10, likelihood: 0 }), RULES).tier, 'P4');
  });
});

describe('assignTier: floors', () => {
  it('raises a compliance model to P2 when likelihood reaches the floor minimum', () => {
    const r = assignTier(input({ priority: 20, likelihood: COMPLIANCE_MIN, compliance: ['pci'] }), RULES);
    assert.equal(r.tier, 'P2');
    assert.equal(r.adjustment, 'floor:compliance');
    assert.equal(r.priority, P2);
    assert.match(r.reasons.join('\n'), /pci-regulated model: not below P2/);
  });

  it('does not apply the compliance floor below its minimum likelihood, and says so', () => {
    const r = assignTier(
      input({ priority: 20, likelihood: COMPLIANCE_MIN - 0.01, compliance: ['pci', 'sox'] }),
      RULES,
    );
    assert.equal(r.tier, 'P4');
    assert.equal(r.adjustment, undefined);
    assert.equal(r.priority, 20);
    assert.match(
      r.reasons.join('\n'),
      new RegExp(
        `pci/sox-regulated model: floor P2 not applied, likelihood ${(COMPLIANCE_MIN - 0.01).toFixed(2)} below ${COMPLIANCE_MIN.toFixed(2)}`,
      ),
    );
  });

  it('does not lower an alert already above the floor', () => {
    const r = assignTier(input({ priority: 90, likelihood: 0.9, compliance: ['pci'] }), RULES);
    assert.deepEqual(r, { tier: 'P1', priority: 90, reasons: [] });
  });

  it('raises a safety-critical model to its floor (P2 by default)', () => {
    const r = assignTier(input({ priority: 10, likelihood: SAFETY_MIN, safety: true }), RULES);
    assert.equal(RULES.floors.safety.tier, 'P2');
    assert.equal(r.tier, 'P2');
    assert.equal(r.adjustment, 'floor:safety');
    assert.equal(r.priority, P2);
    assert.match(r.reasons.join('\n'), /safety-critical model: not below P2/);
  });

  it('does not floor a trivial alert: severity below the floor minimum, and says so', () => {
    const min = RULES.floors.safety.min_severity;
    const r = assignTier(
      input({ priority: 10, likelihood: 0.95, severity: min - 0.05, safety: true }),
      RULES,
    );
    assert.equal(r.tier, 'P4');
    assert.match(r.reasons.join('\n'), /safety-critical model: floor P2 not applied, severity/);
  });

  it('the higher floor wins when both apply', () => {
    const rules: TierRules = {
      ...RULES,
      floors: { ...RULES.floors, safety: { tier: 'P1', min_likelihood: 0.5, min_severity: 0.3 } },
    };
    const r = assignTier(
      input({ priority: 10, likelihood: 0.9, safety: true, compliance: ['hipaa'] }),
      rules,
    );
    assert.equal(r.tier, 'P1');
    assert.equal(r.adjustment, 'floor:safety');
    assert.equal(r.priority, P1);
  });
});

describe('assignTier: consistency', () => {
  it('the resulting priority always falls in the resulting tier (seeded random inputs)', () => {
    const rand = lcg(20261116);
    const ruleSets: TierRules[] = [
      RULES,
      { ...RULES, thresholds: { P1: 90, P2: 60, P3: 10 } },
      {
        ...RULES,
        floors: {
          compliance: { tier: 'P3', min_likelihood: 0.1, min_severity: 0.2 },
          safety: { tier: 'P1', min_likelihood: 0.8, min_severity: 0.5 },
        },
        gates: { P1: { min_likelihood: 0.8 }, P2: { min_likelihood: 0.6 } },
      },
    ];
    for (let i = 0; i < 3000; i++) {
      const rules = ruleSets[i % ruleSets.length]!;
      const inp = input({
        priority: Math.round(rand() * 10_000) / 100,
        likelihood: Math.round(rand() * 100) / 100,
        compliance: rand() < 0.4 ? ['pci'] : [],
        safety: rand() < 0.3,
        severity: Math.round(rand() * 100) / 100,
      });
      const r = assignTier(inp, rules);
      const where = `${JSON.stringify(inp)} with rules #${i % ruleSets.length} → ${JSON.stringify(r)}`;
      assert.equal(tierFor(r.priority, rules), r.tier, where);
      assert.ok(r.priority >= 0 && r.priority <= 100, where);
      // Without an adjustment, nothing moved.
      if (r.adjustment === undefined) {
        assert.equal(r.priority, inp.priority, where);
        assert.equal(r.tier, tierFor(inp.priority, rules), where);
      }
    }
  });
});

describe('slaDeadlines and escalationPath', () => {
  it('runs SLA deadlines from the event time', () => {
    assert.deepEqual(slaDeadlines(T0, config.sla.P1), { ack_by: T0 + 15 * MIN, resolve_by: T0 + 4 * HOUR });
    assert.deepEqual(slaDeadlines(T0, config.sla.P2), { ack_by: T0 + HOUR, resolve_by: T0 + 24 * HOUR });
  });

  it('gives null deadlines for a tier without SLA', () => {
    assert.deepEqual(slaDeadlines(T0, config.sla.P4), { ack_by: null, resolve_by: null });
    assert.deepEqual(slaDeadlines(T0, { ack: MIN, resolve: null }), { ack_by: T0 + MIN, resolve_by: null });
  });

  it('replaces every {owner} in the escalation path', () => {
    assert.deepEqual(escalationPath(config.escalation.P1, 'risk-ml'), [
      'risk-ml-oncall',
      'risk-ml-lead',
      'ml-platform-incident-commander',
    ]);
    assert.deepEqual(escalationPath(['{owner}/{owner}', 'fixed'], 'x'), ['x/x', 'fixed']);
    assert.deepEqual(escalationPath([], 'x'), []);
  });
});
