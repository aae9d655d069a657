// Security: SASL/SCRAM over TLS to the broker and HTTP basic auth to the schema registry, against the
// secured local pair that scripts/infra/secure.sh starts here (a broker whose only client listener is
// SASL_SSL, with a throw-away CA; an Apicurio that speaks HTTPS only, with a certificate of the same CA,
// and demands basic auth; random credentials per run) — never the plain broker and registry of the
// other suites. Every setting reaches the children through the environment, as in a container.
//   (a) `alert-triage topics` and `alert-triage run` (Avro output, so the registry credentials are used to
//       register the schemas and to frame every record) score alerts produced through SASL/TLS; read back
//       through SASL/TLS with read_committed, every alert is there once, Avro-framed. The registry answers
//       401 without credentials and nothing in plain HTTP.
//   (b) a wrong SASL password: `run` exits 1 at once with KafkaJSSASLAuthenticationError; plain TCP, SASL
//       without TLS, TLS without SASL and TLS without our CA are all refused on the secure port.
//   (c) a wrong registry password: `run` stays live but not ready, /readyz and the log say
//       REGISTRY_AUTH_FAILED / "refused the credentials", and it stops on SIGTERM.
//   (d) no log written by any child (nor the broker's or the registry's) holds a password or a basic token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Admin, Kafka, type KafkaConfig, type KafkaMessage, logLevel, type SASLOptions } from 'kafkajs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { createCodec } from '../../src/adapters/registry/codec.ts';
import type { Config } from '../../src/config.ts';
import { ROOT } from '../integration/harness.ts';
import {
  type Child,
  type ChildSetup,
  childWorld,
  freePort,
  groupProgress,
  isReady,
  sleep,
  spawnCli,
  untilStageDrained,
} from './support.ts';

const SECURE_SH = join(ROOT, 'scripts/infra/secure.sh');
const SECURE_HOME = process.env.ALERT_TRIAGE_SECURE_HOME ?? join(homedir(), '.cache/alert-triage-secure');
const ALERTS = 400;

type SecureEnv = Record<
  | 'KAFKA_BROKERS'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'SCHEMA_REGISTRY_URL'
  | 'SCHEMA_REGISTRY_SSL_CA_FILE'
  | 'SCHEMA_REGISTRY_USERNAME'
  | 'SCHEMA_REGISTRY_PASSWORD',
  string
> &
  Record<string, string>;

function secureSh(cmd: 'up' | 'down' | 'env' | 'status') {
  return spawnSync('bash', [SECURE_SH, cmd], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
}

/** A kafkajs client of the test's own; by default with the right CA and credentials, no retries for the refusals. */
function client(
  env: SecureEnv,
  opts: { ssl?: KafkaConfig['ssl']; sasl?: SASLOptions | false; password?: string; retries?: number } = {},
): Kafka {
  const sasl =
    opts.sasl === false
      ? undefined
      : (opts.sasl ??
        ({
          mechanism: env.KAFKA_SASL_MECHANISM,
          username: env.KAFKA_SASL_USERNAME,
          password: opts.password ?? env.KAFKA_SASL_PASSWORD,
        } as SASLOptions));
  return new Kafka({
    clientId: 'security-test',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: opts.retries ?? 0 },
    ssl: opts.ssl ?? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] },
    ...(sasl ? { sasl } : {}),
  });
}

async function refusal(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return `${err.name}: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return 'ACCEPTED';
}

/** An ApiVersions v0 request in the clear, as infra.sh's health check sends it: what comes back, if anything. */
function plainApiVersions(hostPort: string): Promise<Buffer> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    // size 15, api key 18 (ApiVersions) v0, correlation id 1, client id "probe"
    const request = Buffer.concat([Buffer.from('0000000f00120000000000010005', 'hex'), Buffer.from('probe')]);
    const s = tcpConnect(Number(port), host!, () => s.write(request));
    s.on('data', (c) => chunks.push(c));
    const done = () => resolve(Buffer.concat(chunks));
    s.on('close', done);
    s.on('error', () => undefined);
    s.setTimeout(3_000, () => s.destroy());
  });
}

/** GET over https trusting `ca`, with basic auth when a token is given. */
function httpsGet(url: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Basic ${token}` } : undefined;
    const req = httpsRequest(url, { ca, headers, signal: AbortSignal.timeout(5_000) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The child's exit, or undefined if it has not exited within `ms` (the timer does not hold the test up). */
async function exitWithin(child: Child, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('security: SASL/SCRAM over TLS to Kafka, basic auth to the registry, no secret in any log', () => {
  let env: SecureEnv;
  let wasUp = false;
  let dir: string;
  let setup: ChildSetup;
  let config: Config;
  let admin: Admin | undefined;
  const children: Child[] = [];
  const secrets = new Set<string>();
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
  const spawn = (args: string[], log: string, extra: Record<string, string> = {}) => {
    const c = spawnCli(args, join(dir, log), { ...env, ...extra });
    children.push(c);
    return c;
  };

  before(
    async () => {
      wasUp = secureSh('status').status === 0;
      const up = secureSh('up');
      assert.equal(up.status, 0, `secure.sh up failed:\n${up.stderr}`);
      const printed = secureSh('env');
      assert.equal(printed.status, 0, printed.stderr);
      env = Object.fromEntries(
        printed.stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ) as SecureEnv;
      secrets.add(env.KAFKA_SASL_PASSWORD);
      secrets.add(env.SCHEMA_REGISTRY_PASSWORD);
      secrets.add(basic(env.SCHEMA_REGISTRY_USERNAME, env.SCHEMA_REGISTRY_PASSWORD));
      ({ dir, setup } = await childWorld('security', ALERTS));
      // Avro outputs; the credentials come from the environment only (as in a container), never the file.
      const doc = parseYaml(readFileSync(setup.configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        setup.configPath,
        toYaml({ ...doc, output: { format: 'avro' }, log: { level: 'debug' } }),
      );
      config = loadConfigFile(setup.configPath, env);
      assert.equal(config.kafka.sasl?.username, env.KAFKA_SASL_USERNAME);
    },
    { timeout: 240_000 },
  );

  after(async () => {
    for (const c of children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) {
        c.proc.kill('SIGKILL');
        await c.exited;
      }
    }
    await admin?.disconnect().catch(() => undefined);
    if (!wasUp && !process.env.ALERT_TRIAGE_KEEP_INFRA) secureSh('down');
  });

  it('(a) topics and run work through SASL_SSL and registry basic auth; every alert scored once', {
    timeout: 120_000,
  }, async () => {
    const topics = spawn(['topics', '--config', setup.configPath], 'topics.log');
    const made = await exitWithin(topics, 60_000);
    assert.equal(made?.code, 0, `topics failed (see ${join(dir, 'topics.log')})`);

    const kafka = client(env, { retries: 5 });
    admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const lines = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
    const keyed = (l: string) => ({
      key: (JSON.parse(l) as { model_id?: string }).model_id ?? null,
      value: l,
    });
    await producer.send({ topic: config.topics.deployments, messages: lines('deploys.ndjson').map(keyed) });
    const alerts = lines('alerts.ndjson');
    const ids = alerts.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id);
    await producer.send({ topic: config.topics.alerts, messages: alerts.map(keyed) });
    await producer.disconnect();

    const run = spawn(['run', '--config', setup.configPath], 'run.log');
    const deadline = Date.now() + 90_000;
    while (
      (await groupProgress(admin, setup.groupId, config.topics.alerts)).committed < ALERTS ||
      !(await isReady(setup.port))
    ) {
      assert.equal(run.proc.exitCode, null, `run exited by itself (see ${join(dir, 'run.log')})`);
      assert.ok(Date.now() < deadline, `alerts not all committed (see ${join(dir, 'run.log')})`);
      await sleep(200);
    }
    await untilStageDrained(admin, config, setup.port, {
      deadline,
      alive: () => run.proc.exitCode === null,
      log: join(dir, 'run.log'),
    });
    run.proc.kill('SIGTERM');
    assert.equal((await exitWithin(run, 30_000))?.code, 0, 'SIGTERM exits 0');

    // Read back through SASL/TLS, read_committed; decode with the registry and its credentials.
    const consumer = kafka.consumer({ groupId: `sec-reader-${randomBytes(4).toString('hex')}` });
    const got: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: config.topics.scored, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    const until = Date.now() + 30_000;
    while (got.length < ALERTS && Date.now() < until) await sleep(100);
    await sleep(1_000);
    await consumer.disconnect();
    const codec = createCodec({
      registryUrl: env.SCHEMA_REGISTRY_URL,
      caFile: env.SCHEMA_REGISTRY_SSL_CA_FILE,
      username: env.SCHEMA_REGISTRY_USERNAME,
      password: env.SCHEMA_REGISTRY_PASSWORD,
      outputFormat: 'avro',
    });
    const seen = new Map<string, number>();
    for (const m of got) {
      assert.equal(m.value?.[0], 0, 'scored records are Avro (Confluent magic byte)');
      const { alert_id } = (await codec.decode(m.value!)) as { alert_id: string };
      seen.set(alert_id, (seen.get(alert_id) ?? 0) + 1);
    }
    assert.deepEqual(
      ids.filter((id) => !seen.has(id)),
      [],
      'every alert scored',
    );
    assert.equal(got.length, ALERTS, 'no alert scored twice');

    // The schemas are in the registry, which answers nobody without credentials, and only over TLS.
    const url = `${env.SCHEMA_REGISTRY_URL}/subjects`;
    const ca = readFileSync(env.SCHEMA_REGISTRY_SSL_CA_FILE, 'utf8');
    assert.equal((await httpsGet(url, ca)).status, 401, 'registry without credentials');
    const listed = await httpsGet(url, ca, basic(env.SCHEMA_REGISTRY_USERNAME, env.SCHEMA_REGISTRY_PASSWORD));
    assert.equal(listed.status, 200);
    assert.ok((JSON.parse(listed.body) as string[]).includes(`${config.topics.scored}-value`));
    const inClear = await fetch(url.replace('https:', 'http:'), { signal: AbortSignal.timeout(5_000) }).then(
      (r) => `HTTP ${r.status}`,
      (e: Error) => `${e.name}: ${e.message}${e.cause ? ` (${(e.cause as Error).message})` : ''}`,
    );
    assert.ok(!inClear.startsWith('HTTP 2'), `plain HTTP to the registry answered ${inClear}`);
    console.log(
      `RELIABILITY security-run ${JSON.stringify({ alerts: ALERTS, scored_records: got.length, distinct: seen.size, registry_in_clear: inClear })}`,
    );
  });

  it('(b) a wrong SASL password stops `run` with a named error; plaintext and no-TLS are refused', {
    timeout: 60_000,
  }, async () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    secrets.add(wrong);
    const t0 = Date.now();
    const run = spawn(['run', '--config', setup.configPath], 'wrong-sasl.log', {
      KAFKA_SASL_PASSWORD: wrong,
      HTTP_PORT: String(await freePort()),
    });
    const exit = await exitWithin(run, 30_000);
    assert.equal(exit?.code, 1, 'exits 1');
    const log = readFileSync(join(dir, 'wrong-sasl.log'), 'utf8');
    assert.match(log, /"level":"fatal".*"type":"KafkaJSSASLAuthenticationError"/);
    assert.match(log, /invalid credentials with SASL mechanism SCRAM-SHA-512/);
    assert.match(log, /alert-triage could not start/);

    const refusals = {
      wrong_password: await refusal(client(env, { password: wrong })),
      sasl_without_tls: await refusal(client(env, { ssl: false })),
      tls_without_sasl: await refusal(client(env, { sasl: false })),
      tls_without_our_ca: await refusal(client(env, { ssl: true })),
      // The control: the same client with the right password, over SCRAM-SHA-256 this time, gets in.
      right_password_sha256: await refusal(
        client(env, {
          sasl: {
            mechanism: 'scram-sha-256',
            username: env.KAFKA_SASL_USERNAME,
            password: env.KAFKA_SASL_PASSWORD,
          },
        }),
      ),
    };
    const plain = await plainApiVersions(env.KAFKA_BROKERS.split(',')[0]!);
    console.log(
      `RELIABILITY security-refusals ${JSON.stringify({ ...refusals, plaintext_reply: plain.toString('hex'), run_exit_ms: Date.now() - t0 })}`,
    );
    assert.match(refusals.wrong_password, /KafkaJSSASLAuthenticationError/);
    assert.notEqual(refusals.sasl_without_tls, 'ACCEPTED');
    assert.notEqual(refusals.tls_without_sasl, 'ACCEPTED');
    assert.match(refusals.tls_without_our_ca, /self[- ]signed|certificate/i);
    assert.equal(refusals.right_password_sha256, 'ACCEPTED');
    // A Kafka answer to ApiVersions would start with a length and correlation id 1: none comes back.
    assert.ok(plain.length < 8 || plain.readInt32BE(4) !== 1, 'no Kafka answer in the clear');
  });

  it('(c) a wrong registry password: live, not ready, REGISTRY_AUTH_FAILED said plainly', {
    timeout: 60_000,
  }, async () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    secrets.add(wrong);
    secrets.add(basic(env.SCHEMA_REGISTRY_USERNAME, wrong));
    const port = await freePort();
    const t0 = Date.now();
    const run = spawn(['run', '--config', setup.configPath], 'wrong-registry.log', {
      SCHEMA_REGISTRY_PASSWORD: wrong,
      HTTP_PORT: String(port),
    });
    let body: { status?: string; details?: { failing?: string | null } } = {};
    const deadline = Date.now() + 30_000;
    for (;;) {
      assert.equal(run.proc.exitCode, null, 'keeps running (retrying)');
      assert.ok(Date.now() < deadline, `no auth failure reported (last /readyz: ${JSON.stringify(body)})`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
        body = (await r.json()) as typeof body;
        assert.notEqual(r.status, 200, 'never ready without the registry');
        if (body.details?.failing) break;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
      }
      await sleep(200);
    }
    assert.match(body.details?.failing ?? '', /^registry: .*HTTP 401.*refused the credentials/);
    const live = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(live.status, 200, 'live: it waits for the credentials to be fixed, it does not crash-loop');
    await sleep(500);
    assert.match(readFileSync(join(dir, 'wrong-registry.log'), 'utf8'), /"code":"REGISTRY_AUTH_FAILED"/);
    const reportedMs = Date.now() - t0;
    run.proc.kill('SIGTERM');
    const t1 = Date.now();
    // The retry backoff (at most 10 s) is not interrupted by SIGTERM during start-up.
    const exit = await exitWithin(run, 25_000);
    assert.ok(exit, 'stops on SIGTERM');
    console.log(
      `RELIABILITY security-registry ${JSON.stringify({ reported_ms: reportedMs, sigterm_exit_ms: Date.now() - t1, exit, readyz: body })}`,
    );
  });

  it('(d) no secret in any log: SASL and registry passwords, basic tokens, the wrong ones too', () => {
    const logs = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => join(dir, f));
    const infraLogs = ['run/kafka/kafka.log', 'run/kafka/format.log', 'run/registry/registry.log'].map((f) =>
      join(SECURE_HOME, f),
    );
    assert.ok(logs.length >= 4, `child logs: ${logs.join(', ')}`);
    const childText = logs.map((f) => readFileSync(f, 'utf8')).join('\n');
    // Not vacuous: the config (with its credentials' places) was logged, redacted.
    assert.match(
      childText,
      /"sasl":\{"mechanism":"scram-sha-512","username":"[^"]+","password":"\[redacted\]"\}/,
    );
    assert.match(childText, /"registry_auth":\{[^}]*"password":"\[redacted\]"/);
    const leaks: string[] = [];
    for (const file of [...logs, ...infraLogs]) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const s of secrets) if (text.includes(s)) leaks.push(`${file}: a secret of length ${s.length}`);
    }
    console.log(
      `RELIABILITY security-logs ${JSON.stringify({ files: logs.length + infraLogs.length, secrets: secrets.size, leaks })}`,
    );
    assert.deepEqual(leaks, []);
  });
});
