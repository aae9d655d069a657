// The topic plan of `alert-triage topics` (pure): with the incident stage, its repartition topic, the
// changelog of its books (partitioned like it) and ml.incidents, named after the group id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicSpecs } from '../../../src/adapters/kafka/admin.ts';
import { parseConfig } from '../../../src/config.ts';

describe('topicSpecs', () => {
  it('has no incident stage topics without the stage', () => {
    const names = topicSpecs(parseConfig({})).map((s) => s.topic);
    assert.ok(!names.includes('ml.incidents'));
    assert.ok(!names.includes('ml.silences'));
    assert.ok(!names.some((n) => n.includes('-incidents-')));
  });
  it('adds the repartition topic, the books changelog (compacted, as many partitions) and ml.incidents', () => {
    const config = parseConfig({
      kafka: { group_id: 'triage', incident_stage: true, partitions: { incidents: 4 } },
    });
    const byName = new Map(topicSpecs(config).map((s) => [s.topic, s]));
    const repartition = byName.get('triage-incidents-repartition');
    const changelog = byName.get('triage-incidents-changelog');
    assert.equal(repartition?.partitions, 4);
    assert.equal(repartition?.configs['cleanup.policy'], 'delete');
    assert.equal(changelog?.partitions, 4);
    assert.equal(changelog?.configs['cleanup.policy'], 'compact');
    assert.equal(byName.get('ml.incidents')?.configs['cleanup.policy'], 'compact');
  });
  it('adds ml.silences with the stage: compacted, one partition (every instance reads it whole)', () => {
    const config = parseConfig({ kafka: { incident_stage: true, partitions: { outputs: 6 } } });
    const silences = topicSpecs(config).find((s) => s.topic === 'ml.silences');
    assert.equal(silences?.partitions, 1);
    assert.equal(silences?.configs['cleanup.policy'], 'compact');
    const renamed = parseConfig({ kafka: { incident_stage: true }, topics: { silences: 'ops.silences' } });
    assert.ok(topicSpecs(renamed).some((s) => s.topic === 'ops.silences'));
  });
  it('takes the stage with Avro output (tier-record.avsc and incident-record.avsc)', () => {
    const config = parseConfig({ kafka: { incident_stage: true }, output: { format: 'avro' } });
    assert.equal(config.output.format, 'avro');
  });
});
