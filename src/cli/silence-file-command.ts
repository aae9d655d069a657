// `alert-triage silence …` on the command line: silence-command.ts's logic over the file-backed store
// (adapters/file/silence-file.ts) until the Kafka-backed `ml.silences` store comes with the stream's
// incident stage. `--file` and `--config` are taken here; the rest goes to the subcommand as typed.
import { userInfo } from 'node:os';
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { silenceFileStore } from '../adapters/file/silence-file.ts';
import type { CliIo } from './score-command.ts';
import { SILENCE_EXIT, silenceCommand } from './silence-command.ts';

export const DEFAULT_SILENCE_FILE = 'silences.ndjson';

const SHARED_HELP = `
every subcommand also takes:
  --file <f>    the silence file (NDJSON shaped like ml.silences; default: incidents.silence_file of
                --config, else ./${DEFAULT_SILENCE_FILE})
  --config <c>  the config: the file's default, and the longest silence accepted (incidents.max_silence)
`;

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

export async function runSilenceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  const file = take(args, '--file');
  const configPath = take(args, '--config');
  for (const v of [file, configPath]) {
    if (v instanceof Error) {
      io.stderr.write(`silence: ${v.message}\n`);
      return SILENCE_EXIT.usage;
    }
  }
  const config = loadConfigFile(configPath as string | undefined);
  const path = (file as string | undefined) ?? config.silence_file ?? DEFAULT_SILENCE_FILE;
  const limits = { maxDurationMs: config.incidents.max_silence };
  const result = await silenceCommand(args, {
    store: silenceFileStore(path, limits),
    now: Date.now(),
    user: currentUser(),
    limits,
  });
  const help = args.length === 0 || args.includes('--help') || args.includes('-h');
  io.stdout.write(result.stdout + (help && result.code === SILENCE_EXIT.ok ? SHARED_HELP : ''));
  io.stderr.write(result.stderr);
  return result.code;
}
