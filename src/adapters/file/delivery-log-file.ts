// The delivery log in a local NDJSON file (`notify --delivery-log F`): read back at start, each entry
// appended and flushed to disk before its record counts as done, so a second run delivers nothing twice.
import { existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { readDeliveryEntry } from '../../core/notify/delivery-book.ts';
import type { DeliveryEntry } from '../../core/notify/types.ts';
import { readNdjson } from './ndjson-source.ts';

export class DeliveryLogFile {
  private handle: FileHandle | undefined;
  private readonly path: string;
  private constructor(path: string) {
    this.path = path;
  }

  /** Opens the log (created if absent) and returns it with the entries it already holds. */
  static async open(path: string): Promise<{ log: DeliveryLogFile; entries: DeliveryEntry[] }> {
    const entries: DeliveryEntry[] = [];
    if (existsSync(path))
      for await (const line of readNdjson(path)) {
        let v: unknown;
        try {
          v = JSON.parse(line.text);
        } catch {
          // A line cut short by a crash mid-write: that delivery was not recorded, so it is done again.
          continue;
        }
        const e = readDeliveryEntry(v);
        if (e) entries.push(e);
      }
    const log = new DeliveryLogFile(path);
    log.handle = await open(path, 'a');
    return { log, entries };
  }

  async append(entry: DeliveryEntry): Promise<void> {
    if (!this.handle) throw new Error(`delivery log ${this.path} is closed`);
    await this.handle.write(`${JSON.stringify(entry)}\n`);
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
