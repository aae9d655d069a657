// examples/cascade-week: a 60-model platform whose upstream changes break several models at once, some of
// them never recorded. Its truth.ndjson is what incident grouping is measured against, so it must agree with
// the other files; and the generator must stay deterministic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { checkTruth, type WorldFiles } from '../../scripts/sample/truth-checks.ts';
import type { TruthLine } from '../../src/sample/truth.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WEEK = join(ROOT, 'examples', 'cascade-week');
const FILES = ['catalog.yaml', 'alerts.ndjson', 'deploys.ndjson', 'feedback.ndjson', 'truth.ndjson'];

const lines = (dir: string, file: string): Record<string, unknown>[] =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const ms = (v: unknown): number => (typeof v === 'number' ? v : Date.parse(v as string));

function loadWorld(dir: string): WorldFiles {
  const catalog = parse(readFileSync(join(dir, 'catalog.yaml'), 'utf8')) as {
    models: Record<string, { upstream?: string[] }>;
  };
  return {
    alerts: lines(dir, 'alerts.ndjson').map((a) => ({
      alert_id: a.alert_id as string,
      model_id: a.model_id as string,
      t: ms(a.event_time),
    })),
    deploys: lines(dir, 'deploys.ndjson').map((d) => ({
      event_id: d.event_id as string,
      kind: d.kind as string,
      ...(typeof d.model_id === 'string' ? { model_id: d.model_id } : {}),
      ...(typeof d.service === 'string' ? { service: d.service } : {}),
      t: ms(d.event_time),
    })),
    feedback: new Map(
      lines(dir, 'feedback.ndjson').map((f) => [
        f.alert_id as string,
        { outcome: f.outcome as string, true_tier: f.true_tier as string },
      ]),
    ),
    upstream: new Map(Object.entries(catalog.models).map(([id, m]) => [id, m.upstream ?? []])),
    truth: lines(dir, 'truth.ndjson') as unknown as TruthLine[],
  };
}

function incidents(truth: readonly TruthLine[]): Map<string, TruthLine[]> {
  const out = new Map<string, TruthLine[]>();
  for (const t of truth)
    if (t.incident_id !== null) out.set(t.incident_id, [...(out.get(t.incident_id) ?? []), t]);
  return out;
}

function generate(days: string): string {
  const out = mkdtempSync(join(tmpdir(), 'alert-triage-cascades-'));
  const r = spawnSync(
    process.execPath,
    [
      'scripts/sample/generate-world.ts',
      ...['--profile', 'cascades', '--seed', '20', '--start', '2026-11-30', '--days', days, '--out', out],
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return out;
}

describe('examples/cascade-week', () => {
  const world = loadWorld(WEEK);
  const byIncident = incidents(world.truth);
  const alertModel = new Map(world.alerts.map((a) => [a.alert_id, a.model_id]));
  const cascades = [...byIncident.values()].filter((m) => m[0]!.multi_model && m[0]!.cause_event_id !== null);

  it('has one truth line per alert, and an alert for every truth line', () => {
    assert.deepEqual(
      world.truth.map((t) => t.alert_id),
      world.alerts.map((a) => a.alert_id),
    );
  });

  it('agrees with its deploys, feedback and catalog (truth-checks.ts finds nothing)', () => {
    assert.deepEqual(checkTruth(world), []);
  });

  it('is the week the issue describes: ~60 models, ~1,500 alerts, ~80 real incidents, ~6 cascades', () => {
    assert.equal(world.upstream.size, 60);
    const span = world.alerts.at(-1)!.t - world.alerts[0]!.t;
    assert.ok(span > 6.5 * 86_400_000 && span <= 7 * 86_400_000, `alerts span ${span} ms`);
    assert.ok(world.alerts.length >= 1200 && world.alerts.length <= 1800, `${world.alerts.length} alerts`);
    assert.ok(byIncident.size >= 65 && byIncident.size <= 100, `${byIncident.size} real incidents`);
    assert.ok(cascades.length >= 5 && cascades.length <= 8, `${cascades.length} cascades`);
    assert.ok(
      cascades.some((m) => m[0]!.models_in_incident! >= 6),
      'one cascade breaks six models or more',
    );
  });

  it('has cascades whose models each raise alerts of their own, low and high severity among them', () => {
    const severity = new Map(lines(WEEK, 'alerts.ndjson').map((a) => [a.alert_id, a.severity]));
    for (const members of cascades) {
      const models = new Set(members.map((m) => alertModel.get(m.alert_id)));
      assert.ok(models.size >= 2 && models.size <= 8, `${members[0]!.incident_id}: ${models.size} models`);
      assert.ok(new Set(members.map((m) => m.cause_event_id)).size === 1);
    }
    const all = cascades.flat().map((m) => severity.get(m.alert_id));
    assert.ok(all.includes('low') && (all.includes('high') || all.includes('critical')));
  });

  it('has announced and silent changes; a silent change has no deploy record with its id', () => {
    const deployIds = new Set(world.deploys.map((d) => d.event_id));
    const silent = [...byIncident.values()].filter((m) => m[0]!.cause_recorded === false);
    const announced = cascades.filter((m) => m[0]!.cause_recorded === true);
    assert.ok(
      silent.some((m) => m[0]!.multi_model),
      'a silent cascade',
    );
    assert.ok(announced.length >= 2, 'announced cascades');
    for (const m of silent) assert.ok(!deployIds.has(m[0]!.cause_event_id!), m[0]!.incident_id!);
    for (const m of announced) assert.ok(deployIds.has(m[0]!.cause_event_id!), m[0]!.incident_id!);
  });

  it('is caught by the checks when a silent change is recorded after all', () => {
    const silentLine = world.truth.findIndex((t) => t.cause_recorded === false);
    const cause = world.truth[silentLine]!.cause_event_id!;
    const recorded = {
      ...world,
      deploys: [...world.deploys, { event_id: cause, kind: 'schema_change', service: 'x', t: 0 }],
    };
    assert.ok(checkTruth(recorded).some((p) => p.includes(`silent change ${cause} is in deploys.ndjson`)));
  });
});

describe('the cascades profile of the generator', () => {
  it('writes the same bytes twice for the same arguments (a one-day world)', () => {
    const [a, b] = [generate('1'), generate('1')];
    for (const file of FILES)
      assert.ok(readFileSync(join(a, file)).equals(readFileSync(join(b, file))), `${file} differs`);
    assert.deepEqual(checkTruth(loadWorld(a)), []);
  });
});
