// Fields pagers take as they are: PagerDuty Events v2 and Opsgenie, so no mapping is needed.
import type { Tier } from './events.ts';

export interface PagerDutyFields {
  dedup_key: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  summary: string;
  source: string;
  component: string;
  group: string;
  class: string;
  custom_details: Record<string, unknown>;
}

export interface OpsgenieFields {
  alias: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
  message: string;
  tags: string[];
}

const PD_SEVERITY: Record<Tier, PagerDutyFields['severity']> = {
  P1: 'critical',
  P2: 'error',
  P3: 'warning',
  P4: 'info',
};

export interface PagingInput {
  fingerprint: string;
  tier: Tier;
  priority: number;
  modelId: string;
  signal: string;
  source?: string;
  feature?: string;
  metric?: string;
  productArea?: string;
  owner: string;
  impactPerHour: number;
  rootCause: string;
  topReason: string;
  playbook?: string;
}

export function pagingFields(p: PagingInput): { pagerduty: PagerDutyFields; opsgenie: OpsgenieFields } {
  // The signal, feature and metric that are present (non-empty), space-separated: by hand, not an
  // array filtered and joined per alert.
  let what = p.signal || '';
  if (p.feature) what = what ? `${what} ${p.feature}` : p.feature;
  if (p.metric) what = what ? `${what} ${p.metric}` : p.metric;
  const summary = `[${p.tier}] ${p.modelId}: ${what} (priority ${Math.round(p.priority)}, ~${Math.round(p.impactPerHour)}/h at risk)`;
  const details: Record<string, unknown> = {
    priority: p.priority,
    expected_impact_per_hour: p.impactPerHour,
    owner: p.owner,
    root_cause: p.rootCause,
    why: p.topReason,
  };
  if (p.playbook) details.playbook = p.playbook;
  return {
    pagerduty: {
      dedup_key: p.fingerprint,
      severity: PD_SEVERITY[p.tier],
      summary: summary.slice(0, 1024),
      source: p.source ?? 'alert-triage',
      component: p.modelId,
      group: p.productArea ?? 'unassigned',
      class: p.signal,
      custom_details: details,
    },
    opsgenie: {
      alias: p.fingerprint,
      priority: p.tier,
      message: summary.slice(0, 130),
      tags: p.productArea ? [p.tier, p.signal, p.rootCause, p.productArea] : [p.tier, p.signal, p.rootCause],
    },
  };
}
