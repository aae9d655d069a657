// NDJSON sink with backpressure: to a file, or to stdout.

import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export interface NdjsonSink {
  write(record: unknown): Promise<void> | undefined;
  close(): Promise<void>;
}

export function ndjsonSink(target: string | Writable): NdjsonSink {
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true });
  const stream = typeof target === 'string' ? createWriteStream(target, { encoding: 'utf8' }) : target;
  const owned = typeof target === 'string';
  let failure: Error | undefined;
  stream.on('error', (e: Error) => {
    failure = e;
  });
  return {
    // Returns a promise only when the stream asks us to wait, so the hot path stays synchronous.
    write(record) {
      if (failure) throw failure;
      if (!stream.write(`${JSON.stringify(record)}\n`)) return once(stream, 'drain').then(() => undefined);
      return undefined;
    },
    async close() {
      if (failure) throw failure;
      if (owned) {
        stream.end();
        await once(stream, 'finish');
      }
    },
  };
}

/** A sink that opens its file only when the first record arrives (a rejects file nobody needs stays absent). */
export function lazyNdjsonSink(path: string): NdjsonSink & { readonly count: number } {
  let sink: NdjsonSink | undefined;
  let count = 0;
  return {
    get count() {
      return count;
    },
    write(record) {
      sink ??= ndjsonSink(path);
      count++;
      return sink.write(record);
    },
    async close() {
      await sink?.close();
    },
  };
}
