// The progress reporter: paced by the clock it is given, so no test waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration, progressReporter } from '../../src/cli/progress.ts';

function capture() {
  const chunks: string[] = [];
  return { chunks, stream: { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream };
}

describe('progress', () => {
  it('off a terminal: a line every 5 s with count, percentage, rate and ETA', () => {
    const { chunks, stream } = capture();
    let t = 0;
    const p = progressReporter(stream, { tty: false, now: () => t });
    p.start(10_000);
    for (let i = 0; i < 4_000; i++) {
      t += 2; // 500 alerts/s: 8 s for these 4,000
      p.tick();
    }
    p.done();
    assert.equal(chunks.length, 1, chunks.join(''));
    assert.match(
      chunks[0]!,
      /^alert-triage: scored 2,5\d\d of 10,000 alerts \(2\d%\) · 500\/s · ETA 1\d s\n$/,
    );
  });

  it('on a terminal: one line redrawn in place, cleared at the end', () => {
    const { chunks, stream } = capture();
    let t = 0;
    const p = progressReporter(stream, { tty: true, now: () => t });
    p.start(1_000);
    for (let i = 0; i < 1_000; i++) {
      t += 1;
      p.tick();
    }
    p.done();
    assert.ok(chunks.length >= 3);
    assert.ok(chunks.slice(0, -1).every((c) => c.startsWith('\r\x1b[2Kscored ')));
    assert.match(chunks.at(-2)!, /\(\d+%\)/);
    assert.equal(chunks.at(-1), '\r\x1b[2K');
  });

  it('says nothing for a short run', () => {
    const { chunks, stream } = capture();
    const p = progressReporter(stream, { tty: false, now: () => 0 });
    p.start(100);
    for (let i = 0; i < 100; i++) p.tick();
    p.done();
    assert.deepEqual(chunks, []);
  });

  it('writes durations for people', () => {
    assert.equal(duration(37_000), '37 s');
    assert.equal(duration(245_000), '4 min 05 s');
    assert.equal(duration(4_320_000), '1 h 12 min');
  });
});
