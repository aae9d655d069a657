// Keeps the core pure: nothing under src/core may import an I/O package, read the clock or the environment.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

const CORE = join(import.meta.dirname, '..', 'src', 'core');
const IO_PACKAGES =
  /^(kafkajs|avsc|pino|prom-client|@kafkajs\/.*|yaml|commander|(node:)?(fs|fs\/promises|http|https|net|tls|dgram|child_process|worker_threads|readline|process|os|cluster|dns))$/;
const IMPURE_CALLS = [
  /\bDate\.now\s*\(/,
  /\bnew Date\s*\(\s*\)/,
  /\bprocess\./,
  /\bperformance\.now\s*\(/,
  /\bMath\.random\s*\(/,
];

/** A relative import that resolves inside src/core (from a file in it or in one of its folders). */
function insideCore(file: string, spec: string): boolean {
  return spec.startsWith('.') && !relative(CORE, resolve(dirname(file), spec)).startsWith('..');
}

function coreFiles(): string[] {
  return readdirSync(CORE, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(CORE, f));
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of source.matchAll(/import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

describe('architecture: src/core is pure', () => {
  const files = coreFiles();

  it('finds the core files', () => {
    assert.ok(files.length >= 10, `expected the core modules, found ${files.length}`);
  });

  it('imports no I/O package', () => {
    const offenders = files.flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((spec) => IO_PACKAGES.test(spec))
        .map((spec) => `${f}: ${spec}`),
    );
    assert.deepStrictEqual(offenders, []);
  });

  it('imports only modules of the core (relative, in src/core or a folder of it), or types from outside', () => {
    const offenders = files.flatMap((f) => {
      const source = readFileSync(f, 'utf8');
      return [...source.matchAll(/^import\s+(type\s+)?[^'"]*from\s*['"]([^'"]+)['"]/gm)]
        .filter(
          (m) =>
            !m[1] && !insideCore(f, m[2]!) && !m[0].includes('{ type') && !/^import\s*\{\s*type\b/.test(m[0]),
        )
        .map((m) => `${f}: ${m[2]}`);
    });
    assert.deepStrictEqual(offenders, []);
  });

  it('knows no shell: nothing outside src/core, not even the whole Config (only its settings, core/settings.ts)', () => {
    const offenders = files.flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((spec) => spec.startsWith('.') && !resolve(dirname(f), spec).startsWith(CORE + sep))
        .map((spec) => `${f}: ${spec}`),
    );
    assert.deepStrictEqual(offenders, []);
  });

  it('reads no clock, no environment, no randomness', () => {
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          IMPURE_CALLS.some((re) => re.test(line)) ? [`${f}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    assert.deepStrictEqual(offenders, []);
  });

  it('the checks catch an offender', () => {
    const inInputs = join(CORE, 'inputs', 'mapper.ts');
    assert.ok(insideCore(inInputs, '../dedup.ts') && insideCore(inInputs, './mapping.ts'));
    assert.ok(!insideCore(inInputs, '../../config.ts') && !insideCore(inInputs, 'zod'));
    assert.ok(IO_PACKAGES.test('kafkajs') && IO_PACKAGES.test('node:fs') && IO_PACKAGES.test('fs'));
    assert.deepStrictEqual(importsOf("import { Kafka } from 'kafkajs';\nimport('node:fs');"), [
      'kafkajs',
      'node:fs',
    ]);
    assert.ok(IMPURE_CALLS.some((re) => re.test('const t = Date.now();')));
  });
});

describe('architecture: adapters serve the runtime', () => {
  const ADAPTERS = join(import.meta.dirname, '..', 'src', 'adapters');
  const SHELL = ['runtime', 'cli', 'cli.ts', 'main.ts'].map((p) => join(import.meta.dirname, '..', 'src', p));
  it('no adapter imports the runtime, a command or the composition root', () => {
    const files = readdirSync(ADAPTERS, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ADAPTERS, f));
    assert.ok(files.length >= 10, `expected the adapters, found ${files.length}`);
    const offenders = files.flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(dirname(f), spec))
        .filter((target) => SHELL.some((s) => target === s || target.startsWith(s + sep)))
        .map((target) => `${f}: ${target}`),
    );
    assert.deepStrictEqual(offenders, []);
  });
});
