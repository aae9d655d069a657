// The pure part of drills (core/drill.ts): ids, marking [DRILL], the drill-enabled check and the figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deliverable,
  drillAlertId,
  drillEventId,
  drillIdOf,
  drillOfId,
  drillOfTierRecord,
  drillSummary,
  drillTarget,
  markDrillRecord,
  readServiceStatus,
  type ServiceStatus,
  scenarioOfDrill,
} from '../../src/core/drill.ts';
import { anAcknowledge, aPage, aResolve } from '../fixtures/pages.ts';

const T = Date.UTC(2026, 11, 3, 9, 30);
const ID = drillIdOf('bad-deploy', T, 0x1a2b);
const SLA = {
  P1: { ack: 15 * 60_000, resolve: 4 * 3_600_000 },
  P2: { ack: 3_600_000, resolve: 86_400_000 },
  P3: { ack: 86_400_000, resolve: 7 * 86_400_000 },
  P4: { ack: null, resolve: null },
};

function status(over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    type: 'alert-triage.status',
    group_id: 'alert-triage',
    topics: { alerts: 'ml.anomalies', deployments: 'ml.deployments', feedback: 'ml.alert-feedback' },
    drills: { enabled: true },
    incident_stage: true,
    config_version: 'cfg-1',
    started_at: T,
    instance: 'host-1',
    ...over,
  };
}

describe('drill ids', () => {
  it('name the scenario, the start and the seed, and are read back from alert and event ids', () => {
    assert.equal(ID, 'bad-deploy-20261203t093000z-1a2b');
    assert.equal(scenarioOfDrill(ID), 'bad-deploy');
    assert.equal(scenarioOfDrill('seasonal-drift-20261203t093000z-0001'), 'seasonal-drift');
    assert.equal(drillAlertId(ID, 3), `drill-${ID}-a03`);
    assert.equal(drillOfId(drillAlertId(ID, 3)), ID);
    assert.equal(drillOfId(drillEventId(ID, 1)), ID);
    assert.equal(drillOfId('evd-1a2b3c4d'), null);
    assert.equal(drillOfId(undefined), null);
  });
});

describe('a drill page', () => {
  const page = {
    ...aPage({ incident: 'inc-1' }),
    alert: { ...aPage({ incident: 'inc-1' }).alert, alert_id: drillAlertId(ID, 1) },
  };

  it('is told by its trigger alert, its cause, or the feedback its reason names', () => {
    assert.equal(drillOfTierRecord(page), ID);
    assert.equal(drillOfTierRecord(aPage({ incident: 'inc-2' })), null);
    const caused = { ...aResolve('inc-3'), incident: { cause: { event_id: drillEventId(ID, 1) } } };
    assert.equal(drillOfTierRecord(caused), ID);
    const acked = { ...anAcknowledge('inc-4'), reason: `acknowledged (feedback on ${drillAlertId(ID, 2)})` };
    assert.equal(drillOfTierRecord(acked), ID);
  });

  it('is marked [DRILL] in every body a human reads, on a copy', () => {
    const marked = markDrillRecord(page, ID);
    assert.equal(marked.drill, ID);
    assert.match(marked.pagerduty.payload.summary, /^\[DRILL\] \[P1\] /);
    assert.match(marked.opsgenie.message, /^\[DRILL\] /);
    assert.match(marked.slack.text, /^\[DRILL\] /);
    assert.match(marked.incident.title, /^\[DRILL\] /);
    assert.ok(!page.pagerduty.payload.summary.startsWith('[DRILL]'), 'the original is left alone');
    // Marked twice: one mark.
    assert.equal(markDrillRecord(marked, ID).slack.text, marked.slack.text);
    assert.equal(drillOfTierRecord(marked), ID);
  });

  it('is not delivered unless drills are to be', () => {
    assert.deepEqual(deliverable(page, false), { deliver: false, drill: ID });
    assert.deepEqual(deliverable(page, true), { deliver: true, drill: ID });
    assert.deepEqual(deliverable(aPage({ incident: 'real' }), false), { deliver: true, drill: null });
  });
});

describe('drillTarget: the drill-enabled check', () => {
  const topics = { alerts: 'ml.anomalies', deployments: 'ml.deployments' };
  it('refuses a cluster where no service said it reads the topics', () => {
    const r = drillTarget([], topics);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.refusal.code, 'DRILL_NO_SERVICE');
    const other = drillTarget([status({ topics: { ...status().topics, alerts: 'other' } })], topics);
    assert.equal(!other.ok && other.refusal.code, 'DRILL_NO_SERVICE');
  });
  it('refuses a service that did not enable drills, naming the key', () => {
    const r = drillTarget([status({ drills: { enabled: false } })], topics);
    assert.equal(!r.ok && r.refusal.code, 'DRILL_NOT_ENABLED');
    assert.match(!r.ok ? r.refusal.message : '', /drills\.enabled: true/);
  });
  it('refuses a service without the incident stage (it writes no pages)', () => {
    const r = drillTarget([status({ incident_stage: false })], topics);
    assert.equal(!r.ok && r.refusal.code, 'DRILL_NO_INCIDENT_STAGE');
  });
  it('takes the latest drill-enabled service reading both topics', () => {
    const r = drillTarget(
      [
        status({ group_id: 'a', drills: { enabled: false } }),
        status({ group_id: 'b' }),
        status({ group_id: 'c', started_at: T + 1 }),
      ],
      topics,
    );
    assert.equal(r.ok && r.service.group_id, 'c');
  });
  it('reads status records back, and nothing else', () => {
    assert.deepEqual(readServiceStatus(JSON.parse(JSON.stringify(status()))), status());
    assert.equal(readServiceStatus(null), null);
    assert.equal(readServiceStatus({ type: 'something-else' }), null);
    assert.equal(readServiceStatus({ ...status(), topics: 'x' }), null);
  });
});

describe('drillSummary', () => {
  it('gives time to page from the first alert, to ack and to resolve from the page, against the SLA', () => {
    const page = markDrillRecord(
      {
        ...aPage({ incident: 'inc-1' }),
        incident: { ...aPage({ incident: 'inc-1' }).incident, first_event_time: T },
      },
      ID,
    );
    const ack = markDrillRecord({ ...anAcknowledge('inc-1'), event_time: T + 4_000 + 5 * 60_000 }, ID);
    const resolve = markDrillRecord({ ...aResolve('inc-1'), event_time: T + 4_000 + 5 * 3_600_000 }, ID);
    const real = aPage({ incident: 'inc-2' });
    const [f, ...rest] = drillSummary(
      [{ record: page, written_at: T + 4_000 }, { record: real }, { record: ack }, { record: resolve }],
      SLA,
    );
    assert.equal(rest.length, 0, 'a real page is no drill');
    assert.deepEqual(f, {
      drill_id: ID,
      scenario: 'bad-deploy',
      incident_id: 'inc-1',
      tier: 'P1',
      first_alert_at: T,
      paged_at: T + 4_000,
      acked_at: T + 4_000 + 5 * 60_000,
      resolved_at: T + 4_000 + 5 * 3_600_000,
      time_to_page_ms: 4_000,
      time_to_ack_ms: 5 * 60_000,
      time_to_resolve_ms: 5 * 3_600_000,
      sla: { ack_ms: 15 * 60_000, resolve_ms: 4 * 3_600_000 },
      ack_within_sla: true,
      resolve_within_sla: false,
    });
  });
});
