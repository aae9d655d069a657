// The incident stage's watermark (incident-stage.ts) and its reading of the repartition topic. The stage
// end to end is in the conformance suites (incidentConformanceSuite) and test/reliability/incident-crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStageRecord, stageWatermark } from '../../src/runtime/incident-stage.ts';

const NONE = new Set<number>();
const marks = (...m: [number, number | null, boolean][]) =>
  new Map(m.map(([p, time, idle]) => [p, { time, idle }]));

describe('stageWatermark', () => {
  it('waits to hear from every alert partition', () => {
    assert.equal(stageWatermark(marks([0, 100, false]), 2, NONE), Number.NEGATIVE_INFINITY);
    assert.equal(stageWatermark(new Map(), 0, NONE), Number.NEGATIVE_INFINITY);
  });
  it('is the lowest time over the active partitions; idle ones do not hold it', () => {
    assert.equal(stageWatermark(marks([0, 100, false], [1, 40, false], [2, 10, true]), 3, NONE), 40);
  });
  it('counts a partition behind its end offset as active, whatever it said', () => {
    assert.equal(stageWatermark(marks([0, 100, false], [1, 10, true]), 2, new Set([1])), 10);
  });
  it('a partition that never had an alert holds the others until it is idle', () => {
    assert.equal(stageWatermark(marks([0, 100, false], [1, null, false]), 2, NONE), Number.NEGATIVE_INFINITY);
    assert.equal(stageWatermark(marks([0, 100, false], [1, null, true]), 2, NONE), 100);
  });
  it('all idle: just past the highest time, or the latest member waiting (a time never said before a crash)', () => {
    assert.equal(stageWatermark(marks([0, 100, true], [1, 40, true]), 2, NONE), 101);
    assert.equal(stageWatermark(marks([0, 100, true], [1, 40, true]), 2, NONE, 250), 251);
    assert.equal(stageWatermark(marks([0, null, true]), 1, NONE), Number.NEGATIVE_INFINITY);
  });
});

describe('parseStageRecord', () => {
  it('reads members and watermarks', () => {
    const m = { type: 'member', member: { alert: { alert_id: 'a', event_time: 1 } } };
    assert.deepEqual(parseStageRecord(Buffer.from(JSON.stringify(m))), m);
    const w = { type: 'watermark', sources: 2, at: { '0': { time: 5, idle: false } } };
    assert.deepEqual(parseStageRecord(Buffer.from(JSON.stringify(w))), w);
  });
  it('says why a record is not one (it is dead-lettered with that reason)', () => {
    assert.equal(parseStageRecord(null), 'record has no value');
    assert.match(parseStageRecord(Buffer.from('{')) as string, /^not JSON/);
    assert.equal(
      parseStageRecord(Buffer.from('{"type":"member","member":{}}')),
      'member without an alert id and event time',
    );
    assert.equal(
      parseStageRecord(Buffer.from('{"type":"watermark"}')),
      'watermark without sources and marks',
    );
    assert.equal(parseStageRecord(Buffer.from('[]')), 'neither a member nor a watermark');
  });
});
