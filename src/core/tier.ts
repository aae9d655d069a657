// Tier assignment: thresholds on priority, raised by compliance/safety floors, held down by
// likelihood gates (nobody is paged at night for an alert that is probably not real).
import type { Tier } from './events.ts';

export const tierRank = (t: Tier): number => Number(t[1]);

export interface TierPolicy {
  thresholds: { P1: number; P2: number; P3: number };
}

export function tierFor(priority: number, p: TierPolicy): Tier {
  if (priority >= p.thresholds.P1) return 'P1';
  if (priority >= p.thresholds.P2) return 'P2';
  if (priority >= p.thresholds.P3) return 'P3';
  return 'P4';
}

/** The lowest priority that lands in `tier`. */
export function tierFloorPriority(tier: Tier, p: TierPolicy): number {
  return tier === 'P4' ? 0 : p.thresholds[tier];
}

export function higherTier(a: Tier, b: Tier): Tier {
  return tierRank(a) <= tierRank(b) ? a : b;
}

export interface SlaPolicy {
  ack: number | null;
  resolve: number | null;
}

/** SLA deadlines run from when the anomaly was observed, not from when it was scored. */
export function slaDeadlines(
  eventTime: number,
  sla: SlaPolicy,
): { ack_by: number | null; resolve_by: number | null } {
  return {
    ack_by: sla.ack === null ? null : eventTime + sla.ack,
    resolve_by: sla.resolve === null ? null : eventTime + sla.resolve,
  };
}

export function escalationPath(template: readonly string[], owner: string): string[] {
  return template.map((step) => step.replaceAll('{owner}', owner));
}

export interface TierInput {
  priority: number;
  likelihood: number;
  severity: number;
  compliance: readonly string[];
  safety: boolean;
}

export interface FloorRule {
  tier: Tier;
  min_likelihood: number;
  min_severity: number;
}

export interface TierRules extends TierPolicy {
  floors: {
    compliance: FloorRule;
    safety: FloorRule;
  };
  gates: { P1: { min_likelihood: number }; P2: { min_likelihood: number } };
}

export interface TierAssignment {
  tier: Tier;
  /** The priority after floors and gates, so ranking by priority agrees with the tiers. */
  priority: number;
  /** What moved the tier, if anything: `floor:compliance`, `floor:safety`, `gate:P1`, `gate:P2`. */
  adjustment?: string;
  reasons: string[];
}

const GATE_MARGIN = 0.01;

export function assignTier(input: TierInput, rules: TierRules): TierAssignment {
  let priority = input.priority;
  let tier = tierFor(priority, rules);
  const reasons: string[] = [];
  let adjustment: string | undefined;

  // Gates first: a probably-unreal alert does not page at P1/P2 however large its exposure.
  for (const [gated, below] of [
    ['P1', 'P2'],
    ['P2', 'P3'],
  ] as const) {
    const min = rules.gates[gated].min_likelihood;
    if (tier !== gated || input.likelihood >= min) continue;
    tier = below;
    priority = Math.min(priority, tierFloorPriority(gated, rules) - GATE_MARGIN);
    adjustment = `gate:${gated}`;
    reasons.push(
      `likelihood ${input.likelihood.toFixed(2)} is below ${gated}'s minimum ${min.toFixed(2)}: held at ${below}`,
    );
  }

  // Floors: compliance- and safety-sensitive models never drop below their floor tier when the alert is plausible.
  const floors: { kind: 'compliance' | 'safety'; label: string }[] = [];
  if (input.compliance.length > 0)
    floors.push({ kind: 'compliance', label: `${input.compliance.join('/')}-regulated model` });
  if (input.safety) floors.push({ kind: 'safety', label: 'safety-critical model' });
  for (const f of floors) {
    const floor = rules.floors[f.kind];
    if (tierRank(floor.tier) >= tierRank(tier)) continue;
    if (input.likelihood < floor.min_likelihood || input.severity < floor.min_severity) {
      const why =
        input.likelihood < floor.min_likelihood
          ? `likelihood ${input.likelihood.toFixed(2)} below ${floor.min_likelihood.toFixed(2)}`
          : `severity ${input.severity.toFixed(2)} below ${floor.min_severity.toFixed(2)}`;
      reasons.push(`${f.label}: floor ${floor.tier} not applied, ${why}`);
      continue;
    }
    tier = floor.tier;
    priority = Math.max(priority, tierFloorPriority(floor.tier, rules));
    adjustment = `floor:${f.kind}`;
    reasons.push(`${f.label}: not below ${floor.tier}`);
  }
  return adjustment === undefined ? { tier, priority, reasons } : { tier, priority, adjustment, reasons };
}
