// One payload posted to `POST /v1/ingest/<format>` or read from the alerts topic with the
// `alert-triage-format` header: mapped by the format's mapper, every mapped alert validated as the
// contract's AnomalyAlert. A bad item is rejected alone (its index and field named); the others are kept.
import type { RecordErrorCode } from '../errors.ts';
import type { AnomalyAlert } from '../events.ts';
import { parseAlert } from '../parse-record.ts';
import { INPUT_FORMATS, type InputFormat, isInputFormat, mapPayload } from './index.ts';

/** The header that says a record on the alerts topic is another tool's payload, and which. */
export const FORMAT_HEADER = 'alert-triage-format';

/** The routes of `POST /v1/ingest/<name>`. */
export const INGEST_ROUTES: readonly string[] = [
  'native',
  ...INPUT_FORMATS.filter((f) => f !== 'alerttriage'),
];

/** What `POST /v1/ingest/<name>` and the header accept: the input formats, and `native` for our own. */
export function ingestFormatOf(name: string): InputFormat | undefined {
  if (name === 'native') return 'alerttriage';
  return isInputFormat(name) ? name : undefined;
}

export interface IngestRejection {
  /** The item's position in the payload's batch; -1 when the payload as a whole is bad. */
  index: number;
  code: RecordErrorCode;
  /** Path of the offending field in the posted payload (`alerts[2].labels`, `[1].signal`); '' for all of it. */
  field: string;
  message: string;
}

export interface IngestMapping {
  alerts: AnomalyAlert[];
  rejected: IngestRejection[];
}

/**
 * `payload` (parsed JSON) of `format` → valid AnomalyAlerts and the rejected items. A JSON array is a
 * batch of payloads (of AnomalyAlerts for `alerttriage`), each item mapped on its own; a CloudEvents
 * array is the spec's batch mode and maps the same.
 */
export function mapIngest(format: InputFormat, payload: unknown): IngestMapping {
  const out: IngestMapping = { alerts: [], rejected: [] };
  const batch = Array.isArray(payload) && format !== 'cloudevents';
  const items = batch ? (payload as unknown[]) : [payload];
  if (batch && items.length === 0) {
    out.rejected.push({ index: -1, code: 'MISSING_FIELD', field: '', message: 'the batch is empty' });
    return out;
  }
  items.forEach((item, n) => {
    const prefix = batch ? `[${n}]` : '';
    const at = (path: string) => (prefix && path ? `${prefix}.${path}` : prefix || path);
    const m = mapPayload(format, item);
    for (const r of m.rejected) {
      out.rejected.push({
        index: batch ? n : r.index,
        code: r.code,
        field: at(r.field),
        message: prefix ? `${prefix}${r.field ? '.' : ': '}${r.message}` : r.message,
      });
    }
    m.alerts.forEach((raw, i) => {
      const parsed = parseAlert(raw);
      if (parsed.ok) {
        out.alerts.push(parsed.value);
        return;
      }
      // The mapper made an alert the contract refuses (a label value out of range): named at its item.
      const path = at(m.paths[i] ?? '');
      const issue = parsed.error.issues[0];
      const field = issue?.field ? (path ? `${path}.${issue.field}` : issue.field) : path;
      out.rejected.push({
        index: batch ? n : itemIndexOf(m.paths[i]),
        code: parsed.error.code,
        field,
        message: path ? `${path}: ${parsed.error.message}` : parsed.error.message,
      });
    });
  });
  return out;
}

/** `alerts[2]` → 2; a one-alert payload's '' → 0. */
function itemIndexOf(path: string | undefined): number {
  const m = /\[(\d+)\]/.exec(path ?? '');
  return m ? Number(m[1]) : 0;
}

/** The DLQ reason of a payload some (or all) of whose items were refused. */
export function rejectionMessage(format: InputFormat, m: IngestMapping): string {
  const head = `${m.rejected.length} item(s) of a ${format} payload refused (${m.alerts.length} mapped)`;
  const shown = m.rejected.slice(0, 5).map((r) => r.message);
  const more = m.rejected.length > 5 ? `; and ${m.rejected.length - 5} more` : '';
  return `${head}: ${shown.join('; ')}${more}`;
}
