// Label, reason and action come from one decision: over every alert of the example weeks (feedback fed in,
// so the learned classifier answers too), the "why" names the label shown, the actions follow it, and no
// direct, strong change to the model is labelled as something else without the why saying so.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { type Action, DIAGNOSTICS } from '../../src/core/actions.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SERVING = new Set(['performance_degradation', 'prediction_drift', 'error_rate', 'latency']);
const MODEL_CHANGES = new Set(['model_deploy', 'code_deploy', 'feature_flag', 'config_change']);

async function week(name: string) {
  const dir = join(ROOT, 'examples', name);
  const scored: ScoredAlert[] = [];
  const actions = new Map<string, Action[]>();
  await runOffline(
    loadConfigFile(join(dir, 'catalog.yaml')),
    {
      alerts: join(dir, 'alerts.ndjson'),
      deploys: join(dir, 'deploys.ndjson'),
      feedback: join(dir, 'feedback.ndjson'),
    },
    {
      scored: (a) => void scored.push(a),
      rejected: () => undefined,
      action: (a) => void actions.set(a.alert_id, [...(actions.get(a.alert_id) ?? []), a]),
    },
    { clock: () => 0 },
  );
  return { scored, actions };
}

for (const name of ['sample-week', 'other-week', 'cascade-week']) {
  describe(`root cause, reason and actions agree on ${name}`, () => {
    it('never contradict each other', async () => {
      const { scored, actions } = await week(name);
      const problems: string[] = [];
      let learned = 0;
      for (const a of scored) {
        const label = a.root_cause.label;
        if (a.root_cause.by !== 'rules') learned++;
        const why = a.reasons.find((r) => r.startsWith('suspected root cause '));
        if (!why?.startsWith(`suspected root cause ${label} (`))
          problems.push(`${a.alert_id}: label ${label}, why ${why}`);
        for (const x of actions.get(a.alert_id) ?? []) {
          if (x.type === 'rollback' && label !== 'deployment_regression')
            problems.push(`${a.alert_id}: rollback for ${label}`);
          if (x.type === 'diagnostic' && x.operation !== DIAGNOSTICS[label].operation)
            problems.push(`${a.alert_id}: ${x.operation} for ${label}`);
          if (x.operation === 'route_to_fallback' && label !== 'deployment_regression')
            assert.match(x.reason, new RegExp(`suspected ${label}`));
        }
        const direct = a.context.deploys.find((c) => c.via === 'model' && MODEL_CHANGES.has(c.kind));
        const nearerInput = a.context.deploys.some(
          (c) =>
            (c.kind === 'schema_change' || c.kind === 'data_pipeline_change') &&
            direct !== undefined &&
            c.minutes_before < direct.minutes_before,
        );
        if (
          direct &&
          !nearerInput &&
          direct.minutes_before <= 60 &&
          SERVING.has(a.alert.signal) &&
          label !== 'deployment_regression' &&
          // A confident learned answer may keep its label, saying which change it outweighs.
          !(a.root_cause.by !== 'rules' && why?.includes(`outweighs ${direct.kind}`))
        )
          problems.push(`${a.alert_id}: ${label} though ${direct.kind} ${direct.minutes_before} min before`);
      }
      assert.ok(scored.length > 1000);
      assert.ok(learned > 0, 'the learned classifier answered some');
      assert.deepEqual(problems.slice(0, 10), []);
    });
  });
}
