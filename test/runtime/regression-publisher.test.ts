// The regression publisher: what the live watch called goes to the actions topic (the action codec) and,
// with the incident stage's topic, to ml.incidents as JSON; without that topic the incident is logged and
// the action still written; a failing sink is retried, then given up with what was lost, never thrown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IncidentOutput } from '../../src/core/incidents/types.ts';
import { DEFAULT_GATE, type ModelProfile } from '../../src/core/settings.ts';
import { RegressionWatch } from '../../src/core/versions/regression-watch.ts';
import type { Codec, OutputRecord } from '../../src/runtime/ports.ts';
import { RegressionPublisher } from '../../src/runtime/regression-publisher.ts';
import type { OutputTopics } from '../../src/runtime/routing.ts';
import { aDeploy, HOUR, MIN, T0 } from '../fixtures/builders.ts';

const TOPICS: OutputTopics = {
  scored: 'scored',
  P1: 'p1',
  P2: 'p2',
  P3: 'p3',
  P4: 'p4',
  actions: 'actions',
  dlq: 'dlq',
  dedup_changelog: 'changelog',
  incidents: 'incidents',
};

/** A real call of the watch: v2 raising the alert rate sixfold. */
function called(): IncidentOutput[] {
  const profile: ModelProfile = {
    owner: 'fraud-team',
    revenue_per_hour: 1,
    traffic_per_hour: 1,
    compliance: [],
    safety: false,
    rollback_allowed: true,
    upstream: [],
  };
  const w = new RegressionWatch({ settings: DEFAULT_GATE, profileOf: () => profile, configVersion: 'c' });
  const out: IncidentOutput[] = [];
  let n = 0;
  const alert = (t: number, v: string) => ({
    alert_id: `a${++n}`,
    model_id: 'fraud-scorer',
    event_time: t,
    expected_impact_per_hour: 10,
    priority: 30,
    dedup: { suppressed: false },
    alert: { signal: 'data_drift' as const, model_version: v },
  });
  for (let t = T0; t < T0 + 48 * HOUR; t += 2 * HOUR) w.alert(alert(t, 'v1'));
  w.deploy(aDeploy({ event_id: 'd2', event_time: T0 + 48 * HOUR, version: 'v2', previous_version: 'v1' }));
  for (let t = T0 + 48 * HOUR + MIN; t < T0 + 80 * HOUR && out.length === 0; t += 20 * MIN)
    for (const f of w.alert(alert(t, 'v2'))) {
      out.push({ kind: 'incident', key: f.incident.incident_id, incident: f.incident });
      out.push({ kind: 'action', key: f.action.model_id, action: f.action });
    }
  assert.equal(out.length, 2, 'the watch called v2');
  return out;
}

const codec: Codec = {
  decode: async () => ({}),
  encode: async (kind, topic, record) => Buffer.from(`${kind}@${topic}:${JSON.stringify(record)}`),
};

function logger() {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    info: (_o: object, msg: string) => void lines.push({ level: 'info', msg }),
    error: (_o: object, msg: string) => void lines.push({ level: 'error', msg }),
  };
}

describe('RegressionPublisher', () => {
  it('writes the incident by the incident codec keyed by incident_id and the action by its codec keyed by model_id', async () => {
    const sent: OutputRecord[][] = [];
    const log = logger();
    const p = new RegressionPublisher({
      codec,
      sink: { send: async (r) => void sent.push(r) },
      topics: TOPICS,
      log,
    });
    const outputs = called();
    await p.publish(outputs);
    assert.equal(sent.length, 1);
    const [incident, action] = sent[0]!;
    const inc = (outputs[0] as Extract<IncidentOutput, { kind: 'incident' }>).incident;
    assert.equal(incident!.topic, 'incidents');
    assert.equal(incident!.key, inc.incident_id);
    // Through the codec (incident-record.avsc with output.format avro, JSON otherwise).
    const text = String(incident!.value);
    assert.ok(text.startsWith('incident@incidents:'), text.slice(0, 40));
    assert.deepEqual(JSON.parse(text.slice('incident@incidents:'.length)), JSON.parse(JSON.stringify(inc)));
    assert.equal(action!.topic, 'actions');
    assert.equal(action!.key, 'fraud-scorer');
    assert.match(String(action!.value), /^action@actions:\{.*"operation":"rollback_model"/);
    assert.equal(p.written, 2);
  });

  it('without the incident topic: the incident is logged, the action still written', async () => {
    const sent: OutputRecord[] = [];
    const log = logger();
    const { incidents: _none, ...noIncidents } = TOPICS;
    const p = new RegressionPublisher({
      codec,
      sink: { send: async (r) => void sent.push(...r) },
      topics: noIncidents,
      log,
    });
    await p.publish(called());
    assert.deepEqual(
      sent.map((r) => r.topic),
      ['actions'],
    );
    assert.ok(
      log.lines.some(
        (l) => l.level === 'info' && /^version regression: fraud-scorer v2 regressed/.test(l.msg),
      ),
    );
  });

  it('retries a failing sink, then gives up with an error line, never rejects, and writes the next batch', async () => {
    let tries = 0;
    let down = true;
    const ok: OutputRecord[] = [];
    const log = logger();
    const waits: number[] = [];
    const p = new RegressionPublisher({
      codec,
      sink: {
        send: async (r) => {
          tries++;
          if (down) throw new Error('broker down');
          ok.push(...r);
        },
      },
      topics: TOPICS,
      log,
      attempts: 3,
      sleep: async (ms) => void waits.push(ms),
    });
    await p.publish(called());
    assert.equal(tries, 3);
    assert.deepEqual(waits, [500, 1000]);
    assert.equal(p.lost, 1);
    assert.ok(log.lines.some((l) => l.level === 'error' && /not published after 3 attempts/.test(l.msg)));
    down = false;
    await p.publish(called());
    assert.equal(ok.length, 2);
    assert.equal(p.written, 2);
  });
});
