// Rule 4 of stage 1 (incidents.group_by): alerts no change explains that carry the group_by labels with
// equal values (where they are served: a cluster, a node pool) make one incident across models — through
// both stages' step functions, as the offline pipeline and the stream run them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillAlertId } from '../../../src/core/drill.ts';
import type { CoreInput } from '../../../src/core/events.ts';
import { createIncidentStep } from '../../../src/core/incidents/book.ts';
import { groupOf } from '../../../src/core/incidents/routing.ts';
import {
  encodeEntry,
  incidentKey,
  META_KEY,
  metaOf,
  restoreBook,
} from '../../../src/core/incidents/snapshot.ts';
import type { IncidentInput, IncidentMember } from '../../../src/core/incidents/types.ts';
import { aConfig, alertInput, anAlert, MIN, T0 } from '../../fixtures/builders.ts';
import { inOrder, runBook, stageOne } from '../../fixtures/incidents.ts';

const POOL = { k8s_cluster: 'prod-eu-west-1-a', node_pool: 'gpu-serving' };
const OTHER_POOL = { k8s_cluster: 'prod-eu-west-1-a', node_pool: 'cpu-serving' };

/** A latency alert at P2-ish severity on `model`, `minutes` after T0, with `labels`. */
const slow = (id: string, model: string, minutes: number, labels?: Record<string, string>): CoreInput =>
  alertInput(
    anAlert({
      alert_id: id,
      model_id: model,
      event_time: T0 + minutes * MIN,
      signal: 'latency',
      metric: 'p99_latency_ms',
      value: 900,
      threshold: 300,
      severity: 'high',
      ...(labels ? { labels } : {}),
    }),
  );

function run(inputs: CoreInput[], config = aConfig()) {
  const { members } = stageOne(inputs, config);
  return { members, book: runBook(inOrder(members), config) };
}

describe('incidents.group_by (rule 4): one incident for the alerts of one place, across models', () => {
  it('groupOf needs every label, non-empty, and gives their values in the configured order', () => {
    const by = ['k8s_cluster', 'node_pool'];
    assert.equal(groupOf(POOL, by), 'k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving');
    assert.equal(groupOf({ k8s_cluster: 'prod-eu-west-1-a' }, by), null);
    assert.equal(groupOf({ ...POOL, node_pool: '' }, by), null);
    assert.equal(groupOf(undefined, by), null);
    assert.equal(groupOf(POOL, []), null);
  });

  it('three models with the same cluster and node pool, no change: one incident, routed by the group, the later ones told why', () => {
    const { members, book } = run([
      slow('n1', 'fraud-scorer', 0, POOL),
      slow('n2', 'churn-predictor', 3, POOL),
      slow('n3', 'search-ranker', 6, POOL),
    ]);
    assert.deepEqual(
      members.map((m) => [m.how, m.route]),
      Array(3).fill(['group', 'group:k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving']),
    );
    const ids = new Set([...book.scored.values()].map((a) => a.incident_id));
    assert.equal(ids.size, 1, 'one incident');
    const inc = book.incidents.get([...ids][0]!)!;
    assert.equal(inc.models.length, 3);
    assert.equal(inc.key, 'group:k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving');
    assert.match(inc.title, /on k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving, no change suspected$/);
    assert.ok(book.pages.length <= 1, `at most one page, got ${book.pages.length}`);
    assert.match(
      book.scored.get('n1')!.incident!.reasons[0]!,
      /no change explains it; alerts on any model with k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving \(incidents\.group_by\) join it/,
    );
    assert.match(
      book.scored.get('n3')!.incident!.reasons[0]!,
      /^joined incident inc-\w+ of k8s_cluster=prod-eu-west-1-a,node_pool=gpu-serving \(incidents\.group_by\), opened 6 min ago, its last alert 3 min before: .*3 models affected$/,
    );
  });

  it('the same alerts page once with group_by, once per model without it (and without upstream lanes)', () => {
    const inputs = [
      slow('p1', 'fraud-scorer', 0, POOL),
      slow('p1b', 'fraud-scorer', 2, POOL),
      slow('p2', 'churn-predictor', 3, POOL),
      slow('p2b', 'churn-predictor', 4, POOL),
      slow('p3', 'search-ranker', 6, POOL),
      slow('p3b', 'search-ranker', 8, POOL),
    ];
    const grouped = run(inputs).book;
    // fraud-scorer and churn-predictor share an upstream service in the builders' catalog: rule 5 would
    // link them; this test is about rule 4 alone.
    const apart = run(inputs, aConfig({ incidents: { group_by: [], upstream_window: null } })).book;
    assert.equal(new Set([...apart.scored.values()].map((a) => a.incident_id)).size, 3);
    assert.ok(apart.pages.length > grouped.pages.length, `${apart.pages.length} > ${grouped.pages.length}`);
    assert.equal(grouped.pages.length, 1);
  });

  it("a drill's alert and a real one on the same node pool stay apart", () => {
    const { book } = run([
      slow(drillAlertId('dr1', 1), 'fraud-scorer', 0, POOL),
      slow('real-1', 'churn-predictor', 2, POOL),
      slow(drillAlertId('dr1', 2), 'search-ranker', 4, POOL),
    ]);
    const drill1 = book.scored.get(drillAlertId('dr1', 1))!.incident_id;
    assert.notEqual(book.scored.get('real-1')!.incident_id, drill1);
    assert.equal(book.scored.get(drillAlertId('dr1', 2))!.incident_id, drill1, 'drill alerts still group');
  });

  it('another node pool, a missing label, or a gap longer than incidents.gap: not the same incident', () => {
    const { book } = run([
      slow('g1', 'fraud-scorer', 0, POOL),
      slow('g2', 'churn-predictor', 2, OTHER_POOL),
      slow('g3', 'search-ranker', 3, { k8s_cluster: POOL.k8s_cluster }),
      slow('g4', 'home-recommender', 45, POOL),
    ]);
    const id = (a: string) => book.scored.get(a)!.incident_id;
    assert.equal(new Set(['g1', 'g2', 'g3', 'g4'].map(id)).size, 4);
    assert.equal(book.scored.get('g3')!.incident!.key, 'model:search-ranker');
  });

  it("a model's own unexplained incident does not hold its alert that names a node pool", () => {
    const { members, book } = run([
      slow('m0', 'churn-predictor', 0),
      slow('m1', 'fraud-scorer', 5, POOL),
      slow('m2', 'churn-predictor', 8, POOL),
      slow('m3', 'churn-predictor', 10),
    ]);
    assert.equal(members[2]!.how, 'group');
    const id = (a: string) => book.scored.get(a)!.incident_id;
    assert.equal(id('m2'), id('m1'));
    assert.notEqual(id('m0'), id('m1'));
    assert.equal(id('m3'), id('m1'), "the model's memory now follows the group's incident");
  });

  it('a book restored from its records mid-burst keeps the group: the next member joins', () => {
    const config = aConfig();
    const { members } = stageOne(
      [slow('r1', 'fraud-scorer', 0, POOL), slow('r2', 'churn-predictor', 3, POOL)],
      config,
    );
    const [first, second] = members as [IncidentMember, IncidentMember];
    const step = createIncidentStep(config);
    const before = runBook(
      [
        { kind: 'member', member: first },
        { kind: 'watermark', time: first.alert.event_time + 1 },
      ],
      config,
      false,
    );
    assert.equal(before.state.incidents.size, 1);
    const rows: [string, string | null][] = [...before.state.incidents.values()].map((inc) => [
      incidentKey(inc.id),
      encodeEntry(inc),
    ]);
    rows.push([META_KEY, encodeEntry(metaOf(before.state, null))]);
    const { state } = restoreBook(config, rows);
    const inputs: IncidentInput[] = [
      { kind: 'member', member: second },
      { kind: 'watermark', time: Number.POSITIVE_INFINITY },
    ];
    const scored = inputs.flatMap((i) => step(state, i).outputs).filter((o) => o.kind === 'scored');
    const r2 = scored.find((o) => o.kind === 'scored' && o.alert.alert_id === 'r2');
    assert.ok(r2 && r2.kind === 'scored');
    assert.equal(r2.alert.incident_id, first.incident_id);
    assert.match(r2.alert.incident!.reasons[0]!, /\(incidents\.group_by\)/);
  });
});
