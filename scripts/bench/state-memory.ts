// Heap per unit of the alert-side state, for docs/SCALING.md: what one remembered alert (the ring that
// feedback looks alerts up in, `windows.max_tracked_alerts`) and one live dedup fingerprint cost.
// Steps --alerts generated alerts (bench:core's generator, --models models, no deploy window) through
// two fresh states that differ only in max_tracked_alerts (--alerts vs 1), and compares the heap used
// after forced collections.
//
//   node --expose-gc scripts/bench/state-memory.ts [--alerts 100000] [--models 1000]
//
// The last line of stdout is one JSON object.
import { parseConfig } from '../../src/config.ts';
import { createState, createStep, dedupEntries } from '../../src/core/processor.ts';
import { Rng } from '../../src/sample/prng.ts';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';
import { alertLine, buildCatalog, decoded, T0 } from './core.ts';

const USAGE = `
Usage: node --expose-gc scripts/bench/state-memory.ts [options]

Heap per unit of the alert-side state, for docs/SCALING.md (no npm script): steps --alerts generated
alerts (bench:core's generator, no deploy window) through two fresh states that differ only in
windows.max_tracked_alerts (--alerts vs 1) and compares the heap used after forced collections: bytes
per remembered alert and per live dedup fingerprint. Last line of stdout: one JSON object.

Options (positive whole numbers):
  --alerts N    alerts stepped (default 100000)
  --models N    models in the generated catalog (default 1000)
  -h, --help    print this text and exit

Needs node --expose-gc. Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

function parseArgs(argv: readonly string[]): { alerts: number; models: number } {
  const a = { alerts: 100_000, models: 1_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag !== '--alerts' && flag !== '--models') throw new Error(`unknown argument ${flag}`);
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${flag} needs a positive whole number, got ${argv[i + 1]}`);
    if (flag === '--alerts') a.alerts = n;
    else a.models = n;
  }
  return a;
}
const { alerts, models } = parseArgsOrExit('state-memory', () => parseArgs(process.argv.slice(2)));

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('state-memory: run with node --expose-gc (see --help)\n');
  process.exit(2);
}

function heap(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const catalog = buildCatalog(new Rng(1).fork('catalog'), models);
const rng = new Rng(7);
// Text only: each measurement decodes its own objects, so what the state keeps is counted in full.
const lines = Array.from({ length: alerts }, (_, i) => alertLine(rng, i, T0 + i * 20, models));

function measure(maxTracked: number): { bytes: number; dedup: number } {
  const config = parseConfig({ models: catalog, windows: { max_tracked_alerts: maxTracked } });
  const step = createStep(config);
  const before = heap();
  const state = createState(config);
  for (const line of lines) step(state, decoded('alert', line));
  const bytes = heap() - before;
  const dedup = dedupEntries(state);
  // Keep the state alive until measured.
  if (dedup < 0) console.log(state);
  return { bytes, dedup };
}

const small = measure(1);
const full = measure(alerts);
const perRemembered = (full.bytes - small.bytes) / alerts;
const perFingerprint = small.bytes / Math.max(1, small.dedup);
process.stdout.write(
  `${alerts} alerts, ${models} models: ${small.dedup} live fingerprints; heap ${(small.bytes / 2 ** 20).toFixed(1)} MiB ` +
    `with 1 remembered alert, ${(full.bytes / 2 ** 20).toFixed(1)} MiB with ${alerts}\n`,
);
process.stdout.write(
  `${JSON.stringify({
    bench: 'state-memory',
    alerts,
    models,
    fingerprints: small.dedup,
    bytes_per_remembered_alert: Math.round(perRemembered),
    bytes_per_fingerprint_upper_bound: Math.round(perFingerprint),
  })}\n`,
);
