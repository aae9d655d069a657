// The CLI's file silence store (`alert-triage silence` without `--kafka`; the topic store is
// adapters/kafka/silence-store.ts): an NDJSON file written like the compacted `ml.silences` topic (one
// silence record a line, appended; the last line of an id wins). `score`, `incidents` and `explain` read it.
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseSilence, type Silence, type SilenceLimits, silenceRecord } from '../../core/silences.ts';
import { readNdjson } from './ndjson-source.ts';

export class SilenceFileError extends Error {
  readonly code = 'SILENCE_FILE';
  readonly canRetry = false;
}

export interface SilenceFileStore {
  put(s: Silence): Promise<void>;
  /** Every record in file order (the caller keeps the last of each id); none when the file does not exist yet. */
  all(): Promise<Silence[]>;
}

export function silenceFileStore(path: string, limits: SilenceLimits): SilenceFileStore {
  return {
    async put(s) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify(silenceRecord(s))}\n`);
    },
    async all() {
      if (!existsSync(path)) return [];
      const out: Silence[] = [];
      for await (const line of readNdjson(path)) {
        if (line.text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch (e) {
          throw new SilenceFileError(`${path}:${line.line}: not JSON: ${(e as Error).message}`);
        }
        const r = parseSilence(value, limits);
        if (!r.ok) throw new SilenceFileError(`${path}:${line.line}: ${r.error.message}`);
        out.push(r.value);
      }
      return out;
    },
  };
}

/** The latest state of every silence in the file, as a compacted topic would hold it. */
export async function readSilenceFile(path: string, limits: SilenceLimits): Promise<Silence[]> {
  const byId = new Map<string, Silence>();
  for (const s of await silenceFileStore(path, limits).all()) byId.set(s.id, s);
  return [...byId.values()];
}
