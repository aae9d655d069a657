// A step told that no feedback can arrive keeps no per-alert memory for it, and scores the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createState, createStep } from '../../src/core/processor.ts';
import { aConfig, aDeploy, alertInput, anAlert, deployInput, MIN, T0 } from '../fixtures/builders.ts';

describe('createStep({ feedback: false })', () => {
  it('gives the same outputs and remembers no alert', () => {
    const config = aConfig();
    const inputs = [
      deployInput(aDeploy({ event_time: T0 - 10 * MIN })),
      ...Array.from({ length: 50 }, (_, i) =>
        alertInput(anAlert({ alert_id: `a${i}`, event_time: T0 + i * MIN }), 1),
      ),
    ];
    const run = (feedback: boolean | undefined) => {
      const step = createStep(config, feedback === undefined ? {} : { feedback });
      const state = createState(config);
      const outputs = inputs.flatMap((input) => step(state, input).outputs);
      return { outputs: JSON.stringify(outputs), remembered: state.recentAlerts.size };
    };
    const usual = run(undefined);
    const off = run(false);
    assert.equal(usual.remembered, 50);
    assert.equal(off.remembered, 0);
    assert.equal(off.outputs, usual.outputs);
  });
});
