import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { severityOf, signalFromName, signalOf, wordsOf } from '../../../src/core/inputs/vocabulary.ts';

describe('native inputs: vocabulary', () => {
  it("maps other tools' severity words onto the contract", () => {
    const cases: [string, string | undefined][] = [
      ['page', 'critical'],
      ['Critical', 'critical'],
      ['P1', 'critical'],
      ['error', 'high'],
      ['major', 'high'],
      ['warning', 'medium'],
      ['WARN', 'medium'],
      ['minor', 'low'],
      ['info', 'info'],
      ['none', 'info'],
      ['sev 2', 'high'],
      ['whatever', undefined],
    ];
    for (const [word, want] of cases) assert.equal(severityOf(word), want, word);
    assert.equal(severityOf(undefined), undefined);
  });

  it('splits alert names into words', () => {
    assert.equal(wordsOf('HighLatencyP99'), 'high latency p99');
    assert.equal(wordsOf('PSIHigh'), 'psi high');
    assert.equal(wordsOf('feature_null-rate.v2'), 'feature null rate v2');
  });

  it('guesses the signal from the alert name, in the documented order', () => {
    const cases: [string, string][] = [
      ['AdsBidderErrorRateHigh', 'error_rate'],
      ['HighLatencyP99', 'latency'],
      ['ModelAccuracyLow', 'performance_degradation'],
      ['mean_absolute_error_up', 'performance_degradation'],
      ['FraudScorerAUCLow', 'performance_degradation'],
      ['PredictionDriftDetected', 'prediction_drift'],
      ['FeatureDriftPSI', 'data_drift'],
      ['PSIHigh', 'data_drift'],
      ['MeanShift', 'feature_shift'],
      ['FeatureNullRateSpike', 'data_quality'],
      ['DatasourceNoData', 'data_quality'],
      ['ProcessCrashLooping', 'error_rate'],
      ['DiskAlmostFull', 'other'],
    ];
    for (const [name, want] of cases) assert.equal(signalFromName(name), want, name);
  });

  it('takes an explicit signal label as it is, and guesses only without one', () => {
    assert.equal(signalOf('latency', 'ModelAccuracyLow'), 'latency');
    assert.equal(
      signalOf('telepathy', 'ModelAccuracyLow'),
      'telepathy',
      'left for parseAlert to reject by name',
    );
    assert.equal(signalOf(undefined, 'ModelAccuracyLow'), 'performance_degradation');
  });
});
