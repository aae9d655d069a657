// Pieces every benchmark script needs: --help and command-line errors, the median of repeated runs,
// which code was measured, and producing a prepared input into a topic in record batches the broker
// accepts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Kafka, Message } from 'kafkajs';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Prints `usage` to stdout and exits 0 when `argv` holds `--help` or `-h`. Each script calls it first,
 * before it looks at its environment, its other arguments or any file, so that asking always works.
 */
export function exitWithUsageIfAsked(argv: readonly string[], usage: string): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}

/**
 * Runs a script's argument parsing. What it throws (an unknown flag, a missing or bad value) is a
 * mistake on the command line, not a failure of the benchmark: one line on stderr,
 * `<name>: <message> (see --help)`, and exit code 2.
 */
export function parseArgsOrExit<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)} (see --help)\n`);
    process.exit(2);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The commit measured, and the files under src/ that differ from it (others may work in the same tree). */
export function codeVersion(): { git_head: string; src_changed: string[] } {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trimEnd() ?? '';
  const changed = git('status', '--porcelain', '--', 'src');
  return {
    git_head: git('rev-parse', '--short', 'HEAD'),
    src_changed: changed ? changed.split('\n').map((l) => l.slice(3)) : [],
  };
}

/** Produces `messages` in sends of ≤ ~700 kB (a record batch over 1 MiB would be refused). */
export async function produceBatched(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let batch: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const v = m.value;
    const size =
      (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length) + 80;
    if (bytes + size > 700_000 && batch.length > 0) {
      await producer.send({ topic, messages: batch });
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch });
  await producer.disconnect();
}
