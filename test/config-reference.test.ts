// The documented reference config must stay true: every key it shows is the built-in default.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../src/adapters/file/config-file.ts';
import { parseConfig } from '../src/config.ts';

const FULL = join(import.meta.dirname, '..', 'examples', 'alert-triage.full.yaml');

describe('examples/alert-triage.full.yaml', () => {
  it('is valid and equals the defaults plus its one model', () => {
    const full = loadConfigFile(FULL);
    const minimal = parseConfig({ models: { 'fraud-scorer': full.models['fraud-scorer'] } });
    assert.deepEqual(full.scoring, minimal.scoring);
    assert.deepEqual(full.windows, minimal.windows);
    assert.deepEqual(full.sla, minimal.sla);
    assert.deepEqual(full.escalation, minimal.escalation);
    assert.deepEqual(full.topics, minimal.topics);
    assert.deepEqual(full.defaults, minimal.defaults);
    assert.deepEqual(full.incidents, minimal.incidents);
    assert.deepEqual(full.gate, minimal.gate);
    assert.deepEqual(full.notify, minimal.notify);
    assert.deepEqual(full.drills, minimal.drills);
    assert.deepEqual({ ...full.services }, { ...minimal.services });
    assert.equal(full.version, minimal.version);
  });

  it('the sample catalog is a valid config on its own', () => {
    const sample = loadConfigFile(join(import.meta.dirname, '..', 'examples', 'sample-week', 'catalog.yaml'));
    assert.ok(Object.keys(sample.models).length >= 15);
  });
});
