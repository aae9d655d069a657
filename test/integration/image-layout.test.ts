// The Docker image, without a Docker engine: the Dockerfile parsed (image.ts), its build stage emulated,
// its runtime stage laid out in a folder of its own with exactly what its COPY lines copy, and
// `topics` then `run` started there as the image's ENTRYPOINT and CMD, against the test broker, until
// /readyz answers 200. A file or folder `run` needs and the image lacks fails here; so does a Dockerfile
// instruction image.ts does not emulate.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { freePort } from '../reliability/support.ts';
import { BROKERS, REGISTRY, ROOT, SAMPLE, SKIP, uniqueTopics } from './harness.ts';
import {
  DockerfileError,
  type EmulatedStage,
  emulateBuildStages,
  emulateStage,
  parseDockerfile,
  protectLayout,
  type Stage,
  spawnImage,
} from './image.ts';

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const NODE_MAJOR = process.versions.node.split('.')[0];

const tempDir = (tag: string) => mkdtempSync(join(tmpdir(), `alert-triage-${tag}-`));

/** One runtime stage of its own with `lines` (after FROM and WORKDIR), emulated with `context` under `root`. */
function emulateLines(lines: string, context: string, root: string): EmulatedStage {
  const [stage] = parseDockerfile(`FROM node:${NODE_MAJOR}-slim\nWORKDIR /app\n${lines}`);
  return emulateStage(stage!, { context, dir: mkdtempSync(join(root, 'stage-')), built: new Map() });
}

describe('the Dockerfile as image.ts reads it', () => {
  it('parses the Dockerfile: a named build stage, then a runtime stage started in exec form', () => {
    const stages = parseDockerfile(DOCKERFILE);
    assert.equal(stages.length, 2);
    const [build, runtime] = stages as [Stage, Stage];
    assert.equal(build.name, 'build');
    const runs = build.instructions.flatMap((i) => (i.kind === 'RUN' ? i.commands : []));
    assert.deepEqual(runs, ['npm ci --no-audit --no-fund', 'npm run build', 'npm prune --omit=dev']);
    const copies = runtime.instructions.flatMap((i) => (i.kind === 'COPY' ? [i] : []));
    assert.ok(copies.some((c) => c.from === 'build' && c.sources.includes('/app/dist')));
    assert.ok(copies.some((c) => c.from === undefined && c.sources.includes('schemas')));
    const last = (kind: string) => runtime.instructions.findLast((i) => i.kind === kind);
    assert.deepEqual(last('ENTRYPOINT'), { ...last('ENTRYPOINT'), argv: ['node', 'bin/alert-triage.js'] });
    assert.deepEqual(last('CMD'), { ...last('CMD'), argv: ['run'] });
    assert.deepEqual(last('ENV'), { ...last('ENV'), vars: { NODE_ENV: 'production' } });
  });

  it('fails on an instruction or form it does not emulate, naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      [
        'FROM node:24-slim\nWORKDIR /app\n\nEXPOSE 9464\n',
        /^Dockerfile:4: EXPOSE is not an instruction image\.ts emulates.*\n {2}EXPOSE 9464$/s,
      ],
      ['FROM node:24-slim\nADD https://example.com/x ./\n', /^Dockerfile:2: ADD is not/],
      [
        'FROM node:24-slim\nCOPY --chown=node:node bin ./bin\n',
        /^Dockerfile:2: COPY --chown=node:node is not emulated/,
      ],
      ['FROM node:24-slim\nCOPY src/*.ts ./src/\n', /^Dockerfile:2: wildcards in COPY sources/],
      [
        'FROM node:24-slim\nCOPY a b ./dest\n',
        /^Dockerfile:2: COPY of several sources needs a destination folder ending in \//,
      ],
      ['FROM node:24-slim\nCMD node bin/alert-triage.js run\n', /^Dockerfile:2: only the exec form.*SIGTERM/],
      ['FROM node:24-slim\nENV NODE_ENV production\n', /^Dockerfile:2: ENV KEY=value only/],
      ['FROM node:24-slim\nENV A="b c"\n', /^Dockerfile:2: ENV KEY=value only/],
      ['WORKDIR /app\n', /^Dockerfile:1: WORKDIR before the first FROM/],
      ['FROM node:24-slim\nWORKDIR app\n', /^Dockerfile:2: WORKDIR takes one absolute path/],
      ['FROM node:24-slim\nRUN ["npm", "ci"]\n', /^Dockerfile:2: the exec form of RUN/],
      [
        'FROM node:24-slim\nRUN npm ci \\\n  --ignore-scripts\n',
        /^Dockerfile:2: .*\n {2}RUN npm ci --ignore-scripts$/,
      ],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => {
          const stages = parseDockerfile(text);
          // The RUN commands and the base image are checked by the emulation, before anything runs.
          for (const stage of stages)
            emulateStage(stage, { context: ROOT, dir: '/nonexistent', built: new Map() });
        },
        (err: Error) => err instanceof DockerfileError && message.test(err.message),
        text,
      );
    }
  });

  it('checks the RUN commands, the pruning and the base image before it runs or copies anything', () => {
    const dir = tempDir('image-unit');
    try {
      const unrun = (lines: string, message: RegExp, image = `node:${NODE_MAJOR}-slim`) =>
        assert.throws(
          () =>
            emulateStage(parseDockerfile(`FROM ${image}\nWORKDIR /app\nCOPY package.json ./\n${lines}`)[0]!, {
              context: ROOT,
              dir,
              built: new Map(),
            }),
          message,
        );
      unrun(
        'RUN apt-get update && apt-get install -y curl\n',
        /^DockerfileError: Dockerfile:4: RUN `apt-get update` is not/,
      );
      unrun('RUN npm ci --no-audit\n', /^DockerfileError: Dockerfile:4: `npm ci` keeps the dev dependencies/);
      unrun('RUN npm ci --ignore-scripts && npm prune --omit=dev\n', /RUN `npm ci --ignore-scripts` is not/);
      unrun('RUN npm prune --omit=dev\n', /`npm prune` before `npm ci`/);
      unrun(
        '',
        /^DockerfileError: Dockerfile:1: the image runs Node 22; this test runs on Node \d+/,
        'node:22-slim',
      );
      unrun('', /^DockerfileError: Dockerfile:1: FROM debian:12: only node:<major>/, 'debian:12');
      assert.equal(existsSync(join(dir, 'package.json')), false, 'nothing copied before the checks');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies from the context as Docker does: .dockerignore from the context root; a missing source fails', () => {
    const root = tempDir('image-unit');
    const context = join(root, 'context');
    const emulate = (lines: string) => emulateLines(lines, context, root);
    try {
      mkdirSync(join(context, 'node_modules/x'), { recursive: true });
      mkdirSync(join(context, 'sub'), { recursive: true });
      for (const f of ['a.txt', 'b.log', 'node_modules/x/index.js', 'sub/c.log', 'sub/d.txt'])
        writeFileSync(join(context, f), f);
      writeFileSync(join(context, '.dockerignore'), '# comment\nnode_modules\n*.log\n');
      const all = emulate('COPY . ./\n');
      assert.deepEqual(
        ['a.txt', 'b.log', 'node_modules', 'sub/c.log', 'sub/d.txt', '.dockerignore'].map((f) =>
          existsSync(join(all.dir, f)),
        ),
        // `*.log` is matched from the context root, as Docker matches it: sub/c.log stays.
        [true, false, false, true, true, true],
      );
      const one = emulate('COPY sub ./there\nCOPY a.txt ./\nCOPY a.txt ./renamed.txt\n');
      assert.deepEqual(
        ['there/c.log', 'there/d.txt', 'a.txt', 'renamed.txt', 'sub'].map((f) =>
          existsSync(join(one.dir, f)),
        ),
        [true, true, true, true, false],
      );
      assert.throws(
        () => emulate('COPY schemas ./schemas\n'),
        /^DockerfileError: Dockerfile:3: schemas does not exist in the build context/,
      );
      assert.throws(
        () => emulate('COPY b.log ./\n'),
        /b\.log does not exist in the build context \(or \.dockerignore/,
      );
      assert.throws(() => emulate('COPY ../etc ./etc\n'), /outside the build context/);
      assert.throws(() => emulate('COPY a.txt /etc/\n'), /\/etc\/ is outside WORKDIR \/app/);
      assert.throws(
        () => emulate('COPY --from=build /app/dist ./dist\n'),
        /no stage named build before this one/,
      );
      writeFileSync(join(context, '.dockerignore'), 'node_modules\n!node_modules/x\n');
      assert.throws(
        () => emulate('COPY a.txt ./\n'),
        /\.dockerignore: exceptions \(!node_modules\/x\) are not emulated/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

interface Boot {
  /** Where it stopped: `topics` exited non-zero, or `run` ran (ready and stopped, or exited first). */
  phase: 'topics' | 'run';
  ready: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  logs: string;
  /** From the start of `run` to /readyz 200. */
  readyMs?: number;
}

function collect(child: ChildProcess): {
  logs: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
} {
  let logs = '';
  child.stdout?.on('data', (d) => {
    logs += d;
  });
  child.stderr?.on('data', (d) => {
    logs += d;
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  return { logs: () => logs, exited };
}

/** Within `ms`, or the child is killed and the test fails saying what it waited for. */
async function within<T>(
  ms: number,
  what: string,
  p: Promise<T>,
  child: ChildProcess,
  logs: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${ms} ms waiting for ${what}:\n${logs().slice(-3000)}`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The image's container, twice, as compose runs it: ENTRYPOINT + `topics --config <file>`, then
 * ENTRYPOINT + CMD + `--config <file>`, with compose's environment (brokers, registry, HTTP port). `run`
 * is stopped with SIGTERM once /readyz answers 200.
 */
async function bootImage(image: EmulatedStage, configPath: string, port: number): Promise<Boot> {
  const env = {
    KAFKA_BROKERS: BROKERS ?? '',
    SCHEMA_REGISTRY_URL: REGISTRY ?? '',
    HTTP_PORT: String(port),
  };
  const topics = spawnImage(image, ['topics', '--config', configPath], env);
  const t = collect(topics);
  const [tCode, tSignal] = await within(60_000, '`topics` to exit', t.exited, topics, t.logs);
  if (tCode !== 0) return { phase: 'topics', ready: false, code: tCode, signal: tSignal, logs: t.logs() };

  const started = Date.now();
  const run = spawnImage(image, [...(image.cmd ?? []), '--config', configPath], env);
  const r = collect(run);
  let exitedFirst = false;
  void r.exited.then(() => {
    exitedFirst = true;
  });
  const ready = async () => {
    for (;;) {
      if (exitedFirst) return false;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (res?.status === 200) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const isReady = await within(60_000, '/readyz to answer 200', ready(), run, r.logs);
  const readyMs = Date.now() - started;
  if (isReady) run.kill('SIGTERM');
  const [code, signal] = await within(30_000, '`run` to exit', r.exited, run, r.logs);
  return {
    phase: 'run',
    ready: isReady,
    code,
    signal,
    logs: t.logs() + r.logs(),
    ...(isReady ? { readyMs } : {}),
  };
}

describe('the image, laid out from the Dockerfile, against the test broker', { skip: SKIP }, () => {
  const stages = parseDockerfile(DOCKERFILE);
  const runtime = stages.at(-1)!;
  let root: string;
  let built: Map<string, EmulatedStage>;
  let configPath: string;
  const restores: Array<() => void> = [];

  /** The runtime stage (or `stage`) laid out in a fresh folder, as USER finds it. */
  const layOut = (name: string, stage: Stage = runtime) => {
    const image = emulateStage(stage, { context: ROOT, dir: join(root, name), built });
    restores.push(protectLayout(image).restore);
    return image;
  };

  before(
    async (t) => {
      root = tempDir('image');
      // The container's user (USER node) reaches the layout and the config through these folders.
      chmodSync(root, 0o755);
      const start = Date.now();
      built = emulateBuildStages(stages, ROOT, (stage) => join(root, `stage-${stage.name}`));
      t.diagnostic(`build stage emulated in ${((Date.now() - start) / 1000).toFixed(1)} s`);

      // Topics, group and transactional ids of this test's own; the brokers, registry and port come from
      // the environment, as in compose.
      const id = randomBytes(4).toString('hex');
      const catalog = parseYaml(readFileSync(join(SAMPLE, 'catalog.yaml'), 'utf8')) as Record<
        string,
        unknown
      >;
      const doc = {
        ...catalog,
        topics: uniqueTopics(`img-${id}`),
        kafka: {
          group_id: `img-${id}`,
          transactional_id_prefix: `img-${id}`,
          client_id: `img-${id}`,
          partitions: { alerts: 1, deployments: 1, feedback: 1, outputs: 1, dlq: 1, incidents: 1 },
          session_timeout: '6s',
        },
      };
      const configDir = join(root, 'config');
      mkdirSync(configDir);
      configPath = join(configDir, 'alert-triage.yaml');
      writeFileSync(configPath, toYaml(doc));
    },
    { timeout: 180_000 },
  );

  after(() => {
    for (const restore of restores) restore();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs `topics`, then `run` until /readyz answers 200, and exits 0 on SIGTERM', {
    timeout: 180_000,
  }, async (t) => {
    const start = Date.now();
    const image = layOut('runtime');
    t.diagnostic(`runtime stage laid out in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    // The launcher runs src/cli.ts when it is there; in the image it is not, and dist/cli.js runs.
    assert.equal(existsSync(join(image.dir, 'src')), false);
    assert.equal(existsSync(join(image.dir, 'dist', 'cli.js')), true);
    assert.equal(existsSync(join(image.dir, 'node_modules', 'typescript')), false, 'no dev dependencies');

    const boot = await bootImage(image, configPath, await freePort());
    assert.equal(boot.phase, 'run', boot.logs.slice(-3000));
    assert.match(boot.logs, /created \d+ topic\(s\)/);
    assert.ok(boot.ready, `run exited ${boot.code ?? boot.signal} before ready:\n${boot.logs.slice(-3000)}`);
    assert.deepEqual([boot.code, boot.signal], [0, null], boot.logs.slice(-3000));
    assert.match(boot.logs, /"msg":"stopped"/);
    t.diagnostic(`run ready ${boot.readyMs} ms after it started`);
  });

  it('fails when the runtime stage lacks `COPY schemas`: run exits non-zero with ENOENT before it is ready', {
    timeout: 120_000,
  }, async () => {
    const without = {
      ...runtime,
      instructions: runtime.instructions.filter((i) => !(i.kind === 'COPY' && i.sources.includes('schemas'))),
    };
    assert.equal(without.instructions.length, runtime.instructions.length - 1, 'one COPY of schemas dropped');
    const image = layOut('runtime-without-schemas', without);
    assert.equal(existsSync(join(image.dir, 'schemas')), false);

    const boot = await bootImage(image, configPath, await freePort());
    assert.equal(boot.ready, false, 'never ready');
    assert.notEqual(boot.code, 0);
    assert.equal(boot.signal, null, 'it exited by itself');
    assert.match(boot.logs, /ENOENT[^\n]*schemas\/anomaly-alert\.avsc/);
  });
});
