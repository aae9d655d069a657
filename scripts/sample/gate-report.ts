// The version gate on generated worlds of the `versions` profile: for every model version deployed, the
// gate is asked once per serving hour (as a rollout's analysis step would) with the default config, and
// its answers are compared with what was planted (versions.ndjson; a version not listed there is a routine
// retrain, good). Prints the share of slow regressions flagged within 24 serving hours and how many hours
// it took, and the share of good versions wrongly flagged at any look.
//
//   node scripts/sample/gate-report.ts [--seeds 301-330] [--start 2026-12-07] [--days 7] [--max-hours 96]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import type { DeployEvent } from '../../src/core/events.ts';
import { DEFAULT_GATE } from '../../src/core/settings.ts';
import { HOUR_MS, VersionLedger } from '../../src/core/versions/ledger.ts';
import type { VersionRegressionIncident } from '../../src/core/versions/regression-watch.ts';
import { gateVerdict } from '../../src/core/versions/verdict.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import type { VersionTruth } from '../../src/sample/versions.ts';

interface Args {
  seeds: number[];
  start: string;
  days: number;
  maxHours: number;
  /** `--gate key=value`: gate settings other than the defaults (durations in ms), for tuning on tuning seeds. */
  gate: Record<string, number>;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seeds: range('301-330'), start: '2026-12-07', days: 7, maxHours: 96, gate: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--seeds') a.seeds = range(v);
    else if (argv[i] === '--start') a.start = v;
    else if (argv[i] === '--days') a.days = Number(v);
    else if (argv[i] === '--max-hours') a.maxHours = Number(v);
    else if (argv[i] === '--gate') {
      const [k, n] = v.split('=');
      if (!k || !(k in DEFAULT_GATE) || !Number.isFinite(Number(n)))
        throw new Error(`--gate ${v}: key=number with a key of ${Object.keys(DEFAULT_GATE).join(', ')}`);
      a.gate[k] = Number(n);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

function range(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [lo, hi] = part.split('-').map(Number);
    if (!Number.isInteger(lo) || (hi !== undefined && !Number.isInteger(hi)))
      throw new Error(`--seeds: ${text}`);
    for (let s = lo!; s <= (hi ?? lo!); s++) out.push(s);
  }
  return out;
}

interface Judged {
  seed: number;
  model: string;
  version: string;
  kind: VersionTruth['kind'] | 'routine';
  /** Serving hours of its first stretch (up to the end of the world). */
  served: number;
  /** Serving hours at the first look that said regressed, or null. */
  flaggedAt: number | null;
  /** What the look at 24 serving hours (or its last look, if it served less) said. */
  at24: string;
  /** Serving hours when the product's own regression watch called it (a version_regression incident), or null. */
  calledAt: number | null;
}

async function judgeWorld(seed: number, a: Args): Promise<Judged[]> {
  const dir = mkdtempSync(join(tmpdir(), `gate-world-${seed}-`));
  try {
    const gen = spawnSync(
      process.execPath,
      [
        join(import.meta.dirname, 'generate-world.ts'),
        ...[
          '--profile',
          'versions',
          '--seed',
          String(seed),
          '--start',
          a.start,
          '--days',
          String(a.days),
          '--out',
          dir,
        ],
      ],
      { encoding: 'utf8' },
    );
    if (gen.status !== 0) throw new Error(`generate-world seed ${seed}: ${gen.stderr}`);
    const loaded = loadConfigFile(join(dir, 'catalog.yaml'));
    const config = { ...loaded, gate: { ...loaded.gate, ...a.gate } };
    const ledger = new VersionLedger({ historyMs: config.gate.history });
    const deploys: DeployEvent[] = [];
    // What the regression watch of the run itself called (the default: it runs in every offline run).
    const called = new Map<string, number>();
    await runOffline(
      config,
      { alerts: join(dir, 'alerts.ndjson'), deploys: join(dir, 'deploys.ndjson') },
      {
        scored: (s) => void ledger.observeAlert(s),
        rejected: () => undefined,
        incident: (i) => {
          const v = (i as Partial<VersionRegressionIncident>).verdict;
          if (v) called.set(`${v.model} ${v.version}`, v.candidate.serving_hours);
          return undefined;
        },
        deploy: (d) => {
          ledger.observeDeploy(d);
          deploys.push(d);
        },
      },
      { incidents: 'off', clock: () => 0 },
    );
    const truth = new Map(
      readFileSync(join(dir, 'versions.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as VersionTruth)
        .map((v) => [`${v.model} ${v.version}`, v]),
    );
    const end = ledger.latest;
    const out: Judged[] = [];
    for (const d of deploys) {
      if (d.kind !== 'model_deploy' || d.model_id === undefined || d.version === undefined) continue;
      const stretch = ledger.intervals(d.model_id, end).find((i) => i.started_by?.event_id === d.event_id);
      if (!stretch) continue;
      const served = (stretch.to - stretch.from) / HOUR_MS;
      let flaggedAt: number | null = null;
      let at24 = 'not judged';
      for (let k = 1; k <= a.maxHours && stretch.from + k * HOUR_MS - 1 <= stretch.to; k++) {
        const r = gateVerdict(
          ledger,
          { model: d.model_id, version: d.version, at: stretch.from + k * HOUR_MS - 1 },
          config.gate,
        );
        if (!r.ok) throw new Error(r.error.message);
        if (k <= 24) at24 = r.verdict.verdict;
        if (r.verdict.verdict === 'regressed') {
          flaggedAt = r.verdict.candidate.serving_hours;
          break;
        }
      }
      const t = truth.get(`${d.model_id} ${d.version}`);
      out.push({
        seed,
        model: d.model_id,
        version: d.version,
        kind: t?.kind ?? 'routine',
        served,
        flaggedAt,
        at24,
        calledAt: called.get(`${d.model_id} ${d.version}`) ?? null,
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}%`);

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const all: Judged[] = [];
  for (const seed of a.seeds) all.push(...(await judgeWorld(seed, a)));
  const slow = all.filter((j) => j.kind === 'slow_regression');
  const good = all.filter((j) => j.kind === 'good' || j.kind === 'routine');
  const bad = all.filter((j) => j.kind === 'bad_deploy');
  const within = slow.filter((j) => j.flaggedAt !== null && j.flaggedAt <= 24);
  const hours = within.map((j) => j.flaggedAt!).sort((x, y) => x - y);
  const q = (p: number) =>
    hours.length ? hours[Math.min(hours.length - 1, Math.floor(p * hours.length))]!.toFixed(1) : '—';
  const minHours = DEFAULT_GATE.min_serving / HOUR_MS;
  const judged = good.filter((j) => j.served >= minHours);
  const wrong = good.filter((j) => j.flaggedAt !== null);
  const lines = [
    `seeds ${a.seeds[0]}..${a.seeds.at(-1)} (${a.seeds.length} worlds of ${a.days} days from ${a.start}, profile versions, default gate, a look every serving hour up to ${a.maxHours} h)`,
    `slow regressions: ${slow.length}; flagged within 24 serving hours: ${within.length} (${pct(within.length, slow.length)}); hours to flag: median ${q(0.5)}, p90 ${q(0.9)}, max ${hours.length ? hours.at(-1)!.toFixed(1) : '—'}; flagged at all: ${slow.filter((j) => j.flaggedAt !== null).length}`,
    `good versions: ${good.length} (${good.filter((j) => j.kind === 'good').length} planted, serving days; ${good.filter((j) => j.kind === 'routine').length} routine retrains), ${judged.length} served ≥ ${minHours} h (gate.min_serving); wrongly flagged at any look: ${wrong.length} (${pct(wrong.length, good.length)} of all, ${pct(wrong.length, judged.length)} of those served ≥ ${minHours} h)`,
    `  at 24 serving hours (or their last look): ${['ok', 'insufficient_evidence', 'regressed', 'not judged'].map((v) => `${v} ${good.filter((j) => j.at24 === v).length}`).join(', ')}`,
    `bad deploys (loud, rolled back or fixed within hours): ${bad.length}; flagged: ${bad.filter((j) => j.flaggedAt !== null).length}`,
  ];
  // The product's own regression watch (one call per version, judged at each model's hour boundaries).
  const calledIn24 = slow.filter((j) => j.calledAt !== null && j.calledAt <= 24);
  const wrongCalls = good.filter((j) => j.calledAt !== null);
  const calledHours = calledIn24.map((j) => j.calledAt!).sort((x, y) => x - y);
  const cq = (p: number) =>
    calledHours.length
      ? calledHours[Math.min(calledHours.length - 1, Math.floor(p * calledHours.length))]!.toFixed(1)
      : '—';
  lines.push(
    `regression watch (version_regression incidents of the run): slow regressions called within 24 serving hours ${calledIn24.length} of ${slow.length} (${pct(calledIn24.length, slow.length)}; serving hours at the call: median ${cq(0.5)}, p90 ${cq(0.9)}), at all ${slow.filter((j) => j.calledAt !== null).length}; good versions called ${wrongCalls.length} of ${good.length} (${pct(wrongCalls.length, good.length)}); bad deploys called ${bad.filter((j) => j.calledAt !== null).length}`,
  );
  for (const j of wrong)
    lines.push(
      `  wrongly flagged: seed ${j.seed} ${j.model} ${j.version} (${j.kind}) at ${j.flaggedAt} h of ${j.served.toFixed(1)}`,
    );
  for (const j of slow.filter((x) => x.flaggedAt === null || x.flaggedAt > 24))
    lines.push(
      `  missed in 24 h: seed ${j.seed} ${j.model} ${j.version} (${j.at24}; flagged at ${j.flaggedAt ?? 'never'} of ${j.served.toFixed(1)} h)`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`gate-report: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
