// The pipeline conformance suite (test/runtime/conformance.ts) on the real broker and registry: the
// same cases the in-memory ports pass, with StreamService instances in this process. Its first half and
// the incident stage's cases here, the second half in conformance-2.test.ts (two files, two workers).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionCounts } from '../../src/adapters/kafka/admin.ts';
import { conformanceSuite, incidentConformanceSuite } from '../runtime/conformance.ts';
import { broker, brokerWorld } from './broker-world.ts';
import { kafka, SKIP } from './harness.ts';

describe('conformance on the broker', { skip: SKIP }, () => {
  // The suite's cases assert through conformance.ts; this one checks the harness itself, so a world that
  // quietly fell back to something else (or shared topics with another) could not pass them.
  it('gives each world topics of its own on the broker, the changelog partitioned like the alerts', async () => {
    const catalog = { models: {} };
    const [a, b] = [
      await brokerWorld(catalog, { partitions: 3 }),
      await brokerWorld(catalog, { partitions: 3 }),
    ];
    try {
      assert.notEqual(a.config.topics.alerts, b.config.topics.alerts);
      assert.notEqual(a.config.kafka.group_id, b.config.kafka.group_id);
      const admin = kafka().admin();
      await admin.connect();
      try {
        const t = a.config.topics;
        const counts = await partitionCounts(admin, [t.alerts, t.dedup_changelog]);
        assert.deepEqual(
          [...counts].sort(),
          [
            [t.alerts, 3],
            [t.dedup_changelog, 3],
          ].sort(),
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  conformanceSuite(broker, { part: 1 });
  incidentConformanceSuite(broker, { backlog: false });
});
