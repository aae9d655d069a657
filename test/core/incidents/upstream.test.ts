// Rule 5 of routing.ts (incidents.upstream_window): alerts no recorded change explains, on different
// models one upstream service feeds, close together, make one incident — an unrecorded change upstream
// is suspected. Through the same step functions the service uses (stage 1, then the book).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config.ts';
import { drillAlertId } from '../../../src/core/drill.ts';
import type { CoreInput } from '../../../src/core/events.ts';
import { upstreamLanes } from '../../../src/core/incidents/routing.ts';
import { aDeploy, alertInput, anAlert, deployInput, MIN, T0 } from '../../fixtures/builders.ts';
import { inOrder, runBook, stageOne } from '../../fixtures/incidents.ts';

// feature-store feeds four models, orders-cdc three, geo-service one; the ledger has none.
const model = (owner: string, upstream: string[]) => ({
  owner,
  product_area: 'payments',
  revenue_per_hour: 20_000,
  traffic_per_hour: 50_000,
  upstream,
});
const CATALOG = {
  models: {
    'fraud-scorer': model('risk-ml', ['feature-store', 'orders-cdc']),
    'chargeback-predictor': model('risk-ml', ['orders-cdc', 'feature-store']),
    'search-ranker': model('search-ml', ['feature-store']),
    'home-recs': model('recs-ml', ['feature-store', 'geo-service']),
    'refund-risk': model('risk-ml', ['orders-cdc']),
    ledger: model('finance-ml', []),
    'route-eta': model('maps-ml', ['gps-stream']),
  },
};
const config = (incidents: Record<string, unknown> = {}) => parseConfig({ ...CATALOG, incidents });

/** A P2 latency alert on `modelId`, `minutes` after T0 (feature f: each its own fingerprint). */
const slow = (id: string, modelId: string, minutes: number, feature = id): CoreInput =>
  alertInput(
    anAlert({
      alert_id: id,
      model_id: modelId,
      event_time: T0 + minutes * MIN,
      signal: 'latency',
      metric: 'p99_latency_ms',
      feature,
      value: 900,
      threshold: 300,
      severity: 'high',
    }),
  );

function run(inputs: CoreInput[], c = config()) {
  const { members } = stageOne(inputs, c);
  return { members, book: runBook(inOrder(members), c) };
}

describe('incidents.upstream_window (rule 5): one incident for a silent upstream break', () => {
  it('names one lane per connected set of models and services, by its first service and how many more', () => {
    const lanes = upstreamLanes(config().models);
    assert.equal(lanes.get('fraud-scorer'), 'feature-store+2');
    assert.equal(lanes.get('home-recs'), 'feature-store+2', 'geo-service joins through home-recs');
    assert.equal(lanes.get('route-eta'), 'gps-stream', 'a lane of one service');
    assert.equal(lanes.has('ledger'), false, 'no upstream, no lane');
  });

  it('two models fed by one service alerting minutes apart, nothing recorded: one incident, told why', () => {
    const { members, book } = run([
      slow('a1', 'fraud-scorer', 0),
      slow('b1', 'search-ranker', 6),
      slow('a2', 'fraud-scorer', 9),
    ]);
    assert.deepEqual(
      members.map((m) => [m.how, m.route]),
      [
        ['upstream', 'upstream:feature-store+2'],
        ['upstream', 'upstream:feature-store+2'],
        ['model', 'upstream:feature-store+2'],
      ],
    );
    const ids = new Set([...book.scored.values()].map((a) => a.incident_id));
    assert.equal(ids.size, 1);
    const b1 = book.scored.get('b1')!;
    assert.match(
      b1.incident!.reasons[0]!,
      /^joined incident inc-\w+, opened 6 min ago: no recorded change explains this alert, and fraud-scorer, fed like search-ranker by feature-store \(which feeds 4 models\), alerted 6 min before with no change explaining it either: an unrecorded change upstream at feature-store is suspected; 2 models affected/,
    );
    const record = book.incidents.get(b1.incident_id!)!;
    assert.equal(record.cause, null);
    assert.match(record.title, /, 3 alerts, all fed by feature-store: an unrecorded change there suspected$/);
    assert.equal(book.pages.length, 1, 'one page for the incident');
  });

  it('without it (upstream_window: null) the same alerts are two incidents, and page twice', () => {
    const inputs = [
      slow('a1', 'fraud-scorer', 0),
      slow('b1', 'search-ranker', 6),
      slow('a2', 'fraud-scorer', 9),
      slow('b2', 'search-ranker', 12),
    ];
    const linked = run(inputs).book;
    const apart = run(inputs, config({ upstream_window: null })).book;
    assert.equal(new Set([...linked.scored.values()].map((a) => a.incident_id)).size, 1);
    assert.equal(new Set([...apart.scored.values()].map((a) => a.incident_id)).size, 2);
    assert.deepEqual(
      [...apart.scored.values()].map((a) => a.incident?.how),
      ['opened', 'opened', 'model', 'model'],
    );
    assert.equal(linked.pages.length, 1);
    assert.equal(apart.pages.length, 2);
  });

  it('beyond the window of the last such alert, or on a model no service links: its own incident', () => {
    const { book } = run([
      slow('a1', 'fraud-scorer', 0),
      slow('b1', 'search-ranker', 31), // upstream_window defaults to gap (30 min)
      slow('r1', 'route-eta', 32), // gps-stream feeds nothing else
      slow('l1', 'ledger', 33),
    ]);
    const ids = ['a1', 'b1', 'r1', 'l1'].map((id) => book.scored.get(id)!.incident_id);
    assert.equal(new Set(ids).size, 4);
    assert.equal(book.scored.get('l1')!.incident?.how, 'opened', 'no upstream: a model incident');
  });

  it('the window runs from the latest alert of a model the service feeds, so a slow cascade stays one', () => {
    const { book } = run([
      slow('a1', 'fraud-scorer', 0),
      slow('b1', 'search-ranker', 25),
      slow('c1', 'home-recs', 50),
      slow('d1', 'chargeback-predictor', 75),
    ]);
    assert.equal(new Set([...book.scored.values()].map((a) => a.incident_id)).size, 1);
    const last = book.incidents.get(book.scored.get('d1')!.incident_id!)!;
    assert.equal(last.models.length, 4);
  });

  it('of two open incidents it could join, takes the one through the service that feeds fewer models', () => {
    // r1 (refund-risk) opens Y through orders-cdc (3 models); s1 (search-ranker) shares no service with it
    // and opens X through feature-store (4). c1 (chargeback-predictor, fed by both) joins Y, the narrower,
    // though X's alert is the later.
    const { book } = run([
      slow('r1', 'refund-risk', 0),
      slow('s1', 'search-ranker', 2),
      slow('c1', 'chargeback-predictor', 5),
    ]);
    const x = book.scored.get('s1')!.incident_id;
    const y = book.scored.get('r1')!.incident_id;
    const c1 = book.scored.get('c1')!;
    assert.notEqual(x, y);
    assert.equal(c1.incident_id, y);
    assert.match(c1.incident!.reasons[0]!, /by orders-cdc \(which feeds 3 models\)/);
  });

  it('a recorded change that explains the alert wins: it joins the change, not the silent incident', () => {
    const deploy = aDeploy({
      event_id: 'store-1',
      kind: 'data_pipeline_change',
      model_id: undefined,
      service: 'orders-cdc',
      event_time: T0 + 5 * MIN,
    });
    const { book } = run([
      slow('s1', 'search-ranker', 0),
      deployInput(deploy),
      alertInput(
        anAlert({
          alert_id: 'q1',
          model_id: 'chargeback-predictor',
          event_time: T0 + 10 * MIN,
          signal: 'data_quality',
          severity: 'high',
        }),
      ),
    ]);
    const q1 = book.scored.get('q1')!;
    assert.equal(q1.incident?.how, 'cause');
    assert.equal(q1.incident?.key, 'change:store-1');
    assert.notEqual(q1.incident_id, book.scored.get('s1')!.incident_id);
  });

  it("another model's alert links the incident but corroborates nothing: lone alerts of two models do not page", () => {
    // One P2 alert per model: each a lone sighting (corroborate_tiers: [P2]). Linked, they still wait for
    // a second alert of one of them; apart, neither pages either. Linking never adds a page.
    const inputs = [slow('a1', 'fraud-scorer', 0), slow('b1', 'search-ranker', 5)];
    const linked = run(inputs).book;
    assert.equal(new Set([...linked.scored.values()].map((a) => a.incident_id)).size, 1);
    assert.equal(linked.pages.length, 0);
    assert.match(
      linked.scored.get('b1')!.incident!.reasons.at(-1)!,
      /^not paged: no change explains incident inc-\w+ and it has no other alert of search-ranker yet \(another model's alert links it, through an upstream service, but is no second sighting\); at P2 it pages from a second alert of search-ranker/,
    );
    assert.equal(run(inputs, config({ upstream_window: null })).book.pages.length, 0);
    // A second alert of fraud-scorer corroborates: the linked incident pages once.
    const more = run([...inputs, slow('a2', 'fraud-scorer', 8)]).book;
    assert.equal(more.pages.length, 1);
  });

  it("a drill's alerts and real ones never link, and neither hides the other's open incident", () => {
    const d1 = drillAlertId('dr1', 1);
    const d2 = drillAlertId('dr1', 2);
    const { book } = run([
      slow('a1', 'fraud-scorer', 0),
      slow(d1, 'search-ranker', 2),
      slow('b1', 'home-recs', 4),
      slow(d2, 'chargeback-predictor', 6),
    ]);
    const id = (x: string) => book.scored.get(x)!.incident_id;
    assert.equal(id('b1'), id('a1'), 'the real ones link past the drill');
    assert.equal(id(d2), id(d1), 'the drill ones link past the real');
    assert.notEqual(id(d1), id('a1'));
  });

  it('refuses a window above gap, or not above 0, naming the key', () => {
    assert.throws(() => config({ upstream_window: '45m' }), /incidents\.upstream_window.*at most gap/s);
    assert.throws(() => config({ upstream_window: '0s' }), /incidents\.upstream_window.*more than 0/s);
    assert.equal(config({ upstream_window: '10m' }).incidents.upstream_window, 10 * MIN);
    assert.equal(config({ gap: '20m' }).incidents.upstream_window, 20 * MIN, 'defaults to gap');
  });
});
