// The kafkajs negative-timeout warning filter: drops that one Node warning type, keeps every other warning.
// Run in a child process so the test runner's own process.emitWarning is left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const client = fileURLToPath(new URL('../../../src/adapters/kafka/client.ts', import.meta.url));

function stderrOf(drop: boolean): string {
  const script = `
    const { dropKafkajsNegativeTimeoutWarning } = await import(${JSON.stringify(client)});
    if (${drop}) { dropKafkajsNegativeTimeoutWarning(); dropKafkajsNegativeTimeoutWarning(); }
    setTimeout(() => {}, -1795749507111); // what kafkajs 2.2.4's request queue does on Node 24
    process.emitWarning('kept as a string', 'OtherWarning');
    process.emitWarning('kept with options', { type: 'ThirdWarning' });
    process.emitWarning(Object.assign(new Error('kept as an error'), { name: 'FourthWarning' }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

test('without the filter Node prints TimeoutNegativeWarning (the control)', () => {
  assert.match(stderrOf(false), /TimeoutNegativeWarning/);
});

test('the filter drops TimeoutNegativeWarning and nothing else, however often it is installed', () => {
  const err = stderrOf(true);
  assert.doesNotMatch(err, /TimeoutNegativeWarning/);
  assert.match(err, /OtherWarning: kept as a string/);
  assert.match(err, /ThirdWarning: kept with options/);
  assert.match(err, /FourthWarning: kept as an error/);
});
