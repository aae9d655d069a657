// The CLI benchmark's baseline: the same lines through the same NDJSON source and sink as
// `alert-triage score`, each only JSON.parse-d and JSON.stringify-d (by the sink), no scoring.
//
//   node scripts/bench/parse-only.ts <in.ndjson> [out.ndjson, default /dev/null]
import { ndjsonSink } from '../../src/adapters/file/ndjson-sink.ts';
import { readNdjsonBatches } from '../../src/adapters/file/ndjson-source.ts';

async function main(input: string | undefined, output: string): Promise<void> {
  if (!input) throw new Error('usage: node scripts/bench/parse-only.ts <in.ndjson> [out.ndjson]');
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

main(process.argv[2], process.argv[3] ?? '/dev/null').catch((e: unknown) => {
  process.stderr.write(`parse-only: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
