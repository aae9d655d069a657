// Configuration: defaults, every problem reported by key, a stable version hash, catalog inheritance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, canonicalJson, parseConfig } from '../src/config.ts';
import { CATALOG, HOUR, MIN } from './fixtures/builders.ts';

const DAY = 24 * HOUR;

function problemsOf(doc: unknown): string[] {
  try {
    parseConfig(doc);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.equal(e.canRetry, false);
    for (const p of e.problems) assert.ok(e.message.includes(p), `message lists ${p}`);
    return e.problems;
  }
  return assert.fail('expected a ConfigError');
}

describe('parseConfig: defaults', () => {
  it('accepts a document holding only models, with the documented defaults', () => {
    const c = parseConfig({ models: CATALOG.models });
    assert.deepEqual(c.scoring.weights, {
      severity: 0.1,
      likelihood: 0.4,
      exposure: 0.3,
      urgency: 0.1,
      repair_confidence: 0.1,
    });
    assert.deepEqual(c.scoring.tiers, { P1: 70, P2: 50, P3: 30 });
    assert.equal(c.windows.correlation, 2 * HOUR);
    assert.equal(c.windows.deploy_retention, DAY);
    assert.equal(c.windows.dedup, HOUR);
    assert.equal(c.windows.renotify_after, DAY);
    assert.equal(c.windows.allowed_lateness, HOUR);
    assert.deepEqual(c.sla, {
      P1: { ack: 15 * MIN, resolve: 4 * HOUR },
      P2: { ack: HOUR, resolve: DAY },
      P3: { ack: DAY, resolve: 7 * DAY },
      P4: { ack: null, resolve: null },
    });
    assert.equal(c.sla.P1.ack, 900_000);
    assert.equal(c.topics.alerts, 'ml.anomalies');
    assert.equal(c.topics.dlq, 'ml.anomalies.dlq');
    assert.deepEqual(Object.keys(c.models).sort(), Object.keys(CATALOG.models).sort());
  });

  it('accepts an empty or missing document', () => {
    assert.deepEqual(Object.keys(parseConfig({}).models), []);
    assert.deepEqual(parseConfig(undefined).scoring.tiers, { P1: 70, P2: 50, P3: 30 });
  });

  it('parses duration strings and plain milliseconds', () => {
    const c = parseConfig({ windows: { correlation: '90s', dedup: 1500, allowed_lateness: '1.5h' } });
    assert.equal(c.windows.correlation, 90_000);
    assert.equal(c.windows.dedup, 1500);
    assert.equal(c.windows.allowed_lateness, 1.5 * HOUR);
  });

  it('keeps default signal profiles for signals not overridden', () => {
    const c = parseConfig({ scoring: { signals: { latency: { likelihood: 0.9, urgency: 0.1 } } } });
    assert.deepEqual(c.scoring.signals.latency, { likelihood: 0.9, urgency: 0.1 });
    assert.deepEqual(c.scoring.signals.data_drift, parseConfig({}).scoring.signals.data_drift);
  });

  it('merges metric scales over the built-in ones', () => {
    const c = parseConfig({ scoring: { magnitude_scales: { metrics: { auc: 0.2, mape: 0.5 } } } });
    assert.equal(c.scoring.magnitude_scales.metrics.auc, 0.2);
    assert.equal(c.scoring.magnitude_scales.metrics.mape, 0.5);
    assert.equal(
      c.scoring.magnitude_scales.metrics.psi,
      parseConfig({}).scoring.magnitude_scales.metrics.psi,
    );
  });

  it('takes the SASL mechanism in either case (Kafka spells it SCRAM-SHA-512, kafkajs scram-sha-512)', () => {
    const sasl = (mechanism: string) =>
      parseConfig({ kafka: { sasl: { mechanism, username: 'u', password: 'p' } } }).kafka.sasl?.mechanism;
    assert.equal(sasl('SCRAM-SHA-512'), 'scram-sha-512');
    assert.equal(sasl('scram-sha-256'), 'scram-sha-256');
    assert.equal(sasl('PLAIN'), 'plain');
    assert.throws(() => sasl('GSSAPI'), /kafka\.sasl\.mechanism/);
  });

  it('returns a frozen config', () => {
    const c = parseConfig({ models: CATALOG.models });
    assert.equal(Object.isFrozen(c), true);
    assert.equal(Object.isFrozen(c.scoring.weights), true);
    assert.equal(Object.isFrozen(c.models['fraud-scorer']), true);
  });

  it('a partial SLA override keeps the other default deadline', () => {
    const c = parseConfig({ sla: { P1: { ack: '5m' } } });
    assert.deepEqual(c.sla.P1, { ack: 5 * MIN, resolve: 4 * HOUR });
  });

  it('null removes a deadline', () => {
    assert.deepEqual(parseConfig({ sla: { P3: { resolve: null } } }).sla.P3, {
      ack: 24 * HOUR,
      resolve: null,
    });
  });
});

describe('parseConfig: errors', () => {
  it('reports every unknown key, at every depth, in one error naming each dotted key', () => {
    const problems = problemsOf({
      extra: 1,
      models: { 'fraud-scorer': { owner: 'risk-ml', revenu_per_hour: 5 } },
      defaults: { ownr: 'x' },
      scoring: { weights: { severty: 0.2 }, tiers: { P0: 90 } },
      windows: { corelation: '2h' },
      sla: { P1: { acknowledge: '5m' } },
    });
    const text = problems.join('\n');
    for (const key of [
      'extra',
      'models.fraud-scorer.revenu_per_hour',
      'defaults.ownr',
      'scoring.weights.severty',
      'scoring.tiers.P0',
      'windows.corelation',
      'sla.P1.acknowledge',
    ]) {
      assert.match(text, new RegExp(`(^|\\n)${key.replaceAll('.', '\\.')}: unknown key`), key);
    }
    assert.equal(problems.length, 7);
  });

  it('names a bad duration by its key', () => {
    const problems = problemsOf({ windows: { correlation: '2 hours' } });
    assert.ok(
      problems.some((p) => p.startsWith('windows.correlation: ') && /duration/.test(p)),
      problems.join('\n'),
    );
  });

  it('reports a bad duration once, without a spurious cross-field problem', () => {
    assert.equal(problemsOf({ windows: { correlation: '2 hours' } }).length, 1);
  });

  it('rejects tier thresholds that do not fall strictly', () => {
    for (const tiers of [{ P1: 40 }, { P1: 70, P2: 70 }, { P3: 60 }]) {
      const problems = problemsOf({ scoring: { tiers } });
      assert.deepEqual(problems, ['scoring.tiers: thresholds must fall by at least 1 point: P1 > P2 > P3']);
    }
  });

  it('rejects all-zero weights, a negative weight and an out-of-range gate', () => {
    const zero = { severity: 0, likelihood: 0, exposure: 0, urgency: 0, repair_confidence: 0 };
    assert.match(problemsOf({ scoring: { weights: zero } }).join('\n'), /^scoring\.weights: /);
    assert.match(
      problemsOf({ scoring: { weights: { urgency: -1 } } }).join('\n'),
      /^scoring\.weights\.urgency: /,
    );
    assert.match(
      problemsOf({ scoring: { gates: { P1: { min_likelihood: 2 } } } }).join('\n'),
      /^scoring\.gates\.P1\.min_likelihood: /,
    );
  });

  it('rejects a retention shorter than correlation plus lateness', () => {
    const problems = problemsOf({ windows: { deploy_retention: '2h' } });
    assert.match(
      problems.join('\n'),
      /^windows: deploy_retention must be at least correlation \+ allowed_lateness/,
    );
  });

  it('rejects bad model fields by key', () => {
    const problems = problemsOf({ models: { m: { traffic_per_hour: 0, compliance: 'pci' } } });
    assert.equal(problems.length, 2);
    assert.ok(problems.some((p) => p.startsWith('models.m.traffic_per_hour: ')));
    assert.ok(problems.some((p) => p.startsWith('models.m.compliance: ')));
  });

  it('rejects bad gate settings by key; the gate is not part of the config version', () => {
    const problems = problemsOf({
      gate: { alpha: 1.5, min_rate_ratio: 0.5, min_serving: 'soon', minimum: 1 },
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const key of [
      'gate.alpha: ',
      'gate.min_rate_ratio: ',
      'gate.min_serving: ',
      'gate.minimum: unknown key',
    ])
      assert.ok(
        problems.some((p) => p.startsWith(key)),
        `${key} in ${problems.join('; ')}`,
      );
    const tuned = parseConfig({ gate: { alpha: 0.001, min_serving: '12h' } });
    assert.equal(tuned.gate.min_serving, 12 * 3_600_000);
    assert.equal(tuned.version, parseConfig({}).version);
  });

  it('names the source in the message', () => {
    assert.throws(() => parseConfig({ bogus: 1 }, 'catalog.yaml'), /^ConfigError: catalog\.yaml is invalid:/);
  });
});

describe('parseConfig: version', () => {
  it('is stable for equal content regardless of key order', () => {
    const a = parseConfig({
      models: { x: { owner: 'o', revenue_per_hour: 10 }, y: { owner: 'p' } },
      scoring: { weights: { severity: 0.3, likelihood: 0.3 }, tiers: { P1: 80 } },
    });
    const b = parseConfig({
      scoring: { tiers: { P1: 80 }, weights: { likelihood: 0.3, severity: 0.3 } },
      models: { y: { owner: 'p' }, x: { revenue_per_hour: 10, owner: 'o' } },
    });
    assert.match(a.version, /^cfg-[0-9a-f]{12}$/);
    assert.equal(a.version, b.version);
  });

  it('is the same for an explicit default and an omitted one', () => {
    assert.equal(parseConfig({ scoring: { weights: { severity: 0.1 } } }).version, parseConfig({}).version);
  });

  it('changes when a weight, a model or a window changes', () => {
    const base = parseConfig({ models: CATALOG.models }).version;
    const versions = [
      parseConfig({ models: CATALOG.models, scoring: { weights: { severity: 0.21 } } }).version,
      parseConfig({ models: { ...CATALOG.models, extra: { owner: 'x' } } }).version,
      parseConfig({ models: CATALOG.models, windows: { correlation: '1h' } }).version,
    ];
    for (const v of versions) assert.notEqual(v, base);
    assert.equal(new Set(versions).size, versions.length);
  });

  it('canonicalJson sorts keys at every level', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } }),
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('parseConfig: catalog', () => {
  it('models inherit defaults, and their own fields win', () => {
    const c = parseConfig({
      defaults: {
        owner: 'team-x',
        rollback_allowed: false,
        revenue_per_hour: 7,
        playbook: 'https://rb/default',
      },
      models: { a: { product_area: 'ads' }, b: { owner: 'team-b', rollback_allowed: true } },
    });
    const a = c.models.a!;
    assert.equal(a.owner, 'team-x');
    assert.equal(a.rollback_allowed, false);
    assert.equal(a.revenue_per_hour, 7);
    assert.equal(a.playbook, 'https://rb/default');
    assert.equal(a.product_area, 'ads');
    const b = c.models.b!;
    assert.equal(b.owner, 'team-b');
    assert.equal(b.rollback_allowed, true);
    assert.equal(b.revenue_per_hour, 7);
  });

  it('fills built-in defaults for a bare model and for the defaults profile', () => {
    const c = parseConfig({ models: { bare: {} } });
    assert.deepEqual(c.models.bare, {
      owner: 'ml-platform',
      revenue_per_hour: 0,
      traffic_per_hour: 1,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: [],
    });
    assert.deepEqual(c.defaults, c.models.bare);
  });

  it('downstream maps a service to the models that list it as upstream', () => {
    const c = parseConfig(CATALOG);
    assert.deepEqual([...c.downstream['feature-pipeline-payments']!].sort(), [
      'churn-predictor',
      'fraud-scorer',
    ]);
    assert.equal(c.downstream['no-such-service'], undefined);
    const upstreams = Object.values(CATALOG.models).flatMap((m) => ('upstream' in m ? m.upstream : []));
    assert.deepEqual(Object.keys(c.downstream).sort(), [...new Set(upstreams)].sort());
  });

  it('downstream follows upstream inherited from defaults', () => {
    const c = parseConfig({
      defaults: { upstream: ['shared-feature-store'] },
      models: { a: {}, b: { upstream: [] } },
    });
    assert.deepEqual({ ...c.downstream }, { 'shared-feature-store': ['a'] });
  });

  it('looks up ids like "constructor" or "__proto__" as absent, not as Object.prototype members', () => {
    const c = parseConfig(CATALOG);
    for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(c.models[id], undefined, `models.${id}`);
      assert.equal(c.downstream[id], undefined, `downstream.${id}`);
      assert.equal(c.scoring.magnitude_scales.metrics[id], undefined, `metrics.${id}`);
    }
  });

  it('accepts a model literally named "constructor"', () => {
    const c = parseConfig({ models: { constructor: { owner: 'odd-team' } } });
    const id: string = 'constructor';
    assert.equal(c.models[id]?.owner, 'odd-team');
  });
});

describe('parseConfig: incidents and services', () => {
  it('has the documented defaults: 30 min gap, 6 h lifetime, cause strength 0.3, pages at P1 and P2, the P1 inhibit rule', () => {
    const c = parseConfig({});
    assert.equal(c.incidents.gap, 30 * MIN);
    assert.equal(c.incidents.max_lifetime, 6 * HOUR);
    assert.equal(c.incidents.min_cause_strength, 0.3);
    assert.equal(c.incidents.keep_cause_strength, 0.15);
    assert.equal(c.incidents.cause_precedes_firing, true);
    assert.deepEqual(c.incidents.page_tiers, ['P1', 'P2']);
    assert.deepEqual(c.incidents.silences, []);
    assert.equal(c.incidents.max_silence, 7 * DAY);
    assert.deepEqual(c.incidents.inhibit, [
      {
        source: [{ name: 'tier', op: '=', value: 'P1' }],
        target: [{ name: 'tier', op: '!=', value: 'P1' }],
        equal: [],
      },
    ]);
    assert.deepEqual({ ...c.services }, {});
    assert.equal(c.silence_file, undefined);
  });

  it('reads services, silences (matcher text, RFC 3339) and inhibit rules', () => {
    const c = parseConfig({
      services: { 'payments-pipeline': { owner: 'data-eng', product_area: 'payments' } },
      incidents: {
        silences: [
          {
            matchers: ['model_id="fraud-scorer"', { name: 'signal', op: '=~', value: 'data_.*' }],
            starts_at: '2026-11-16T10:00:00Z',
            ends_at: '2026-11-16T12:00:00Z',
            created_by: 'alice',
            comment: 'backfill',
            change_event_id: 'chg-1',
          },
        ],
        inhibit: [{ source: ['cause_kind="schema_change"'], target: ['tier=~"P3|P4"'], equal: ['region'] }],
        silence_file: 'ops/silences.ndjson',
      },
    });
    assert.equal(c.services['payments-pipeline']?.owner, 'data-eng');
    const [s] = c.incidents.silences;
    assert.match(s!.id, /^sil-[0-9a-f]{16}$/);
    assert.equal(s!.starts_at, Date.parse('2026-11-16T10:00:00Z'));
    assert.equal(s!.change_event_id, 'chg-1');
    assert.deepEqual(c.incidents.inhibit[0]!.source, [
      { name: 'cause_kind', op: '=', value: 'schema_change' },
    ]);
    assert.equal(c.silence_file, 'ops/silences.ndjson');
  });

  it('names every bad incidents entry by its key, silences by index and field, all at once', () => {
    const problems = problemsOf({
      services: { pipe: { owner: '' } },
      incidents: {
        gap: '0m',
        page_tiers: ['P5'],
        silences: [
          {
            matchers: ['modle_id=x'],
            starts_at: '2026-01-01T00:00:00Z',
            ends_at: '2026-02-01T00:00:00Z',
            comment: 'x',
          },
          { matchers: ['signal=~"data_("'], starts_at: 0, created_by: 'a', comment: 'b' },
        ],
        inhibit: [{ source: ['tier="P9"'], target: ['region=~"("'], equal: ['team'] }],
      },
    });
    const has = (re: RegExp) =>
      assert.ok(
        problems.some((p) => re.test(p)),
        `${re} in ${problems.join('\n')}`,
      );
    has(/^services\.pipe\.owner: /);
    has(/^incidents\.page_tiers\.0: /);
    has(/^incidents\.gap: must be more than 0/);
    has(/^incidents\.silences\.0\.matchers\[0\]: unknown matcher name "modle_id"/);
    has(/^incidents\.silences\.0\.created_by: is required/);
    has(/^incidents\.silences\.0\.ends_at: the silence lasts 31d, longer than the maximum of 7d/);
    has(/^incidents\.silences\.1\.matchers\[0\]: signal=~"data_\(": invalid regular expression/);
    has(/^incidents\.silences\.1\.ends_at: is required/);
    has(/^incidents\.inhibit\.0\.source\.0: tier="P9": a tier is P1, P2, P3 or P4/);
    has(/^incidents\.inhibit\.0\.target\.0: region=~"\(": invalid regular expression/);
    has(/^incidents\.inhibit\.0\.equal\.0: unknown name "team"/);
  });

  it('refuses a lifetime shorter than the gap, a group wait not shorter than it, and a silence longer than max_silence', () => {
    assert.deepEqual(problemsOf({ incidents: { gap: '2h', max_lifetime: '1h' } }), [
      'incidents.max_lifetime: must be at least gap',
    ]);
    assert.deepEqual(problemsOf({ incidents: { gap: '10m', group_wait: '10m' } }), [
      'incidents.group_wait: must be less than gap',
    ]);
    assert.equal(parseConfig({}).incidents.group_wait, 15 * 60_000);
    assert.equal(parseConfig({ incidents: { group_wait: 0 } }).incidents.group_wait, 0);
    const long = { matchers: ['model_id=a'], starts_at: 0, ends_at: 3 * DAY, created_by: 'a', comment: 'b' };
    assert.equal(parseConfig({ incidents: { silences: [long] } }).incidents.silences.length, 1);
    assert.deepEqual(problemsOf({ incidents: { silences: [long], max_silence: '1d' } }), [
      'incidents.silences.0.ends_at: the silence lasts 3d, longer than the maximum of 1d',
    ]);
  });

  it('refuses a keep_cause_strength above min_cause_strength, defaults it to half of that; null turns keeping off', () => {
    assert.deepEqual(problemsOf({ incidents: { keep_cause_strength: 0.4 } }), [
      'incidents.keep_cause_strength: must be at most min_cause_strength (0.3): a change kept must be one that could have been suspected',
    ]);
    assert.equal(
      parseConfig({ incidents: { keep_cause_strength: 0.4, min_cause_strength: 0.5 } }).incidents
        .keep_cause_strength,
      0.4,
    );
    assert.equal(
      parseConfig({ incidents: { keep_cause_strength: null } }).incidents.keep_cause_strength,
      null,
    );
    // Unset, it follows min_cause_strength (half of it): lowering that alone is no error.
    assert.equal(parseConfig({ incidents: { min_cause_strength: 0.1 } }).incidents.keep_cause_strength, 0.05);
    assert.deepEqual(problemsOf({ incidents: { cause_precedes_firing: 'yes' } }).length, 1);
  });

  it('hashes incidents and services into the version, not the silence file', () => {
    const base = parseConfig({}).version;
    assert.notEqual(parseConfig({ incidents: { gap: '1h' } }).version, base);
    assert.notEqual(parseConfig({ services: { s: { owner: 'o' } } }).version, base);
    assert.equal(parseConfig({ incidents: { silence_file: 'x.ndjson' } }).version, base);
  });
});
