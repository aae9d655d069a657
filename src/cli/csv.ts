// `score --format csv`: one row per scored alert (after the filters), the fields a spreadsheet or a BI
// tool needs. The columns are listed in the README; times are RFC 3339 UTC, empty cells are absent values.
import type { ScoredAlert } from '../core/processor.ts';
import { keyReason } from './triage-table.ts';

type Cell = string | number | boolean | null | undefined;

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export const CSV_COLUMNS: readonly (readonly [string, (a: ScoredAlert) => Cell])[] = [
  ['alert_id', (a) => a.alert_id],
  ['event_time', (a) => iso(a.event_time)],
  ['model_id', (a) => a.model_id],
  ['tier', (a) => a.tier],
  ['priority', (a) => a.priority],
  ['expected_impact_per_hour', (a) => a.expected_impact_per_hour],
  ['routed', (a) => !a.dedup.suppressed],
  ['incident_id', (a) => a.incident_id],
  ['page', (a) => a.page],
  ['silenced_by', (a) => a.silenced_by],
  ['suppressed', (a) => a.dedup.suppressed],
  ['occurrences', (a) => a.dedup.occurrences],
  ['signal', (a) => a.alert.signal],
  ['detector_severity', (a) => a.alert.severity],
  ['source', (a) => a.alert.source],
  ['feature', (a) => a.alert.feature],
  ['metric', (a) => a.alert.metric],
  ['value', (a) => a.alert.value],
  ['threshold', (a) => a.alert.threshold],
  ['product_area', (a) => a.product_area],
  ['region', (a) => a.region],
  ['customer_segment', (a) => a.customer_segment],
  ['owner', (a) => a.owner],
  ['root_cause', (a) => a.root_cause.label],
  ['root_cause_confidence', (a) => a.root_cause.confidence],
  ['deploy_correlated', (a) => a.context.deploy_correlated],
  ['late', (a) => a.late],
  ['ack_by', (a) => iso(a.sla.ack_by)],
  ['resolve_by', (a) => iso(a.sla.resolve_by)],
  ['playbook', (a) => a.playbook],
  ['why', (a) => keyReason(a)],
  ['config_version', (a) => a.config_version],
];

export function csvHeader(): string {
  return CSV_COLUMNS.map(([name]) => name).join(',');
}

export function csvRow(a: ScoredAlert): string {
  return CSV_COLUMNS.map(([, cell]) => csvCell(cell(a))).join(',');
}

/**
 * RFC 4180 quoting. A text cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
 * apostrophe: alert ids and labels come from producers, and a CSV is opened by people.
 */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
