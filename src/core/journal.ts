// Undo records for one transaction of the stream runtime. A chunk of alerts is scored, its outputs
// are written in one Kafka transaction, and when that transaction aborts the chunk is read again:
// the state must then be exactly what it was before the chunk, or the second reading would see the
// first one's dedup episodes, remembered alerts, released feedback and expired deploys.
// Stores record how to put back what they are about to change; outside a transaction (the offline
// CLI, the side inputs) nothing is recorded and the cost is one branch.

export class Journal {
  #undo: (() => void)[] | undefined;

  get active(): boolean {
    return this.#undo !== undefined;
  }

  begin(): void {
    this.#undo = [];
  }

  /** How to put back a change a store is about to make; ignored outside a transaction. */
  record(undo: () => void): void {
    this.#undo?.push(undo);
  }

  commit(): void {
    this.#undo = undefined;
  }

  /** Puts back every recorded change, newest first. Nothing is recorded while it runs. */
  rollback(): void {
    const undo = this.#undo;
    this.#undo = undefined;
    if (undo) for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }
}
