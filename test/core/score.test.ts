// Business-impact scoring, driven with inputs built the way the processor builds them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config.ts';
import type { AnomalyAlert, DeployEvent } from '../../src/core/events.ts';
import { joinDeployContext } from '../../src/core/join.ts';
import { classifyByRules } from '../../src/core/root-cause.ts';
import { DIMENSIONS, magnitudeOf, relativeDeviation, type Score, scoreAlert } from '../../src/core/score.ts';
import { SourceReliability } from '../../src/core/source-reliability.ts';
import { DeployWindow } from '../../src/core/window-store.ts';
import { aConfig, aDeploy, anAlert, MIN, T0 } from '../fixtures/builders.ts';

const CONFIG = aConfig();

/** What processor.onAlert does before scoring: profile, deploy join, root cause, source rate. */
function scoreLikeProcessor(
  alert: AnomalyAlert,
  deploys: DeployEvent[] = [],
  config: Config = CONFIG,
  occurrences = 1,
  sources = new SourceReliability(),
): Score {
  const catalogued = config.models[alert.model_id];
  const profile = catalogued ?? config.defaults;
  const window = new DeployWindow({
    retentionMs: config.windows.deploy_retention,
    maxPerKey: config.windows.max_deploys_per_key,
  });
  for (const d of deploys) window.insert(d, Number.NEGATIVE_INFINITY);
  const context = joinDeployContext(alert, profile.upstream, window, {
    correlationMs: config.windows.correlation,
    versionHorizonMs: config.windows.deploy_retention - config.windows.allowed_lateness,
    maxContextChanges: 10,
  });
  const affectedShare =
    alert.affected_entities === undefined
      ? config.scoring.default_affected_share
      : Math.min(1, alert.affected_entities / profile.traffic_per_hour);
  const rootCause = classifyByRules({
    alert,
    context,
    affectedShare,
    occurrences,
    windowMinutes: config.windows.correlation / 60_000,
  });
  const source = sources.rate(alert.source, alert.signal, config.scoring.feedback_prior);
  return scoreAlert(
    {
      alert,
      modelId: alert.model_id,
      profile,
      inCatalog: catalogued !== undefined,
      context,
      occurrences,
      source,
      rootCause,
    },
    config,
  );
}

const close = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} not within ${tolerance} of ${expected}`,
  );

const SAMPLES: AnomalyAlert[] = [
  anAlert(),
  anAlert({ severity: 'critical', confidence: 1, affected_entities: 1e9, value: 0, threshold: 1 }),
  anAlert({ severity: 'info', confidence: 0, affected_entities: 0, value: undefined, threshold: undefined }),
  anAlert({
    model_id: 'triage-assist',
    signal: 'latency',
    metric: 'p99_latency_ms',
    value: 900,
    threshold: 300,
  }),
  anAlert({ model_id: 'search-ranker', signal: 'data_drift', metric: 'psi', value: 0.4, threshold: 0.2 }),
  anAlert({
    model_id: 'unknown-model',
    signal: 'other',
    confidence: undefined,
    affected_entities: undefined,
  }),
];
const DEPLOY = aDeploy({ event_time: T0 - 30 * MIN, version: 'v43', previous_version: 'v42' });

describe('scoreAlert: the breakdown', () => {
  it('the contributions sum to the priority, within rounding', () => {
    for (const alert of SAMPLES) {
      for (const deploys of [[], [DEPLOY]]) {
        const s = scoreLikeProcessor(alert, deploys);
        const sum = DIMENSIONS.reduce((acc, d) => acc + s.components[d].contribution, 0);
        // Each contribution and the priority are rounded to 0.01.
        close(sum, s.priority, 0.005 * (DIMENSIONS.length + 1), alert.alert_id);
      }
    }
  });

  it('each contribution is 100 × weight × value over the total weight', () => {
    const s = scoreLikeProcessor(anAlert(), [DEPLOY]);
    const total = DIMENSIONS.reduce((acc, d) => acc + s.components[d].weight, 0);
    for (const d of DIMENSIONS) {
      const c = s.components[d];
      close(c.contribution, (100 * c.weight * c.value) / total, 0.01, d);
    }
  });

  it('echoes the configured weights', () => {
    const weights = { severity: 0.1, likelihood: 0.4, exposure: 0.2, urgency: 0.2, repair_confidence: 0.1 };
    const s = scoreLikeProcessor(anAlert(), [], aConfig({ scoring: { weights } }));
    for (const d of DIMENSIONS) assert.equal(s.components[d].weight, weights[d], d);
    const defaults = scoreLikeProcessor(anAlert());
    assert.deepEqual(
      DIMENSIONS.map((d) => defaults.components[d].weight),
      DIMENSIONS.map((d) => CONFIG.scoring.weights[d]),
    );
  });

  it('normalizes weights: scaling them all leaves the priority unchanged', () => {
    const w = CONFIG.scoring.weights;
    const doubled = Object.fromEntries(DIMENSIONS.map((d) => [d, 2 * w[d]]));
    const a = scoreLikeProcessor(anAlert(), [DEPLOY]);
    const b = scoreLikeProcessor(anAlert(), [DEPLOY], aConfig({ scoring: { weights: doubled } }));
    close(b.priority, a.priority, 0.011);
  });

  it('keeps priority within 0..100 and every value within 0..1', () => {
    for (const alert of SAMPLES) {
      for (const deploys of [[], [DEPLOY]]) {
        const s = scoreLikeProcessor(alert, deploys, CONFIG, 5);
        assert.ok(s.priority >= 0 && s.priority <= 100, `${alert.alert_id}: ${s.priority}`);
        for (const d of DIMENSIONS) {
          const v = s.components[d].value;
          assert.ok(v >= 0 && v <= 1, `${alert.alert_id} ${d}: ${v}`);
        }
      }
    }
  });

  it('a more severe alert gets a higher severity value and priority', () => {
    const low = scoreLikeProcessor(anAlert({ severity: 'low' }));
    const high = scoreLikeProcessor(anAlert({ severity: 'critical' }));
    assert.ok(high.components.severity.value > low.components.severity.value);
    assert.ok(high.priority > low.priority);
  });
});

describe('scoreAlert: likelihood', () => {
  it('rises with detector confidence', () => {
    const low = scoreLikeProcessor(anAlert({ confidence: 0.6 }));
    const high = scoreLikeProcessor(anAlert({ confidence: 0.9 }));
    assert.ok(high.components.likelihood.value > low.components.likelihood.value);
  });

  it('is higher for a deploy-correlated alert than for the same alert without', () => {
    const alert = anAlert();
    const without = scoreLikeProcessor(alert);
    const withDeploy = scoreLikeProcessor(alert, [DEPLOY]);
    assert.equal(without.evidence.deploy_strength, 0);
    assert.ok(withDeploy.evidence.deploy_strength > 0);
    assert.ok(withDeploy.components.likelihood.value > without.components.likelihood.value);
  });

  it('rises with persistence', () => {
    const once = scoreLikeProcessor(anAlert(), [], CONFIG, 1);
    const often = scoreLikeProcessor(anAlert(), [], CONFIG, 6);
    assert.ok(often.components.likelihood.value > once.components.likelihood.value);
    assert.match(often.reasons.join('\n'), /fired 6 times/);
  });

  it('falls when feedback shows the source is mostly false positives', () => {
    const sources = new SourceReliability();
    for (let i = 0; i < 40; i++) sources.record('evidently', 'performance_degradation', 'false_positive');
    const plain = scoreLikeProcessor(anAlert());
    const noisy = scoreLikeProcessor(anAlert(), [], CONFIG, 1, sources);
    assert.ok(noisy.components.likelihood.value < plain.components.likelihood.value);
    assert.equal(noisy.evidence.source_observations, 40);
  });

  it('keeps a population-wide low-confidence drift on the most valuable model below 0.5, and a deploy-correlated degradation on fraud-scorer above 0.8', () => {
    const mostValuable = Object.entries(CONFIG.models).sort(
      (a, b) => b[1].revenue_per_hour - a[1].revenue_per_hour,
    )[0]![0];
    assert.equal(mostValuable, 'search-ranker');
    const drift = scoreLikeProcessor(
      anAlert({
        model_id: mostValuable,
        signal: 'data_drift',
        metric: 'psi',
        value: 0.3,
        threshold: 0.2,
        confidence: 0.3,
        affected_entities: CONFIG.models[mostValuable]!.traffic_per_hour,
      }),
    );
    assert.equal(drift.evidence.affected_share, 1);
    const regression = scoreLikeProcessor(anAlert({ model_id: 'fraud-scorer', confidence: 0.9 }), [DEPLOY]);
    assert.ok(drift.components.likelihood.value < 0.5, `drift ${drift.components.likelihood.value}`);
    assert.ok(
      regression.components.likelihood.value > 0.8,
      `regression ${regression.components.likelihood.value}`,
    );
  });
});

describe('scoreAlert: impact and exposure', () => {
  it('expected impact = revenue/h × affected share × severity × likelihood', () => {
    for (const alert of SAMPLES) {
      for (const deploys of [[], [DEPLOY]]) {
        const s = scoreLikeProcessor(alert, deploys);
        const e = s.evidence;
        const expected =
          e.revenue_per_hour * e.affected_share * s.components.severity.value * s.components.likelihood.value;
        // Inputs are rounded to 4 decimals: allow a relative error from that rounding.
        close(s.expected_impact_per_hour, expected, 0.01 + expected * 1e-3, alert.alert_id);
        assert.match(s.reasons[0]!, /^expected impact /);
      }
    }
  });

  it('the impact uses the catalog revenue and the affected share of the model’s traffic', () => {
    const fraud = CONFIG.models['fraud-scorer']!;
    const s = scoreLikeProcessor(anAlert({ affected_entities: 10_000 }));
    assert.equal(s.evidence.revenue_per_hour, fraud.revenue_per_hour);
    assert.equal(s.evidence.affected_share, 10_000 / fraud.traffic_per_hour);
    assert.equal(s.evidence.affected_share_given, true);
  });

  it('assumes the default affected share when the alert gives none, and says so', () => {
    const s = scoreLikeProcessor(anAlert({ affected_entities: undefined }));
    assert.equal(s.evidence.affected_share, CONFIG.scoring.default_affected_share);
    assert.equal(s.evidence.affected_share_given, false);
    assert.match(s.reasons.join('\n'), /assumed: the alert gives no affected_entities/);
  });

  it('exposure = affected share × value weight, with value weight on a log scale of revenue', () => {
    const s = scoreLikeProcessor(anAlert());
    const expectedWeight = Math.log10(1 + 12_000) / Math.log10(1 + CONFIG.scoring.revenue_scale);
    close(s.evidence.value_weight, expectedWeight, 1e-4);
    close(s.components.exposure.value, s.evidence.affected_share * s.evidence.value_weight, 1e-4);
    const cheap = scoreLikeProcessor(anAlert({ model_id: 'churn-predictor', affected_entities: 500 }));
    assert.equal(cheap.evidence.affected_share, s.evidence.affected_share);
    assert.ok(cheap.components.exposure.value < s.components.exposure.value);
  });

  it('a model not in the catalog uses the defaults and says so', () => {
    const s = scoreLikeProcessor(anAlert({ model_id: 'mystery-model' }));
    assert.equal(s.evidence.revenue_per_hour, CONFIG.defaults.revenue_per_hour);
    assert.equal(s.expected_impact_per_hour, 0);
    assert.equal(s.components.exposure.value, 0);
    assert.match(s.reasons.join('\n'), /mystery-model \(not in the catalog: defaults used\)/);
    const known = scoreLikeProcessor(anAlert());
    assert.doesNotMatch(known.reasons.join('\n'), /not in the catalog/);
  });
});

describe('scoreAlert: severity magnitude', () => {
  const scales = CONFIG.scoring.magnitude_scales;

  it('auc 10% below its threshold has magnitude 1 (auc scale 0.1)', () => {
    assert.equal(scales.metrics.auc, 0.1);
    const s = scoreLikeProcessor(anAlert({ metric: 'auc', threshold: 0.9, value: 0.81 }));
    assert.equal(s.evidence.magnitude, 1);
    // Severity blends the detector's word (medium = 0.5) with the magnitude.
    close(s.components.severity.value, 0.5 * 0.5 + 0.5 * 1, 1e-4);
  });

  it('the same relative deviation is mild for psi (scale 3)', () => {
    const m = magnitudeOf(anAlert({ metric: 'psi', threshold: 0.2, value: 0.22 }), scales)!;
    close(m, relativeDeviation(0.22, 0.2) / scales.metrics.psi!, 1e-9);
    assert.ok(m < 0.05);
  });

  it('an unknown metric uses the default scale, and magnitude is capped at 1', () => {
    const m = magnitudeOf(anAlert({ metric: 'custom', threshold: 10, value: 15 }), scales)!;
    close(m, 0.5 / scales.default, 1e-9);
    assert.equal(magnitudeOf(anAlert({ metric: 'custom', threshold: 10, value: 1000 }), scales), 1);
  });

  it('a metric named like an Object.prototype member uses the default scale', () => {
    for (const metric of ['toString', 'constructor', '__proto__']) {
      const m = magnitudeOf(anAlert({ metric, threshold: 10, value: 15 }), scales);
      assert.equal(m, 0.5 / scales.default, metric);
    }
  });

  it('is null without a value and threshold, leaving severity to the detector', () => {
    const s = scoreLikeProcessor(anAlert({ severity: 'high', value: undefined, threshold: undefined }));
    assert.equal(s.evidence.magnitude, null);
    assert.equal(s.components.severity.value, 0.75);
    assert.match(s.reasons.join('\n'), /no value\/threshold/);
  });

  it('a zero threshold broken at all is fully off', () => {
    assert.equal(relativeDeviation(0, 0), 0);
    assert.equal(relativeDeviation(0.1, 0), Number.POSITIVE_INFINITY);
    assert.equal(magnitudeOf(anAlert({ metric: 'null_rate', threshold: 0, value: 0.01 }), scales), 1);
  });
});

describe('scoreAlert: reasons', () => {
  it('mention the deploy, its version and how long before the alert', () => {
    const s = scoreLikeProcessor(anAlert(), [DEPLOY]);
    assert.match(s.reasons.join('\n'), /model_deploy v43 of fraud-scorer 30 min before the alert/);
    assert.match(s.reasons.join('\n'), /rollback to v42 possible/);
  });

  it('name an upstream change as upstream', () => {
    const pipeline = aDeploy({
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'feature-pipeline-payments',
      version: undefined,
      event_time: T0 - 45 * MIN,
    });
    const s = scoreLikeProcessor(anAlert({ signal: 'feature_shift' }), [pipeline]);
    assert.match(
      s.reasons.join('\n'),
      /data_pipeline_change of upstream feature-pipeline-payments 45 min before/,
    );
  });

  it('say nothing about deploys when there were none', () => {
    const s = scoreLikeProcessor(anAlert());
    assert.doesNotMatch(s.reasons.join('\n'), /before the alert/);
    assert.match(s.reasons.join('\n'), /no rollback target known/);
  });
});
