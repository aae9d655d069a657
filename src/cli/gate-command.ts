// `alert-triage gate`: is this version of a model safe to keep? The files are scored as `score` scores them,
// the scored alerts and the deploys fill a version ledger (core/versions), and the gate's verdict on the
// version is printed with its evidence, the last line one JSON object (what GET /v1/gate answers). Exit
// 0 ok, 1 regressed, 3 insufficient evidence, 2 when it cannot judge: a bad option, file or config, or a
// model or version the input does not know.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import type { InputFormat } from '../core/inputs/index.ts';
import { VersionLedger } from '../core/versions/ledger.ts';
import { type GateOutcome, type GateVerdict, gateVerdict } from '../core/versions/verdict.ts';
import { runOffline } from '../runtime/offline-pipeline.ts';
import { type CliIo, filesOf, sortOf } from './score-command.ts';
import { fmtInt } from './triage-table.ts';

export const GATE_EXIT = { ok: 0, regressed: 1, unusable: 2, insufficient_evidence: 3 } as const;

export const exitOfVerdict = (v: GateOutcome): number =>
  v === 'ok' ? GATE_EXIT.ok : v === 'regressed' ? GATE_EXIT.regressed : GATE_EXIT.insufficient_evidence;

export interface GateOptions {
  model: string;
  version: string;
  baseline?: string;
  alerts: string;
  deploys: string;
  feedback?: string;
  config?: string;
  inputFormat: InputFormat;
  sortMemory: number;
  /** Event time (ms) to judge at; default the latest alert. */
  at?: number;
}

const MAX_REJECT_LINES = 5;

export async function gateCommand(opts: GateOptions, io: CliIo): Promise<number> {
  const files = filesOf(opts);
  const config = loadConfigFile(opts.config);
  const ledger = new VersionLedger({ historyMs: config.gate.history });
  const at = opts.at ?? Number.POSITIVE_INFINITY;
  let rejected = 0;
  await runOffline(
    config,
    files,
    {
      scored: (a) => {
        if (a.event_time <= at) ledger.observeAlert(a);
        return undefined;
      },
      deploy: (d) => {
        if (d.event_time <= at) ledger.observeDeploy(d);
      },
      rejected: (r) => {
        if (++rejected <= MAX_REJECT_LINES)
          io.stderr.write(`${r.file}:${r.line}: ${r.error.code}: ${r.error.message}\n`);
        return undefined;
      },
    },
    { sort: sortOf(opts), incidents: 'off', versions: 'off' },
  );
  if (rejected > 0)
    io.stderr.write(
      `gate: ${fmtInt(rejected)} record(s) rejected and left out of the evidence (score shows them all)\n`,
    );
  const result = gateVerdict(
    ledger,
    {
      model: opts.model,
      version: opts.version,
      ...(opts.baseline === undefined ? {} : { baseline: opts.baseline }),
      ...(opts.at === undefined ? {} : { at: opts.at }),
      rollbackAllowed: (config.models[opts.model] ?? config.defaults).rollback_allowed,
    },
    config.gate,
  );
  if (!result.ok) {
    io.stderr.write(`gate: ${result.error.code}: ${result.error.message}\n`);
    return GATE_EXIT.unusable;
  }
  io.stdout.write(`${renderVerdict(result.verdict).join('\n')}\n${JSON.stringify(result.verdict)}\n`);
  return exitOfVerdict(result.verdict.verdict);
}

/** The verdict for a human: headline, the sentences, both versions' figures, the tests. */
export function renderVerdict(v: GateVerdict): string[] {
  const out = [
    `${v.model} ${v.version}: ${v.verdict.toUpperCase().replace(/_/g, ' ')}${v.baseline ? ` (baseline ${v.baseline})` : ''} at ${new Date(v.at).toISOString()}`,
  ];
  for (const r of v.reasons) out.push(`  ${r}`);
  const row = (label: string, s: GateVerdict['candidate']) =>
    `  ${label.padEnd(9)} ${s.version.padEnd(10)} ${s.serving_hours.toFixed(1).padStart(7)} h  ${fmtInt(s.alerts).padStart(6)} alerts  ${fmtInt(s.counted).padStart(6)} counted  ${s.alerts_per_hour.toFixed(2).padStart(7)}/h  impact ${fmtInt(Math.round(s.mean_expected_impact_per_hour)).padStart(7)}/h  priority ${s.mean_priority.toFixed(1)}`;
  out.push(row('candidate', v.candidate));
  if (v.baseline_stats) out.push(row('baseline', v.baseline_stats));
  if (v.test.tests.length > 0) {
    out.push(
      `  tests (α ${v.test.alpha} over ${v.test.tests.length > 0 ? 'the total and each signal' : '—'}: ${v.test.alpha_per_test.toPrecision(2)} each, at least ${v.test.min_rate_ratio}×):`,
    );
    for (const t of v.test.tests)
      out.push(
        `    ${t.signal.padEnd(24)} ${String(t.candidate).padStart(5)} vs ${String(t.baseline).padStart(5)}  ratio ${t.rate_ratio === null ? '∞' : t.rate_ratio.toFixed(2)}  p ${t.p_value.toPrecision(2)}`,
      );
  }
  return out;
}
