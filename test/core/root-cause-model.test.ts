// The learned root-cause classifier: features, naive Bayes learning, the hand-over from the rules,
// persistence, determinism, and how it fares on the generated worlds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyAlert, DeployEvent, RootCauseLabel } from '../../src/core/events.ts';
import { Journal } from '../../src/core/journal.ts';
import { createState, createStep } from '../../src/core/processor.ts';
import { classifyByRules, type RootCauseInput } from '../../src/core/root-cause.ts';
import {
  learnedClassifier,
  RootCauseModel,
  rootCauseFeatures,
  rootCauseLabelOf,
} from '../../src/core/root-cause-model.ts';
import { aConfig, aDeploy, alertInput, anAlert, deployInput, HOUR, MIN, T0 } from '../fixtures/builders.ts';
import { labelledExamples } from '../fixtures/labelled-examples.ts';

/** The RootCauseInput the processor builds for `alert` after `deploys`, recorded from its classifier. */
function inputFor(alert: AnomalyAlert, deploys: DeployEvent[] = []): RootCauseInput {
  let seen: RootCauseInput | undefined;
  const step = createStep(aConfig(), {
    classifyRootCause: (input) => {
      seen = input;
      return classifyByRules(input);
    },
  });
  const state = createState(aConfig());
  for (const d of deploys) step(state, deployInput(d));
  step(state, alertInput(alert));
  assert.ok(seen, 'the processor classified the alert');
  return seen;
}

const SATURDAY = T0 + 5 * 24 * HOUR; // T0 is Monday 2026-11-16T10:00Z
const SOURCES = ['evidently', 'whylabs', 'arize'];
const REGIONS = ['us-east-1', 'eu-west-1'];

/** The i-th example of each synthetic class: the cause is obvious, the nuisance fields vary. */
const SYNTHETIC: Record<Exclude<RootCauseLabel, 'unknown'>, (i: number) => RootCauseInput> = {
  upstream_schema_change: (i) =>
    inputFor(
      anAlert({
        signal: 'data_quality',
        metric: 'null_rate',
        source: SOURCES[i % 3],
        region: REGIONS[i % 2],
      }),
      [
        aDeploy({
          kind: 'schema_change',
          model_id: undefined,
          service: 'feature-pipeline-payments',
          event_time: T0 - (5 + (i % 50)) * MIN,
        }),
      ],
    ),
  seasonal_drift: (i) =>
    inputFor(
      anAlert({
        model_id: 'search-ranker',
        signal: i % 2 ? 'data_drift' : 'prediction_drift',
        metric: 'psi',
        source: SOURCES[i % 3],
        affected_entities: 380_000,
        event_time: SATURDAY + (i % 24) * 30 * MIN,
      }),
    ),
  deployment_regression: (i) =>
    inputFor(anAlert({ signal: 'performance_degradation', metric: 'auc', source: SOURCES[i % 3] }), [
      aDeploy({ event_time: T0 - (3 + (i % 40)) * MIN }),
    ]),
  data_pipeline: (i) =>
    inputFor(
      anAlert({ signal: 'feature_shift', metric: 'psi', source: SOURCES[i % 3], region: REGIONS[i % 2] }),
      [
        aDeploy({
          kind: 'data_pipeline_change',
          model_id: undefined,
          service: 'feature-pipeline-payments',
          event_time: T0 - (10 + (i % 80)) * MIN,
        }),
      ],
    ),
  infrastructure: (i) =>
    inputFor(
      anAlert({
        model_id: 'churn-predictor',
        signal: i % 2 ? 'latency' : 'error_rate',
        metric: 'p99_ms',
        source: 'slo-monitor',
        region: 'ap-south-1',
        affected_entities: 100,
      }),
    ),
};
const LABELS = Object.keys(SYNTHETIC) as (keyof typeof SYNTHETIC)[];

/** `n` examples per class, interleaved as feedback would arrive. */
function trained(n: number, model = new RootCauseModel()): RootCauseModel {
  for (let i = 0; i < n; i++) for (const label of LABELS) model.learn(SYNTHETIC[label](i), label);
  return model;
}

describe('rootCauseFeatures', () => {
  it('describes the alert, the most recent change, closeness, share, occurrences, region and day', () => {
    const input = inputFor(anAlert({ signal: 'data_quality', metric: 'null_rate', region: 'eu-west-1' }), [
      aDeploy({
        kind: 'schema_change',
        model_id: undefined,
        service: 'feature-pipeline-payments',
        event_time: T0 - 10 * MIN,
      }),
      aDeploy({ kind: 'model_deploy', event_time: T0 - 70 * MIN }),
    ]);
    assert.deepEqual(rootCauseFeatures(input), [
      'signal=data_quality',
      'metric=null_rate',
      'source=evidently',
      'change=yes',
      'recent.kind=schema_change',
      'recent.via=upstream',
      'other.via=model',
      'other.kind=model_deploy',
      'closeness=<15m',
      'signal+recent=data_quality+schema_change/upstream',
      'share=large', // 25,000 of fraud-scorer's 50,000 an hour
      'occurrences=1',
      'region=eu-west-1',
      'day=weekday',
    ]);
  });

  it('takes the weekend from the alert event time, and buckets share without a change', () => {
    const f = rootCauseFeatures(SYNTHETIC.seasonal_drift(0));
    assert.ok(
      f.includes('day=weekend') && f.includes('share=population') && f.includes('change=none'),
      f.join(' '),
    );
    assert.ok(!f.some((t) => t.startsWith('region=')), 'no region when the alert has none');
  });
});

describe('RootCauseModel', () => {
  it('separates obvious classes with high confidence', () => {
    const model = trained(40);
    assert.equal(model.examples, 40 * LABELS.length);
    for (const label of LABELS) {
      // Unseen variations (i ≥ 40) of each class.
      for (const i of [41, 57, 90]) {
        const p = model.predict(SYNTHETIC[label](i));
        assert.equal(p.label, label, `example ${i} of ${label}`);
        assert.ok(p.confidence > 0.9, `${label}: confidence ${p.confidence}`);
      }
    }
  });

  it('gives a posterior over every label that sums to 1', () => {
    const post = trained(10).posterior(SYNTHETIC.data_pipeline(3));
    assert.deepEqual(Object.keys(post), [
      'deployment_regression',
      'data_pipeline',
      'upstream_schema_change',
      'seasonal_drift',
      'infrastructure',
      'unknown',
    ]);
    assert.ok(Math.abs(Object.values(post).reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('an untrained model answers the first label with uniform confidence (ties go by label order)', () => {
    const p = new RootCauseModel().predict(SYNTHETIC.infrastructure(0));
    assert.deepEqual(p, { label: 'deployment_regression', confidence: 1 / 6 });
  });

  it('skips labels outside ROOT_CAUSES rather than calling them unknown', () => {
    assert.equal(rootCauseLabelOf('network_partition'), undefined);
    assert.equal(rootCauseLabelOf(undefined), undefined);
    assert.equal(rootCauseLabelOf(' Data_Pipeline '), 'data_pipeline');
    assert.equal(rootCauseLabelOf('unknown'), 'unknown');
    const model = trained(2);
    const probe = SYNTHETIC.infrastructure(1);
    const before = model.posterior(probe);
    model.learn(SYNTHETIC.infrastructure(0), 'network_partition' as RootCauseLabel);
    assert.equal(model.examples, 2 * LABELS.length);
    assert.deepEqual(model.posterior(probe), before);
  });

  it('undoes what it learned inside an aborted transaction, new labels and tokens included', () => {
    const journal = new Journal();
    const model = new RootCauseModel({ journal });
    model.learn(SYNTHETIC.infrastructure(0), 'infrastructure');
    const probes = LABELS.map((l) => SYNTHETIC[l](40));
    const before = probes.map((p) => model.posterior(p));
    journal.begin();
    for (let i = 1; i < 6; i++) for (const label of LABELS) model.learn(SYNTHETIC[label](i), label);
    assert.equal(model.examples, 1 + 5 * LABELS.length);
    journal.rollback();
    assert.equal(model.examples, 1);
    assert.deepEqual(
      probes.map((p) => model.posterior(p)),
      before,
    );
    // Learning the same examples outside a transaction gives what a fresh model learns from them.
    for (let i = 1; i < 6; i++) for (const label of LABELS) model.learn(SYNTHETIC[label](i), label);
    const fresh = new RootCauseModel();
    fresh.learn(SYNTHETIC.infrastructure(0), 'infrastructure');
    for (let i = 1; i < 6; i++) for (const label of LABELS) fresh.learn(SYNTHETIC[label](i), label);
    assert.deepEqual(
      probes.map((p) => model.posterior(p)),
      probes.map((p) => fresh.posterior(p)),
    );
  });

  it('is deterministic: the same examples give the same counts and predictions, in any order', () => {
    const a = trained(12);
    const b = trained(12);
    const reversed = new RootCauseModel();
    for (let i = 11; i >= 0; i--)
      for (const label of LABELS.toReversed()) reversed.learn(SYNTHETIC[label](i), label);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.equal(JSON.stringify(a), JSON.stringify(reversed));
    const ambiguous = inputFor(anAlert({ signal: 'other', metric: 'x', source: 'nobody' }));
    assert.deepEqual(a.posterior(ambiguous), reversed.posterior(ambiguous));
  });
});

describe('learnedClassifier', () => {
  it('lets the rules answer below minExamples and the model from minExamples on', () => {
    const model = new RootCauseModel();
    const classify = learnedClassifier(model, { minExamples: 50 });
    const input = SYNTHETIC.upstream_schema_change(99);
    trained(8, model); // 40 examples
    assert.deepEqual(classify(input), classifyByRules(input));
    assert.equal(classify(input).by, 'rules');
    trained(2, model); // 50: the same classifier now asks the model
    const rc = classify(input);
    assert.equal(rc.by, 'naive-bayes');
    assert.equal(rc.label, 'upstream_schema_change');
    assert.ok(rc.confidence > 0.8, `confidence ${rc.confidence} after 10 examples a class`);
    assert.match(
      rc.reason,
      /^upstream_schema_change over \w+, mostly on .+\(×[\d.]+\), .+ and .+, learned from 50 confirmed causes$/,
    );
  });

  it('defaults to 200 examples before taking over', () => {
    const input = SYNTHETIC.seasonal_drift(7);
    assert.equal(learnedClassifier(trained(39))(input).by, 'rules'); // 195
    assert.equal(learnedClassifier(trained(40))(input).by, 'naive-bayes'); // 200
  });

  it('hands an unsure answer to the fallback when asked to', () => {
    const model = trained(10);
    const ambiguous = inputFor(anAlert({ signal: 'other', metric: 'x', source: 'nobody' }));
    assert.ok(model.predict(ambiguous).confidence < 0.9);
    const fallback = () => ({
      label: 'unknown' as const,
      confidence: 0.1,
      reason: 'asked a human',
      by: 'human',
    });
    assert.equal(
      learnedClassifier(model, { minExamples: 1, minConfidence: 0.9, fallback })(ambiguous).by,
      'human',
    );
    assert.equal(learnedClassifier(model, { minExamples: 1 })(ambiguous).by, 'naive-bayes');
  });
});

describe('on the generated worlds', () => {
  it('trained on sample-week, it beats the majority class clearly on other-week', async () => {
    const train = await labelledExamples('examples/sample-week');
    const test = await labelledExamples('examples/other-week');
    assert.ok(train.length > 500 && test.length > 500, `${train.length} / ${test.length} labelled alerts`);
    const model = new RootCauseModel();
    for (const e of train) model.learn(e.input, e.label);
    const counts = new Map<RootCauseLabel, number>();
    for (const e of train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const majority = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const accuracy = (pred: (input: RootCauseInput) => RootCauseLabel) =>
      test.filter((e) => pred(e.input) === e.label).length / test.length;
    const baseline = accuracy(() => majority);
    const learned = accuracy((input) => model.predict(input).label);
    assert.ok(learned > baseline + 0.2, `naive Bayes ${learned} vs majority class ${baseline}`);
  });
});
