// Drills at the edges of the runtime: notify withholds a drill's records from real receivers unless
// asked, and the incident stage's tracker marks them [DRILL] and gives their figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { drillAlertId, drillIdOf } from '../../src/core/drill.ts';
import type { IncidentOutput, PageRecord } from '../../src/core/incidents/types.ts';
import type { HttpRequest } from '../../src/core/notify/types.ts';
import { DrillTracker } from '../../src/runtime/drill-tracker.ts';
import { Notifier, type NotifyEvent, type NotifyPorts } from '../../src/runtime/notifier.ts';
import { buildReceivers } from '../../src/runtime/notify-receivers.ts';
import { anAcknowledge, aPage, PD_KEY } from '../fixtures/pages.ts';

const ID = drillIdOf('bad-deploy', Date.UTC(2026, 11, 3, 9, 30), 7);

function drillPage(incident: string): PageRecord {
  const page = aPage({ incident });
  return { ...page, alert: { ...page.alert, alert_id: drillAlertId(ID, 1) } };
}

function notifier(deliverDrills: boolean) {
  const config = parseConfig({
    notify: { receivers: { pd: { type: 'pagerduty', secret_env: 'PD' } }, default: ['pd'] },
  });
  const sent: HttpRequest[] = [];
  const events: NotifyEvent[] = [];
  const ports: NotifyPorts = {
    send: async (request) => {
      sent.push(request);
      return { kind: 'response', status: 202, retryAfter: null, body: '{}' };
    },
    sleep: async () => true,
    now: () => 0,
    random: () => 1,
    append: async () => {},
  };
  const n = new Notifier(
    config.notify,
    buildReceivers(config.notify, { PD: PD_KEY }),
    ports,
    (e) => events.push(e),
    {
      deliverDrills,
    },
  );
  return { n, sent, events };
}

describe('notify and drills', () => {
  it('withholds a drill page from the receivers, and says so; a real page goes out', async () => {
    const s = notifier(false);
    assert.equal(await s.n.deliver(drillPage('inc-d'), 't'), 'done');
    assert.equal(s.sent.length, 0);
    assert.deepEqual(
      s.events.map((e) => e.type),
      ['drill_withheld'],
    );
    assert.equal((s.events[0] as { drill: string }).drill, ID);
    await s.n.deliver(aPage({ incident: 'inc-real' }), 't');
    assert.equal(s.sent.length, 1);
  });

  it('delivers it with --deliver-drills', async () => {
    const s = notifier(true);
    await s.n.deliver(drillPage('inc-d'), 't');
    assert.equal(s.sent.length, 1);
  });
});

describe('DrillTracker', () => {
  const sla = parseConfig({}).sla;
  it("marks a drill's page and its ack, and gives time to page and to ack once each", () => {
    let now = 0;
    const tracker = new DrillTracker(sla, () => now);
    const page = drillPage('inc-d');
    now = (page.incident.first_event_time ?? page.event_time) + 2_500;
    const first = tracker.mark([
      { kind: 'page', key: 'inc-d', tier: 'P1', page } as IncidentOutput,
      { kind: 'page', key: 'inc-r', tier: 'P1', page: aPage({ incident: 'inc-r' }) } as IncidentOutput,
    ]);
    const [marked, real] = first.outputs as Extract<IncidentOutput, { kind: 'page' }>[];
    assert.match(marked!.page.pagerduty.payload.summary, /^\[DRILL\] /);
    assert.ok(!real!.page.pagerduty.payload.summary.startsWith('[DRILL]'));
    assert.deepEqual(first.observations, [
      { stage: 'page', tier: 'P1', scenario: 'bad-deploy', seconds: 2.5 },
    ]);

    // The ack names no drill of its own: the tracker knows its incident.
    const ack = { ...anAcknowledge('inc-d'), event_time: now + 60_000 };
    const second = tracker.mark([
      { kind: 'acknowledge', key: 'inc-d', tier: 'P1', acknowledge: ack } as IncidentOutput,
    ]);
    const a = second.outputs[0] as Extract<IncidentOutput, { kind: 'acknowledge' }>;
    assert.match(a.acknowledge.slack.text, /^\[DRILL\] /);
    assert.deepEqual(second.observations, [
      { stage: 'ack', tier: 'P1', scenario: 'bad-deploy', seconds: 60, withinSla: true },
    ]);
    // Given again (a retried chunk): no second figure.
    assert.deepEqual(
      tracker.mark([{ kind: 'acknowledge', key: 'inc-d', tier: 'P1', acknowledge: ack } as IncidentOutput])
        .observations,
      [],
    );
    // What the console's drills table shows: the drill paged, with its figures; the real incident not.
    const figures = tracker.figures();
    assert.deepEqual(
      figures.map((f) => [f.incident_id, f.scenario, f.time_to_page_ms, f.time_to_ack_ms, f.ack_within_sla]),
      [['inc-d', 'bad-deploy', 2_500, 60_000, true]],
    );
  });
});
