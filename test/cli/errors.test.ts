// Clean errors: one line with the path, the key and what to do; exit 1; no stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, SAMPLE } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-errors-'));
const ALERTS = join(SAMPLE, 'alerts.ndjson');
const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |Error:/, stderr);

describe('clean errors', () => {
  it('a directory as an input file: names the option and a file in it', () => {
    const r = cli(['score', '--alerts', SAMPLE, '--format', 'ndjson']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^alert-triage: cannot read --alerts ${SAMPLE}: it is a directory, not a file; name a file in it, e.g. --alerts ${join(SAMPLE, 'alerts.ndjson')}`,
      ),
    );
    noStack(r.stderr);
    const deploys = cli(['score', '--alerts', ALERTS, '--deploys', SAMPLE, '--format', 'ndjson']);
    assert.match(
      deploys.stderr,
      /--deploys .*: it is a directory, not a file; name a file in it, e.g. --deploys .*deploys\.ndjson/,
    );
  });

  it('a missing input file: names the option and the absolute path it looked for', () => {
    const r = cli(['explain', 'x', '--alerts', 'nope/alerts.ndjson']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^alert-triage: cannot read --alerts nope\/alerts\.ndjson: no such file \(looked for \/.*nope\/alerts\.ndjson\); check the path\n$/,
    );
    const scored = cli(['explain', 'x', '--scored', SAMPLE]);
    assert.match(scored.stderr, /cannot read --scored .*: it is a directory/);
  });

  it('an empty config file is refused, saying how to run on the defaults instead', () => {
    const files: [string, string][] = [
      ['empty.yaml', ''],
      ['comments.yaml', '# nothing here yet\n'],
      ['empty.json', '  \n'],
    ];
    for (const [name, text] of files) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const r = cli(['score', '--alerts', ALERTS, '--config', path, '--format', 'ndjson']);
      assert.equal(r.code, 1, name);
      assert.match(
        r.stderr,
        new RegExp(
          `${path} is invalid:\\n  - the file is empty \\(no keys\\): .*leave out --config to use the built-in defaults`,
        ),
      );
    }
    const explicit = join(dir, 'explicit.json');
    writeFileSync(explicit, '{}');
    assert.equal(
      cli(['score', '--alerts', ALERTS, '--config', explicit, '--format', 'ndjson']).code,
      0,
      '{} is a deliberate "all defaults"',
    );
  });

  it('a directory as the config', () => {
    const r = cli(['score', '--alerts', ALERTS, '--config', SAMPLE]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /sample-week is invalid:\n {2}- is a directory: give the YAML or JSON config file/,
    );
  });

  it('topics without a reachable broker: one line within the timeout, exit 1', () => {
    const started = Date.now();
    const r = cli(['topics', '--timeout', '1'], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
    const errLines = r.stderr.split('\n').filter(Boolean);
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(
      errLines[0]!,
      /^alert-triage: topics: cannot reach the Kafka broker\(s\) at 127\.0\.0\.1:1 \(no answer within 1 s\); start the broker, or point KAFKA_BROKERS/,
    );
    assert.match(r.stdout, /^ml\.anomalies\s+partitions=/, 'the plan is printed first');
  });
});
