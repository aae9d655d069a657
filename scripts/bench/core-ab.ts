// Same-process A/B of the step function: this checkout against another one (e.g. a `git worktree` of
// an older commit), on bench:core's state, runs interleaved (A B, B A, ...) so that a shared, noisy
// machine loads both sides alike. Reports alerts per wall second and per CPU second, medians.
//
//   git worktree add /tmp/at-before <commit> && ln -s "$PWD/node_modules" /tmp/at-before/node_modules
//   taskset -c 1 node --expose-gc scripts/bench/core-ab.ts /tmp/at-before [--alerts 200000] [--window 1000000] [--runs 6]
//
// Each side builds its own window and decodes its own alerts with its own code (scripts/bench/core.ts
// of that checkout), so a change to parsing or to the window is measured too.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithUsageIfAsked, median, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node --expose-gc scripts/bench/core-ab.ts <other checkout> [options]
       (e.g. taskset -c 1 node --expose-gc …; no npm script)

Same-process A/B of the step function: this checkout against another one (e.g. a git worktree of an
older commit, with node_modules linked), each on bench:core's state built and decoded by its own
code, runs interleaved (A B, B A, …). Reports alerts per wall second and per CPU second, medians;
last line of stdout: one JSON object. With --expose-gc, collects garbage before every run.

Options (positive whole numbers):
  --alerts N    alerts stepped per run (default 200000)
  --window N    deploy events in the window (default 1000000)
  --runs N      runs of each side, medians reported (default 6)
  -h, --help    print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Side {
  name: string;
  run: () => { wall: number; cpu: number };
}

async function prepare(name: string, root: string, alerts: number, window: number): Promise<Side> {
  const bench = await import(join(root, 'scripts/bench/core.ts'));
  // the generator's PRNG moved from scripts/sample to src/sample: a checkout from before has it at the old path
  const prng = ['src/sample/prng.ts', 'scripts/sample/prng.ts']
    .map((p) => join(root, p))
    .find((p) => existsSync(p));
  const { Rng } = await import(prng ?? join(root, 'src/sample/prng.ts'));
  const processor = await import(join(root, 'src/core/processor.ts'));
  const args = { alerts, models: 10_000, window, runs: 1, seed: 1, cpu: null };
  const config = bench.buildConfig(new Rng(1).fork('catalog'), 10_000);
  const step = processor.createStep(config);
  const built = bench.buildWindow(config, step, args);
  const rng = new Rng(1).fork('alerts');
  const start = bench.T0 + bench.DEPLOY_SPAN;
  const inputs: unknown[] = [];
  for (let i = 0; i < alerts; i++) {
    const t = start + Math.floor((i * bench.ALERT_SPAN) / alerts);
    inputs.push(bench.decoded('alert', bench.alertLine(rng, i, t, 10_000)));
  }
  process.stdout.write(`${name}: ${root} prepared\n`);
  return {
    name,
    run: () => {
      const state = { ...processor.createState(config), deploys: built.deploys };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const input of inputs) step(state, input);
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
    },
  };
}

function parseArgs(argv: readonly string[]) {
  const other = argv[0];
  if (!other || other.startsWith('-')) throw new Error('the other checkout must be the first argument');
  const a = { other, alerts: 200_000, window: 1_000_000, runs: 6 };
  for (let i = 1; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag !== '--alerts' && flag !== '--window' && flag !== '--runs')
      throw new Error(`unknown argument ${flag}`);
    const v = argv[i + 1];
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${v}`);
    if (flag === '--alerts') a.alerts = n;
    else if (flag === '--window') a.window = n;
    else a.runs = n;
  }
  return a;
}

async function main(argv: string[]): Promise<void> {
  const { other, alerts, window, runs } = parseArgsOrExit('core-ab', () => parseArgs(argv));
  const gc = (globalThis as { gc?: () => void }).gc;
  const a = await prepare('A (other)', resolve(other), alerts, window);
  const b = await prepare('B (this)', HERE, alerts, window);
  a.run();
  b.run(); // warm-up
  const rates = new Map<Side, { wall: number[]; cpu: number[] }>([
    [a, { wall: [], cpu: [] }],
    [b, { wall: [], cpu: [] }],
  ]);
  for (let r = 0; r < runs; r++) {
    for (const side of r % 2 ? [b, a] : [a, b]) {
      gc?.();
      const m = side.run();
      rates.get(side)!.wall.push(alerts / m.wall);
      rates.get(side)!.cpu.push(alerts / m.cpu);
      process.stdout.write(
        `run ${r + 1} ${side.name}: ${Math.round(alerts / m.wall)} alerts/s, ${Math.round(alerts / m.cpu)} per CPU second (load ${loadavg()[0]!.toFixed(1)})\n`,
      );
    }
  }
  const fig = (s: Side) => ({
    alerts_per_sec: Math.round(median(rates.get(s)!.wall)),
    alerts_per_cpu_sec: Math.round(median(rates.get(s)!.cpu)),
  });
  process.stdout.write(
    `${JSON.stringify({ bench: 'core-ab', alerts, window, runs, other: fig(a), this: fig(b) })}\n`,
  );
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`core-ab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
