// The second half of the pipeline conformance suite on the real broker and registry (the first half, the
// harness check and the incident stage's cases: conformance.test.ts).
import { describe } from 'node:test';
import { conformanceSuite } from '../runtime/conformance.ts';
import { broker } from './broker-world.ts';
import { SKIP } from './harness.ts';

describe('conformance on the broker, second half', { skip: SKIP }, () => {
  conformanceSuite(broker, { part: 2 });
});
