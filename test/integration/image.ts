// The Docker image without a Docker engine: the Dockerfile parsed (strictly: an instruction or form this
// file does not emulate is an error naming its line), its build stage emulated in a folder of its own, its
// runtime stage laid out in another with only what its COPY lines copy, and the image's command started
// there as a child process. image-layout.test.ts runs it against the test broker.
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, matchesGlob, posix, relative } from 'node:path';
import { ROOT } from './harness.ts';

export class DockerfileError extends Error {
  override name = 'DockerfileError';
}

interface At {
  /** 1-based line of the instruction (its first line when continued). */
  line: number;
  /** The instruction as written, continuations joined. */
  text: string;
}
export type Instruction =
  | (At & { kind: 'WORKDIR'; dir: string })
  | (At & { kind: 'COPY'; from: string | undefined; sources: string[]; dest: string })
  | (At & { kind: 'RUN'; commands: string[] })
  | (At & { kind: 'ENV'; vars: Record<string, string> })
  | (At & { kind: 'USER'; user: string })
  | (At & { kind: 'ENTRYPOINT' | 'CMD'; argv: string[] });

export interface Stage extends At {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function fail(at: At, why: string): never {
  throw new DockerfileError(`Dockerfile:${at.line}: ${why}\n  ${at.text}`);
}

/** Exec form only: the shell form runs under `/bin/sh -c`, which does not pass SIGTERM on to node. */
function execForm(at: At, args: string): string[] {
  let argv: unknown;
  try {
    argv = JSON.parse(args);
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string'))
    fail(
      at,
      'only the exec form (a JSON array of strings) is emulated: the shell form does not pass SIGTERM on',
    );
  return argv as string[];
}

/** The stages of a Dockerfile, in order. Understands exactly the instructions and forms above. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let joined = lines[i]!.trim();
    if (joined === '' || joined.startsWith('#')) continue;
    while (joined.endsWith('\\') && i + 1 < lines.length)
      joined = `${joined.slice(0, -1).trim()} ${lines[++i]!.trim()}`;
    const at: At = { line, text: joined };
    const m = /^([A-Za-z]+)\s+(.+)$/.exec(joined);
    if (!m) fail(at, 'not an instruction');
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) fail(at, 'FROM <image> [AS <name>] only');
      stages.push({ ...at, image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) fail(at, `${keyword} before the first FROM`);
    const tokens = args.split(/\s+/);
    switch (keyword) {
      case 'WORKDIR':
        if (tokens.length !== 1 || !posix.isAbsolute(args)) fail(at, 'WORKDIR takes one absolute path');
        stage.instructions.push({ ...at, kind: 'WORKDIR', dir: posix.normalize(args) });
        break;
      case 'COPY': {
        if (args.startsWith('[')) fail(at, 'the JSON form of COPY is not emulated');
        let from: string | undefined;
        while (tokens[0]?.startsWith('--')) {
          const flag = tokens.shift()!;
          const f = /^--from=(\S+)$/.exec(flag);
          if (!f || from !== undefined) fail(at, `COPY ${flag} is not emulated (only one --from=<stage>)`);
          from = f[1];
        }
        if (tokens.length < 2) fail(at, 'COPY <source>... <dest>');
        const dest = tokens.pop()!;
        if (tokens.some((s) => /[*?[\]]/.test(s))) fail(at, 'wildcards in COPY sources are not emulated');
        if (tokens.length > 1 && !dest.endsWith('/'))
          fail(at, 'COPY of several sources needs a destination folder ending in /');
        stage.instructions.push({ ...at, kind: 'COPY', from, sources: tokens, dest });
        break;
      }
      case 'RUN':
        if (args.startsWith('[')) fail(at, 'the exec form of RUN is not emulated');
        stage.instructions.push({ ...at, kind: 'RUN', commands: args.split('&&').map((c) => c.trim()) });
        break;
      case 'ENV': {
        const vars: Record<string, string> = {};
        for (const t of tokens) {
          const kv = /^([A-Za-z_][A-Za-z0-9_]*)=([^\s"'$\\]*)$/.exec(t);
          if (!kv) fail(at, 'ENV KEY=value only (no quotes, no variables, not the legacy `ENV KEY value`)');
          vars[kv[1]!] = kv[2]!;
        }
        stage.instructions.push({ ...at, kind: 'ENV', vars });
        break;
      }
      case 'USER':
        if (tokens.length !== 1) fail(at, 'USER <name>');
        stage.instructions.push({ ...at, kind: 'USER', user: args });
        break;
      case 'ENTRYPOINT':
      case 'CMD':
        stage.instructions.push({ ...at, kind: keyword, argv: execForm(at, args) });
        break;
      default:
        fail(
          at,
          `${keyword} is not an instruction image.ts emulates: emulate it there, or the test no longer checks the image`,
        );
    }
  }
  if (stages.length === 0) throw new DockerfileError('Dockerfile: no FROM');
  return stages;
}

/** A stage as emulated: its WORKDIR's content in `dir`, and how its container would start. */
export interface EmulatedStage {
  name: string | undefined;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

type RunStep = { kind: 'npm-ci' } | { kind: 'npm-build'; script: string } | { kind: 'npm-prune' };

/**
 * The RUN commands emulated, checked before anything runs. `npm ci` installs production dependencies only
 * (`--omit=dev`: much faster, and no Node binary download for the `node` dev dependency), which is what
 * the stage holds once it has pruned — so a stage that runs `npm ci` must also run `npm prune --omit=dev`.
 */
function planRun(stage: Stage): Map<Instruction, RunStep[]> {
  const plan = new Map<Instruction, RunStep[]>();
  let installed: Instruction | undefined;
  for (const ins of stage.instructions) {
    if (ins.kind !== 'RUN') continue;
    const steps: RunStep[] = [];
    for (const command of ins.commands) {
      const ci = /^npm ci((?: --no-audit| --no-fund)*)$/.exec(command);
      const build = /^npm run (\S+)$/.exec(command);
      if (ci) {
        installed = ins;
        steps.push({ kind: 'npm-ci' });
      } else if (build) {
        steps.push({ kind: 'npm-build', script: build[1]! });
      } else if (command === 'npm prune --omit=dev') {
        if (!installed) fail(ins, '`npm prune` before `npm ci`');
        installed = undefined;
        steps.push({ kind: 'npm-prune' });
      } else {
        fail(ins, `RUN \`${command}\` is not a command image.ts emulates`);
      }
    }
    plan.set(ins, steps);
  }
  if (installed)
    fail(
      installed,
      '`npm ci` keeps the dev dependencies (no `npm prune --omit=dev` after it): the emulation installs production ones only',
    );
  return plan;
}

/** `.dockerignore` of the context: its patterns (Go filepath.Match against the path from the context root). */
function dockerignore(context: string): string[] {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  const patterns: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    if (p.startsWith('!')) throw new DockerfileError(`.dockerignore: exceptions (${p}) are not emulated`);
    patterns.push(posix.normalize(p.replace(/^\/+/, '')));
  }
  return patterns;
}

/** Whether Docker leaves `rel` (a path from the context root) out of the context: it or a parent matches. */
function ignored(rel: string, patterns: string[]): boolean {
  const parts = rel.split('/');
  for (let n = 1; n <= parts.length; n++) {
    const prefix = parts.slice(0, n).join('/');
    if (patterns.some((p) => matchesGlob(prefix, p))) return true;
  }
  return false;
}

/** Where `p`, a path in the stage's file system, lies in `dir`; only paths at or under WORKDIR exist here. */
function inStage(at: At, workdir: string, dir: string, p: string): string {
  const abs = posix.resolve(workdir, p);
  const rel = posix.relative(workdir, abs);
  if (rel.startsWith('..')) fail(at, `${p} is outside WORKDIR ${workdir}: only the WORKDIR is emulated`);
  return join(dir, rel);
}

/** COPY's rule: a folder's content goes into the destination; a file goes into it when it ends in /. */
function copyInto(at: At, src: string, dest: string, destPath: string, filter?: (src: string) => boolean) {
  const target = !statSync(src).isDirectory() && destPath.endsWith('/') ? join(dest, basename(src)) : dest;
  mkdirSync(dirname(target), { recursive: true });
  try {
    cpSync(src, target, { recursive: true, verbatimSymlinks: true, ...(filter ? { filter } : {}) });
  } catch (err) {
    fail(at, `copy failed: ${(err as Error).message}`);
  }
}

function npm(args: string[], cwd: string, at: At): void {
  // npm's launcher is `#!/usr/bin/env node`: the Node this test runs on goes first on the PATH.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0)
    fail(at, `npm ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.error ?? ''}${r.stderr}`);
}

/** `npm run <script>`: the package's script, which must be `tsc -p <file>`, with the checkout's TypeScript. */
function build(at: At, dir: string, script: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = pkg.scripts?.[script];
  const tsc = command && /^tsc -p (\S+)$/.exec(command);
  if (!tsc) fail(at, `npm run ${script}: the script is \`${command}\`; only \`tsc -p <file>\` is emulated`);
  // npm ci in the image installs the lockfile's TypeScript; the checkout's must be that one.
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const locked = lock.packages['node_modules/typescript']?.version;
  const here = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/typescript/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  if (locked !== here)
    fail(at, `the image builds with TypeScript ${locked}; the checkout has ${here} (npm ci)`);
  // The dev dependencies are not installed in `dir`: @types/node comes from the checkout.
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      tsc[1]!,
      '--typeRoots',
      join(ROOT, 'node_modules/@types'),
    ],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) fail(at, `${command} exited ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
}

/**
 * Emulates `stage` in `dir` (an empty folder standing for its WORKDIR): COPY from `context` (minus
 * .dockerignore) or from a stage in `built`, RUN as `planRun` allows, ENV, USER, ENTRYPOINT and CMD.
 * FROM must be node:<major>… with the major of the Node running this, which is the one the child gets.
 */
export function emulateStage(
  stage: Stage,
  o: { context: string; dir: string; built: Map<string, EmulatedStage> },
): EmulatedStage {
  const base = /^node:(\d+)(?:[-.][\w.-]+)?$/.exec(stage.image);
  if (!base)
    fail(stage, `FROM ${stage.image}: only node:<major>… images (or stages built from them) are emulated`);
  const major = process.versions.node.split('.')[0];
  if (base[1] !== major) fail(stage, `the image runs Node ${base[1]}; this test runs on Node ${major}`);
  const plan = planRun(stage);
  const patterns = dockerignore(o.context);
  const out: EmulatedStage = {
    name: stage.name,
    dir: o.dir,
    workdir: '',
    env: {},
    user: undefined,
    entrypoint: undefined,
    cmd: undefined,
  };
  for (const ins of stage.instructions) {
    if (ins.kind === 'WORKDIR') {
      if (out.workdir) fail(ins, 'one WORKDIR per stage is emulated');
      out.workdir = ins.dir;
      continue;
    }
    if ((ins.kind === 'COPY' || ins.kind === 'RUN') && !out.workdir)
      fail(ins, `${ins.kind} before WORKDIR: only the WORKDIR is emulated`);
    switch (ins.kind) {
      case 'COPY': {
        const dest = inStage(ins, out.workdir, o.dir, ins.dest);
        for (const source of ins.sources) {
          if (ins.from !== undefined) {
            const from = o.built.get(ins.from);
            if (!from) fail(ins, `no stage named ${ins.from} before this one`);
            const src = inStage(ins, from.workdir, from.dir, source);
            if (!existsSync(src)) fail(ins, `${source} does not exist in stage ${ins.from}`);
            copyInto(ins, src, dest, ins.dest);
          } else {
            const rel = posix.normalize(source);
            const src = join(o.context, rel);
            if (rel.startsWith('..') || isAbsolute(rel)) fail(ins, `${source} is outside the build context`);
            if (!existsSync(src) || (rel !== '.' && ignored(rel, patterns)))
              fail(ins, `${source} does not exist in the build context (or .dockerignore leaves it out)`);
            copyInto(ins, src, dest, ins.dest, (p) => {
              const r = relative(o.context, p).split('\\').join('/');
              return r === '' || !ignored(r, patterns);
            });
          }
        }
        break;
      }
      case 'RUN':
        for (const step of plan.get(ins)!) {
          if (step.kind === 'npm-ci')
            npm(['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], o.dir, ins);
          else if (step.kind === 'npm-prune')
            npm(['prune', '--omit=dev', '--no-audit', '--no-fund'], o.dir, ins);
          else build(ins, o.dir, step.script);
        }
        break;
      case 'ENV':
        Object.assign(out.env, ins.vars);
        break;
      case 'USER':
        out.user = ins.user;
        break;
      case 'ENTRYPOINT':
        out.entrypoint = ins.argv;
        break;
      case 'CMD':
        out.cmd = ins.argv;
        break;
    }
  }
  return out;
}

/** Every stage but the last (the build stages), each emulated in `dirFor(stage)`, by name. */
export function emulateBuildStages(
  stages: Stage[],
  context: string,
  dirFor: (stage: Stage) => string,
): Map<string, EmulatedStage> {
  const built = new Map<string, EmulatedStage>();
  for (const stage of stages.slice(0, -1)) {
    if (!stage.name) fail(stage, 'a build stage without AS <name> cannot be copied from');
    built.set(stage.name, emulateStage(stage, { context, dir: dirFor(stage), built }));
  }
  return built;
}

/** A child process started as the image's container would start: ENTRYPOINT + `args`, in WORKDIR, as USER. */
export function spawnImage(image: EmulatedStage, args: string[], env: Record<string, string>) {
  const entrypoint = image.entrypoint;
  if (entrypoint?.[0] !== 'node')
    throw new DockerfileError(
      `the image's ENTRYPOINT must start with node (it is ${JSON.stringify(entrypoint)})`,
    );
  const options: SpawnOptions = {
    cwd: image.dir,
    // The container's environment: the image's ENV over a PATH, then what compose would set. Nothing else
    // of this process's environment leaks in.
    env: { PATH: process.env.PATH ?? '', ...image.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...runAs(image),
  };
  return spawn(process.execPath, [...entrypoint.slice(1), ...args], options);
}

/** The node images' `node` user is 1000:1000; COPY leaves the files root's, so it cannot write to them. */
const NODE_USER = { uid: 1000, gid: 1000 };

function runAs(image: EmulatedStage): { uid?: number; gid?: number } {
  if (image.user === undefined || image.user === 'root') return {};
  if (image.user !== 'node') throw new DockerfileError(`USER ${image.user}: only USER node is emulated`);
  return process.getuid?.() === 0 ? NODE_USER : {};
}

/**
 * Makes the layout what USER node finds in the image: readable, not writable. As root the child runs
 * as 1000:1000 and the files stay root's (the folder itself was made 0700 by mkdtemp: opened to 0755, as
 * WORKDIR makes /app); as anyone else, the write bits go. `restore` undoes it, so the folder can be removed.
 */
export function protectLayout(image: EmulatedStage): { restore: () => void } {
  if (image.user === undefined || image.user === 'root') return { restore: () => undefined };
  if (process.getuid?.() === 0) {
    chmodSync(image.dir, 0o755);
    return { restore: () => undefined };
  }
  const walk = (p: string, add: boolean) => {
    const st = lstatSync(p);
    if (!st.isDirectory() && !st.isFile()) return;
    if (add) chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e), add);
    if (!add) chmodSync(p, st.mode & ~0o222);
  };
  walk(image.dir, false);
  return { restore: () => walk(image.dir, true) };
}
