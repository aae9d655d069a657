// NDJSON sink with backpressure: to a file, or to stdout. Lines are batched into ~64 KiB writes:
// one stream write per record costs more than serializing the record.
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export interface NdjsonSink {
  /** A promise only when the stream asks us to wait, so the hot path stays synchronous. */
  write(record: unknown): Promise<void> | undefined;
  close(): Promise<void>;
}

const BATCH_CHARS = 1 << 16;

export function ndjsonSink(target: string | Writable): NdjsonSink {
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true });
  const stream = typeof target === 'string' ? createWriteStream(target, { encoding: 'utf8' }) : target;
  const owned = typeof target === 'string';
  let failure: Error | undefined;
  stream.on('error', (e: Error) => {
    failure = e;
  });
  let batch = '';
  const flush = (): Promise<void> | undefined => {
    if (batch.length === 0) return undefined;
    const ok = stream.write(batch);
    batch = '';
    return ok ? undefined : once(stream, 'drain').then(() => undefined);
  };
  return {
    write(record) {
      if (failure) throw failure;
      batch += `${JSON.stringify(record)}\n`;
      return batch.length >= BATCH_CHARS ? flush() : undefined;
    },
    async close() {
      await flush();
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
