// The CLI benchmark's baseline: the same lines through the same NDJSON source and sink as
// `alert-triage score`, each only JSON.parse-d and JSON.stringify-d (by the sink), no scoring.
//
//   node scripts/bench/parse-only.ts <in.ndjson> [out.ndjson, default /dev/null]
import { ndjsonSink } from '../../src/adapters/file/ndjson-sink.ts';
import { readNdjsonBatches } from '../../src/adapters/file/ndjson-source.ts';
import { exitWithUsageIfAsked, parseArgsOrExit } from './common.ts';

const USAGE = `
Usage: node scripts/bench/parse-only.ts <in.ndjson> [out.ndjson]

The baseline of bench:cli (which runs it; no npm script of its own): the lines of in.ndjson through
the same NDJSON source and sink as \`alert-triage score\`, each only JSON.parse-d and re-serialized by
the sink, no scoring. Prints the line count on stderr.

Arguments:
  in.ndjson     the input, one JSON record per line (required)
  out.ndjson    where the records are written (default /dev/null)
  -h, --help    print this text and exit

Environment: none needed.
`;
exitWithUsageIfAsked(process.argv.slice(2), USAGE);

function parseArgs(argv: readonly string[]): { input: string; output: string } {
  const flag = argv.find((a) => a.startsWith('-'));
  if (flag !== undefined) throw new Error(`unknown argument ${flag}`);
  if (argv.length > 2) throw new Error(`at most two arguments (in and out), got ${argv.length}`);
  const [input, output = '/dev/null'] = argv;
  if (!input) throw new Error('the input file is required');
  return { input, output };
}

async function main(input: string, output: string): Promise<void> {
  const sink = ndjsonSink(output);
  let lines = 0;
  for await (const batch of readNdjsonBatches(input)) {
    for (const line of batch) {
      lines++;
      const wait = sink.write(JSON.parse(line.text));
      if (wait) await wait;
    }
  }
  await sink.close();
  process.stderr.write(`parse-only: ${lines} lines\n`);
}

const args = parseArgsOrExit('parse-only', () => parseArgs(process.argv.slice(2)));
main(args.input, args.output).catch((e: unknown) => {
  process.stderr.write(`parse-only: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
