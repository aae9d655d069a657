// Automation by tier: containment / rollback recommendations for P1, diagnostic requests by
// suspected root cause for P1 and P2. Recommendations only: a human or a bot acts on them.

import type { AnomalyAlert, RootCauseLabel, Tier } from './events.ts';
import type { DeployContext } from './join.ts';
import type { RootCause } from './root-cause.ts';
import type { ModelProfile } from './settings.ts';

export type ActionType = 'rollback' | 'containment' | 'diagnostic';

export interface Action {
  action_id: string;
  type: ActionType;
  alert_id: string;
  model_id: string;
  tier: Tier;
  event_time: number;
  owner: string;
  /** What to do, e.g. `rollback_model`, `disable_feature_flag`, `data_snapshot`. */
  operation: string;
  params: Record<string, string>;
  reason: string;
}

export const DIAGNOSTICS: Record<RootCauseLabel, { operation: string; what: string }> = {
  deployment_regression: {
    operation: 'version_comparison',
    what: 'compare predictions of the current and previous version',
  },
  data_pipeline: {
    operation: 'data_snapshot',
    what: 'snapshot the latest input batch and pipeline run logs',
  },
  upstream_schema_change: {
    operation: 'schema_diff',
    what: 'diff the input schema against the training schema',
  },
  seasonal_drift: {
    operation: 'feature_distribution_dump',
    what: 'dump feature distributions against the same window last week',
  },
  infrastructure: {
    operation: 'serving_health_dump',
    what: 'collect serving latency, error and saturation metrics',
  },
  unknown: {
    operation: 'feature_distribution_dump',
    what: 'dump feature distributions and recent predictions',
  },
};

export function actionsFor(
  alert: AnomalyAlert,
  modelId: string,
  tier: Tier,
  profile: ModelProfile,
  context: DeployContext,
  rootCause: RootCause,
): Action[] {
  const base = {
    alert_id: alert.alert_id,
    model_id: modelId,
    tier,
    event_time: alert.event_time,
    owner: profile.owner,
  };
  const actions: Action[] = [];
  if (tier === 'P1') {
    const modelChange = context.deploys.find((c) => c.via === 'model');
    // Rolling the model back only helps when a change to the model is the suspect, not its data.
    const releaseSuspected = rootCause.label === 'deployment_regression' && modelChange !== undefined;
    if (releaseSuspected && profile.rollback_allowed && context.previous_version !== undefined) {
      actions.push({
        ...base,
        action_id: `${alert.alert_id}:rollback`,
        type: 'rollback',
        operation: 'rollback_model',
        params: { to_version: context.previous_version, from_version: context.current_version ?? 'unknown' },
        reason: `P1 ${modelChange.minutes_before} min after ${modelChange.kind}${modelChange.version ? ` ${modelChange.version}` : ''}; rollback allowed and ${context.previous_version} is known`,
      });
    } else if (modelChange?.kind === 'feature_flag') {
      actions.push({
        ...base,
        action_id: `${alert.alert_id}:containment`,
        type: 'containment',
        operation: 'disable_feature_flag',
        params: { change: modelChange.event_id, description: modelChange.description ?? '' },
        reason: `P1 ${modelChange.minutes_before} min after a feature_flag change`,
      });
    } else {
      actions.push({
        ...base,
        action_id: `${alert.alert_id}:containment`,
        type: 'containment',
        operation: 'route_to_fallback',
        params: {},
        reason: !releaseSuspected
          ? `P1 with suspected ${rootCause.label}: a model rollback would not help, contain by serving the fallback`
          : profile.rollback_allowed
            ? 'P1 with no known rollback target: contain by serving the fallback'
            : 'P1 on a model whose rollback is not allowed: contain by serving the fallback',
      });
    }
  }
  if (tier === 'P1' || tier === 'P2') {
    const d = DIAGNOSTICS[rootCause.label];
    const params: Record<string, string> = {};
    if (alert.feature !== undefined) params.feature = alert.feature;
    if (alert.metric !== undefined) params.metric = alert.metric;
    if (context.current_version !== undefined) params.version = context.current_version;
    actions.push({
      ...base,
      action_id: `${alert.alert_id}:diagnostic`,
      type: 'diagnostic',
      operation: d.operation,
      params,
      reason: `suspected ${rootCause.label}: ${d.what}`,
    });
  }
  return actions;
}
