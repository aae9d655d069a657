// The Grafana dashboard rendered once against what the service really exports: `alert-triage run` as a child
// on the sample week's catalog, the week replayed into Kafka as `npm run local` does (the demo producer,
// feedback included), then /metrics scraped. Every selector of every panel's expressions must match at least
// one exported series (its label matchers applied; `$instance` matches every instance) — a selector that
// matches none is a panel line Grafana would draw as "No data" — unless its expression ends in
// `or on() vector(0)`, which Grafana draws as a 0 line. The dashboard's structure (grid, data
// source, metric names, rates over counters only) is checked without a broker in test/grafana-dashboard.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isReady, NODE, sampleChildConfig, spawnCli } from '../reliability/support.ts';
import { BROKERS, ndjsonLines, REGISTRY, ROOT, SAMPLE, SKIP, waitUntil } from './harness.ts';

const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'dashboards', 'alert-triage.json');

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → its samples (comments skipped). */
export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

interface Selector {
  text: string;
  name: string;
  matchers: { label: string; op: string; value: string }[];
}

/** The metric selectors of a PromQL expression: `alert_triage_x{label=~"v", …}`. */
export function selectorsOf(expr: string): Selector[] {
  return [...expr.matchAll(/(alert_triage_[a-z_]+)(\{([^}]*)\})?/g)].map((m) => ({
    text: m[0],
    name: m[1]!,
    matchers: [...(m[3] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)]
      // A dashboard variable ($instance) selects every instance here.
      .filter((x) => !x[3]!.includes('$'))
      .map((x) => ({ label: x[1]!, op: x[2]!, value: x[3]! })),
  }));
}

function matches(s: Series, sel: Selector): boolean {
  if (s.name !== sel.name) return false;
  return sel.matchers.every(({ label, op, value }) => {
    const v = s.labels[label] ?? '';
    const re = new RegExp(`^(?:${value})$`);
    return op === '=' ? v === value : op === '!=' ? v !== value : op === '=~' ? re.test(v) : !re.test(v);
  });
}

interface Panel {
  type: string;
  title?: string;
  targets?: { expr?: string }[];
}

describe('the Grafana dashboard against the running service', { skip: SKIP }, () => {
  it('every panel draws: each selector matches a series the service exports after the sample week', {
    timeout: 300_000,
  }, async (t) => {
    const { dir, port, doc, configPath } = await sampleChildConfig('grafana', { alertPartitions: 2 });
    const child = spawnCli(['run', '--config', configPath], join(dir, 'service.log'));
    t.after(async () => {
      child.proc.kill('SIGTERM');
      await child.exited;
    });
    await waitUntil('ready', () => isReady(port), 90_000);

    // The demo producer, as `npm run local` runs it: the week's deploys, alerts, then its feedback.
    const replay = spawn(
      NODE,
      [join(ROOT, 'scripts/local/replay-sample.ts'), '--config', configPath, '--rate', '0', '--feedback'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: BROKERS ?? '127.0.0.1:9092',
          SCHEMA_REGISTRY_URL: REGISTRY ?? '',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    assert.equal(await new Promise((r) => replay.once('exit', r)), 0, 'the replay ran');

    const alerts = ndjsonLines(join(SAMPLE, 'alerts.ndjson')).length;
    const feedback = ndjsonLines(join(SAMPLE, 'feedback.ndjson')).length;
    const scrape = async () =>
      parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const total = (series: Series[], name: string, pred: (s: Series) => boolean = () => true) =>
      series.filter((s) => s.name === name && pred(s)).reduce((n, s) => n + s.value, 0);
    let series: Series[] = [];
    await waitUntil(
      'the week and its feedback consumed',
      async () => {
        series = await scrape();
        const consumed = (topic: string) =>
          total(series, 'alert_triage_records_consumed_total', (s) => s.labels.topic === topic);
        const topics = doc.topics as Record<string, string>;
        return consumed(topics.alerts!) >= alerts && consumed(topics.feedback!) >= feedback;
      },
      180_000,
    );
    // Gauges refreshed on a timer (consumer lag, census) have had a tick.
    await new Promise((r) => setTimeout(r, 6_000));
    series = await scrape();

    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const empty: string[] = [];
    const zeroLines: string[] = [];
    let selectors = 0;
    for (const p of dashboard.panels) {
      for (const target of p.targets ?? []) {
        // `… or on() vector(0)`: the panel draws a 0 line while nothing happened (a healthy service
        // dead-letters and retries nothing), so its selectors may match no series yet.
        const zeroLine = /\bor on\(\) vector\(0\)\s*$/.test(target.expr ?? '');
        for (const sel of selectorsOf(target.expr ?? '')) {
          selectors++;
          if (series.some((s) => matches(s, sel))) continue;
          if (zeroLine) zeroLines.push(`${p.title}: ${sel.text}`);
          else empty.push(`${p.title}: ${sel.text}`);
        }
      }
    }
    console.log(
      `GRAFANA ${JSON.stringify({ panels: dashboard.panels.filter((p) => p.targets).length, selectors, empty: empty.length, zero_lines: zeroLines })}`,
    );
    assert.deepEqual(empty, [], 'selectors with no series after the sample week');
  });
});
