// NDJSON sink with backpressure: to a file, or to stdout. Lines are encoded straight into ~64 KiB
// buffers, each one stream write: one write per record costs more than serializing the record, and
// a batch built as one long string is copied again when the stream encodes it.
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export interface LineSink<T> {
  /** A promise only when the stream asks us to wait, so the hot path stays synchronous. */
  write(record: T): Promise<void> | undefined;
  close(): Promise<void>;
}

export type NdjsonSink = LineSink<unknown>;

const BATCH_BYTES = 1 << 16;
/**
 * Buffered in the stream before it asks us to wait: room for a few batches, so serializing goes on
 * while the previous batch is written (on libuv's threads) instead of waiting for each write.
 */
const STREAM_BUFFER_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export function ndjsonSink(target: string | Writable): NdjsonSink {
  return lineSink(target, JSON.stringify);
}

/** The same sink for any one-line text form of a record (CSV rows, sort runs): `encode` gives the line. */
export function lineSink<T>(target: string | Writable, encode: (record: T) => string): LineSink<T> {
  if (typeof target === 'string') mkdirSync(dirname(target), { recursive: true });
  const stream =
    typeof target === 'string' ? createWriteStream(target, { highWaterMark: STREAM_BUFFER_BYTES }) : target;
  const owned = typeof target === 'string';
  let failure: Error | undefined;
  stream.on('error', (e: Error) => {
    failure = e;
  });
  let batch = Buffer.allocUnsafe(BATCH_BYTES);
  let used = 0;
  const send = (chunk: Buffer | string): Promise<void> | undefined =>
    stream.write(chunk) ? undefined : once(stream, 'drain').then(() => undefined);
  const flush = (): Promise<void> | undefined => {
    if (used === 0) return undefined;
    const full = batch.subarray(0, used);
    // The stream keeps the buffer until it is written: the next lines go to a new one.
    batch = Buffer.allocUnsafe(BATCH_BYTES);
    used = 0;
    return send(full);
  };
  return {
    write(record) {
      if (failure) throw failure;
      const line = encode(record);
      // UTF-8 takes at most 3 bytes per UTF-16 unit: flush first unless the line surely fits.
      const bound = 3 * line.length + 1;
      const waiting = used + bound > BATCH_BYTES ? flush() : undefined;
      if (bound > BATCH_BYTES) {
        // Longer than a batch (rare): written on its own, after what was batched.
        const wrote = send(`${line}\n`);
        return waiting && wrote ? Promise.all([waiting, wrote]).then(() => undefined) : (waiting ?? wrote);
      }
      used += batch.write(line, used, 'utf8');
      batch[used++] = NEWLINE;
      return waiting;
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
