// Output-contract guard for performance work: runs `alert-triage score` on fixed inputs and compares
// every output byte for byte with a reference recorded before the change, once `scored_at` (the only
// wall-clock field) is removed.
//
//   node scripts/bench/check-output.ts record [--dir /tmp/at-check] [--world <generated world dir>]
//   node scripts/bench/check-output.ts check  [--dir /tmp/at-check] [--world <generated world dir>]
//
// Cases: examples/sample-week with and without --feedback (scored NDJSON, actions, and the table on
// stdout); a file of sample-week alerts with CRLF, blank and invalid lines (scored, actions, rejects
// with their line numbers); and, with --world, a generated world (scripts/sample/generate-world.ts
// --alerts-only-count 200000 --out DIR). `record` writes the normalized outputs under DIR/ref;
// `check` writes them under DIR/now and reports, per output, equal or the first differing line.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node scripts/bench/check-output.ts record|check [--dir DIR] [--world WORLD]

Output-contract guard for performance work (no npm script): runs \`alert-triage score\` on fixed inputs
(examples/sample-week with and without feedback, as NDJSON and as a table; a copy with CRLF, blank and
invalid lines; with --world, a generated world) and compares every output byte for byte, scored_at
removed. \`record\` writes the reference under DIR/ref; \`check\` writes DIR/now and reports, per
output, equal or the first differing line (exit 1 if any differs).

Options:
  --dir DIR      working directory (default /tmp/at-check)
  --world WORLD  also a generated world: scripts/sample/generate-world.ts --alerts-only-count 200000
                 --out WORLD (default: none)
  -h, --help     print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLE = join(ROOT, 'examples/sample-week');
const SCORED_AT = /,"scored_at":-?\d+/;

interface Case {
  name: string;
  args: string[];
  /** Output files the command writes (relative to the case directory), besides stdout. */
  outputs: string[];
}

function cases(work: string, world: string | undefined): Case[] {
  const dirty = join(work, 'dirty-alerts.ndjson');
  writeDirtyInput(dirty);
  const list: Case[] = [];
  const sample = ['--deploys', join(SAMPLE, 'deploys.ndjson'), '--config', join(SAMPLE, 'catalog.yaml')];
  const files = ['scored.ndjson', 'actions.ndjson', 'rejects.ndjson'];
  const outArgs = (dir: string) => [
    '--out',
    join(dir, 'scored.ndjson'),
    '--actions',
    join(dir, 'actions.ndjson'),
    '--rejects',
    join(dir, 'rejects.ndjson'),
  ];
  list.push({ name: 'sample', args: ['--alerts', join(SAMPLE, 'alerts.ndjson'), ...sample], outputs: files });
  list.push({
    name: 'sample-feedback',
    args: [
      '--alerts',
      join(SAMPLE, 'alerts.ndjson'),
      ...sample,
      '--feedback',
      join(SAMPLE, 'feedback.ndjson'),
    ],
    outputs: files,
  });
  list.push({ name: 'dirty', args: ['--alerts', dirty, ...sample], outputs: files });
  list.push({
    name: 'sample-table',
    args: [
      '--alerts',
      join(SAMPLE, 'alerts.ndjson'),
      ...sample,
      '--feedback',
      join(SAMPLE, 'feedback.ndjson'),
      '--format',
      'table',
    ],
    outputs: [],
  });
  if (world) {
    list.push({
      name: 'world',
      args: [
        '--alerts',
        join(world, 'alerts.ndjson'),
        '--deploys',
        join(world, 'deploys.ndjson'),
        '--config',
        join(world, 'catalog.yaml'),
      ],
      outputs: files,
    });
  }
  return list.map((c) => ({ ...c, args: c.outputs.length ? [...c.args, ...outArgs('{DIR}')] : c.args }));
}

/** Sample-week alerts with CRLF endings, blank lines, a lone \r, and invalid records, deterministically. */
function writeDirtyInput(path: string): void {
  const lines = readFileSync(join(SAMPLE, 'alerts.ndjson'), 'utf8').split('\n').slice(0, 3000);
  let out = '';
  lines.forEach((line, i) => {
    if (i % 97 === 5) out += '\n   \n';
    if (i % 211 === 7) out += '{"alert_id": "broken", "event_time": \n';
    if (i % 307 === 11) out += '{"alert_id":"x","event_time":"yesterday","model_id":"m","signal":"nope"}\r\n';
    if (i % 401 === 13) out += '[1,2,3]\n';
    out += line + (i % 3 === 0 ? '\r\n' : i % 101 === 0 ? '\r' : '\n');
  });
  writeFileSync(path, out);
}

/** Copies `from` to `to` with `scored_at` removed from every line. */
async function normalize(from: string, to: string): Promise<void> {
  const out = createWriteStream(to);
  let rest = '';
  for await (const chunk of createReadStream(from, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    const lines = text.slice(0, cut).split('\n');
    let block = '';
    for (const line of lines) block += `${line.replace(SCORED_AT, '')}\n`;
    if (!out.write(block)) await once(out, 'drain');
  }
  if (rest) out.write(rest.replace(SCORED_AT, ''));
  out.end();
  await once(out, 'finish');
}

async function run(c: Case, dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = c.args.map((a) => a.replaceAll('{DIR}', join(dir, 'raw')));
  mkdirSync(join(dir, 'raw'), { recursive: true });
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/alert-triage.js'), 'score', ...args], {
    cwd: dir,
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(dir, 'stdout'), r.stdout.replace(/\r?\n?$/, '\n'));
  writeFileSync(join(dir, 'stderr'), r.stderr.replaceAll(dir, '{DIR}'));
  writeFileSync(join(dir, 'status'), `${r.status}\n`);
  for (const f of c.outputs) {
    const raw = join(dir, 'raw', f);
    if (existsSync(raw)) await normalize(raw, join(dir, f));
    else writeFileSync(join(dir, f), '(absent)\n');
  }
  rmSync(join(dir, 'raw'), { recursive: true, force: true });
  process.stdout.write(`  ${c.name}: exit ${r.status}, ${seconds.toFixed(1)} s\n`);
}

function compare(a: string, b: string): string | undefined {
  const r = spawnSync('cmp', [a, b], { encoding: 'utf8' });
  return r.status === 0 ? undefined : (r.stdout || r.stderr).trim();
}

function parseArgs(argv: readonly string[]): { mode: 'record' | 'check'; work: string; world?: string } {
  const mode = argv[0];
  if (mode !== 'record' && mode !== 'check')
    throw new Error(`the first argument must be record or check, got ${mode ?? 'nothing'}`);
  let work = '/tmp/at-check';
  let world: string | undefined;
  for (let i = 1; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag !== '--dir' && flag !== '--world') throw new Error(`unknown argument ${flag}`);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dir') work = resolve(v);
    else world = resolve(v);
  }
  return { mode, work, world };
}

async function main(): Promise<void> {
  const { mode, work, world } = parseArgsOrExit('check-output', () => parseArgs(process.argv.slice(2)));
  mkdirSync(work, { recursive: true });
  const side = mode === 'record' ? 'ref' : 'now';
  let failed = 0;
  for (const c of cases(work, world)) {
    const dir = join(work, side, c.name);
    await run(c, dir);
    if (mode === 'check') {
      const ref = join(work, 'ref', c.name);
      if (!existsSync(ref)) throw new Error(`no reference for ${c.name}: run record first`);
      for (const f of ['status', 'stdout', 'stderr', ...c.outputs]) {
        const diff = compare(join(ref, f), join(dir, f));
        if (diff) {
          failed++;
          process.stdout.write(`  DIFFERS ${c.name}/${f}: ${diff}\n`);
        }
      }
    }
  }
  if (mode === 'check')
    process.stdout.write(
      failed ? `check-output: ${failed} output(s) differ\n` : 'check-output: all outputs byte-identical\n',
    );
  process.exitCode = failed ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`check-output: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
