// The words other tools use for severity and for what went wrong, mapped to the contract's enums, and
// the label names that say which model an alert is about. docs/INPUTS.md lists the same tables.
import { type Severity, SIGNALS, type Signal } from '../events.ts';

/** Label (then annotation) names that name the model, in the order they are looked for. */
export const MODEL_LABELS = ['model_id', 'model', 'model_name', 'ml_model'] as const;

/** Label names that carry the detector's severity, in order. */
export const SEVERITY_LABELS = ['severity', 'priority', 'level'] as const;

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  emergency: 'critical',
  fatal: 'critical',
  disaster: 'critical',
  p0: 'critical',
  p1: 'critical',
  sev0: 'critical',
  sev1: 'critical',
  high: 'high',
  error: 'high',
  err: 'high',
  major: 'high',
  p2: 'high',
  sev2: 'high',
  medium: 'medium',
  warning: 'medium',
  warn: 'medium',
  moderate: 'medium',
  average: 'medium',
  p3: 'medium',
  sev3: 'medium',
  low: 'low',
  minor: 'low',
  p4: 'low',
  sev4: 'low',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  none: 'info',
  debug: 'info',
  ok: 'info',
  p5: 'info',
  sev5: 'info',
};

/**
 * The contract's severity for another tool's word (`warning` → medium, `page` → critical, …), case and
 * spaces ignored. An unknown word gives undefined: the alert then takes the default (`medium`) and the
 * word stays in its labels.
 */
export function severityOf(word: string | undefined): Severity | undefined {
  if (word === undefined) return undefined;
  return SEVERITY_WORDS[
    word
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, '')
  ];
}

// Ordered: the first rule whose words appear in the alert's name (or metric) decides. Names are split
// into words first (`HighLatencyP99` → "high latency p99"), so short tokens (auc, psi, f1) match whole
// words only. Performance metrics come before errors: "mean_absolute_error" is a performance metric.
const SIGNAL_RULES: readonly (readonly [RegExp, Signal])[] = [
  [/\b(prediction|output|label|concept|score|target)s? ?drift/, 'prediction_drift'],
  [/latenc|\bslow|\bp9[059]\b|duration|response ?time|timeout|timed out/, 'latency'],
  [
    /accuracy|\bauc\b|\broc\b|\bf1\b|precision|recall|\brmse\b|\bmse\b|\bmae\b|\bmape\b|log ?loss|mean (absolute|squared) error|performance|degrad|\bctr\b|\broas\b|revenue|conversion|\bndcg/,
    'performance_degradation',
  ],
  [/error|\b5xx\b|exception|\bfail|crash/, 'error_rate'],
  [/shift/, 'feature_shift'],
  [/drift|\bpsi\b|divergence|wasserstein|kolmogorov|chi ?square/, 'data_drift'],
  [
    /\bnull|missing|\bnan\b|schema|quality|freshness|stale|volume|row ?count|duplicate|cardinality|out of range|type mismatch|no ?data|integrity/,
    'data_quality',
  ],
];

/** "HighLatencyP99" / "feature_null_rate" → "high latency p99" / "feature null rate". */
export function wordsOf(text: string): string {
  return text
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.:/]+/g, ' ')
    .toLowerCase();
}

/** The signal an alert's name suggests (`HighLatencyP99` → latency), else `other`. */
export function signalFromName(...texts: (string | undefined)[]): Signal {
  const text = wordsOf(texts.filter((t) => t !== undefined).join(' '));
  for (const [words, signal] of SIGNAL_RULES) if (words.test(text)) return signal;
  return 'other';
}

/**
 * An explicit `signal` label is taken as it is (a value outside the enum is then rejected by name, not
 * guessed over); without one, the name decides.
 */
export function signalOf(label: string | undefined, ...names: (string | undefined)[]): string {
  if (label !== undefined) return label;
  return signalFromName(...names);
}

export function isSignal(v: string): v is Signal {
  return (SIGNALS as readonly string[]).includes(v);
}
