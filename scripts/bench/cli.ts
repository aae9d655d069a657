// Benchmark of the offline CLI end to end: `alert-triage score` on a generated 1,000,000-alert world
// (dense deploys: each record carries ~5 context changes and serializes to ~4 KB), written to
// /dev/null, against a baseline run in the same session: the same lines through the same NDJSON
// source and sink, only JSON.parse-d and JSON.stringify-d (scripts/bench/parse-only.ts). Both run
// as child processes, timed on the wall clock, with their peak RSS.
//
//   node scripts/bench/cli.ts [--alerts 1000000] [--seed 7] [--runs 1] [--dir <tmp>/alert-triage-bench]
//
// The world is generated once (scripts/sample/generate-world.ts --alerts-only-count N) into --dir,
// outside the repository, and reused while its files are there. The last line of stdout is one JSON
// object with the figures.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithUsageIfAsked, median, parseArgsOrExit } from './common.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_DIR = join(tmpdir(), 'alert-triage-bench');
const USAGE = `
Usage: npm run bench:cli -- [options]
       node scripts/bench/cli.ts [options]

The offline CLI end to end: \`alert-triage score\` on a generated world, written to /dev/null, against a
baseline in the same session (scripts/bench/parse-only.ts: the same lines parsed and re-serialized, no
scoring). Both run as child processes; wall time, CPU and peak RSS (via /usr/bin/time -v where it
exists). The world is generated once into --dir and reused. Last line of stdout: one JSON object.

Options (positive whole numbers):
  --alerts N    alerts in the generated world (default 1000000)
  --seed N      seed of the generated world (default 7)
  --runs N      runs of each side, medians reported (default 1)
  --dir D       where generated worlds are kept (default ${DEFAULT_DIR})
  -h, --help    print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);
const TIME = '/usr/bin/time';
/** The targets of issue 5, printed beside the figures. */
const TARGET_SECONDS_PER_MILLION = 15;
const TARGET_RATIO = 0.5;

interface Args {
  alerts: number;
  seed: number;
  runs: number;
  dir: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { alerts: 1_000_000, seed: 7, runs: 1, dir: DEFAULT_DIR };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!['--alerts', '--seed', '--runs', '--dir'].includes(flag))
      throw new Error(`unknown argument ${flag}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dir') {
      args.dir = resolve(v);
      continue;
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${v}`);
    if (flag === '--alerts') args.alerts = n;
    else if (flag === '--seed') args.seed = n;
    else if (flag === '--runs') args.runs = n;
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

interface Measured {
  seconds: number;
  cpuSeconds: number | null;
  peakRssMiB: number | null;
}

/**
 * Runs a command to completion and measures it: wall time here; CPU time and peak RSS from
 * /usr/bin/time -v when it exists, else the peak from /proc/<pid>/status (VmHWM) polled until exit.
 */
async function measure(cmd: string, args: string[]): Promise<Measured> {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ['-v', cmd, ...args]] : [cmd, args];
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  let polledKiB = 0;
  const poll = timed
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKiB = Math.max(polledKiB, Number(m[1]));
        } catch {
          // gone between polls: the last reading stands
        }
      }, 50);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`);
  if (!timed) return { seconds, cpuSeconds: null, peakRssMiB: polledKiB ? polledKiB / 1024 : null };
  const field = (name: string) => {
    const m = new RegExp(`${name}: ([\\d.]+)`).exec(stderr);
    return m ? Number(m[1]) : null;
  };
  const user = field('User time \\(seconds\\)');
  const sys = field('System time \\(seconds\\)');
  const rss = field('Maximum resident set size \\(kbytes\\)');
  return {
    seconds,
    cpuSeconds: user !== null && sys !== null ? user + sys : null,
    peakRssMiB: rss === null ? null : rss / 1024,
  };
}

/** The generated world for (alerts, seed), made once; a half-written one is never reused. */
async function world(args: Args): Promise<{ alerts: string; deploys: string; config: string }> {
  const dir = join(args.dir, `world-${args.alerts}-seed${args.seed}`);
  const files = {
    alerts: join(dir, 'alerts.ndjson'),
    deploys: join(dir, 'deploys.ndjson'),
    config: join(dir, 'catalog.yaml'),
  };
  if (Object.values(files).every((f) => existsSync(f))) {
    log(`world: reusing ${dir}`);
    return files;
  }
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(args.dir, { recursive: true });
  log(`world: generating ${args.alerts} alerts into ${dir} ...`);
  const generator = join(ROOT, 'scripts/sample/generate-world.ts');
  const gen = await measure(process.execPath, [
    generator,
    '--seed',
    String(args.seed),
    '--alerts-only-count',
    String(args.alerts),
    '--out',
    partial,
  ]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  writeFileSync(join(dir, 'README'), `generated by scripts/bench/cli.ts in ${gen.seconds.toFixed(1)} s\n`);
  return files;
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const mib = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(0)} MiB`);
const cpu = (m: Measured) => (m.cpuSeconds === null ? '' : `, cpu ${m.cpuSeconds.toFixed(1)} s`);

async function main(): Promise<void> {
  const args = parseArgsOrExit('bench:cli', () => parseArgs(process.argv.slice(2)));
  const files = await world(args);
  const node = process.execPath;
  const baselineCmd = [join(ROOT, 'scripts/bench/parse-only.ts'), files.alerts, '/dev/null'];
  const cliCmd = [
    join(ROOT, 'bin/alert-triage.js'),
    'score',
    '--alerts',
    files.alerts,
    '--deploys',
    files.deploys,
    '--config',
    files.config,
    '--out',
    '/dev/null',
  ];
  log(`cli bench: node ${process.version}, ${args.alerts} alerts, ${args.runs} run(s)`);
  const base: Measured[] = [];
  const cli: Measured[] = [];
  for (let r = 1; r <= args.runs; r++) {
    const b = await measure(node, baselineCmd);
    base.push(b);
    log(`run ${r}: parse-only baseline ${b.seconds.toFixed(1)} s${cpu(b)}, peak RSS ${mib(b.peakRssMiB)}`);
    const c = await measure(node, cliCmd);
    cli.push(c);
    log(`run ${r}: alert-triage score   ${c.seconds.toFixed(1)} s${cpu(c)}, peak RSS ${mib(c.peakRssMiB)}`);
  }
  const cliSeconds = median(cli.map((m) => m.seconds));
  const baseSeconds = median(base.map((m) => m.seconds));
  const ratio = baseSeconds / cliSeconds;
  const peak = (ms: Measured[]) => {
    const known = ms.flatMap((m) => (m.peakRssMiB === null ? [] : [m.peakRssMiB]));
    return known.length ? Math.round(Math.max(...known)) : null;
  };
  const targetSeconds = (TARGET_SECONDS_PER_MILLION * args.alerts) / 1e6;
  log(
    `median: score ${cliSeconds.toFixed(1)} s = ${Math.round(args.alerts / cliSeconds).toLocaleString('en-US')} alerts/s | ` +
      `baseline ${baseSeconds.toFixed(1)} s = ${Math.round(args.alerts / baseSeconds).toLocaleString('en-US')} lines/s | ` +
      `ratio ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO}x), time target <= ${targetSeconds.toFixed(1)} s`,
  );
  const result = {
    bench: 'cli',
    node: process.version,
    alerts: args.alerts,
    runs: args.runs,
    cli_seconds: Number(cliSeconds.toFixed(2)),
    alerts_per_sec: Math.round(args.alerts / cliSeconds),
    cli_peak_rss_mib: peak(cli),
    baseline_seconds: Number(baseSeconds.toFixed(2)),
    baseline_lines_per_sec: Math.round(args.alerts / baseSeconds),
    baseline_peak_rss_mib: peak(base),
    ratio_to_baseline: Number(ratio.toFixed(3)),
    target_seconds: targetSeconds,
    target_ratio: TARGET_RATIO,
    meets_time_target: cliSeconds <= targetSeconds,
    meets_ratio_target: ratio >= TARGET_RATIO,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:cli: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
