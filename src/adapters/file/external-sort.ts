// Sorts an input's records by event time when they do not fit the memory bound: sorted runs of at most
// `memoryBytes` go to temporary files, then a k-way merge reads them back in order. Stable: equal times
// keep their order in the file (runs hold consecutive stretches of it, and ties go to the earlier run).
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lineSink } from './ndjson-sink.ts';
import { readNdjsonBatches } from './ndjson-source.ts';
import { type SourceRecord, sizeOf } from './source-record.ts';

export interface SortOptions {
  /** Bytes of input held in memory at once (an in-memory sort below it, runs of this size above). */
  memoryBytes: number;
  /** Where the runs go (removed when the sort is closed). */
  tmpDir: string;
}

export interface SortedRecords {
  batches: AsyncIterable<SourceRecord[]>;
  runs: number;
  /** Removes the temporary files; call it when done, also after a failure. */
  close(): Promise<void>;
}

interface Keyed {
  key: number;
  seq: number;
  record: SourceRecord;
}

const BATCH = 4096;
/** A run line carries a whole source line (at most 1 MiB) JSON-escaped, plus its key. */
const MAX_RUN_LINE = 8 << 20;

/** Stable order by key; a record without one (it will be rejected) sorts first. */
export function byKey(a: Keyed, b: Keyed): number {
  return a.key - b.key || a.seq - b.seq;
}

export function sortInMemory(
  records: SourceRecord[],
  keyOf: (r: SourceRecord) => number | undefined,
): SourceRecord[] {
  const keyed = records.map((record, seq) => ({
    key: keyOf(record) ?? Number.NEGATIVE_INFINITY,
    seq,
    record,
  }));
  keyed.sort(byKey);
  return keyed.map((k) => k.record);
}

export async function sortExternally(
  records: AsyncIterable<SourceRecord[]>,
  keyOf: (r: SourceRecord) => number | undefined,
  options: SortOptions,
): Promise<SortedRecords> {
  const dir = await mkdtemp(join(options.tmpDir, 'alert-triage-sort-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    const runs: string[] = [];
    let file = '';
    let chunk: Keyed[] = [];
    let bytes = 0;
    let seq = 0;
    const spill = async () => {
      chunk.sort(byKey);
      const path = join(dir, `run-${runs.length}.tsv`);
      const sink = lineSink(path, encodeRun);
      for (const k of chunk) {
        const wait = sink.write(k);
        if (wait) await wait;
      }
      await sink.close();
      runs.push(path);
      chunk = [];
      bytes = 0;
    };
    for await (const batch of records) {
      for (const record of batch) {
        file = record.file;
        chunk.push({ key: keyOf(record) ?? Number.NEGATIVE_INFINITY, seq: seq++, record });
        bytes += sizeOf(record);
        if (bytes >= options.memoryBytes) await spill();
      }
    }
    if (chunk.length > 0) await spill();
    return { batches: merge(runs, file), runs: runs.length, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `key \t line \t kind \t payload`: kind `t` is a line of our own format as it was, `j` the rest as JSON. */
function encodeRun(k: Keyed): string {
  const r = k.record;
  const head = `${k.key}\t${r.line}\t`;
  if (r.value === undefined && r.refused === undefined && r.item === undefined) return `${head}t\t${r.text}`;
  return `${head}j\t${JSON.stringify({ text: r.text, value: r.value, item: r.item, refused: r.refused })}`;
}

function decodeRun(text: string, file: string): Keyed {
  const a = text.indexOf('\t');
  const b = text.indexOf('\t', a + 1);
  const c = text.indexOf('\t', b + 1);
  const key = Number(text.slice(0, a));
  const line = Number(text.slice(a + 1, b));
  const payload = text.slice(c + 1);
  const record: SourceRecord =
    text[b + 1] === 't'
      ? { file, line, text: payload }
      : { file, line, ...(JSON.parse(payload) as { text: string }) };
  return { key, seq: 0, record };
}

interface RunHead {
  run: number;
  lines: AsyncGenerator<{ text: string }[]>;
  batch: { text: string }[];
  at: number;
  next: Keyed;
}

/** k-way merge of the sorted runs, through a binary heap of their heads (ties to the earlier run). */
async function* merge(runs: string[], file: string): AsyncGenerator<SourceRecord[]> {
  const heap: RunHead[] = [];
  const less = (x: RunHead, y: RunHead) =>
    x.next.key < y.next.key || (x.next.key === y.next.key && x.run < y.run);
  const pull = async (h: RunHead): Promise<boolean> => {
    while (h.at >= h.batch.length) {
      const r = await h.lines.next();
      if (r.done) return false;
      h.batch = r.value;
      h.at = 0;
    }
    h.next = decodeRun(h.batch[h.at++]!.text, file);
    return true;
  };
  const push = (h: RunHead) => {
    heap.push(h);
    for (let i = heap.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!less(heap[i]!, heap[up]!)) break;
      [heap[i], heap[up]] = [heap[up]!, heap[i]!];
      i = up;
    }
  };
  const popTop = () => {
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let run = 0; run < runs.length; run++) {
    const h: RunHead = {
      run,
      lines: readNdjsonBatches(runs[run]!, MAX_RUN_LINE),
      batch: [],
      at: 0,
      next: undefined!,
    };
    if (await pull(h)) push(h);
  }
  let out: SourceRecord[] = [];
  while (heap.length > 0) {
    const top = heap[0]!;
    out.push(top.next.record);
    if (out.length >= BATCH) {
      yield out;
      out = [];
    }
    // Out of the heap, and back in with its run's next record (if the run has one).
    const more = await pull(top);
    popTop();
    if (more) push(top);
  }
  if (out.length > 0) yield out;
}
