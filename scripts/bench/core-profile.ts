// CPU profile of the step alone, on bench:core's state: only the timed loop is profiled (through the
// inspector), not the window build or the decoding of the input, which dominate a `--cpu-prof` of
// the whole benchmark.
//
//   taskset -c 1 node scripts/bench/core-profile.ts [--alerts 300000] [--out /tmp/core-step.cpuprofile]
//   node scripts/bench/profile-summary.ts /tmp/core-step.cpuprofile --top 30
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createState, createStep } from '../../src/core/processor.ts';
import { Rng } from '../../src/sample/prng.ts';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';
import { ALERT_SPAN, alertLine, buildConfig, buildWindow, DEPLOY_SPAN, decoded, T0 } from './core.ts';

const USAGE = `
Usage: node scripts/bench/core-profile.ts [options]
       (e.g. taskset -c 1 node …; no npm script)

CPU profile of the step function alone, on bench:core's state (10,000 models, a deploy window of
1,000,000 entries): only the timed loop is profiled, through the inspector, not the window build or
the decoding of the input. Prints the rate while profiled; summarize the profile with
scripts/bench/profile-summary.ts.

Options:
  --alerts N    alerts stepped, a positive whole number (default 300000)
  --out FILE    where the .cpuprofile is written (default /tmp/core-step.cpuprofile)
  -h, --help    print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

function parseArgs(argv: readonly string[]): { alerts: number; out: string } {
  const a = { alerts: 300_000, out: '/tmp/core-step.cpuprofile' };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag !== '--alerts' && flag !== '--out') throw new Error(`unknown argument ${flag}`);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') a.out = v;
    else if (!Number.isInteger(Number(v)) || Number(v) < 1)
      throw new Error(`--alerts needs a positive whole number, got ${v}`);
    else a.alerts = Number(v);
  }
  return a;
}

const { alerts, out } = parseArgsOrExit('core-profile', () => parseArgs(process.argv.slice(2)));
const args = { alerts, models: 10_000, window: 1_000_000, runs: 1, seed: 1, cpu: null };
const config = buildConfig(new Rng(1).fork('catalog'), args.models);
const step = createStep(config);
const window = buildWindow(config, step, args);
const rng = new Rng(1).fork('alerts');
const inputs = Array.from({ length: alerts }, (_, i) =>
  decoded('alert', alertLine(rng, i, T0 + DEPLOY_SPAN + Math.floor((i * ALERT_SPAN) / alerts), args.models)),
);
const run = () => {
  const state = { ...createState(config), deploys: window.deploys };
  for (const input of inputs) step(state, input);
};
run(); // warm-up
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const t0 = performance.now();
run();
const seconds = (performance.now() - t0) / 1000;
const { profile } = await session.post('Profiler.stop');
writeFileSync(out, JSON.stringify(profile));
process.stdout.write(`${Math.round(alerts / seconds)} alerts/s while profiled; profile in ${out}\n`);
