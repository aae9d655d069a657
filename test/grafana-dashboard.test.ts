// The provisioned Grafana dashboard: valid JSON on the provisioned Prometheus data source, and every
// PromQL expression names only metrics that src/telemetry.ts defines, so the dashboard cannot drift
// from the code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createMetrics, METRIC_NAMES } from '../src/telemetry.ts';

const ROOT = join(import.meta.dirname, '..');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'dashboards', 'alert-triage.json');
const DATASOURCES = join(ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml');

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
  options?: { content?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating?: { list: { name: string; type: string; query?: unknown; datasource?: Panel['datasource'] }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const provisioned = (
  parseYaml(readFileSync(DATASOURCES, 'utf8')) as {
    datasources: { name: string; uid: string; type: string }[];
  }
).datasources.find((d) => d.type === 'prometheus');

/** Every panel, rows' nested panels included (a collapsed row holds its panels). */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}
const panels = allPanels(dashboard.panels);
const queryPanels = panels.filter((p) => p.type !== 'row' && p.type !== 'text');
const rows = panels.filter((p) => p.type === 'row');
const exprs = queryPanels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })),
);

/** Metric name → Prometheus type, from a fresh registry. */
async function metricTypes(): Promise<Map<string, string>> {
  const json = await createMetrics().registry.getMetricsAsJSON();
  return new Map(json.map((m) => [m.name, String(m.type)]));
}

/** The defined metric a series name refers to (a histogram's _bucket/_sum/_count included), if any. */
function metricOf(series: string, types: Map<string, string>): string | undefined {
  if (METRIC_NAMES.includes(series)) return series;
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (m && METRIC_NAMES.includes(m[1]!) && types.get(m[1]!) === 'histogram') return m[1];
  return undefined;
}

describe('grafana dashboard', () => {
  it('is the alert-triage dashboard', () => {
    assert.equal(dashboard.uid, 'alert-triage');
    assert.equal(dashboard.title, 'alert-triage');
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
  });

  it('puts Business and Technical side by side: two columns, each headed, panels beside each other', () => {
    const headers = panels.filter((p) => p.type === 'text');
    const headed = (x: number) =>
      headers.find((h) => h.gridPos?.x === x && h.gridPos.y === 0)?.options?.content ?? '';
    assert.match(headed(0), /^## Business/);
    assert.match(headed(12), /^## Technical/);
    assert.deepEqual(rows, [], 'no full-width rows: they would stack the views');
    const business = queryPanels.filter((p) => p.gridPos!.x + p.gridPos!.w <= 12);
    const tech = queryPanels.filter((p) => p.gridPos!.x >= 12);
    assert.equal(business.length + tech.length, queryPanels.length, 'every panel in one column');
    assert.ok(business.length >= 5, `business panels: ${business.length}`);
    assert.ok(tech.length >= 8, `technical panels: ${tech.length}`);
    // Side by side: every band of the technical column has business panels beside it.
    const bands = (ps: Panel[]) => new Set(ps.map((p) => p.gridPos!.y));
    const b = bands(business);
    for (const y of bands(tech)) assert.ok(b.has(y), `business beside the technical panels at y=${y}`);
  });

  it('gives every panel a unique id and a place on the 24-column grid, without overlaps', () => {
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos;
      assert.ok(g, `${p.title} has a gridPos`);
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${p.title} fits the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('queries the provisioned Prometheus data source from every panel and target', () => {
    assert.ok(provisioned, 'a Prometheus data source is provisioned');
    for (const p of queryPanels) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: provisioned.uid }, `${p.title} datasource`);
      assert.ok((p.targets ?? []).length >= 1, `${p.title} has a target`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title} refIds are unique`);
      for (const t of p.targets ?? []) {
        assert.ok(t.refId, `${p.title} target has a refId`);
        assert.ok(t.expr?.trim(), `${p.title} target has an expr`);
        assert.deepEqual(t.datasource ?? p.datasource, p.datasource, `${p.title} target datasource`);
      }
    }
    for (const v of dashboard.templating?.list ?? []) {
      if (v.type === 'query') assert.deepEqual(v.datasource, { type: 'prometheus', uid: provisioned.uid });
    }
  });

  it('names only metrics defined in src/telemetry.ts', async () => {
    const types = await metricTypes();
    const variableQueries = (dashboard.templating?.list ?? []).map((v) => JSON.stringify(v.query ?? ''));
    const texts = [...exprs.map((e) => `${e.panel}: ${e.expr}`), ...variableQueries];
    const unknown: string[] = [];
    for (const text of texts) {
      const names = text.match(/alert_triage_[a-z_]+/g) ?? [];
      for (const name of names) if (!metricOf(name, types)) unknown.push(`${name} in ${text}`);
    }
    assert.deepEqual(unknown, []);
    assert.ok(exprs.length >= 15, `expressions: ${exprs.length}`);
  });

  it('rates only counters and histogram series, and takes quantiles only over buckets by le', async () => {
    const types = await metricTypes();
    for (const { panel, expr } of exprs) {
      for (const m of expr.matchAll(/\b(rate|increase)\(\s*(alert_triage_[a-z_]+)/g)) {
        const series = m[2]!;
        const metric = metricOf(series, types)!;
        const type = types.get(metric);
        assert.ok(
          type === 'counter' || (type === 'histogram' && series !== metric),
          `${panel}: ${m[1]}() over ${series} (${type})`,
        );
      }
      if (expr.includes('histogram_quantile(')) {
        assert.match(expr, /_bucket\{/, `${panel}: quantile over a _bucket series`);
        assert.match(expr, /by \([^)]*\ble\b[^)]*\)/, `${panel}: quantile keeps le`);
      }
      // gauges are read as they are, never rated
      for (const m of expr.matchAll(/alert_triage_[a-z_]+/g)) {
        const metric = metricOf(m[0], types)!;
        if (types.get(metric) === 'gauge') {
          assert.doesNotMatch(expr, new RegExp(`(rate|increase)\\(\\s*${m[0]}\\b`), `${panel}: ${m[0]}`);
        }
      }
    }
  });

  it('covers the business and technical views the issue asks for', async () => {
    const types = await metricTypes();
    const used = new Set(
      exprs.flatMap(({ expr }) => (expr.match(/alert_triage_[a-z_]+/g) ?? []).map((n) => metricOf(n, types))),
    );
    for (const name of [
      'alerts_routed_total',
      'expected_impact_routed_total',
      'sla_breaches_total',
      'time_to_ack_seconds',
      'time_to_resolve_seconds',
      'feedback_outcomes_total',
      'dlq_records_total',
      'consumer_lag',
      'processing_latency_seconds',
      'event_time_lag_seconds',
      'transactions_total',
      'retries_total',
      'window_store_entries',
      'dedup_entries',
      'ready',
    ]) {
      assert.ok(used.has(`alert_triage_${name}`), `a panel shows alert_triage_${name}`);
    }
  });

  it('uses only dashboard variables that it defines (or Grafana built-ins)', () => {
    const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
    const text = JSON.stringify(dashboard.panels);
    for (const m of text.matchAll(/\$(?:\{)?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = m[1]!;
      assert.ok(name.startsWith('__') || defined.has(name), `undefined variable $${name}`);
    }
  });
});
