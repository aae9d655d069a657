// Puts an input file's records in event-time order before the merge, so a file that is not sorted
// (`shuf`, a concatenation, an export in arrival order) gives the same answers as a sorted one, never
// silently different ones. A first pass checks the order; a sorted file is then streamed as it is (one
// extra read), an unsorted one is sorted: in memory when the file fits the bound, else externally.
import { stat } from 'node:fs/promises';
import { type SortOptions, sortExternally, sortInMemory } from './external-sort.ts';
import { eventTimeOf, type SourceRecord } from './source-record.ts';

export type { SortOptions } from './external-sort.ts';

/** 128 MiB of input sorted in memory (`score --sort-memory`); a bigger unsorted file is sorted on disk. */
export const DEFAULT_SORT_MEMORY_BYTES = 128 << 20;

export type OrderMethod = 'in-order' | 'sorted-in-memory' | 'sorted-on-disk';

export interface FileOrder {
  file: string;
  /** Records in the file (for a native format: alerts and refused items). */
  records: number;
  /** Records earlier than one before them in the file. */
  outOfOrder: number;
  order: OrderMethod;
  /** Temporary runs written by an on-disk sort. */
  runs?: number;
}

export interface OrderedRecords {
  order: FileOrder;
  batches: AsyncIterable<SourceRecord[]>;
  close(): Promise<void>;
}

const BATCH = 4096;

/** `open` reads the file from the start each time it is called. */
export async function inEventTimeOrder(
  file: string,
  open: () => AsyncIterable<SourceRecord[]>,
  options: SortOptions,
): Promise<OrderedRecords> {
  let records = 0;
  let outOfOrder = 0;
  let latest = Number.NEGATIVE_INFINITY;
  for await (const batch of open()) {
    for (const r of batch) {
      records++;
      const t = eventTimeOf(r);
      if (t === undefined) continue;
      if (t < latest) outOfOrder++;
      else latest = t;
    }
  }
  const done = async () => {};
  if (outOfOrder === 0)
    return { order: { file, records, outOfOrder, order: 'in-order' }, batches: open(), close: done };
  const { size } = await stat(file);
  if (size <= options.memoryBytes) {
    const all: SourceRecord[] = [];
    for await (const batch of open()) for (const r of batch) all.push(r);
    const sorted = sortInMemory(all, eventTimeOf);
    return {
      order: { file, records, outOfOrder, order: 'sorted-in-memory' },
      batches: chunks(sorted),
      close: done,
    };
  }
  const sorted = await sortExternally(open(), eventTimeOf, options);
  return {
    order: { file, records, outOfOrder, order: 'sorted-on-disk', runs: sorted.runs },
    batches: sorted.batches,
    close: sorted.close,
  };
}

async function* chunks(records: SourceRecord[]): AsyncGenerator<SourceRecord[]> {
  for (let i = 0; i < records.length; i += BATCH) yield records.slice(i, i + BATCH);
}
