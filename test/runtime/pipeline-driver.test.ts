// The stream pipeline on in-memory ports (no broker): every arrival pattern gives the offline answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { type Config, parseConfig } from '../../src/config.ts';
import type { ScoredAlert } from '../../src/core/events.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';
import { PipelineDriver } from '../fixtures/pipeline-driver.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

function configOf(week: string): Config {
  return parseConfig(parseYaml(readFileSync(join(EXAMPLES, week, 'catalog.yaml'), 'utf8')));
}

const verdict = (a: ScoredAlert) =>
  JSON.stringify({ priority: a.priority, tier: a.tier, reasons: a.reasons, suppressed: a.dedup.suppressed });

async function offline(config: Config, week: string) {
  const byId = new Map<string, string>();
  await runOffline(
    config,
    { alerts: join(EXAMPLES, week, 'alerts.ndjson'), deploys: join(EXAMPLES, week, 'deploys.ndjson') },
    { scored: (a) => void byId.set(a.alert_id, verdict(a)), rejected: () => undefined },
  );
  return byId;
}

describe('driver smoke', () => {
  it('backlog of the sample week on 3 partitions', async () => {
    const week = 'sample-week';
    const config = configOf(week);
    const expected = await offline(config, week);
    const t0 = performance.now();
    const d = new PipelineDriver({ config, partitions: 3, seed: 1 });
    d.produce('deployments', lines(join(EXAMPLES, week, 'deploys.ndjson')));
    d.produce('alerts', lines(join(EXAMPLES, week, 'alerts.ndjson')));
    await d.start();
    await d.drain();
    const scored = d.scored();
    console.log('ms', performance.now() - t0, scored.length);
    assert.equal(scored.length, expected.size);
    const diff = scored.filter((a) => verdict(a) !== expected.get(a.alert_id));
    assert.equal(diff.length, 0);
  });
});
