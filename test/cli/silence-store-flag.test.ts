// `alert-triage silence … --kafka`: the one rule that picks the store (--kafka → topics.silences on the
// config's cluster; otherwise the file; both refused), the help saying it, and bad topic records named on
// stderr. The topic store itself is replaced by an in-memory one; the broker test is
// test/integration/silences.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BadSilenceRecord, KafkaSilenceStore } from '../../src/adapters/kafka/silence-store.ts';
import type { CliIo } from '../../src/cli/score-command.ts';
import { runSilenceCommand, type SilenceCliDeps } from '../../src/cli/silence-file-command.ts';
import type { Config } from '../../src/config.ts';
import type { Silence } from '../../src/core/silences.ts';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: {
      write: (s: string) => {
        out.stdout += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        out.stderr += s;
        return true;
      },
    },
  } as unknown as CliIo;
  return { io, out };
}

/** A topic store in memory: records appended, the latest of an id wins; it says which config opened it. */
function memoryTopic(bad: BadSilenceRecord[] = []) {
  const records: Silence[] = [];
  const opened: { topic: string; brokers: string[] }[] = [];
  let closed = 0;
  const deps: SilenceCliDeps = {
    openKafkaStore: (config: Config, _limits, onBad): KafkaSilenceStore => {
      opened.push({ topic: config.topics.silences, brokers: [...config.kafka.brokers] });
      return {
        put: async (s) => void records.push(s),
        all: async () => {
          for (const b of bad) onBad(b);
          return [...new Map(records.map((s) => [s.id, s])).values()];
        },
        close: async () => void closed++,
      };
    },
  };
  return { deps, records, opened, closed: () => closed };
}

const dir = mkdtempSync(join(tmpdir(), 'silence-flag-'));
const config = join(dir, 'config.yaml');
writeFileSync(
  config,
  'models: {}\ntopics:\n  silences: ops.silences\nkafka:\n  brokers: ["kafka-1:9092"]\n  incident_stage: true\n',
);

describe('alert-triage silence --kafka', () => {
  it('adds to and expires on the topic of --config, keeping the expired record; no file is written', async () => {
    const topic = memoryTopic();
    const file = join(dir, 'silences.ndjson');
    const { io, out } = capture();
    const add = ['add', '--match', 'model_id=fraud-scorer', '--duration', '2h', '--comment', 'retraining'];
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assert.equal(await runSilenceCommand([...add, '--kafka', '--config', config], io, topic.deps), 0);
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(topic.opened, [{ topic: 'ops.silences', brokers: ['kafka-1:9092'] }]);
    assert.equal(topic.records.length, 1);
    assert.equal(out.stdout.trim(), topic.records[0]!.id);
    assert.ok(!existsSync(file), 'the file store is not used with --kafka');
    assert.equal(topic.closed(), 1, 'the store is closed after the command');

    const id = topic.records[0]!.id;
    const expire = capture();
    assert.equal(
      await runSilenceCommand(['expire', id, '--kafka', '--config', config], expire.io, topic.deps),
      0,
    );
    assert.equal(topic.records.length, 2, 'expiring writes a second record of the id');
    assert.equal(topic.records[1]!.id, id);
    assert.ok(topic.records[1]!.ends_at < topic.records[0]!.ends_at);

    const all = capture();
    assert.equal(
      await runSilenceCommand(['list', '--all', '--json', '--kafka', '--config', config], all.io, topic.deps),
      0,
    );
    const listed = all.out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Silence);
    assert.deepEqual(
      listed.map((s) => [s.id, s.ends_at]),
      [[id, topic.records[1]!.ends_at]],
    );
    const active = capture();
    await runSilenceCommand(['list', '--kafka', '--config', config], active.io, topic.deps);
    assert.equal(active.out.stdout, 'no active or pending silences\n');
  });

  it('names the bad records it skipped on stderr, and lists the rest', async () => {
    const topic = memoryTopic([
      {
        topic: 'ops.silences',
        partition: 0,
        offset: '7',
        code: 'MALFORMED_JSON',
        message: 'invalid Silence: not JSON: x',
      },
    ]);
    const { io, out } = capture();
    assert.equal(await runSilenceCommand(['list', '--kafka', '--config', config], io, topic.deps), 0);
    assert.equal(
      out.stderr,
      'silence list: skipped a bad record on ops.silences (partition 0, offset 7): invalid Silence: not JSON: x\n',
    );
    assert.equal(out.stdout, 'no active or pending silences\n');
  });

  it('refuses --kafka with --file (exit 2), opening no store', async () => {
    const topic = memoryTopic();
    const { io, out } = capture();
    const code = await runSilenceCommand(
      ['list', '--kafka', '--file', join(dir, 'x.ndjson')],
      io,
      topic.deps,
    );
    assert.equal(code, 2);
    assert.match(out.stderr, /--kafka or --file, not both/);
    assert.equal(topic.opened.length, 0);
  });

  it('without --kafka uses the file, and --help says which rule picks the store', async () => {
    const topic = memoryTopic();
    const file = join(dir, 'mine.ndjson');
    const { io } = capture();
    const add = ['add', '--match', 'model_id=x', '--duration', '1h', '--comment', 'c', '--file', file];
    assert.equal(await runSilenceCommand(add, io, topic.deps), 0);
    assert.equal(topic.opened.length, 0);
    assert.ok(existsSync(file));
    const help = capture();
    assert.equal(await runSilenceCommand(['--help'], help.io), 0);
    assert.match(help.out.stdout, /--kafka\s+keep the silences on the compacted topic topics\.silences/);
    assert.match(help.out.stdout, /Without --kafka: the file/);
  });
});
