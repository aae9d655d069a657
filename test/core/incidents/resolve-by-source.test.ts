// A resolved Alertmanager alert resolves the incident its firing alert joined, through the same core
// step offline and in the stream: stage 1 (the processor, incidents inline) and stage 2 (the book).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyAlert, ScoredAlert } from '../../../src/core/events.ts';
import { createIncidentState, createIncidentStep, fingerprintKey } from '../../../src/core/incidents/book.ts';
import { encodeEntry, restoreBook } from '../../../src/core/incidents/snapshot.ts';
import type { IncidentOutput, IncidentRecord } from '../../../src/core/incidents/types.ts';
import { mapIngest } from '../../../src/core/inputs/ingest.ts';
import { createState, createStep } from '../../../src/core/processor.ts';
import { aConfig, alertInput, MIN, T0 } from '../../fixtures/builders.ts';

const iso = (t: number) => new Date(t).toISOString();

/** One Alertmanager webhook body with these alerts (labels: the fraud-scorer model's error rate). */
function webhook(alerts: { fingerprint: string; startsAt: number; endsAt?: number; alertname?: string }[]) {
  const body = {
    version: '4',
    status: alerts.some((a) => a.endsAt === undefined) ? 'firing' : 'resolved',
    receiver: 'alert-triage',
    alerts: alerts.map((a) => ({
      status: a.endsAt === undefined ? 'firing' : 'resolved',
      labels: {
        alertname: a.alertname ?? 'FraudScorerErrorRateHigh',
        model: 'fraud-scorer',
        severity: 'critical',
        metric: a.alertname === undefined ? 'error_rate' : 'p99_latency',
      },
      annotations: { summary: 'fraud-scorer errors' },
      startsAt: iso(a.startsAt),
      endsAt: a.endsAt === undefined ? '0001-01-01T00:00:00Z' : iso(a.endsAt),
      fingerprint: a.fingerprint,
    })),
  };
  const m = mapIngest('alertmanager', body);
  assert.deepEqual(m.rejected, []);
  return m.alerts;
}

/** The offline pipeline's loop in small: stage 1 per alert, stage 2 to the stream time, then to `until`. */
function triage(alerts: AnomalyAlert[], { until = Number.POSITIVE_INFINITY } = {}) {
  // A lone P2 alert pages here (no corroboration wait): these cases are about resolving, and the
  // corroboration rule has its own tests in book.test.ts.
  const config = aConfig({ incidents: { corroborate_tiers: [] } });
  const step = createStep(config, { incidents: 'inline' });
  const state = createState(config);
  const book = createIncidentStep(config);
  const bookState = createIncidentState(config);
  const outputs: IncidentOutput[] = [];
  for (const a of [...alerts].sort((x, y) => x.event_time - y.event_time)) {
    for (const o of step(state, alertInput(a)).outputs)
      if (o.kind === 'member') outputs.push(...book(bookState, { kind: 'member', member: o.member }).outputs);
    outputs.push(...book(bookState, { kind: 'watermark', time: state.streamTime }).outputs);
  }
  outputs.push(...book(bookState, { kind: 'watermark', time: until }).outputs);
  const scored = new Map<string, ScoredAlert>();
  const incidents = new Map<string, IncidentRecord>();
  for (const o of outputs) {
    if (o.kind === 'scored') scored.set(o.alert.alert_id, o.alert);
    if (o.kind === 'incident') incidents.set(o.incident.incident_id, o.incident);
  }
  return { outputs, scored, incidents, bookState, config };
}

describe('a resolved native alert resolves its incident', () => {
  it('firing then resolved: the incident is resolved by its source at endsAt, and the resolve never pages', () => {
    const [firing] = webhook([{ fingerprint: 'fp1', startsAt: T0 }]);
    const [resolved] = webhook([{ fingerprint: 'fp1', startsAt: T0, endsAt: T0 + 12 * MIN }]);
    const run = triage([firing!, resolved!]);
    const f = run.scored.get(firing!.alert_id)!;
    const r = run.scored.get(resolved!.alert_id)!;
    assert.equal(f.page, true, 'the firing alert pages');
    assert.equal(r.page, false);
    assert.equal(r.incident_id, f.incident_id);
    assert.match(r.incident!.reasons[0]!, /resolved by its source: incident .* resolved/);
    assert.ok(r.reasons.some((x) => /resolved by its source/.test(x)));
    const inc = run.incidents.get(f.incident_id!)!;
    assert.equal(inc.status, 'resolved');
    assert.equal(inc.resolved_by, 'source');
    assert.equal(inc.resolved_at, T0 + 12 * MIN);
    assert.equal(inc.members, 1, 'a resolve is no member');
    assert.equal(run.outputs.filter((o) => o.kind === 'page').length, 1, 'one page: the firing one');
    // Its page is resolved on its tier topic, at endsAt, saying the source resolved it.
    const resolves = run.outputs.flatMap((o) => (o.kind === 'resolve' ? [o] : []));
    assert.deepEqual(
      resolves.map((o) => [o.tier, o.key, o.resolve.event_time, o.resolve.reason]),
      [[f.tier, f.incident_id, T0 + 12 * MIN, `resolved by its source (${resolved!.alert_id})`]],
    );
  });

  it('without a resolve the same incident times out instead (so the resolve is what closed it)', () => {
    const [firing] = webhook([{ fingerprint: 'fp1', startsAt: T0 }]);
    const run = triage([firing!]);
    const inc = run.incidents.get(run.scored.get(firing!.alert_id)!.incident_id!)!;
    assert.equal(inc.resolved_by, 'timeout');
    assert.equal(inc.resolved_at, T0 + 30 * MIN);
  });

  it('an incident stays open while another of its alerts still fires, and resolves with the last one', () => {
    const [a, b] = webhook([
      { fingerprint: 'fpA', startsAt: T0 },
      { fingerprint: 'fpB', startsAt: T0 + 2 * MIN, alertname: 'FraudScorerLatencyHigh' },
    ]);
    const [aDone] = webhook([{ fingerprint: 'fpA', startsAt: T0, endsAt: T0 + 5 * MIN }]);
    const [bDone] = webhook([
      {
        fingerprint: 'fpB',
        startsAt: T0 + 2 * MIN,
        endsAt: T0 + 9 * MIN,
        alertname: 'FraudScorerLatencyHigh',
      },
    ]);
    // Past the first page's group wait (15 min), before the time-out (30 min after the last member).
    const half = triage([a!, b!, aDone!], { until: T0 + 20 * MIN });
    const id = half.scored.get(a!.alert_id)!.incident_id!;
    assert.equal(half.scored.get(b!.alert_id)!.incident_id, id, 'both in one incident');
    assert.equal(half.incidents.get(id)!.status, 'open');
    assert.match(half.scored.get(aDone!.alert_id)!.incident!.reasons[0]!, /stays open: 1 other/);
    const full = triage([a!, b!, aDone!, bDone!]);
    assert.equal(full.incidents.get(id)!.resolved_by, 'source');
    assert.equal(full.incidents.get(id)!.resolved_at, T0 + 9 * MIN);
  });

  it('a resolve with no firing alert opens nothing and pages nothing', () => {
    const [resolved] = webhook([{ fingerprint: 'fp9', startsAt: T0, endsAt: T0 + 3 * MIN }]);
    const run = triage([resolved!]);
    const r = run.scored.get(resolved!.alert_id)!;
    assert.equal(r.page, false);
    assert.equal(r.incident_id, undefined);
    assert.equal(run.incidents.size, 0);
    assert.equal(run.outputs.filter((o) => o.kind === 'page').length, 0);
  });

  it('firing again after the resolve reopens and pages again', () => {
    const [firing] = webhook([{ fingerprint: 'fp1', startsAt: T0 }]);
    const [resolved] = webhook([{ fingerprint: 'fp1', startsAt: T0, endsAt: T0 + 5 * MIN }]);
    const [again] = webhook([{ fingerprint: 'fp1', startsAt: T0 + 10 * MIN }]);
    const run = triage([firing!, resolved!, again!]);
    assert.equal(run.scored.get(again!.alert_id)!.incident_id, run.scored.get(firing!.alert_id)!.incident_id);
    assert.equal(run.scored.get(again!.alert_id)!.page, true);
    assert.equal(run.outputs.filter((o) => o.kind === 'page').length, 2);
  });

  it('the firing fingerprints survive the stream changelog (restoreBook), so a resolve after a restore finds them', () => {
    const [firing] = webhook([{ fingerprint: 'fp1', startsAt: T0 }]);
    const run = triage([firing!], { until: T0 + 1 });
    const inc = [...run.bookState.incidents.values()][0]!;
    const { state } = restoreBook(run.config, [[`inc:${inc.id}`, encodeEntry(inc)]]);
    const back = state.incidents.get(inc.id)!;
    assert.deepEqual([...back.firing], [...inc.firing]);
    // Keyed by route and fingerprint: the firing alert opened the incident of its model, its route.
    assert.equal(state.byFingerprint.get(fingerprintKey(inc.key, [...inc.fingerprints][0]!)), inc.id);
  });
});

describe('a resolved native alert without incidents (the stream with kafka.incident_stage off)', () => {
  it('is scored, never paged on its tier topic, and ends its dedup episode', () => {
    const config = aConfig();
    const step = createStep(config);
    const state = createState(config);
    const [firing] = webhook([{ fingerprint: 'fp1', startsAt: T0 }]);
    const [resolved] = webhook([{ fingerprint: 'fp1', startsAt: T0, endsAt: T0 + 20 * MIN }]);
    const [again] = webhook([{ fingerprint: 'fp1', startsAt: T0 + 30 * MIN }]);
    const kinds = (a: AnomalyAlert) => step(state, alertInput(a)).outputs.map((o) => o.kind);
    assert.ok(kinds(firing!).includes('tier'));
    const r = kinds(resolved!);
    assert.ok(r.includes('scored'));
    assert.ok(!r.includes('tier') && !r.includes('action'), 'a resolve is no page');
    assert.ok(kinds(again!).includes('tier'), 'firing again after the resolve pages again (a new episode)');
  });
});
