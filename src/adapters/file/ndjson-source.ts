// NDJSON file source for the offline CLI: one record per line, blank lines skipped, line numbers kept.
// Lines come in batches (one per chunk read): an await per line, through readline's async iterator,
// cost more than decoding the line on a million-line file.

import { createReadStream } from 'node:fs';
import { JSON_LIMITS } from '../../core/json-text.ts';

export interface SourceLine {
  file: string;
  line: number;
  text: string;
}

export class SourceFileError extends Error {
  readonly code = 'SOURCE_UNREADABLE';
  readonly canRetry = false;
}

/**
 * Read size. Bigger chunks cost memory, not speed: a string past V8's regular object size lives in
 * large-object space until a full GC, and every line sliced from it keeps it alive (1 MiB chunks
 * doubled the peak RSS of a million-line read).
 */
const CHUNK_BYTES = 1 << 16;
/** Line breaks as readline knows them: \r\n, \n, or a lone \r. */
const LINE_BREAK = /\r\n|\r|\n/;

/** The lines of `file` in batches, in order; a batch may be empty (a chunk of blank lines). */
export async function* readNdjsonBatches(
  file: string,
  maxLineBytes: number = JSON_LIMITS.maxBytes,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<SourceLine[]> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(new SourceFileError(`cannot read ${file}: ${e.message}`)));
  });
  await opened;
  let line = 0;
  const batchOf = (texts: string[]): SourceLine[] => {
    const batch: SourceLine[] = [];
    for (const text of texts) {
      line++;
      if (text.length === 0 || (text.length < 64 && text.trim() === '')) continue;
      // An oversized line is passed on truncated: the decoder rejects it with a clear reason.
      batch.push({ file, line, text: text.length > maxLineBytes ? text.slice(0, maxLineBytes) : text });
    }
    return batch;
  };
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    // A \r ending the chunk may be half of a \r\n split across two chunks: it is decided next time.
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    const cut = end === 0 ? -1 : Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf('\r', end - 1));
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    const complete = text.slice(0, text[cut] === '\n' && text[cut - 1] === '\r' ? cut - 1 : cut);
    yield batchOf(complete.includes('\r') ? complete.split(LINE_BREAK) : complete.split('\n'));
  }
  if (rest.length > 0) yield batchOf([rest.endsWith('\r') ? rest.slice(0, -1) : rest]);
}

/** The lines of `file` one by one (for callers that read a few; the pipeline takes batches). */
export async function* readNdjson(
  file: string,
  maxLineBytes: number = JSON_LIMITS.maxBytes,
): AsyncGenerator<SourceLine> {
  for await (const batch of readNdjsonBatches(file, maxLineBytes)) yield* batch;
}
