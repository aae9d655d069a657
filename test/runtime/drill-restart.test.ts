// A drill through the stream's incident stage (in-memory ports), across a restart: a change-less drill
// incident pages, the instances restart (their memory of drills gone, the book read back from its
// changelog), and its time-out resolve still goes out marked [DRILL]; its page and resolve are kept out of
// the incident events the paging metrics count, while a real incident's are counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { drillAlertId, drillIdOf } from '../../src/core/drill.ts';
import type { IncidentEvent } from '../../src/core/incidents/types.ts';
import { PipelineDriver } from '../fixtures/pipeline-driver.ts';
import { catalogOf } from './conformance.ts';

const START = Date.UTC(2026, 11, 3, 9, 0);
const MIN = 60_000;
const DRILL = drillIdOf('seasonal-drift', START, 3);

/** A severe alert on a valuable model: it pages at P1 with no change to explain it. */
const anAlert = (alertId: string, model: string, at: number, feature: string) =>
  JSON.stringify({
    alert_id: alertId,
    event_time: at,
    model_id: model,
    signal: 'performance_degradation',
    source: 'perf-monitor',
    metric: 'auc',
    feature,
    value: 0.5,
    threshold: 0.8,
    severity: 'critical',
    confidence: 0.95,
    affected_entities: 40_000,
  });

interface TierValue {
  action: string;
  incident_id: string;
  drill?: string;
  incident: { title: string };
  slack: { text: string };
  alert?: { alert_id: string };
}

describe('a drill in the incident stage, across a restart (in-memory ports)', () => {
  it('marks its time-out resolve [DRILL] after a restart, and counts its pages apart from real ones', async () => {
    const config = parseConfig({ ...catalogOf('sample-week'), kafka: { incident_stage: true } });
    const events: IncidentEvent[] = [];
    const d = new PipelineDriver({
      config,
      partitions: 1,
      seed: 5,
      stageObserver: { incidentEvents: (e) => void events.push(...e) },
    });
    await d.start();
    d.produce('alerts', [
      anAlert(drillAlertId(DRILL, 1), 'search-ranker', START, 'query_len'),
      anAlert(drillAlertId(DRILL, 2), 'search-ranker', START + MIN, 'query_len'),
      anAlert('real-1', 'fraud-scorer', START + 2 * MIN, 'amount'),
      anAlert('real-2', 'fraud-scorer', START + 3 * MIN, 'amount'),
    ]);
    await d.drain();
    const tier = () =>
      [config.topics.P1, config.topics.P2, config.topics.P3, config.topics.P4].flatMap((t) =>
        d.records(t).map((r) => JSON.parse(r.value!.toString('utf8')) as TierValue),
      );
    const pages = tier().filter((r) => r.action === 'trigger');
    const drillPage = pages.find((r) => r.alert?.alert_id.startsWith('drill-'));
    const realPage = pages.find((r) => r.alert?.alert_id.startsWith('real-'));
    assert.ok(drillPage && realPage, `a drill page and a real page (${pages.length} pages)`);
    assert.equal(drillPage.drill, DRILL);

    await d.restart();
    // Ordinary traffic an hour on moves the stream time past both incidents' time-out (incidents.gap).
    d.produce('alerts', [anAlert('real-3', 'home-recommender', START + 90 * MIN, 'item_age')]);
    await d.drain();

    const resolves = tier().filter((r) => r.action === 'resolve');
    const drillResolve = resolves.find((r) => r.incident_id === drillPage.incident_id);
    const realResolve = resolves.find((r) => r.incident_id === realPage.incident_id);
    assert.ok(drillResolve && realResolve, `both incidents timed out (${resolves.length} resolves)`);
    assert.equal(drillResolve.drill, DRILL);
    assert.match(drillResolve.incident.title, /^\[DRILL\] /);
    assert.match(drillResolve.slack.text, /^\[DRILL\] /);
    assert.equal(realResolve.drill, undefined);
    assert.ok(!realResolve.slack.text.startsWith('[DRILL]'));

    // What pages_total and page_resolves_total count: the real incident's page and resolve only.
    const about = (id: string) =>
      events.filter((e) => 'incident_id' in e && e.incident_id === id).map((e) => e.type);
    assert.deepEqual(about(drillPage.incident_id), []);
    assert.ok(about(realPage.incident_id).includes('page'));
    assert.ok(about(realPage.incident_id).includes('page_resolved'));
  });
});
