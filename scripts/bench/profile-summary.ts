// Self time per function from a V8 .cpuprofile (written by `node --cpu-prof`), heaviest first.
//
//   node scripts/bench/profile-summary.ts <file.cpuprofile> [--top 30]
//
// Self time is what a function spent in its own code, not in what it called: the place to look for
// what to make cheaper. Samples are attributed by the profile's time deltas, so the figures are ms.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node scripts/bench/profile-summary.ts <file.cpuprofile> [--top N]

Self time per function from a V8 .cpuprofile (written by node --cpu-prof, core-profile.ts, or the
--profile option of bench:stream, bench:startup and bench:scale), heaviest first, in ms: what a
function spent in its own code, not in what it called. No npm script.

Options:
  --top N       rows printed, a positive whole number (default 30)
  -h, --help    print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function parseArgs(argv: readonly string[]): { file: string; top: number } {
  const file = argv[0];
  if (!file || file.startsWith('-')) throw new Error('the .cpuprofile file must be the first argument');
  let top = 30;
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i]!.startsWith('-')) throw new Error(`one .cpuprofile at a time, got also ${argv[i]}`);
    if (argv[i] !== '--top') throw new Error(`unknown argument ${argv[i]}`);
    top = Number(argv[i + 1]);
    if (!Number.isInteger(top) || top < 1)
      throw new Error(`--top needs a positive whole number, got ${argv[i + 1]}`);
  }
  return { file, top };
}

function main(argv: string[]): void {
  const { file, top } = parseArgsOrExit('profile-summary', () => parseArgs(argv));
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

  const nameOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const where = f.url ? ` ${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    nameOf.set(n.id, `${f.functionName || '(anonymous)'}${where}`);
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    const name = nameOf.get(profile.samples[i]!) ?? '?';
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    totalUs += us;
  }
  const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  process.stdout.write(`total ${(totalUs / 1000).toFixed(0)} ms sampled\n`);
  process.stdout.write('  self ms   share  function\n');
  for (const [name, us] of rows) {
    process.stdout.write(
      `${(us / 1000).toFixed(0).padStart(8)}  ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${name}\n`,
    );
  }
}

function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = new URL(url).pathname;
  return path.includes('/node_modules/')
    ? path.slice(path.lastIndexOf('/node_modules/') + 1)
    : relative(process.cwd(), path);
}

main(process.argv.slice(2));
