// The drill builder (src/sample/drill.ts): pure, so a drill is checked without a broker.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { parseConfig } from '../../src/config.ts';
import { DRILL_SCENARIOS, drillOfId } from '../../src/core/drill.ts';
import { parseAlert, parseDeploy } from '../../src/core/parse-record.ts';
import { buildDrill, DrillError } from '../../src/sample/drill.ts';

const CATALOG = loadConfigFile(
  join(import.meta.dirname, '..', '..', 'examples', 'sample-week', 'catalog.yaml'),
);
const NOW = Date.UTC(2026, 11, 3, 9, 30);
const base = { seed: 5, now: NOW, speed: 60, models: CATALOG.models };

describe('buildDrill', () => {
  for (const scenario of DRILL_SCENARIOS) {
    it(`${scenario}: one incident's valid records, all labelled, starting now`, () => {
      const d = buildDrill({ ...base, scenario });
      const alerts = d.records.filter((r) => r.kind === 'alert');
      assert.ok(alerts.length >= 3 && alerts.length <= 12, `${alerts.length} alerts`);
      assert.equal(d.started_at, NOW);
      assert.equal(alerts[0]!.at, NOW, 'the first alert is now');
      for (const r of d.records) {
        assert.equal(r.headers.drill, d.drill_id);
        assert.ok(r.at >= NOW);
        const parsed = r.kind === 'alert' ? parseAlert(r.value) : parseDeploy(r.value);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        const id =
          r.kind === 'alert'
            ? (r.value as { alert_id: string }).alert_id
            : (r.value as { event_id: string }).event_id;
        assert.equal(drillOfId(id), d.drill_id);
        if (r.kind === 'alert')
          assert.equal((r.value as { labels: Record<string, string> }).labels.drill, d.drill_id);
      }
      for (let i = 1; i < d.records.length; i++)
        assert.ok(d.records[i]!.at >= d.records[i - 1]!.at, 'in order');
      for (const m of d.models) assert.ok(Object.hasOwn(CATALOG.models, m), m);
    });
  }

  it('is the same for the same seed and clock, and squeezes time by --speed', () => {
    assert.deepEqual(
      buildDrill({ ...base, scenario: 'bad-deploy' }),
      buildDrill({ ...base, scenario: 'bad-deploy' }),
    );
    const slow = buildDrill({ ...base, scenario: 'bad-deploy', speed: 1 });
    const fast = buildDrill({ ...base, scenario: 'bad-deploy', speed: 60 });
    const span = (d: typeof slow) => d.ends_at - d.started_at;
    assert.ok(Math.abs(span(slow) / 60 - span(fast)) < 1_000, `${span(slow)} vs ${span(fast)}`);
  });

  it('a bad deploy comes with its deploy first, versions of its own, on the model asked for', () => {
    const d = buildDrill({ ...base, scenario: 'bad-deploy', model: 'fraud-scorer' });
    assert.deepEqual(d.models, ['fraud-scorer']);
    const first = d.records[0]!;
    assert.equal(first.kind, 'deploy');
    const deploy = first.value as {
      version: string;
      previous_version: string;
      description: string;
      event_time: number;
    };
    assert.match(deploy.version, /-drill$/);
    assert.match(deploy.previous_version, /-drill$/);
    assert.match(deploy.description, /^\[DRILL /);
    assert.ok(deploy.event_time < NOW, 'the change happened before the first alert');
  });

  it('a cascade breaks several models fed by one service', () => {
    const d = buildDrill({ ...base, scenario: 'cascade' });
    assert.ok(d.service !== null);
    assert.ok(d.models.length >= 2);
    for (const m of d.models) assert.ok(CATALOG.models[m]!.upstream.includes(d.service!));
  });

  it('works on a catalog the sample world does not know', () => {
    const config = parseConfig({
      models: { 'my-model': { owner: 'team-x', revenue_per_hour: 9000, upstream: ['etl'] } },
    });
    for (const scenario of DRILL_SCENARIOS) {
      const d = buildDrill({ ...base, scenario, models: config.models });
      assert.deepEqual(d.models, ['my-model']);
      assert.ok(d.records.some((r) => r.kind === 'alert'));
    }
  });

  it('names a bad scenario, model or speed', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof DrillError);
        return `${e.code}: ${e.message}`;
      }
      return 'no error';
    };
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'outage' })),
      /^DRILL_UNKNOWN_SCENARIO: .*bad-deploy, cascade, regression, seasonal-drift/,
    );
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'bad-deploy', model: 'nope' })),
      /^DRILL_UNKNOWN_MODEL: --model nope: not in the catalog/,
    );
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'cascade', model: 'nope' })),
      /^DRILL_UNKNOWN_MODEL/,
    );
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'bad-deploy', speed: 0 })),
      /^DRILL_BAD_SPEED/,
    );
    const lone = parseConfig({ models: { solo: { owner: 't', revenue_per_hour: 1 } } });
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'cascade', models: lone.models })),
      /^DRILL_NO_UPSTREAM/,
    );
    assert.match(
      code(() => buildDrill({ ...base, scenario: 'bad-deploy', models: {} })),
      /^DRILL_NO_MODEL/,
    );
  });
});
