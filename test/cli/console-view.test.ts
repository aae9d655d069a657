import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, renderErrorPage, renderQueuePage } from '../../src/console/page.ts';
import { ConsoleReadModel } from '../../src/console/read-model.ts';
import { buildConsoleView, parseConsoleQuery, queryOf } from '../../src/console/view-model.ts';
import type { IncidentRecord } from '../../src/core/incidents/types.ts';
import type { ScoredAlert } from '../../src/core/processor.ts';

const T0 = Date.parse('2026-11-19T12:00:00Z');

function anIncident(over: Partial<IncidentRecord> & { incident_id: string }): IncidentRecord {
  return {
    key: `model:${over.incident_id}`,
    title: 'fraud-scorer: data_drift',
    status: 'open',
    resolved_at: null,
    resolved_by: null,
    cause: null,
    models: [{ model_id: 'fraud-scorer' }],
    product_areas: ['payments'],
    regions: ['eu'],
    customer_segments: ['smb'],
    members: 1,
    first_event_time: T0,
    last_event_time: T0,
    expected_impact_per_hour: 100,
    priority: 50,
    tier: 'P2',
    owner: 'risk-ml',
    owner_from: 'first_model',
    escalation: [],
    playbook: null,
    sla: { ack_by: T0 + 3_600_000, resolve_by: T0 + 86_400_000 },
    pages: 1,
    paged_tier: 'P2',
    first_paged_at: T0,
    silenced: 0,
    inhibited: 0,
    suppressed: 0,
    config_version: 'cfg-test',
    ...over,
  } as IncidentRecord;
}

function aScored(over: Record<string, unknown> & { alert_id: string }): ScoredAlert {
  const signal = (over.signal as string) ?? 'data_drift';
  return {
    model_id: 'fraud-scorer',
    event_time: T0,
    scored_at: T0 + 2000,
    priority: 50,
    tier: 'P2',
    product_area: 'payments',
    region: 'eu',
    customer_segment: 'smb',
    dedup: { fingerprint: 'f', occurrences: 1, suppressed: false },
    silenced_by: null,
    page: false,
    sla: { ack_by: T0 + 3_600_000, resolve_by: T0 + 86_400_000 },
    alert: { alert_id: over.alert_id, signal },
    ...over,
  } as unknown as ScoredAlert;
}

describe('console query', () => {
  it('parses lists, times and tiers, and names unknown parameters', () => {
    const q = parseConsoleQuery(
      new URLSearchParams('tier=p1,P2&product_area=payments&since=2026-11-19&foo=1&bar=2'),
    );
    assert.deepStrictEqual(q.errors, []);
    assert.deepStrictEqual(q.ignored, ['bar', 'foo']);
    assert.deepStrictEqual(q.filters, {
      tier: ['P1', 'P2'],
      product_area: ['payments'],
      since: T0 - 12 * 3_600_000,
    });
    assert.equal(
      queryOf(q.filters),
      '?tier=P1%2CP2&product_area=payments&since=2026-11-19T00%3A00%3A00.000Z',
    );
  });

  it('reports every bad parameter with a message naming it', () => {
    const q = parseConsoleQuery(new URLSearchParams('tier=P9&since=yesterday&status=closed&model=<x>'));
    assert.deepStrictEqual(
      q.errors,
      [
        'since: "yesterday" must be an RFC 3339 time (2026-11-19T14:00:00Z), a date (2026-11-19) or epoch ms',
        'status: "closed" must be open or all',
        'tier: "P9" is not a tier (P1, P2, P3, P4)',
        'model: "<x>" is not a valid name (letters, digits, _ . : - / and spaces, at most 128)',
      ].sort((a, b) => order(a) - order(b)),
    );
  });

  it('refuses since after until', () => {
    const q = parseConsoleQuery(new URLSearchParams('since=2026-11-20&until=2026-11-19'));
    assert.deepStrictEqual(q.errors, ['since must be before until']);
  });
});

const PARAM_ORDER = [
  'tier',
  'product_area',
  'region',
  'segment',
  'model',
  'signal',
  'since',
  'until',
  'status',
];
function order(msg: string): number {
  return PARAM_ORDER.indexOf(msg.split(':')[0] as string);
}

describe('console view', () => {
  const incidents = [
    anIncident({ incident_id: 'inc-b', tier: 'P2', priority: 70 }),
    anIncident({
      incident_id: 'inc-a',
      tier: 'P1',
      priority: 60,
      product_areas: ['ads'],
      models: [{ model_id: 'ads-bidder' }] as IncidentRecord['models'],
      expected_impact_per_hour: 5000,
      cause: {
        event_id: 'dep-1',
        kind: 'model_deploy',
        model_id: 'ads-bidder',
        actor: 'alice',
        commit: 'abc123',
      } as IncidentRecord['cause'],
      sla: { ack_by: T0 - 60_000, resolve_by: T0 + 3_600_000 },
    }),
    anIncident({ incident_id: 'inc-c', status: 'resolved', resolved_at: T0 }),
  ];
  const alerts = [
    aScored({
      alert_id: 'a1',
      incident_id: 'inc-a',
      model_id: 'ads-bidder',
      product_area: 'ads',
      tier: 'P1',
      priority: 60,
      page: true,
      signal: 'latency',
    }),
    aScored({ alert_id: 'a2', incident_id: 'inc-b', page: true }),
    aScored({
      alert_id: 'a3',
      incident_id: 'inc-b',
      dedup: { fingerprint: 'f', occurrences: 2, suppressed: true },
    }),
  ];

  it('ranks the open incidents by tier, then priority, with cause, SLA countdown and the member to explain', () => {
    const v = buildConsoleView({ incidents, alerts, filters: {}, now: T0 });
    assert.deepStrictEqual(
      v.queue.map((r) => r.incident_id),
      ['inc-a', 'inc-b'],
    );
    assert.equal(v.open_total, 2);
    const a = v.queue[0]!;
    assert.deepStrictEqual(a.cause, {
      kind: 'model_deploy',
      subject: 'ads-bidder',
      event_id: 'dep-1',
      actor: 'alice',
      commit: 'abc123',
    });
    // ack is past: the countdown is to the resolve deadline
    assert.equal(a.sla_deadline, 'resolve');
    assert.equal(a.sla_left_ms, 3_600_000);
    assert.equal(a.top_alert_id, 'a1');
    assert.equal(v.queue[1]!.sla_deadline, 'ack');
  });

  it('filters by tier, product area and signal, and status=all shows resolved ones', () => {
    assert.deepStrictEqual(
      buildConsoleView({ incidents, alerts, filters: { tier: ['P2'] }, now: T0 }).queue.map(
        (r) => r.incident_id,
      ),
      ['inc-b'],
    );
    assert.deepStrictEqual(
      buildConsoleView({ incidents, alerts, filters: { signal: ['latency'] }, now: T0 }).queue.map(
        (r) => r.incident_id,
      ),
      ['inc-a'],
    );
    assert.deepStrictEqual(
      buildConsoleView({
        incidents,
        alerts,
        filters: { product_area: ['payments'], status: 'all' },
        now: T0,
      }).queue.map((r) => r.incident_id),
      ['inc-b', 'inc-c'],
    );
  });

  it('aggregates impact per area and tier next to signals, pages per day, noise and lag', () => {
    const v = buildConsoleView({
      incidents,
      alerts,
      feedback: [{ alert_id: 'a1', acked_at: T0 + 60_000, resolved_at: T0 + 10 * 3_600_000 }],
      filters: {},
      now: T0,
    });
    assert.deepStrictEqual(
      v.business.impact_by_area.map((a) => [a.product_area, a.impact_per_hour, a.by_tier.P1]),
      [
        ['ads', 5000, 5000],
        ['payments', 100, 0],
      ],
    );
    assert.deepStrictEqual(v.business.sla[0], {
      tier: 'P1',
      acked: 1,
      ack_within: 1,
      resolved: 1,
      resolve_within: 1,
    });
    assert.deepStrictEqual(v.technical.by_signal, [
      { signal: 'data_drift', count: 2 },
      { signal: 'latency', count: 1 },
    ]);
    assert.deepStrictEqual(v.technical.pages_by_day, [{ day: '2026-11-19', pages: 2 }]);
    assert.equal(v.technical.noise_share, 1 / 3);
    assert.deepStrictEqual(v.technical.lag_ms, { p50: 2000, max: 2000 });
  });
});

describe('console page', () => {
  it('escapes every value', () => {
    assert.equal(
      escapeHtml(`<script>"x"&'y'</script>`),
      '&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;',
    );
    const evil = anIncident({ incident_id: 'inc-<b>', owner: '<img src=x onerror=alert(1)>' });
    const html = renderQueuePage(buildConsoleView({ incidents: [evil], alerts: [], filters: {}, now: T0 }), {
      notices: ['<i>'],
      writable: false,
    });
    assert.ok(!html.includes('<img src=x'));
    assert.ok(!html.includes('<i>'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!/<script/i.test(html), 'no script at all on the queue page');
    assert.ok(!/https?:\/\//.test(html), 'nothing loaded from elsewhere');
  });

  it('shows the drills the service paged in a table of their own, with the SLA they missed', () => {
    const view = buildConsoleView({ incidents: [], alerts: [], filters: {}, now: T0 });
    assert.ok(!renderQueuePage(view, { notices: [], writable: false }).includes('id="drills"'));
    const drill = {
      drill_id: 'bad-deploy-m1-s1',
      scenario: 'bad-deploy' as const,
      incident_id: 'inc-drill',
      tier: 'P1' as const,
      first_alert_at: T0,
      paged_at: T0 + 3_000,
      acked_at: T0 + 3_000 + 20 * 60_000,
      resolved_at: null,
      time_to_page_ms: 3_000,
      time_to_ack_ms: 20 * 60_000,
      time_to_resolve_ms: null,
      sla: { ack_ms: 15 * 60_000, resolve_ms: 4 * 3_600_000 },
      ack_within_sla: false,
      resolve_within_sla: null,
    };
    const html = renderQueuePage(view, { notices: [], writable: false, drills: [drill] });
    const table = html.slice(html.indexOf('id="drills"'));
    assert.ok(html.includes('id="drills"'), 'the drills table');
    assert.match(table, /\[DRILL\] bad-deploy/);
    assert.match(table, /inc-drill/);
    assert.match(table, />3\.0s</, 'time to page in seconds');
    assert.match(table, /20m <span class="overdue">\(SLA 15m, missed\)/, 'the ack took longer than its SLA');
  });

  it('an error page shows the messages and no stack', () => {
    const html = renderErrorPage(400, 'Bad filter', ['tier: "<P9>" is not a tier']);
    assert.ok(html.includes('tier: &quot;&lt;P9&gt;&quot; is not a tier'));
    assert.ok(!html.includes(' at '));
  });
});

describe('console read model', () => {
  it('keeps the latest incident state and bounds the alerts it holds', () => {
    const m = new ConsoleReadModel(2);
    m.incident(anIncident({ incident_id: 'i', members: 1 }));
    m.incident(anIncident({ incident_id: 'i', members: 3 }));
    assert.equal(m.incidentList().length, 1);
    assert.equal(m.incidentOf('i')?.members, 3);
    for (const id of ['a', 'b', 'c'])
      m.scored(aScored({ alert_id: id, incident_id: 'i', priority: id === 'b' ? 90 : 10 }));
    assert.deepStrictEqual(
      m.alertList().map((a) => a.alert_id),
      ['b', 'c'],
    );
    assert.equal(m.topMember('i')?.alert_id, 'b');
  });
});
