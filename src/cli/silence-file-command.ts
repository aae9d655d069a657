// `alert-triage silence …` on the command line: silence-command.ts's logic over a store. One rule picks
// it: `--kafka` → the compacted topic `topics.silences` on `kafka.brokers` of `--config`
// (adapters/kafka/silence-store.ts), which the stream's incident stage reads while it runs; otherwise the
// file (adapters/file/silence-file.ts: `--file`, else incidents.silence_file, else ./silences.ndjson),
// which `score`, `incidents` and `explain` apply with `--silences`. `--kafka` with `--file` is refused.
// `--file`, `--kafka` and `--config` are taken here; the rest goes to the subcommand as typed.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { silenceFileStore } from '../adapters/file/silence-file.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import {
  type BadSilenceRecord,
  type KafkaSilenceStore,
  kafkaSilenceStore,
} from '../adapters/kafka/silence-store.ts';
import type { Config } from '../config.ts';
import type { SilenceLimits } from '../core/silences.ts';
import { createLogger } from '../telemetry.ts';
import type { CliIo } from './score-command.ts';
import { SILENCE_EXIT, silenceCommand } from './silence-command.ts';

export const DEFAULT_SILENCE_FILE = 'silences.ndjson';

const SHARED_HELP = `
every subcommand also takes:
  --kafka       keep the silences on the compacted topic topics.silences (default ml.silences) of the
                cluster kafka.brokers of --config: the store the running service reads (with
                kafka.incident_stage), so a silence added there applies at once. Without --kafka: the file
  --file <f>    the silence file (NDJSON shaped like ml.silences; default: incidents.silence_file of
                --config, else ./${DEFAULT_SILENCE_FILE}), which score, incidents and explain apply
                with --silences. Not with --kafka
  --config <c>  the config: the cluster and topic (--kafka), the file's default, and the longest silence
                accepted (incidents.max_silence)
`;

export interface SilenceCliDeps {
  /** The topic store (tests give one of their own). */
  openKafkaStore?: (
    config: Config,
    limits: SilenceLimits,
    onBad: (bad: BadSilenceRecord) => void,
  ) => KafkaSilenceStore;
}

function openKafkaStore(
  config: Config,
  limits: SilenceLimits,
  onBad: (bad: BadSilenceRecord) => void,
): KafkaSilenceStore {
  const logger = createLogger({ level: 'silent' });
  return kafkaSilenceStore({
    kafka: createKafka(config, logger, '-silence-cli'),
    topic: config.topics.silences,
    limits,
    groupId: `${config.kafka.group_id}.silence-cli.${randomBytes(4).toString('hex')}`,
    logger,
    onBad,
  });
}

/** `--name value` or `--name=value` taken out of the arguments; the last one given wins. */
function take(args: string[], name: string): string | undefined | Error {
  let value: string | undefined;
  for (let i = 0; i < args.length; ) {
    const a = args[i]!;
    if (a === name) {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) return new Error(`${name} needs a value`);
      value = v;
      args.splice(i, 2);
    } else if (a.startsWith(`${name}=`)) {
      value = a.slice(name.length + 1);
      args.splice(i, 1);
    } else i++;
  }
  return value;
}

function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** A flag taken out of the arguments. */
function flag(args: string[], name: string): boolean {
  let seen = false;
  for (let i = args.indexOf(name); i >= 0; i = args.indexOf(name)) {
    args.splice(i, 1);
    seen = true;
  }
  return seen;
}

export async function runSilenceCommand(
  argv: readonly string[],
  io: CliIo,
  deps: SilenceCliDeps = {},
): Promise<number> {
  const args = [...argv];
  const file = take(args, '--file');
  const configPath = take(args, '--config');
  const kafka = flag(args, '--kafka');
  for (const v of [file, configPath]) {
    if (v instanceof Error) {
      io.stderr.write(`silence: ${v.message}\n`);
      return SILENCE_EXIT.usage;
    }
  }
  if (kafka && file !== undefined) {
    io.stderr.write('silence: --kafka or --file, not both: the silences are on the topic or in a file\n');
    return SILENCE_EXIT.usage;
  }
  const config = loadConfigFile(configPath as string | undefined);
  const limits = { maxDurationMs: config.incidents.max_silence };
  const sub = args[0] ?? 'silence';
  const topicStore = kafka
    ? (deps.openKafkaStore ?? openKafkaStore)(config, limits, (bad) =>
        io.stderr.write(
          `silence ${sub}: skipped a bad record on ${bad.topic} (partition ${bad.partition}, offset ${bad.offset}): ${bad.message}\n`,
        ),
      )
    : undefined;
  const path = (file as string | undefined) ?? config.silence_file ?? DEFAULT_SILENCE_FILE;
  let result: Awaited<ReturnType<typeof silenceCommand>>;
  try {
    result = await silenceCommand(args, {
      store: topicStore ?? silenceFileStore(path, limits),
      now: Date.now(),
      user: currentUser(),
      limits,
    });
  } finally {
    await topicStore?.close();
  }
  const help = args.length === 0 || args.includes('--help') || args.includes('-h');
  io.stdout.write(result.stdout + (help && result.code === SILENCE_EXIT.ok ? SHARED_HELP : ''));
  io.stderr.write(result.stderr);
  return result.code;
}
