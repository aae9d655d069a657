// What the alert pipeline and the incident stage both need to keep their state changes in order:
// one async function at a time (chunks, restores, ticks never interleave), and, per partition, the
// work a chunk must wait for before it reads the partition (a restore, or reading back where our
// committed work ends after a rebalance).

/** Runs one async function at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Per partition, the latest work its chunks wait for; a partition is clear once that work settles. */
export class PartitionWaits {
  private readonly waits = new Map<number, Promise<void>>();

  get size(): number {
    return this.waits.size;
  }

  get(partition: number): Promise<void> | undefined {
    return this.waits.get(partition);
  }

  /** These partitions wait for `work` (its failure is the caller's to report; a chunk still sees it). */
  hold(partitions: readonly number[], work: Promise<void>): void {
    for (const p of partitions) {
      const done = work.finally(() => {
        if (this.waits.get(p) === done) this.waits.delete(p);
      });
      done.catch(() => undefined);
      this.waits.set(p, done);
    }
  }

  /** Forgets the partitions not in `keep`. */
  retain(keep: ReadonlySet<number>): void {
    for (const p of [...this.waits.keys()]) if (!keep.has(p)) this.waits.delete(p);
  }
}
