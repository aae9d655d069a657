// Deterministic generator of a synthetic week for an ML platform: model catalog, anomaly alerts,
// deploy events and ground-truth feedback (PRODUCT.md contracts), plus truth.ndjson, the ground truth
// of incidents (truth.ts). Same arguments => same bytes.
//
//   node scripts/sample/generate-world.ts [--profile sample] [--seed 7] [--start 2026-11-16] [--days 7]
//        [--scale 1] [--out examples/sample-week] [--alerts-only-count N]
//
// --profile picks the platform (profiles.ts): `sample` (17 models, the default), `cascades` (60 models
// with shared pipelines and platform services, upstream changes breaking several models, some unrecorded)
// or `versions` (the sample platform with versions serving for days: slow regressions and good versions,
// written to versions.ndjson; versions.ts).
// --scale multiplies every scenario rate. --alerts-only-count N streams exactly N alerts (benchmark
// worlds: scale derived from N, no feedback or truth file, bounded memory); catalog and deploys are still
// written.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resetGenOrder, runWorld } from '../../src/sample/engine.ts';
import { planWorld } from '../../src/sample/plan.ts';
import { Rng } from '../../src/sample/prng.ts';
import { PROFILES, type WorldProfile } from '../../src/sample/profiles.ts';
import { renderTruth } from '../../src/sample/truth.ts';
import { DAY, type Incident, LineSink, World } from '../../src/sample/world.ts';
import { renderCatalogYaml } from '../../src/sample/world-catalog.ts';

/** Alerts per simulated day per unit of scale in benchmark mode, measured so N alerts span about --days. */
const ALERTS_PER_DAY_AT_SCALE_1 = 470;

interface Args {
  profile: WorldProfile;
  seed: number;
  start: string;
  days: number;
  scale: number;
  out: string;
  alertsOnlyCount: number | null;
}

const USAGE = `usage: node scripts/sample/generate-world.ts [--profile ${Object.keys(PROFILES).join('|')}] [--seed 7] [--start 2026-11-16] [--days 7] [--scale 1] [--out examples/sample-week] [--alerts-only-count N]`;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    profile: PROFILES.sample as WorldProfile,
    seed: 7,
    start: '2026-11-16',
    days: 7,
    scale: 1,
    out: 'examples/sample-week',
    alertsOnlyCount: null,
  };
  const num = (flag: string, v: string | undefined, integer: boolean, min: number): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new Error(
        `${flag} needs ${integer ? 'an integer' : 'a number'} >= ${min}, got ${v ?? 'nothing'}`,
      );
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const v = argv[i + 1];
    switch (flag) {
      case '--profile': {
        const profile = v === undefined ? undefined : PROFILES[v];
        if (profile === undefined)
          throw new Error(
            `--profile needs one of ${Object.keys(PROFILES).join(', ')}, got ${v ?? 'nothing'}`,
          );
        args.profile = profile;
        i++;
        break;
      }
      case '--seed':
        args.seed = num(flag, v, true, 0);
        i++;
        break;
      case '--start':
        if (v === undefined) throw new Error('--start needs a date');
        args.start = v;
        i++;
        break;
      case '--days':
        args.days = num(flag, v, false, 0.01);
        i++;
        break;
      case '--scale':
        args.scale = num(flag, v, false, 0.001);
        i++;
        break;
      case '--out':
        if (v === undefined) throw new Error('--out needs a directory');
        args.out = v;
        i++;
        break;
      case '--alerts-only-count':
        args.alertsOnlyCount = num(flag, v, true, 1);
        i++;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return args;
}

function parseStart(text: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(t)) throw new Error(`--start: not a date: ${text}`);
  return t;
}

const fmtCounts = (m: Map<string, number>): string =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

function describeIncident(inc: Incident): string {
  return `${inc.id} ${inc.tier} ${inc.scenario.padEnd(15)} ${inc.model.padEnd(22)} impact=${String(inc.impact).padStart(6)} alerts=${String(inc.alerts).padStart(3)} actionable=[${inc.actionableIds.join(',')}]  ${inc.summary}`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const start = parseStart(a.start);
  const end = start + Math.round(a.days * DAY);
  const countMode = a.alertsOnlyCount !== null;
  const scale = countMode
    ? Math.max(a.scale, (a.alertsOnlyCount as number) / (ALERTS_PER_DAY_AT_SCALE_1 * a.days))
    : a.scale;
  mkdirSync(a.out, { recursive: true });

  const cat = a.profile.catalog;
  writeFileSync(join(a.out, 'catalog.yaml'), renderCatalogYaml(cat));
  process.stderr.write(`catalog.yaml: ${cat.models.length} models (profile ${a.profile.name})\n`);

  const root = new Rng(a.seed);
  const alerts = new LineSink(join(a.out, 'alerts.ndjson'));
  const world = new World({
    seed: a.seed,
    start,
    end,
    alertLimit: countMode ? (a.alertsOnlyCount as number) : Number.POSITIVE_INFINITY,
    keepFeedback: !countMode,
    alerts,
    rng: root.fork('versions'),
    catalog: cat,
  });
  resetGenOrder();
  const gens = planWorld(
    { start, end, days: a.days, scale, unboundedBackground: countMode, profile: a.profile },
    root.fork('plan'),
    () => world.nextIncidentId(),
  );
  await runWorld(world, gens, countMode ? Number.POSITIVE_INFINITY : end);
  await alerts.close();
  if (countMode && alerts.lines !== a.alertsOnlyCount)
    throw new Error(`wrote ${alerts.lines} alerts, wanted ${a.alertsOnlyCount}`);
  process.stderr.write(
    `alerts.ndjson: ${alerts.lines} alerts, ${(alerts.totalBytes / 1e6).toFixed(2)} MB | by scenario: ${fmtCounts(world.alertCounts)} | by outcome: ${fmtCounts(world.outcomeCounts)}${countMode ? ` | scale=${scale.toFixed(2)}` : ''}\n`,
  );

  const deploys = world.deploys.slice().sort((x, y) => x.t - y.t);
  writeFileSync(join(a.out, 'deploys.ndjson'), deploys.map((d) => `${d.line}\n`).join(''));
  process.stderr.write(
    `deploys.ndjson: ${deploys.length} events | by kind: ${fmtCounts(world.deployCounts)}\n`,
  );

  if (!countMode) {
    const fb = world.feedback.slice().sort((x, y) => x.t - y.t || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    writeFileSync(join(a.out, 'feedback.ndjson'), fb.map((f) => `${f.line}\n`).join(''));
    process.stderr.write(
      `feedback.ndjson: ${fb.length} records | by outcome: ${fmtCounts(world.outcomeCounts)} | by true_tier: ${fmtCounts(world.tierCounts)}\n`,
    );
    writeFileSync(join(a.out, 'truth.ndjson'), renderTruth(world.truth));
    if (a.profile.versionTruth) {
      const versions = world.versionTruth.slice().sort((x, y) => x.deployed_at - y.deployed_at);
      writeFileSync(join(a.out, 'versions.ndjson'), versions.map((v) => `${JSON.stringify(v)}\n`).join(''));
      process.stderr.write(
        `versions.ndjson: ${versions.length} planted versions | ${versions.map((v) => `${v.model} ${v.version} ${v.kind}`).join(', ')}\n`,
      );
    }
    const groups = new Map(
      world.truth.flatMap((r) => (r.group && r.group.actionable > 0 ? [[r.group.id, r.group]] : [])),
    );
    const multi = [...groups.values()].filter((g) => g.models.size > 1);
    process.stderr.write(
      `truth.ndjson: ${world.truth.length} lines | real incidents: ${groups.size}, multi-model: ${multi.length}\n`,
    );
    for (const g of multi)
      process.stderr.write(
        `  ${g.id} ${g.models.size} models, cause ${g.causeEventId ?? 'none'}: ${g.summary}\n`,
      );
    const rank = { P1: 0, P2: 1, P3: 2, P4: 3 } as const;
    const top = world.incidents
      .filter((i) => i.actionable > 0 && i.tier !== 'P4')
      .sort(
        (x, y) => rank[x.tier] - rank[y.tier] || y.impact - x.impact || x.firstAlertTime - y.firstAlertTime,
      );
    process.stderr.write(
      `incidents: ${world.incidents.length} (actionable P1=${top.filter((i) => i.tier === 'P1').length} P2=${top.filter((i) => i.tier === 'P2').length}); top real incidents:\n`,
    );
    for (const inc of top.filter((i) => i.tier === 'P1' || i.tier === 'P2').slice(0, 20))
      process.stderr.write(`  ${describeIncident(inc)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`generate-world: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
