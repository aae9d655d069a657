// Progress of a `score` run on stderr: on a terminal a line redrawn in place (count, percentage, rate,
// ETA); otherwise (a pipe, a CI log) one line every 5 s, so a long run is never silent and a log is not
// flooded. The clock is passed in, so the pacing is tested without waiting.
import { fmtInt } from './triage-table.ts';

export interface ProgressOptions {
  /** A terminal: redraw one line; otherwise print a line every `intervalMs`. */
  tty: boolean;
  now?: () => number;
  intervalMs?: number;
}

export interface Progress {
  /** The run starts: `total` records of the alerts file to get through. */
  start(total: number): void;
  /** One alert record done (scored or rejected). */
  tick(): void;
  done(): void;
}

/** Ticks between two looks at the clock: the per-alert cost is a counter and a mask. */
const CHECK_EVERY = 64;

export function progressReporter(stream: NodeJS.WritableStream, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? (options.tty ? 250 : 5_000);
  let total = 0;
  let n = 0;
  let started = 0;
  let last = 0;
  let drawn = false;
  const render = (t: number) => {
    const elapsed = Math.max(1, t - started);
    const rate = (n * 1000) / elapsed;
    const share = total > 0 ? Math.min(1, n / total) : 0;
    const eta = rate > 0 && total > n ? ` · ETA ${duration(((total - n) / rate) * 1000)}` : '';
    const pct = total > 0 ? ` (${Math.floor(share * 100)}%)` : '';
    return `scored ${fmtInt(n)} of ${fmtInt(total)} alerts${pct} · ${fmtInt(Math.round(rate))}/s${eta}`;
  };
  return {
    start(t) {
      total = t;
      started = now();
      last = started;
    },
    tick() {
      n++;
      if (n % CHECK_EVERY !== 0) return;
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (options.tty) {
        stream.write(`\r\x1b[2K${render(t)}`);
        drawn = true;
      } else stream.write(`alert-triage: ${render(t)}\n`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

/** 37 s · 4 min 05 s · 1 h 12 min. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
