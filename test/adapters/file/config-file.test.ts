import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../../../src/adapters/file/config-file.ts';
import { ConfigError } from '../../../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-triage-config-file-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('config file', () => {
  it('refuses a key given twice in a block map, naming the key and its line', () => {
    const path = file('dup.yaml', 'models:\n  a:\n    owner: x\n  b:\n    owner: y\n  a:\n    owner: z\n');
    assert.throws(
      () => loadConfigFile(path),
      (e: unknown) => e instanceof ConfigError && /Map keys must be unique: "a" at line 6/.test(e.message),
    );
  });

  it('refuses a key given twice in a flow map and in a nested map', () => {
    assert.throws(
      () => loadConfigFile(file('flow.yaml', 'models: {a: {owner: x}, a: {owner: y}}\n')),
      /unique/,
    );
    assert.throws(
      () => loadConfigFile(file('nested.yaml', 'models:\n  a:\n    owner: x\n    owner: y\n')),
      /unique: "owner"/,
    );
  });

  it('reads the same keys in different maps, and a large catalog, as before', () => {
    const models: string[] = [];
    for (let i = 0; i < 5_000; i++)
      models.push(`  m${i}:\n    owner: team-${i % 7}\n    upstream: [s${i % 3}]\n`);
    const config = loadConfigFile(file('big.yaml', `models:\n${models.join('')}`));
    assert.equal(Object.keys(config.models).length, 5_000);
    assert.equal(config.models.m4999?.owner, 'team-1');
  });

  it('refuses an empty file (or one of comments), saying how to run on the defaults; {} is accepted', () => {
    for (const [name, text] of [
      ['empty.yaml', ''],
      ['comment.yaml', '# to do\n'],
      ['blank.json', '\n'],
    ] as const) {
      assert.throws(
        () => loadConfigFile(file(name, text)),
        (e: unknown) =>
          e instanceof ConfigError && /the file is empty \(no keys\).*leave out --config/.test(e.message),
        name,
      );
    }
    assert.equal(Object.keys(loadConfigFile(file('explicit.json', '{}')).models).length, 0);
  });

  it('names a directory or a missing file as such', () => {
    assert.throws(() => loadConfigFile(dir), /is a directory: give the YAML or JSON config file/);
    assert.throws(
      () => loadConfigFile(join(dir, 'nope.yaml')),
      /nope\.yaml is invalid:\n {2}- cannot read: no such file/,
    );
  });

  it('still reports YAML syntax errors', () => {
    assert.throws(() => loadConfigFile(file('bad.yaml', 'models: [\n')), /not valid YAML/);
  });
});
