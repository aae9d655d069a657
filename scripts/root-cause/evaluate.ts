// Rules vs the learned root-cause model on the generated worlds: train on one week's confirmed
// root causes, test on another's. Prints accuracy, per-label recall and a calibration table.
//   node scripts/root-cause/evaluate.ts [train-dir] [test-dir]
import { ROOT_CAUSES, type RootCauseLabel } from '../../src/core/events.ts';
import { agreeWithDirectChange } from '../../src/core/root-cause.ts';
import { learnedClassifier, RootCauseModel } from '../../src/core/root-cause-model.ts';
import { labelledExamples } from '../../test/fixtures/labelled-examples.ts';

const trainDir = process.argv[2] ?? 'examples/sample-week';
const testDir = process.argv[3] ?? 'examples/other-week';
const train = await labelledExamples(trainDir);
const test = await labelledExamples(testDir);

const model = new RootCauseModel();
for (const e of train) model.learn(e.input, e.label);

const pc = (x: number) => `${(x * 100).toFixed(1)}%`;
const accuracy = (pred: (i: number) => RootCauseLabel) =>
  test.filter((e, i) => pred(i) === e.label).length / test.length;
const count = (xs: RootCauseLabel[]) =>
  ROOT_CAUSES.map((l) => `${l} ${xs.filter((x) => x === l).length}`).join(', ');

const majority = ROOT_CAUSES.toSorted(
  (a, b) => train.filter((e) => e.label === b).length - train.filter((e) => e.label === a).length,
)[0]!;
const nb = test.map((e) => model.predict(e.input));

console.log(`train ${trainDir}: ${model.examples} labelled alerts (${count(train.map((e) => e.label))})`);
console.log(`test  ${testDir}: ${test.length} labelled alerts (${count(test.map((e) => e.label))})\n`);
console.log('| classifier | accuracy |');
console.log('|---|---|');
console.log(`| majority class (${majority}) | ${pc(accuracy(() => majority))} |`);
console.log(`| rules | ${pc(accuracy((i) => test[i]!.rules.label))} |`);
console.log(`| naive Bayes | ${pc(accuracy((i) => nb[i]!.label))} |`);
// What the step uses: a direct, strong change to the model overrides whichever classifier answered.
const direct = (r: { label: RootCauseLabel; confidence: number }, i: number) =>
  agreeWithDirectChange({ reason: '', by: '', ...r }, test[i]!.input).label;
console.log(`| rules + direct model change | ${pc(accuracy((i) => direct(test[i]!.rules, i)))} |`);
console.log(`| naive Bayes + direct model change | ${pc(accuracy((i) => direct(nb[i]!, i)))} |`);
for (const minConfidence of [0.4, 0.5]) {
  const out = test.map((e) => learnedClassifier(model, { minExamples: 0, minConfidence })(e.input));
  const byRules = out.filter((r) => r.by === 'rules').length;
  console.log(
    `| learnedClassifier, rules below ${minConfidence} confidence (${byRules} alerts) | ${pc(accuracy((i) => out[i]!.label))} |`,
  );
}

console.log('\n| true label | alerts | rules recall | naive Bayes recall |');
console.log('|---|---|---|---|');
for (const l of ROOT_CAUSES) {
  const idx = test.flatMap((e, i) => (e.label === l ? [i] : []));
  if (idx.length === 0) continue;
  const recall = (pred: (i: number) => RootCauseLabel) =>
    idx.filter((i) => pred(i) === l).length / idx.length;
  console.log(
    `| ${l} | ${idx.length} | ${pc(recall((i) => test[i]!.rules.label))} | ${pc(recall((i) => nb[i]!.label))} |`,
  );
}

// Calibration: is a 0.9 right nine times in ten?
console.log('\n| naive Bayes confidence | alerts | naive Bayes accuracy | rules accuracy there |');
console.log('|---|---|---|---|');
for (const [lo, hi] of [
  [0, 0.5],
  [0.5, 0.8],
  [0.8, 0.95],
  [0.95, 0.99],
  [0.99, 1.01],
] as const) {
  const idx = nb.flatMap((p, i) => (p.confidence >= lo && p.confidence < hi ? [i] : []));
  if (idx.length === 0) continue;
  const ok = (pred: (i: number) => RootCauseLabel) =>
    pc(idx.filter((i) => pred(i) === test[i]!.label).length / idx.length);
  console.log(
    `| ${lo}–${Math.min(1, hi)} | ${idx.length} | ${ok((i) => nb[i]!.label)} | ${ok((i) => test[i]!.rules.label)} |`,
  );
}
const sample = learnedClassifier(model)(test[0]!.input);
console.log(
  `\nexample (${test[0]!.alertId}, truly ${test[0]!.label}): ${sample.label} ${sample.confidence} by ${sample.by}: ${sample.reason}`,
);
