// Configuration: one zod schema, validated once, every problem reported together with the key
// that holds it. A file holding only a `models:` catalog is valid; everything else has defaults.
// Pure (no file or environment access): the loaders in adapters/ hand the parsed document in.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  DEPLOY_KINDS,
  type DeployKind,
  ROOT_CAUSES,
  SIGNALS,
  type Signal,
  type Tier,
} from './core/events.ts';
import {
  compileInhibitMatcher,
  INHIBIT_FIELDS,
  parseInhibitMatcher,
} from './core/incidents/inhibit-rules.ts';
import type { NotifySettings } from './core/notify/types.ts';
import {
  DEFAULT_GATE,
  DEFAULT_GROUP_BY,
  type GateSettings,
  type IncidentSettings,
  type InhibitRule,
  type ModelProfile,
  type ServiceProfile,
  type SignalProfile,
  type TriageSettings,
} from './core/settings.ts';
import { LABEL_PREFIX, MATCHER_FIELDS, type Matcher } from './core/silence-matchers.ts';
import { parseSilence, type Silence } from './core/silences.ts';
import { notifySchema, notifySettings } from './notify-config.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `4h`, `7d`, or a number of milliseconds. */
const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'must be a duration like 90s, 15m, 4h, 7d'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v)!;
    return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  });

const unit = z.number().min(0).max(1);
// scoring.accrual defaults, chosen on generated weeks (README, "Accumulated impact").
const ACCRUAL_REFERENCE = 20_000;
const ACCRUAL_MAX_BOOST = 20;
const ACCRUAL_GAP_H = 6;
const tier = z.enum(['P1', 'P2', 'P3', 'P4']);

const modelFields = {
  owner: z.string().min(1),
  product_area: z.string().min(1),
  revenue_per_hour: z.number().nonnegative(),
  traffic_per_hour: z.number().positive(),
  compliance: z.array(z.string().min(1)),
  safety: z.boolean(),
  rollback_allowed: z.boolean(),
  upstream: z.array(z.string().min(1)),
  playbook: z.string().min(1),
  /** Overrides the tier's escalation path for this model. */
  escalation: z.array(z.string().min(1)).min(1),
};
const modelSchema = z.strictObject(modelFields).partial();

const DEFAULT_SIGNALS: Record<Signal, { likelihood: number; urgency: number }> = {
  // likelihood: how often this signal type reflects real business harm; urgency: how fast harm accrues.
  performance_degradation: { likelihood: 0.7, urgency: 0.8 },
  error_rate: { likelihood: 0.7, urgency: 0.9 },
  latency: { likelihood: 0.6, urgency: 0.8 },
  data_quality: { likelihood: 0.6, urgency: 0.7 },
  prediction_drift: { likelihood: 0.45, urgency: 0.5 },
  feature_shift: { likelihood: 0.35, urgency: 0.4 },
  data_drift: { likelihood: 0.3, urgency: 0.3 },
  other: { likelihood: 0.4, urgency: 0.4 },
};

const DEFAULT_METRIC_SCALES: Record<string, number> = {
  // Quality metrics live in 0..1 and matter at a few points: 10% below threshold is already severe.
  auc: 0.1,
  accuracy: 0.1,
  precision: 0.15,
  recall: 0.15,
  f1: 0.15,
  precision_at_k: 0.2,
  ndcg: 0.15,
  // Distribution distances and rates are noisy: several times the threshold before it is severe.
  psi: 3,
  ks_stat: 2,
  js_divergence: 3,
  null_rate: 5,
  error_rate: 4,
  p99_latency_ms: 2,
};

/** How much a change of each kind explains a signal: input-side signals follow data changes, serving-side signals follow releases. */
const DEFAULT_CHANGE_RELEVANCE = {
  serving: {
    model_deploy: 1,
    code_deploy: 1,
    feature_flag: 1,
    config_change: 1,
    rollback: 0.5,
    data_pipeline_change: 0.7,
    schema_change: 0.8,
  },
  input: {
    model_deploy: 0.2,
    code_deploy: 0.3,
    feature_flag: 0.3,
    config_change: 0.3,
    rollback: 0.1,
    data_pipeline_change: 1,
    schema_change: 1,
  },
} as const;

const relevanceSchema = z.strictObject(
  Object.fromEntries(DEPLOY_KINDS.map((k) => [k, unit.optional()])) as Record<
    DeployKind,
    z.ZodOptional<typeof unit>
  >,
);

const signalSchema = z.strictObject({ likelihood: unit, urgency: unit });

/** A floor applies only to a plausible, non-trivial alert: it must clear both minimums. */
const floorSchema = (t: Tier) =>
  z
    .strictObject({
      tier: tier.default(t),
      min_likelihood: unit.default(0.6),
      min_severity: unit.default(0.35),
    })
    .prefault({});

const scoringSchema = z
  .strictObject({
    weights: z
      .strictObject({
        severity: z.number().nonnegative().default(0.1),
        likelihood: z.number().nonnegative().default(0.4),
        exposure: z.number().nonnegative().default(0.3),
        urgency: z.number().nonnegative().default(0.1),
        repair_confidence: z.number().nonnegative().default(0.1),
      })
      .prefault({})
      .refine((w) => Object.values(w).some((v) => v > 0), 'at least one weight must be positive'),
    /** Lowest priority (0..100) of each tier; below P3 is P4. */
    tiers: z
      .strictObject({
        P1: z.number().min(0).max(100).default(70),
        P2: z.number().min(0).max(100).default(50),
        P3: z.number().min(0).max(100).default(30),
      })
      .prefault({})
      .refine(
        (t) => t.P1 - t.P2 >= 1 && t.P2 - t.P3 >= 1,
        'thresholds must fall by at least 1 point: P1 > P2 > P3',
      ),
    floors: z
      .strictObject({
        compliance: floorSchema('P2'),
        safety: floorSchema('P2'),
      })
      .prefault({}),
    /** A tier needs at least this likelihood; below it the alert is held at the next tier down. */
    gates: z
      .strictObject({
        P1: z.strictObject({ min_likelihood: unit }).default({ min_likelihood: 0.5 }),
        P2: z.strictObject({ min_likelihood: unit }).default({ min_likelihood: 0.4 }),
      })
      .prefault({}),
    /** Revenue per hour at which a model's value weight reaches 1 (log scale below it). */
    revenue_scale: z.number().positive().default(100_000),
    /**
     * Relative distance past the threshold, |value - threshold| / |threshold|, at which the magnitude
     * part of severity reaches 1: per metric (bounded metrics like AUC break at small distances), else `default`.
     */
    magnitude_scales: z
      .strictObject({
        default: z.number().positive().default(1),
        metrics: z.record(z.string().min(1), z.number().positive()).default({}),
      })
      .prefault({}),
    /** Share of traffic assumed affected when an alert does not say (population-wide signals use 1). */
    default_affected_share: unit.default(0.25),
    /** Detector confidence assumed when an alert does not carry one. */
    default_confidence: unit.default(0.5),
    signals: z.partialRecord(z.enum(SIGNALS), signalSchema).default({}),
    /**
     * 0..1: how much a change of each kind, just before an alert, is evidence for it; `serving` applies to
     * performance_degradation, prediction_drift, error_rate, latency and other, `input` to data_drift, feature_shift, data_quality.
     */
    change_relevance: z
      .strictObject({ serving: relevanceSchema.default({}), input: relevanceSchema.default({}) })
      .prefault({}),
    /** Coefficients of the likelihood model (a logistic over log-odds of its evidence). */
    likelihood: z
      .strictObject({
        intercept: z.number().default(0),
        signal: z.number().default(1),
        confidence: z.number().default(1),
        persistence: z.number().default(1),
        deploy: z.number().default(2),
        source_precision: z.number().default(1),
        /**
         * Added to the log-odds, times the classifier's confidence, per suspected root cause: population-wide
         * drift with no change behind it is usually the traffic mix, not harm.
         */
        root_cause: z.partialRecord(z.enum(ROOT_CAUSES), z.number()).default({ seasonal_drift: -3 }),
      })
      .prefault({}),
    /** The learned root-cause classifier: learns from feedback's confirmed `root_cause`, answers once it has enough. */
    root_cause: z
      .strictObject({
        learn: z.boolean().default(true),
        min_examples: z.number().int().positive().default(200),
        min_confidence: unit.default(0),
      })
      .prefault({}),
    /** Prior for a source's false-positive rate, shrunk towards with `strength` pseudo-observations. */
    feedback_prior: z
      .strictObject({ false_positive_rate: unit.default(0.3), strength: z.number().positive().default(20) })
      .prefault({}),
    /**
     * Accumulated impact: a fingerprint's alerts that keep coming (each within `gap` of the last) raise
     * their priority by `max_boost × accrued / (accrued + reference)`, accrued = impact per hour × hours held.
     */
    accrual: z
      .strictObject({
        enabled: z.boolean().default(false),
        reference: z.number().positive().default(ACCRUAL_REFERENCE),
        max_boost: z.number().min(0).max(100).default(ACCRUAL_MAX_BOOST),
        gap: duration.default(ACCRUAL_GAP_H * UNIT_MS.h),
        max_tier: z.enum(['P1', 'P2', 'P3']).default('P2'),
      })
      .prefault({}),
  })
  .prefault({});

const serviceSchema = z.strictObject({
  owner: z.string().min(1),
  product_area: z.string().min(1).optional(),
  playbook: z.string().min(1).optional(),
});

/** Matcher text (`tier="P1"`) or `{name, op, value}`; checked as a whole in the incidents block's refinement. */
const matcherInput = z.union([
  z.string(),
  z.strictObject({ name: z.string(), op: z.string(), value: z.string() }),
]);

/**
 * The default inhibit rule: while an incident opened by a change is open at P1, a lower-tier alert on a
 * model that change explains joins it and does not page.
 */
const DEFAULT_INHIBIT = [{ source: ['tier="P1"'], target: ['tier!="P1"'], equal: [] }];

const incidentsSchema = z
  .strictObject({
    /** An incident takes a same-model alert within this of its last member (extending while alerts keep coming). */
    gap: duration.default(30 * UNIT_MS.m),
    /** A model incident takes no alert later than this after its first. */
    max_lifetime: duration.default(6 * UNIT_MS.h),
    /** 0..1: a change whose relevance x closeness is below this is no suspected cause. */
    min_cause_strength: unit.default(0.3),
    /**
     * 0..min_cause_strength: a model whose alerts are in a change's incident keeps that change as the
     * suspected cause of its next alerts while it explains them this strongly, even when another change
     * explains one better. Default: half of min_cause_strength (0.15). null: the strongest change always wins.
     */
    keep_cause_strength: unit.nullable().optional(),
    /**
     * A change made after an alert's condition began firing (the first alert of its dedup episode) is
     * never its suspected cause. false: any change in the correlation window can be.
     */
    cause_precedes_firing: z.boolean().default(true),
    /** Tiers that page (an incident opening at one, or rising to one). */
    page_tiers: z.array(tier).default(['P1', 'P2']),
    /**
     * A first page below the highest page tier waits this long (event time) for a member at a higher
     * one: the incident then pages once, at that tier, instead of twice. 0: no wait.
     */
    group_wait: duration.default(15 * UNIT_MS.m),
    /**
     * An incident no change explains pages at these tiers only from its second alert (not a dedup
     * repeat): most false pages are lone background alerts. [] : every first alert pages.
     */
    corroborate_tiers: z.array(tier).default(['P2']),
    /**
     * An incident opened by a candidate (a change too long before the alert to suspect it) waits for
     * corroboration at corroborate_tiers as well. false: it pages at once, as a suspected cause's does.
     */
    corroborate_candidates: z.boolean().default(true),
    /**
     * Labels saying where a model is served: alerts no change explains that carry all of them, equal,
     * join one incident within gap, across models. [] : none.
     */
    group_by: z.array(z.string().min(1)).default([...DEFAULT_GROUP_BY]),
    /**
     * Alerts no change explains, on different models that one upstream service feeds, within this of
     * each other join one incident: an unrecorded change upstream is suspected. Default: gap. null: off.
     * At most gap.
     */
    upstream_window: duration.nullable().optional(),
    /** Silences in force from the config (docs/SILENCES.md); parsed with parseSilence. */
    silences: z.array(z.unknown()).default([]),
    /** The longest silence accepted, from the config or from `ml.silences`. */
    max_silence: duration.default(7 * UNIT_MS.d),
    inhibit: z
      .array(
        z.strictObject({
          source: z.array(matcherInput).min(1),
          target: z.array(matcherInput).min(1),
          equal: z.array(z.string().min(1)).default([]),
        }),
      )
      .default(DEFAULT_INHIBIT),
    /** The silence file of `alert-triage silence` without `--kafka`, and of `score --silences` (not hashed). */
    silence_file: z.string().min(1).optional(),
  })
  .prefault({})
  // Runs even when another key of the block failed, so every problem is reported at once: what it reads
  // may then be unparsed, hence the checks of each value's type.
  .superRefine(
    (inc, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: 'custom', path, message });
      const gap = inc.gap as unknown;
      const lifetime = inc.max_lifetime as unknown;
      if (typeof gap === 'number' && gap <= 0) issue(['gap'], 'must be more than 0');
      const keep = inc.keep_cause_strength as unknown;
      const min = (inc.min_cause_strength as unknown) ?? 0.3;
      if (typeof keep === 'number' && typeof min === 'number' && keep > min)
        issue(
          ['keep_cause_strength'],
          `must be at most min_cause_strength (${min}): a change kept must be one that could have been suspected`,
        );
      const wait = inc.group_wait as unknown;
      if (typeof gap === 'number' && typeof wait === 'number' && wait >= gap)
        issue(['group_wait'], 'must be less than gap');
      if (typeof gap === 'number' && typeof lifetime === 'number' && lifetime < gap)
        issue(['max_lifetime'], 'must be at least gap');
      const upstreamWindow = inc.upstream_window as unknown;
      if (typeof upstreamWindow === 'number' && upstreamWindow <= 0)
        issue(['upstream_window'], 'must be more than 0 (null turns it off)');
      if (typeof gap === 'number' && typeof upstreamWindow === 'number' && upstreamWindow > gap)
        issue(['upstream_window'], 'must be at most gap');
      const max = inc.max_silence as unknown;
      const limits = { maxDurationMs: typeof max === 'number' ? max : 7 * UNIT_MS.d };
      const silences = inc.silences as unknown;
      if (Array.isArray(silences))
        silences.forEach((raw, i) => {
          const r = parseSilence(raw, limits);
          if (r.ok) return;
          for (const x of r.error.issues) issue(['silences', i, ...(x.field ? [x.field] : [])], x.reason);
        });
      const rules = inc.inhibit as unknown;
      if (Array.isArray(rules)) rules.forEach((rule, i) => void checkInhibitRule(rule, i, issue));
    },
    { when: () => true },
  );

function checkInhibitRule(
  rule: unknown,
  i: number,
  issue: (path: (string | number)[], message: string) => void,
): void {
  if (!rule || typeof rule !== 'object') return;
  const r = rule as Record<string, unknown>;
  for (const side of ['source', 'target'] as const) {
    const list = r[side];
    if (!Array.isArray(list)) continue;
    list.forEach((m, j) => {
      const problem = matcherProblem(m);
      if (problem) issue(['inhibit', i, side, j], problem);
    });
  }
  if (!Array.isArray(r.equal)) return;
  r.equal.forEach((name, j) => {
    if (typeof name === 'string' && !isInhibitName(name))
      issue(
        ['inhibit', i, 'equal', j],
        `unknown name ${JSON.stringify(name)}: use ${[...INHIBIT_FIELDS, ...MATCHER_FIELDS].join(', ')} or labels.<key>`,
      );
  });
}

function isInhibitName(name: string): boolean {
  return (
    (INHIBIT_FIELDS as readonly string[]).includes(name) ||
    (MATCHER_FIELDS as readonly string[]).includes(name) ||
    (name.startsWith(LABEL_PREFIX) && name.length > LABEL_PREFIX.length)
  );
}

function toMatcher(m: z.output<typeof matcherInput>): Matcher | string {
  if (typeof m !== 'string') return m as Matcher;
  const p = parseInhibitMatcher(m);
  if (p.ok) return p.value;
  // A regex problem shows the matcher already; any other is about the text written.
  return p.problem.code === 'BAD_REGEX' ? p.problem.reason : `${m}: ${p.problem.reason}`;
}

/** What is wrong with one matcher, if anything; a value of the wrong shape is zod's to report. */
function matcherProblem(m: unknown): string | undefined {
  const shaped =
    typeof m === 'string' ||
    (m !== null &&
      typeof m === 'object' &&
      ['name', 'op', 'value'].every((k) => typeof (m as Record<string, unknown>)[k] === 'string'));
  if (!shaped) return undefined;
  const parsed = toMatcher(m as z.output<typeof matcherInput>);
  if (typeof parsed === 'string') return parsed;
  const c = compileInhibitMatcher(parsed);
  return 'base' in c ? undefined : c.reason;
}

/** Deadlines of one tier; `null` means none. Each field falls back to the tier's default on its own. */
const slaSchema = (ack: number | null, resolve: number | null) =>
  z
    .strictObject({ ack: duration.nullable().default(ack), resolve: duration.nullable().default(resolve) })
    .prefault({});

const configSchema = z.strictObject({
  models: z.record(z.string().min(1), modelSchema).default({}),
  defaults: modelSchema.default({}),
  /** Services and pipelines (the names models list as `upstream`): who owns a change to them. */
  services: z.record(z.string().min(1), serviceSchema).default({}),
  scoring: scoringSchema,
  incidents: incidentsSchema,
  /** The version gate's test (docs/GATE.md); not part of `version`: it changes no score. */
  gate: z
    .strictObject({
      alpha: z.number().gt(0).lt(1).default(DEFAULT_GATE.alpha),
      min_rate_ratio: z.number().min(1).default(DEFAULT_GATE.min_rate_ratio),
      min_alerts: z.number().int().positive().default(DEFAULT_GATE.min_alerts),
      min_serving: duration.default(DEFAULT_GATE.min_serving),
      min_baseline_serving: duration.default(DEFAULT_GATE.min_baseline_serving),
      /** Serving time and alerts older than this (event time) are forgotten: memory and verdict cost bounded. */
      history: duration.default(DEFAULT_GATE.history),
    })
    .prefault({}),
  windows: z
    .strictObject({
      /** How far before an alert a change still counts as its context. */
      correlation: duration.default(2 * UNIT_MS.h),
      /** How long deploy events stay in the window store, in alert stream time. */
      deploy_retention: duration.default(24 * UNIT_MS.h),
      max_deploys_per_key: z.number().int().positive().default(256),
      /** Repeats of a fingerprint within this time of its last occurrence are suppressed. */
      dedup: duration.default(UNIT_MS.h),
      /** A suppressed fingerprint pages again after this long, even at the same tier. */
      renotify_after: duration.default(24 * UNIT_MS.h),
      /** How long an alert is remembered for feedback to find it. */
      feedback_lookup: duration.default(7 * UNIT_MS.d),
      max_tracked_alerts: z.number().int().positive().default(100_000),
      /** Alerts further behind the alert stream time than this are marked late. */
      allowed_lateness: duration.default(UNIT_MS.h),
    })
    .prefault({})
    .refine(
      // Only once every field parsed: a bad duration is reported on its own key, not here too.
      (w) =>
        typeof w.correlation !== 'number' ||
        typeof w.allowed_lateness !== 'number' ||
        typeof w.deploy_retention !== 'number' ||
        w.correlation + w.allowed_lateness <= w.deploy_retention,
      'deploy_retention must be at least correlation + allowed_lateness',
    ),
  sla: z
    .strictObject({
      P1: slaSchema(15 * UNIT_MS.m, 4 * UNIT_MS.h),
      P2: slaSchema(UNIT_MS.h, 24 * UNIT_MS.h),
      P3: slaSchema(UNIT_MS.d, 7 * UNIT_MS.d),
      P4: slaSchema(null, null),
    })
    .prefault({}),
  /** Escalation path per tier; `{owner}` is replaced by the model's owner. */
  escalation: z
    .strictObject({
      P1: z
        .array(z.string().min(1))
        .default(['{owner}-oncall', '{owner}-lead', 'ml-platform-incident-commander']),
      P2: z.array(z.string().min(1)).default(['{owner}-oncall', '{owner}-lead']),
      P3: z.array(z.string().min(1)).default(['{owner}']),
      P4: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  topics: z
    .strictObject({
      alerts: z.string().min(1).default('ml.anomalies'),
      deployments: z.string().min(1).default('ml.deployments'),
      feedback: z.string().min(1).default('ml.alert-feedback'),
      scored: z.string().min(1).default('ml.alerts.scored'),
      P1: z.string().min(1).default('ml.alerts.p1'),
      P2: z.string().min(1).default('ml.alerts.p2'),
      P3: z.string().min(1).default('ml.alerts.p3'),
      P4: z.string().min(1).default('ml.alerts.p4'),
      actions: z.string().min(1).default('ml.alerts.actions'),
      dlq: z.string().min(1).default('ml.anomalies.dlq'),
      /** Compacted: what each fingerprint last routed, so a restart or rebalance never re-pages. */
      dedup_changelog: z.string().min(1).default('ml.alerts.dedup-changelog'),
      /** Compacted, key incident_id: the latest record of every incident (with `kafka.incident_stage`). */
      incidents: z.string().min(1).default('ml.incidents'),
      /** Compacted, key `<receiver>/<page_id>`: what `alert-triage notify` has delivered (docs/NOTIFY.md). */
      notify_log: z.string().min(1).default('ml.alerts.notify-log'),
      /**
       * Compacted, key silence id: the silences on-call adds while the service runs (`alert-triage
       * silence --kafka`), read whole by every instance's incident stage (with `kafka.incident_stage`).
       */
      silences: z.string().min(1).default('ml.silences'),
      /**
       * Compacted, key group id: what each running service says about itself (its input topics, whether
       * drills are enabled), which `alert-triage drill` reads before it writes to those topics (docs/DRILLS.md).
       */
      status: z.string().min(1).default('ml.alert-triage.status'),
    })
    .prefault({}),
  kafka: z
    .strictObject({
      brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
      client_id: z.string().min(1).default('alert-triage'),
      group_id: z.string().min(1).default('alert-triage'),
      /** Names this instance's private consumers (deploys, feedback, changelog); default host-pid. */
      instance_id: z.string().min(1).optional(),
      transactional_id_prefix: z.string().min(1).default('alert-triage'),
      ssl: z.boolean().default(false),
      ssl_ca_file: z.string().min(1).optional(),
      sasl: z
        .strictObject({
          // Kafka's own configs spell it SCRAM-SHA-512; kafkajs wants lower case: accept either.
          mechanism: z.preprocess(
            (v) => (typeof v === 'string' ? v.toLowerCase() : v),
            z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
          ),
          username: z.string().min(1),
          password: z.string().min(1),
        })
        .optional(),
      partitions: z
        .strictObject({
          alerts: z.number().int().positive().default(6),
          deployments: z.number().int().positive().default(3),
          feedback: z.number().int().positive().default(3),
          outputs: z.number().int().positive().default(6),
          dlq: z.number().int().positive().default(3),
          /** The incident stage's repartition topic, and its changelog (partitioned like it). */
          incidents: z.number().int().positive().default(6),
        })
        .prefault({}),
      replication_factor: z.number().int().positive().default(1),
      /** Longest an alert waits for the deploy/feedback inputs to reach its event time before it is scored anyway. */
      max_watermark_wait: duration.default(30_000),
      /**
       * How long a caught-up alert partition that the others have passed in event time still holds
       * the stream time back (Kafka Streams' max.task.idle.ms): records produced to it a moment after
       * the others' still find the deploys they need. Never delays scoring, only expiry.
       */
      max_partition_idle: duration.default(10_000),
      /**
       * With the incident stage: an alert partition whose stream time is more than this ahead of the
       * stream time the others hold is paused until they are within half of it (0: never). Stage 2 takes
       * members in event-time order across partitions, so those of a partition read ahead wait in memory;
       * a backlog read one partition faster than another would otherwise hold them by the thousand.
       */
      max_partition_skew: duration.default(2 * 60 * 60_000),
      /**
       * How long a chunk of alerts waits, after it was fetched, for change events produced just after
       * it (0: none, pages leave at once). Deploys arriving later than this are late side input: the
       * alerts keep the answer they were given, and deploys_stored_total{result="late"} counts them.
       */
      side_input_grace: duration.default(0),
      session_timeout: duration.default(30_000),
      /**
       * Page per incident in the stream, as `score` does: alerts go through a repartition topic keyed by
       * their incident's cause (`<group_id>-incidents-repartition`) to the incident stage, which writes
       * the scored records, the pages and `topics.incidents` (the default). Off: one page per alert (each alert its own page on its tier topic), as before this release.
       */
      incident_stage: z.boolean().default(true),
    })
    .prefault({}),
  registry: z
    .strictObject({
      url: z.string().url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
      /** PEM CA bundle trusted for an https registry URL, on top of Node's built-in CAs (a private CA). */
      ssl_ca_file: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Wire format of the outputs; inputs are detected per record (Confluent magic byte → Avro, else JSON). */
  output: z.strictObject({ format: z.enum(['json', 'avro']).default('json') }).prefault({}),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(9464),
      /**
       * POST /v1/ingest/<format> (on only when ALERT_TRIAGE_INGEST_TOKEN is set): a larger body is 413.
       * At most 1 MiB, the product's limit on one JSON record (core/json-text.ts).
       */
      ingest: z
        .strictObject({
          max_body_bytes: z
            .number()
            .int()
            .min(1024)
            .max(1 << 20)
            .default(1 << 20),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
    .prefault({}),
  /** `alert-triage notify`: receivers, routes, retries (docs/NOTIFY.md); not part of `version`. */
  notify: notifySchema,
  /** Drills (docs/DRILLS.md); not part of `version`. */
  drills: z
    .strictObject({
      /** The service accepts drills: it says so on topics.status, and `alert-triage drill` refuses otherwise. */
      enabled: z.boolean().default(false),
      /** `notify` delivers drill pages to the receivers as well (default: they are withheld and counted). */
      deliver: z.boolean().default(false),
    })
    .prefault({}),
});

/** Environment variables and the config keys they override. Empty strings count as unset. */
export const ENVIRONMENT: Record<string, { key: string[]; type: 'string' | 'list' | 'int' | 'bool' }> = {
  KAFKA_BROKERS: { key: ['kafka', 'brokers'], type: 'list' },
  KAFKA_CLIENT_ID: { key: ['kafka', 'client_id'], type: 'string' },
  KAFKA_GROUP_ID: { key: ['kafka', 'group_id'], type: 'string' },
  KAFKA_INCIDENT_STAGE: { key: ['kafka', 'incident_stage'], type: 'bool' },
  KAFKA_INSTANCE_ID: { key: ['kafka', 'instance_id'], type: 'string' },
  KAFKA_TRANSACTIONAL_ID_PREFIX: { key: ['kafka', 'transactional_id_prefix'], type: 'string' },
  KAFKA_SSL: { key: ['kafka', 'ssl'], type: 'bool' },
  KAFKA_SSL_CA_FILE: { key: ['kafka', 'ssl_ca_file'], type: 'string' },
  KAFKA_SASL_MECHANISM: { key: ['kafka', 'sasl', 'mechanism'], type: 'string' },
  KAFKA_SASL_USERNAME: { key: ['kafka', 'sasl', 'username'], type: 'string' },
  KAFKA_SASL_PASSWORD: { key: ['kafka', 'sasl', 'password'], type: 'string' },
  SCHEMA_REGISTRY_URL: { key: ['registry', 'url'], type: 'string' },
  SCHEMA_REGISTRY_SSL_CA_FILE: { key: ['registry', 'ssl_ca_file'], type: 'string' },
  SCHEMA_REGISTRY_USERNAME: { key: ['registry', 'username'], type: 'string' },
  SCHEMA_REGISTRY_PASSWORD: { key: ['registry', 'password'], type: 'string' },
  OUTPUT_FORMAT: { key: ['output', 'format'], type: 'string' },
  HTTP_PORT: { key: ['http', 'port'], type: 'int' },
  DRILLS_ENABLED: { key: ['drills', 'enabled'], type: 'bool' },
  LOG_LEVEL: { key: ['log', 'level'], type: 'string' },
};

/**
 * The document with the environment laid over it (the environment wins). Values that do not parse
 * are left in place as strings, so validation reports them under their config key.
 */
export function withEnvironment(doc: unknown, env: Record<string, string | undefined>): unknown {
  const base = (doc && typeof doc === 'object' ? structuredClone(doc) : {}) as Record<string, unknown>;
  for (const [name, { key, type }] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    let value: unknown = raw.trim();
    if (type === 'list')
      value = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (type === 'int' && /^\d+$/.test(raw.trim())) value = Number(raw.trim());
    if (type === 'bool' && /^(true|false|1|0)$/i.test(raw.trim())) value = /^(true|1)$/i.test(raw.trim());
    let node = base;
    for (const k of key.slice(0, -1)) {
      const next = node[k];
      node[k] = next && typeof next === 'object' ? next : {};
      node = node[k] as Record<string, unknown>;
    }
    node[key.at(-1)!] = value;
  }
  return base;
}

export type { ModelProfile, SignalProfile, TriageSettings } from './core/settings.ts';

type Parsed = z.output<typeof configSchema>;

/** The whole configuration: the core's settings, and how the service connects (not part of `version`). */
export interface Config extends TriageSettings {
  /** `incidents.silence_file`: the file-backed silence store of the CLI (not part of `version`). */
  readonly silence_file: string | undefined;
  /** The version gate's test (`gate:`; not part of `version`). */
  readonly gate: GateSettings;
  readonly topics: Parsed['topics'];
  readonly kafka: Parsed['kafka'];
  readonly registry: Parsed['registry'];
  readonly output: Parsed['output'];
  readonly http: Parsed['http'];
  readonly log: Parsed['log'];
  readonly notify: NotifySettings;
  readonly drills: Parsed['drills'];
}

/** The part of a Config the core is given: what changes a score, nothing about connections or credentials. */
export function triageSettings(config: TriageSettings): TriageSettings {
  const { models, defaults, scoring, windows, sla, escalation, downstream, services, incidents, version } =
    config;
  return { models, defaults, scoring, windows, sla, escalation, downstream, services, incidents, version };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly canRetry = false;
  readonly problems: string[];
  constructor(problems: string[], source = 'configuration') {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const BUILTIN_DEFAULTS: ModelProfile = {
  owner: 'ml-platform',
  revenue_per_hour: 0,
  traffic_per_hour: 1,
  compliance: [],
  safety: false,
  rollback_allowed: true,
  upstream: [],
};

/** Validates a parsed YAML/JSON document. Throws ConfigError listing every problem by key. */
export function parseConfig(doc: unknown, source?: string): Config {
  const result = configSchema.safeParse(doc ?? {});
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        if (i.code === 'unrecognized_keys') {
          const keys = i.keys.map((k) => (path ? `${path}.${k}` : k));
          return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
        }
        return `${path || '(root)'}: ${i.message}`;
      }),
      source,
    );
  }
  const p = result.data;
  const defaults: ModelProfile = { ...BUILTIN_DEFAULTS, ...stripUndefined(p.defaults) };
  // Null-prototype maps: they are looked up by ids that come from alerts ("constructor", "__proto__").
  const models: Record<string, ModelProfile> = Object.create(null);
  const downstream: Record<string, string[]> = Object.create(null);
  for (const [id, m] of Object.entries(p.models)) {
    const profile: ModelProfile = { ...defaults, ...stripUndefined(m) };
    models[id] = profile;
    for (const service of profile.upstream) {
      const list = downstream[service] ?? [];
      list.push(id);
      downstream[service] = list;
    }
  }
  const signals = Object.fromEntries(
    SIGNALS.map((s) => [s, { ...DEFAULT_SIGNALS[s], ...p.scoring.signals[s] }]),
  ) as Record<Signal, SignalProfile>;
  const magnitude_scales = {
    default: p.scoring.magnitude_scales.default,
    metrics: Object.assign(
      Object.create(null),
      DEFAULT_METRIC_SCALES,
      p.scoring.magnitude_scales.metrics,
    ) as Record<string, number>,
  };
  const change_relevance = {
    serving: { ...DEFAULT_CHANGE_RELEVANCE.serving, ...stripUndefined(p.scoring.change_relevance.serving) },
    input: { ...DEFAULT_CHANGE_RELEVANCE.input, ...stripUndefined(p.scoring.change_relevance.input) },
  } as Record<'serving' | 'input', Record<DeployKind, number>>;
  const scoring = { ...p.scoring, signals, magnitude_scales, change_relevance };
  const services: Record<string, ServiceProfile> = Object.create(null);
  for (const [name, s] of Object.entries(p.services)) services[name] = stripUndefined(s) as ServiceProfile;
  const incidents = incidentSettings(p.incidents);
  const effective = {
    models,
    defaults,
    scoring,
    windows: p.windows,
    sla: p.sla,
    escalation: p.escalation,
    services,
    incidents,
  };
  return deepFreeze({
    ...effective,
    silence_file: p.incidents.silence_file,
    gate: p.gate,
    topics: p.topics,
    kafka: p.kafka,
    registry: p.registry,
    output: p.output,
    http: p.http,
    log: p.log,
    notify: notifySettings(p.notify),
    drills: p.drills,
    downstream,
    version: `cfg-${createHash('sha256').update(canonicalJson(effective)).digest('hex').slice(0, 12)}`,
  });
}

/** The validated block as the core takes it: silences parsed, matcher text read into matchers. */
function incidentSettings(p: Parsed['incidents']): IncidentSettings {
  const limits = { maxDurationMs: p.max_silence };
  const silences: Silence[] = p.silences.map((raw) => {
    const r = parseSilence(raw, limits);
    if (!r.ok) throw new Error('unreachable: the schema refined the silences');
    return r.value;
  });
  const matchers = (list: z.output<typeof matcherInput>[]) => list.map((m) => toMatcher(m) as Matcher);
  const inhibit: InhibitRule[] = p.inhibit.map((r) => ({
    source: matchers(r.source),
    target: matchers(r.target),
    equal: r.equal,
  }));
  return {
    gap: p.gap,
    max_lifetime: p.max_lifetime,
    min_cause_strength: p.min_cause_strength,
    keep_cause_strength:
      p.keep_cause_strength === undefined ? p.min_cause_strength / 2 : p.keep_cause_strength,
    cause_precedes_firing: p.cause_precedes_firing,
    page_tiers: [...new Set(p.page_tiers)],
    group_wait: p.group_wait,
    corroborate_tiers: [...new Set(p.corroborate_tiers)],
    corroborate_candidates: p.corroborate_candidates,
    group_by: [...new Set(p.group_by)],
    upstream_window: p.upstream_window === undefined ? p.gap : p.upstream_window,
    silences,
    max_silence: p.max_silence,
    inhibit,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** JSON with object keys sorted at every level, so equal configs hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The incident stage's internal topics and group, named after the group id as Kafka Streams names them. */
export function incidentStageNames(config: Pick<Config, 'kafka'>) {
  const g = config.kafka.group_id;
  return {
    repartition: `${g}-incidents-repartition`,
    changelog: `${g}-incidents-changelog`,
    groupId: `${g}-incidents`,
    transactionalIdOf: (q: number) => `${config.kafka.transactional_id_prefix}-incidents-${q}`,
  };
}
