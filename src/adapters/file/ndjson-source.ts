// NDJSON file source for the offline CLI: one record per line, blank lines skipped, line numbers kept.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface SourceLine {
  file: string;
  line: number;
  text: string;
}

export class SourceFileError extends Error {
  readonly code = 'SOURCE_UNREADABLE';
  readonly canRetry = false;
}

export async function* readNdjson(file: string, maxLineBytes = 1 << 20): AsyncGenerator<SourceLine> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(new SourceFileError(`cannot read ${file}: ${e.message}`)));
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.length === 0 || (text.length < 64 && text.trim() === '')) continue;
    // An oversized line is passed on truncated: the decoder rejects it with a clear reason.
    yield { file, line, text: text.length > maxLineBytes ? text.slice(0, maxLineBytes) : text };
  }
}
