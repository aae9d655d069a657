// Discrete-event merge: every generator yields events in time order; a heap interleaves them so the
// alert file comes out sorted without ever holding all alerts in memory.
import type { Rng } from './prng.ts';
import type { World } from './world.ts';

export interface Gen {
  /** time of this generator's next event (ms; Infinity when exhausted) */
  t: number;
  /** creation order: deterministic tie-break */
  readonly order: number;
  step(w: World): void;
}

let nextOrder = 0;
export function resetGenOrder(): void {
  nextOrder = 0;
}

export interface TimedEvent {
  t: number;
  run: (w: World) => void;
}

/** A scenario episode. Its events are only built when it starts, and dropped when it ends. */
export class EpisodeGen implements Gen {
  t: number;
  readonly order = nextOrder++;
  private readonly build: () => TimedEvent[];
  private events: TimedEvent[] | null = null;
  private i = 0;

  constructor(start: number, build: () => TimedEvent[]) {
    this.t = start;
    this.build = build;
  }

  step(w: World): void {
    if (this.events === null) {
      const start = this.t;
      this.events = this.build()
        .filter((e) => e.t >= start)
        .sort((a, b) => a.t - b.t);
      this.i = 0;
    } else {
      (this.events[this.i++] as TimedEvent).run(w);
    }
    this.t = this.i < this.events.length ? (this.events[this.i] as TimedEvent).t : Number.POSITIVE_INFINITY;
    if (this.t === Number.POSITIVE_INFINITY) this.events = [];
  }
}

/** A (thinned) Poisson process: background noise, routine deploys. */
export class PoissonGen implements Gen {
  t: number;
  readonly order = nextOrder++;
  private readonly rng: Rng;
  private readonly meanGap: number;
  private readonly end: number;
  private readonly accept: (t: number) => number;
  private readonly emit: (w: World, rng: Rng, t: number) => void;

  constructor(init: {
    rng: Rng;
    start: number;
    end: number;
    ratePerHour: number;
    accept?: (t: number) => number;
    emit: (w: World, rng: Rng, t: number) => void;
  }) {
    this.rng = init.rng;
    this.meanGap = init.ratePerHour > 0 ? 3_600_000 / init.ratePerHour : Number.POSITIVE_INFINITY;
    this.end = init.end;
    this.accept = init.accept ?? (() => 1);
    this.emit = init.emit;
    this.t = init.start;
    this.advance();
  }

  private advance(): void {
    for (;;) {
      this.t += this.rng.exp(this.meanGap);
      if (!(this.t < this.end)) {
        this.t = Number.POSITIVE_INFINITY;
        return;
      }
      if (this.rng.next() < this.accept(this.t)) return;
    }
  }

  step(w: World): void {
    this.emit(w, this.rng, Math.floor(this.t));
    this.advance();
  }
}

function before(a: Gen, b: Gen): boolean {
  return a.t < b.t || (a.t === b.t && a.order < b.order);
}

/** Runs all generators in event-time order until `horizon` or the world's alert limit. */
export async function runWorld(w: World, gens: Gen[], horizon: number): Promise<void> {
  const heap = gens.filter((g) => g.t < Number.POSITIVE_INFINITY);
  const down = (i0: number): void => {
    let i = i0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l] as Gen, heap[m] as Gen)) m = l;
      if (r < heap.length && before(heap[r] as Gen, heap[m] as Gen)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as Gen, heap[i] as Gen];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const g = heap[0] as Gen;
    if (g.t >= horizon) break;
    g.step(w);
    if (w.done) break;
    if (g.t === Number.POSITIVE_INFINITY) {
      const last = heap.pop() as Gen;
      if (heap.length > 0) heap[0] = last;
    }
    down(0);
    if (w.alerts.wantsFlush) await w.alerts.flush();
  }
}

/** Runs a few generators (a drill's episode) in event-time order until `horizon`, at once and in memory. */
export function runEpisodes(w: World, gens: readonly Gen[], horizon: number): void {
  for (;;) {
    let next: Gen | undefined;
    for (const g of gens) if (g.t < horizon && (next === undefined || before(g, next))) next = g;
    if (next === undefined || w.done) return;
    next.step(w);
  }
}
