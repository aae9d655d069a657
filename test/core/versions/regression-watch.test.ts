// The regression watch: the gate asked by the product itself as a model's alerts come, a regressed
// version called once, as a version_regression incident and a rollback (or, where rollback is not
// allowed, a version comparison); a good version never called on these histories.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Signal } from '../../../src/core/events.ts';
import { DEFAULT_GATE, type ModelProfile } from '../../../src/core/settings.ts';
import type { LedgerAlert } from '../../../src/core/versions/ledger.ts';
import {
  JUDGE_EVERY,
  type RegressionFinding,
  RegressionWatch,
  regressionIncidentId,
} from '../../../src/core/versions/regression-watch.ts';
import { aDeploy, HOUR, MIN, T0 } from '../../fixtures/builders.ts';

const profile = (over: Partial<ModelProfile> = {}): ModelProfile => ({
  owner: 'fraud-team',
  product_area: 'payments',
  revenue_per_hour: 1000,
  traffic_per_hour: 1000,
  compliance: [],
  safety: false,
  rollback_allowed: true,
  upstream: [],
  escalation: ['fraud-oncall', 'payments-lead'],
  ...over,
});

let seq = 0;
const alert = (t: number, version: string, signal: Signal = 'data_drift'): LedgerAlert => ({
  alert_id: `a-${++seq}`,
  model_id: 'fraud-scorer',
  event_time: t,
  expected_impact_per_hour: 200,
  priority: 40,
  dedup: { suppressed: false },
  alert: { signal, model_version: version },
});

/** v1 serves 48 h at one alert every `baseEvery`; v2 from then on at one every `candidateEvery`, for 36 h. */
function history(baseEvery: number, candidateEvery: number, rollback = true) {
  const watch = new RegressionWatch({
    settings: DEFAULT_GATE,
    profileOf: () => profile({ rollback_allowed: rollback }),
    configVersion: 'cfg-test',
  });
  const deploy = aDeploy({
    event_id: 'dep-v2',
    event_time: T0 + 48 * HOUR,
    version: 'v2',
    previous_version: 'v1',
    actor: 'ci-bot',
  });
  const found: RegressionFinding[] = [];
  const times: [number, string][] = [];
  for (let t = T0; t < T0 + 48 * HOUR; t += baseEvery) times.push([t, 'v1']);
  for (let t = T0 + 48 * HOUR + 7 * MIN; t < T0 + 84 * HOUR; t += candidateEvery) times.push([t, 'v2']);
  let deployed = false;
  for (const [t, v] of times) {
    if (!deployed && t >= deploy.event_time) {
      watch.deploy(deploy);
      deployed = true;
    }
    found.push(...watch.alert(alert(t, v)));
  }
  return { watch, found };
}

describe('RegressionWatch', () => {
  it('calls a version raising its alert rate once: a version_regression incident and a rollback to the baseline', () => {
    const { found } = history(2 * HOUR, 20 * MIN);
    assert.equal(found.length, 1, 'called once, though alerts keep coming');
    const { incident, action } = found[0]!;
    assert.equal(incident.kind, 'version_regression');
    assert.equal(incident.incident_id, regressionIncidentId('fraud-scorer', 'v2'));
    assert.equal(incident.key, 'version:fraud-scorer@v2');
    assert.equal(incident.verdict.verdict, 'regressed');
    assert.equal(incident.verdict.baseline, 'v1');
    assert.equal(incident.cause?.event_id, 'dep-v2');
    assert.equal(incident.owner, 'fraud-team');
    assert.deepEqual(incident.escalation, ['fraud-oncall', 'payments-lead']);
    assert.equal(incident.tier, 'P2');
    assert.equal(incident.status, 'open');
    assert.equal(incident.pages, 0);
    // Called after min_serving, within a judgement interval of the first instant the gate would say so.
    const served = incident.verdict.candidate.serving_hours;
    assert.ok(served >= DEFAULT_GATE.min_serving / HOUR && served < 24, `called at ${served} h`);
    assert.match(
      incident.title,
      /^fraud-scorer v2 regressed against v1: .*× the .*alert rate over \d+ serving hours$/,
    );
    assert.equal(action.type, 'rollback');
    assert.equal(action.operation, 'rollback_model');
    assert.equal(action.action_id, `${incident.incident_id}:rollback`);
    assert.equal(action.alert_id, incident.incident_id);
    assert.equal(action.params.to_version, 'v1');
    assert.equal(action.params.from_version, 'v2');
    assert.equal(action.event_time, incident.verdict.at);
    assert.match(action.reason, /rollback allowed: go back to v1$/);
  });

  it('recommends a version comparison, not a rollback, where the catalog forbids rollback', () => {
    const { found } = history(2 * HOUR, 20 * MIN, false);
    assert.equal(found.length, 1);
    const { action } = found[0]!;
    assert.equal(action.type, 'diagnostic');
    assert.equal(action.operation, 'version_comparison');
    assert.equal(action.params.to_version, undefined);
    assert.match(action.reason, /rollback is not allowed for this model/);
  });

  it('never calls a version alerting at its baseline rate', () => {
    const { found, watch } = history(2 * HOUR, 2 * HOUR);
    assert.deepEqual(found, []);
    assert.ok(watch.judged > 0, 'it was judged');
  });

  it('judges a model at most once per JUDGE_EVERY of event time, at the instant before the alert', () => {
    // 84 h of alerts every 5 min: judged about once per 10 min, not on every alert.
    const { watch } = history(5 * MIN, 5 * MIN);
    const span = 84 * HOUR - 5 * MIN;
    assert.ok(watch.judged <= Math.ceil(span / JUDGE_EVERY), `${watch.judged} judgements`);
    assert.ok(watch.judged >= Math.floor(span / JUDGE_EVERY) - 1, `${watch.judged} judgements`);
  });

  it('gives the same calls on a replay (a deterministic incident id, the same instant)', () => {
    const a = history(2 * HOUR, 20 * MIN).found;
    const b = history(2 * HOUR, 20 * MIN).found;
    assert.deepEqual(
      b.map((f) => [f.incident.incident_id, f.incident.verdict.at]),
      a.map((f) => [f.incident.incident_id, f.incident.verdict.at]),
    );
  });
});
