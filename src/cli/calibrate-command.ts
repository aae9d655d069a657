// `alert-triage calibrate`: score the files as `score` would (feedback fed in at its event time, as the
// service sees it), fit the likelihood model and the weights to the feedback, report ranking quality
// before and after on held-out days, and write a complete config with the new values.
import { readFileSync, writeFileSync } from 'node:fs';
import { Document, isMap, parseDocument } from 'yaml';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { readNdjson } from '../adapters/file/ndjson-source.ts';
import {
  type CalibrationOutcome,
  calibrate,
  type HeldOutFigures,
  type LabelledAlert,
  type RankingQuality,
} from '../core/calibrate.ts';
import type { Interval } from '../core/calibration-budget.ts';
import type { AlertFeedback } from '../core/events.ts';
import { parseFeedback, parseJson } from '../core/parse-record.ts';
import type { ScoredAlert } from '../core/processor.ts';
import { DIMENSIONS } from '../core/score.ts';
import { runOffline } from '../runtime/offline-pipeline.ts';
import { duration, type Progress, progressReporter } from './progress.ts';
import { fmtInt } from './triage-table.ts';

export interface CalibrateOptions {
  alerts: string;
  deploys?: string;
  feedback: string;
  config?: string;
  out: string;
  trainShare: number;
  pagesPerDay?: number;
  p1PerWeek?: number;
  /** Fit the per-source false-positive term too (default: it is set to 0). */
  fitSourcePrecision?: boolean;
  /** Write the tuned config even when it is worse on the held-out days. */
  force?: boolean;
  seed?: number;
  /** Progress on stderr (default on). */
  progress?: boolean;
}

export interface CalibrateRun {
  result: CalibrationOutcome;
  /** False when the tuned config was worse on held-out days and --force was not given. */
  written: boolean;
}

export async function calibrateCommand(
  o: CalibrateOptions,
  out: NodeJS.WritableStream,
  err?: NodeJS.WriteStream,
): Promise<CalibrateRun> {
  const started = Date.now();
  const say = (line: string) => {
    if (err && o.progress !== false)
      err.write(`alert-triage: calibrate: ${line} (${duration(Date.now() - started)})\n`);
  };
  const config = loadConfigFile(o.config);
  const feedback = new Map<string, AlertFeedback>();
  for await (const line of readNdjson(o.feedback)) {
    const json = parseJson(line.text, 'AlertFeedback');
    const f = json.ok ? parseFeedback(json.value) : json;
    if (f.ok) feedback.set(f.value.alert_id, f.value);
  }
  const scored: ScoredAlert[] = [];
  const progress: Progress | undefined =
    err && o.progress !== false ? progressReporter(err, { tty: Boolean(err.isTTY) }) : undefined;
  try {
    await runOffline(
      config,
      { alerts: o.alerts, feedback: o.feedback, ...(o.deploys ? { deploys: o.deploys } : {}) },
      {
        started: (inputs) => {
          const total = inputs.find((i) => i.kind === 'alert')?.records ?? 0;
          say(`scoring ${fmtInt(total)} alerts as \`score\` does`);
          progress?.start(total);
        },
        scored: (a) => {
          progress?.tick();
          scored.push(a);
          return undefined;
        },
        rejected: (r) => {
          if (r.input === 'alert') progress?.tick();
          return undefined;
        },
      },
    );
  } finally {
    progress?.done();
  }
  // In event-time order, not the order the incident stage let them out (a page held for group_wait
  // comes later): the fit and its bootstrap then depend on the alerts, not on the paging settings.
  scored.sort(
    (a, b) => a.event_time - b.event_time || (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0),
  );
  const labelled: LabelledAlert[] = scored.map((alert) => ({
    alert,
    feedback: feedback.get(alert.alert_id),
  }));
  const budget = {
    ...(o.p1PerWeek !== undefined ? { p1PerWeek: o.p1PerWeek } : {}),
    ...(o.pagesPerDay !== undefined ? { pagesPerDay: o.pagesPerDay } : {}),
  };
  const result = calibrate(labelled, config, {
    trainShare: o.trainShare,
    budget,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    fitSourcePrecision: o.fitSourcePrecision === true,
    stage: say,
  });
  if (result.worse && !o.force) {
    out.write(
      report(o, config.version, undefined, result, config.scoring.weights, config.scoring.likelihood),
    );
    say('done');
    return { result, written: false };
  }

  const doc = o.config ? parseDocument(readFileSync(o.config, 'utf8')) : new Document({});
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  doc.setIn(['scoring', 'weights'], doc.createNode(result.weights));
  doc.setIn(['scoring', 'likelihood'], doc.createNode(result.likelihood));
  doc.setIn(['scoring', 'tiers'], doc.createNode(result.cuts.tiers));
  doc.setIn(['scoring', 'gates'], doc.createNode(result.cuts.gates));
  doc.commentBefore = summaryComment(o, config.version, result);
  writeFileSync(o.out, doc.toString({ lineWidth: 120 }));
  const tuned = loadConfigFile(o.out);

  out.write(
    report(o, config.version, tuned.version, result, config.scoring.weights, config.scoring.likelihood),
  );
  say('done');
  return { result, written: true };
}

const iv = (x: Interval, digits: number) =>
  `${x.value.toFixed(digits)} [${x.low.toFixed(digits)}, ${x.high.toFixed(digits)}]`;

function heldOutLine(name: string, x: HeldOutFigures): string {
  return `  ${name.padEnd(22)} NDCG@10 ${iv(x.ndcg, 3)}  P1 precision ${iv(x.p1Precision, 2)} (${x.quality.p1Paged} P1)  paged noise ${iv(x.pagedNoise, 2)}  pages/day ${iv(x.pagesPerDay, 1)}`;
}

function summaryComment(o: CalibrateOptions, from: string, r: CalibrationOutcome): string {
  const q = (x: RankingQuality) =>
    `NDCG@10 ${x.ndcg.toFixed(3)}, P1 precision ${x.p1Precision.toFixed(2)}, paged noise ${x.pagedNoise.toFixed(2)}`;
  return [
    ` Written by alert-triage calibrate from ${from} (${o.config ?? 'defaults'}).`,
    ` Inputs: ${o.alerts}, ${o.deploys ?? '(no deploys)'}, ${o.feedback}.`,
    ` Trained on ${r.train.days.join(', ')} (${r.train.labelled} alerts with feedback); held out ${r.test.days.join(', ')}.`,
    ` Held-out days, before: ${q(r.test.before)}`,
    ` Held-out days, after:  ${q(r.test.after)}`,
    ` Held-out days, detector severity: NDCG@10 ${r.test.severity.ndcg.toFixed(3)}, paged noise ${r.test.severity.pagedNoise.toFixed(2)}`,
    ` Paging budget: ${budgetText(r)}; expected on the training days: ${expectedText(r)}.`,
    ` Likelihood log loss on the training alerts: ${r.logLoss.before} → ${r.logLoss.after}.`,
  ].join('\n');
}

function budgetText(r: CalibrationOutcome): string {
  const b = r.budget;
  const src = (given: boolean) => (given ? '' : " (the starting config's rate)");
  return `${b.budget.p1PerWeek} P1 a week${src(b.given.p1PerWeek)}, ${b.budget.pagesPerDay} pages (P1+P2) a day${src(b.given.pagesPerDay)}`;
}

function expectedText(r: CalibrationOutcome): string {
  const e = r.budget.expected;
  return `${iv(e.p1PerWeek, 1)} P1 a week, ${iv(e.pagesPerDay, 1)} pages a day (95% intervals, days resampled)`;
}

function report(
  o: CalibrateOptions,
  from: string,
  to: string | undefined,
  r: CalibrationOutcome,
  oldWeights: Record<string, number>,
  oldLikelihood: Record<string, unknown>,
): string {
  const lines: string[] = [];
  const q = (name: string, x: RankingQuality) =>
    `  ${name.padEnd(22)} NDCG@10 ${x.ndcg.toFixed(3)}  P@10 ${x.precisionAtK.toFixed(2)}  P1 precision ${x.p1Precision.toFixed(2)} (${x.p1Paged} P1)  paged noise ${x.pagedNoise.toFixed(2)} (${x.paged} paged)`;
  lines.push(
    to === undefined
      ? `NOT written: the tuned config is worse than ${from} on the held-out days (NDCG@10 ${r.test.before.ndcg.toFixed(3)} → ${r.test.after.ndcg.toFixed(3)}, change ${iv(r.heldOut.ndcgChange, 3)}, wholly below 0); --force writes it anyway`
      : `calibrated ${from} → ${to}, written to ${o.out}${r.worse ? ' (--force: it is worse on the held-out days)' : r.heldOut.ndcgChange.value < 0 ? ` (NDCG@10 lower on the held-out days by ${(-r.heldOut.ndcgChange.value).toFixed(3)}, within resampling noise: change ${iv(r.heldOut.ndcgChange, 3)})` : ''}`,
  );
  lines.push(
    `train: ${r.train.days.join(', ')} — ${r.train.alerts} alerts, ${r.train.labelled} with feedback`,
  );
  lines.push(q('before', r.train.before));
  lines.push(q('after', r.train.after));
  lines.push(`held out: ${r.test.days.join(', ')} — ${r.test.alerts} alerts`);
  lines.push(q('detector severity', r.test.severity));
  lines.push(q('before', r.test.before));
  lines.push(q('after', r.test.after));
  lines.push(
    `held out, 95% intervals (${r.heldOut.replicates} bootstrap replicates, alerts resampled within each day, seed ${r.heldOut.seed}):`,
  );
  lines.push(heldOutLine('before', r.heldOut.before));
  lines.push(heldOutLine('after', r.heldOut.after));
  lines.push(
    `  ${'change (paired)'.padEnd(22)} NDCG@10 ${iv(r.heldOut.ndcgChange, 3)} — refused only when wholly below 0`,
  );
  lines.push(`paging budget: ${budgetText(r)}`);
  lines.push(`  expected on the training days: ${expectedText(r)}`);
  lines.push('');
  lines.push('weights (review like code):');
  for (const d of DIMENSIONS) {
    const was = oldWeights[d] ?? 0;
    const now = r.weights[d];
    lines.push(
      `  ${d.padEnd(18)} ${was.toFixed(2)} → ${now.toFixed(2)}${was === now ? '' : now > was ? '  ▲' : '  ▼'}`,
    );
  }
  lines.push(
    `tier thresholds: ${JSON.stringify(r.cuts.tiers)}; gates: P1 ${r.cuts.gates.P1.min_likelihood}, P2 ${r.cuts.gates.P2.min_likelihood}`,
  );
  lines.push(`likelihood model (log loss ${r.logLoss.before} → ${r.logLoss.after}):`);
  for (const [k, v] of Object.entries(r.likelihood)) {
    const was = oldLikelihood[k];
    lines.push(`  ${k.padEnd(18)} ${JSON.stringify(was)} → ${JSON.stringify(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
