// Benchmark of the step function alone: alerts scored per second on one core, against a realistic
// state (a 10,000-model catalog and a deploy window of 1,000,000 entries), with input parsed before
// the clock starts. The baseline is a trivial loop over the same parsed alerts (fingerprint + Map
// lookup), timed in the same process and interleaved with the real runs, so the ratio holds on a
// noisy machine where the absolute rates do not. Also measures the heap a window entry costs.
//
//   node scripts/bench/core.ts [--alerts 500000] [--models 10000] [--window 1000000] [--runs 5]
//        [--seed 1] [--cpu 0 | --no-pin]
//
// Re-runs itself with --expose-gc (to measure memory after collections) and, where `taskset`
// exists, pinned to one CPU, so V8's helper threads cannot lend the step a second core.
// The last line of stdout is one JSON object with the figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Config, parseConfig } from '../../src/config.ts';
import { fingerprintOf } from '../../src/core/dedup.ts';
import type { CoreInput } from '../../src/core/events.ts';
import { createState, createStep, type Step, type TriageState } from '../../src/core/processor.ts';
import { decodeJsonText } from '../../src/runtime/decode.ts';
import { Rng } from '../../src/sample/prng.ts';
import { exitWithUsageIfAsked, median, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: npm run bench:core -- [options]
       node scripts/bench/core.ts [options]

The step function alone on one core: alerts scored per second against a generated catalog and deploy
window (input decoded before the clock starts), beside a trivial baseline loop (fingerprint + Map
lookup) interleaved in the same process, and the heap one window entry costs. Re-runs itself with
--expose-gc, pinned to one CPU with taskset where it exists. Last line of stdout: one JSON object.

Options (whole numbers):
  --alerts N    alerts stepped per run (default 500000)
  --models N    models in the generated catalog (default 10000)
  --window N    deploy events in the window (default 1000000)
  --runs N      timed runs, median reported (default 5)
  --seed N      seed of the generated data (default 1)
  --cpu N       CPU to pin the run to with taskset (default 0)
  --no-pin      do not pin to a CPU
  -h, --help    print this text and exit

Environment: none needed (BENCH_CORE_CHILD is set by the script for its own re-run).
`;

export interface Args {
  alerts: number;
  models: number;
  window: number;
  runs: number;
  seed: number;
  cpu: number | null;
}

const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 10, 16);
/** Deploys span the first 22 h; alerts the next 1.5 h: all inside the 24 h retention, none expire. */
export const DEPLOY_SPAN = 22 * HOUR;
export const ALERT_SPAN = 1.5 * HOUR;
const SERVICES = 1_000;
/** Share of deploy events naming an upstream service rather than a model. */
const SERVICE_SHARE = 0.1;

const NUMBER_FLAGS = ['--alerts', '--models', '--window', '--runs', '--seed', '--cpu'];

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { alerts: 500_000, models: 10_000, window: 1_000_000, runs: 5, seed: 1, cpu: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--no-pin') {
      args.cpu = null;
      continue;
    }
    if (!NUMBER_FLAGS.includes(flag!)) throw new Error(`unknown argument ${flag}`);
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${flag} needs a whole number, got ${argv[i]}`);
    if (flag === '--alerts') args.alerts = v;
    else if (flag === '--models') args.models = v;
    else if (flag === '--window') args.window = v;
    else if (flag === '--runs') args.runs = Math.max(1, v);
    else if (flag === '--seed') args.seed = v;
    else if (flag === '--cpu') args.cpu = v;
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

/** Re-executes this script with --expose-gc, pinned to one CPU when possible; returns the exit code. */
function relaunch(args: Args): number {
  const script = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--expose-gc', ...process.execArgv, script, ...process.argv.slice(2)];
  const pin = args.cpu !== null && existsSync('/usr/bin/taskset');
  const [cmd, ...rest] = pin ? ['/usr/bin/taskset', '-c', String(args.cpu), ...node] : node;
  const r = spawnSync(cmd!, rest, {
    stdio: 'inherit',
    env: { ...process.env, BENCH_CORE_CHILD: pin ? `pinned to cpu ${args.cpu}` : 'not pinned' },
  });
  return r.status ?? 1;
}

const TEAMS = Array.from({ length: 200 }, (_, i) => `team-${i}`);
const AREAS = ['payments', 'search', 'ads', 'recommendations', 'logistics', 'risk', 'support', 'health'];
const serviceName = (i: number) => `svc-${String(i).padStart(4, '0')}`;
const modelName = (i: number) => `model-${String(i).padStart(5, '0')}`;

export function buildConfig(rng: Rng, models: number): Config {
  return parseConfig({ models: buildCatalog(rng, models) }, 'benchmark catalog');
}

/** The catalog's `models` section as plain data (what a YAML config would hold). */
export function buildCatalog(rng: Rng, models: number): Record<string, Record<string, unknown>> {
  const catalog: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < models; i++) {
    const m: Record<string, unknown> = {
      owner: rng.pick(TEAMS),
      product_area: rng.pick(AREAS),
      revenue_per_hour: Math.round(Math.exp(rng.float(3, 10.5))),
      traffic_per_hour: Math.round(Math.exp(rng.float(6, 13))),
      compliance: rng.chance(0.1) ? [rng.pick(['pci', 'gdpr', 'hipaa', 'sox'])] : [],
      safety: rng.chance(0.02),
      rollback_allowed: rng.chance(0.8),
      upstream: Array.from({ length: rng.int(0, 3) }, () => serviceName(rng.int(0, SERVICES - 1))),
    };
    if (rng.chance(0.7)) m.playbook = `https://runbooks.example/${modelName(i)}`;
    catalog[modelName(i)] = m;
  }
  return catalog;
}

const MODEL_KINDS = [
  ['model_deploy', 15],
  ['code_deploy', 55],
  ['config_change', 10],
  ['feature_flag', 12],
  ['rollback', 8],
] as const;
const SERVICE_KINDS = [
  ['data_pipeline_change', 50],
  ['schema_change', 20],
  ['code_deploy', 30],
] as const;
const ACTORS = ['ci-bot', 'a.smith', 'b.okafor', 'e.nakamura', 'r.patel', 'l.garcia'];

/** One DeployEvent as a producer would write it (JSON text), so the window holds parsed objects. */
export function deployLine(rng: Rng, i: number, t: number, models: number): string {
  const d: Record<string, unknown> = { event_id: `dep-${i.toString(16)}`, event_time: t };
  if (rng.chance(SERVICE_SHARE)) {
    const service = serviceName(rng.int(0, SERVICES - 1));
    d.kind = rng.weighted(SERVICE_KINDS);
    d.service = service;
    d.description = `${d.kind} on ${service}: run ${rng.int(1, 9999)}`;
  } else {
    const model = modelName(rng.int(0, models - 1));
    const kind = rng.weighted(MODEL_KINDS);
    d.kind = kind;
    d.model_id = model;
    if (kind === 'model_deploy' || kind === 'rollback') {
      const v = rng.int(2, 60);
      d.version = `v${v}`;
      d.previous_version = `v${kind === 'rollback' ? v + 1 : v - 1}`;
    }
    d.description = `${kind} of ${model} ${rng.int(1, 99)}.${rng.int(0, 99)}`;
  }
  d.actor = rng.pick(ACTORS);
  d.commit = rng.hex(40);
  if (rng.chance(0.3)) d.region = rng.pick(['us-east-1', 'eu-west-1', 'ap-south-1']);
  return JSON.stringify(d);
}

const SIGNALS = [
  ['data_drift', 25],
  ['prediction_drift', 15],
  ['performance_degradation', 15],
  ['data_quality', 12],
  ['feature_shift', 10],
  ['latency', 10],
  ['error_rate', 10],
  ['other', 3],
] as const;
const METRIC_OF: Record<string, string[]> = {
  data_drift: ['psi', 'js_divergence', 'ks_stat'],
  prediction_drift: ['psi', 'js_divergence'],
  performance_degradation: ['auc', 'precision', 'recall', 'ndcg'],
  data_quality: ['null_rate'],
  feature_shift: ['ks_stat', 'psi'],
  latency: ['p99_latency_ms'],
  error_rate: ['error_rate'],
  other: ['score'],
};
const FEATURES = Array.from({ length: 40 }, (_, i) => `feature_${i}`);
const SOURCES = ['arize', 'evidently', 'whylabs', 'fiddler', 'drift-sentinel', 'in-house'];
const SEVERITY = [
  ['critical', 5],
  ['high', 20],
  ['medium', 45],
  ['low', 20],
  ['info', 10],
] as const;

/** One AnomalyAlert as JSON text. Models are skewed (a few are noisy); 2% are not in the catalog. */
export function alertLine(rng: Rng, i: number, t: number, models: number): string {
  const skewed = Math.floor(models * rng.next() ** 3);
  const model = rng.chance(0.02) ? `uncatalogued-${rng.int(0, 99)}` : modelName(skewed);
  const signal = rng.weighted(SIGNALS);
  const source = rng.pick(SOURCES);
  const a: Record<string, unknown> = {
    alert_id: `al-${i.toString(16)}`,
    event_time: t,
    model_id: model,
    signal,
    source,
  };
  if (rng.chance(0.6)) a.model_version = `v${rng.int(2, 60)}`;
  if (signal !== 'latency' && signal !== 'error_rate') a.feature = rng.pick(FEATURES);
  a.metric = rng.pick(METRIC_OF[signal]!);
  const threshold = Math.round(rng.float(0.05, 0.9) * 1000) / 1000;
  a.value = Math.round(threshold * rng.float(0.5, 3) * 10_000) / 10_000;
  a.threshold = threshold;
  a.severity = rng.weighted(SEVERITY);
  if (rng.chance(0.7)) a.confidence = Math.round(rng.next() * 1000) / 1000;
  if (rng.chance(0.8)) a.affected_entities = rng.int(1, 50_000);
  a.region = rng.pick(['us-east-1', 'eu-west-1', 'ap-south-1']);
  if (rng.chance(0.5)) a.customer_segment = rng.pick(['free', 'pro', 'enterprise']);
  a.labels = { env: 'prod', monitor: `${source}/${model}/${signal}`, window: rng.pick(['15m', '1h']) };
  return JSON.stringify(a);
}

export function decoded(kind: 'alert' | 'deploy', text: string): CoreInput {
  const r = decodeJsonText(kind, text, T0);
  if (!r.ok) throw new Error(`benchmark generated an invalid ${kind}: ${r.error.message}`);
  return r.value.input;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Fills a fresh state's deploy window through the step function, as the pipelines do. */
export function buildWindow(config: Config, step: Step, args: Args): TriageState {
  const rng = new Rng(args.seed).fork('deploys');
  const state = createState(config);
  for (let i = 0; i < args.window; i++) {
    const t = T0 + Math.floor((i * DEPLOY_SPAN) / args.window);
    step(state, decoded('deploy', deployLine(rng, i, t, args.models)));
  }
  return state;
}

/** A fresh alert-side state (lanes, dedup, memories) around the already-built deploy window. */
function freshState(config: Config, window: TriageState): TriageState {
  return { ...createState(config), deploys: window.deploys };
}

interface Timing {
  seconds: number;
  cpuSeconds: number;
}

function timed(run: () => void): Timing {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function bench(args: Args): void {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`core bench: node ${process.version}, ${process.env.BENCH_CORE_CHILD ?? 'not pinned'}`);

  const config = buildConfig(new Rng(args.seed).fork('catalog'), args.models);
  const step = createStep(config);

  const heapBefore = heapAfterGc();
  let t = performance.now();
  const window = buildWindow(config, step, args);
  const buildSeconds = (performance.now() - t) / 1000;
  const windowBytes = heapAfterGc() - heapBefore;
  const entries = window.deploys.size;
  const bytesPerEntry = windowBytes / entries;
  log(
    `window: ${fmt(entries)} entries under ${fmt(window.deploys.keys)} keys (${args.models} models, ${SERVICES} services), built in ${buildSeconds.toFixed(1)} s`,
  );
  log(
    `window memory: ${(windowBytes / 2 ** 20).toFixed(0)} MiB heap after GC = ${bytesPerEntry.toFixed(0)} B/entry = ${((bytesPerEntry * 1e6) / 2 ** 20).toFixed(0)} MiB per 1M entries`,
  );

  t = performance.now();
  const rng = new Rng(args.seed).fork('alerts');
  const start = T0 + DEPLOY_SPAN;
  const alerts: CoreInput[] = [];
  for (let i = 0; i < args.alerts; i++) {
    alerts.push(
      decoded('alert', alertLine(rng, i, start + Math.floor((i * ALERT_SPAN) / args.alerts), args.models)),
    );
  }
  log(
    `input: ${fmt(alerts.length)} alerts parsed in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`,
  );

  let sink = 0;
  const runCore = (inputs: CoreInput[]) => {
    const state = freshState(config, window);
    return timed(() => {
      for (const input of inputs) sink += step(state, input).outputs.length;
    });
  };
  // The fixed small amount of work every scorer must do at least: fingerprint the alert, look it up.
  const runBaseline = (inputs: CoreInput[]) => {
    const seen = new Map<string, number>();
    return timed(() => {
      for (const input of inputs) {
        if (input.kind !== 'alert') continue;
        const fp = fingerprintOf(input.alert);
        seen.set(fp, (seen.get(fp) ?? 0) + 1);
      }
      sink += seen.size;
    });
  };

  // Warm-up: let V8 optimize both loops before anything counts.
  const warm = alerts.slice(0, Math.min(alerts.length, 50_000));
  runCore(warm);
  runBaseline(warm);

  const core: Timing[] = [];
  const base: Timing[] = [];
  for (let r = 0; r < args.runs; r++) {
    heapAfterGc();
    base.push(runBaseline(alerts));
    heapAfterGc();
    core.push(runCore(alerts));
    const c = core[r]!;
    const b = base[r]!;
    log(
      `run ${r + 1}/${args.runs}: step ${fmt(alerts.length / c.seconds)} alerts/s (cpu ${fmt(alerts.length / c.cpuSeconds)}/s) | baseline ${fmt(alerts.length / b.seconds)} alerts/s`,
    );
  }
  const alertsPerSec = alerts.length / median(core.map((c) => c.seconds));
  const alertsPerCpuSec = alerts.length / median(core.map((c) => c.cpuSeconds));
  const baselinePerSec = alerts.length / median(base.map((b) => b.seconds));
  log(
    `median: step ${fmt(alertsPerSec)} alerts/s (${((1e6 * 1) / alertsPerSec).toFixed(2)} µs/alert) | baseline ${fmt(baselinePerSec)} alerts/s | ratio ${(alertsPerSec / baselinePerSec).toFixed(4)}`,
  );
  if (sink < 0) log('unreachable'); // keeps the loops' results observable

  const result = {
    bench: 'core',
    node: process.version,
    pinned: process.env.BENCH_CORE_CHILD ?? 'not pinned',
    alerts: alerts.length,
    runs: args.runs,
    models: args.models,
    alerts_per_sec: Math.round(alertsPerSec),
    alerts_per_cpu_sec: Math.round(alertsPerCpuSec),
    baseline_alerts_per_sec: Math.round(baselinePerSec),
    ratio_to_baseline: Number((alertsPerSec / baselinePerSec).toFixed(4)),
    window_entries: entries,
    window_keys: window.deploys.keys,
    window_bytes_per_entry: Math.round(bytesPerEntry),
    window_mib_per_million_entries: Math.round((bytesPerEntry * 1e6) / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.main) {
  exitWithUsageIfAsked(process.argv.slice(2), USAGE);
  const args = parseArgsOrExit('bench:core', () => parseArgs(process.argv.slice(2)));
  // Relaunched once (as the child) to get --expose-gc and the pinning, even when started with
  // --expose-gc already (as `npm run bench:core` does).
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (!process.env.BENCH_CORE_CHILD && (!hasGc || args.cpu !== null)) process.exit(relaunch(args));
  bench(args);
}
