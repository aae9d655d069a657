// Checks each input file before a run reads anything, so a wrong path is one clear line naming the
// option, the path and what to do, not an EISDIR or ENOENT from deep inside a stream.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class InputFileError extends Error {
  readonly code = 'INPUT_FILE';
  readonly canRetry = false;
}

/** `option` is how the user named it (`--alerts`), so the message points at what to change. */
export function checkInputFile(option: string, path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file (looked for ${resolve(path)}); check the path`
        : code === 'EACCES'
          ? 'permission denied; check the file can be read by this user'
          : (e as Error).message;
    throw new InputFileError(`cannot read ${option} ${path}: ${why}`);
  }
  if (isDirectory) {
    const candidates = filesIn(path, option.replace(/^-+/, ''));
    const hint = candidates.length
      ? `; name a file in it, e.g. ${option} ${join(path, candidates[0]!)}${candidates.length > 1 ? ` (it also has ${candidates.slice(1, 4).join(', ')})` : ''}`
      : '; name an NDJSON file instead';
    throw new InputFileError(`cannot read ${option} ${path}: it is a directory, not a file${hint}`);
  }
}

/** The data files in `dir`, one named like the option (`alerts.ndjson` for --alerts) first. */
function filesIn(dir: string, like: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(ndjson|jsonl|json)$/.test(f))
      .sort((a, b) => Number(b.startsWith(like)) - Number(a.startsWith(like)) || a.localeCompare(b));
  } catch {
    return [];
  }
}
