// An alerts file in another tool's format (`score --input-format alertmanager` …): one payload per line
// (NDJSON), or the whole file one JSON document, pretty-printed as the tools' docs show them. Each payload
// goes through the core's mapper; out come the mapped alerts and the refused items, with their line.
import { readFile, stat } from 'node:fs/promises';
import { mapPayload, type NativeFormat, PAYLOAD_TYPES } from '../../core/inputs/index.ts';
import { sortInMemory } from './external-sort.ts';
import { readNdjsonBatches, SourceFileError } from './ndjson-source.ts';
import { eventTimeOf, type SourceRecord } from './source-record.ts';

/** A file that is one document is read whole: past this, it must be written one payload per line. */
export const MAX_DOCUMENT_BYTES = 64 << 20;
/** What of a payload is kept as the `raw` of its rejected items (a line is never longer). */
const MAX_RAW_CHARS = 1 << 20;

export async function* readPayloadRecords(
  file: string,
  format: NativeFormat,
): AsyncGenerator<SourceRecord[]> {
  const batches = readNdjsonBatches(file);
  let first = true;
  for await (const lines of batches) {
    if (first && lines.length > 0) {
      first = false;
      if (startsDocument(lines[0]!.text)) {
        await batches.return(undefined);
        yield await documentRecords(file, format);
        return;
      }
    }
    const out: SourceRecord[] = [];
    for (const line of lines) for (const r of payloadRecords(file, line.line, line.text, format)) out.push(r);
    yield out;
  }
}

/** A first line that is not JSON on its own but opens an object or array: a pretty-printed document. */
function startsDocument(text: string): boolean {
  return /^\s*[[{]/.test(text) && !isJson(text);
}

async function documentRecords(file: string, format: NativeFormat): Promise<SourceRecord[]> {
  const { size } = await stat(file);
  if (size > MAX_DOCUMENT_BYTES) {
    throw new SourceFileError(
      `${file} is one JSON document of ${size} bytes, over the ${MAX_DOCUMENT_BYTES >> 20} MiB a document may have: ` +
        "write one payload per line instead (NDJSON, e.g. jq -c '.[]' for an array of payloads)",
    );
  }
  const text = await readFile(file, 'utf8');
  try {
    JSON.parse(text);
  } catch {
    // Not one document either. If the lines after the first are JSON, it is NDJSON with a bad first line:
    // read it line by line, so the good lines are scored and the bad one is rejected by its number.
    const lines = text.split(/\r\n|\r|\n/);
    if (lines.slice(1).some((l) => l.trim() !== '' && isJson(l))) {
      return lines.flatMap((l, i) => (l.trim() === '' ? [] : payloadRecords(file, i + 1, l, format)));
    }
  }
  return payloadRecords(file, 1, text, format);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * One payload's records: each mapped alert (its value, and the payload as its text) and each refused item
 * (first), in event-time order. A JSON array counts as that many payloads (for cloudevents it is a batch,
 * which maps the same).
 */
export function payloadRecords(
  file: string,
  line: number,
  text: string,
  format: NativeFormat,
): SourceRecord[] {
  const recordType = PAYLOAD_TYPES[format];
  const raw = text.length > MAX_RAW_CHARS ? text.slice(0, MAX_RAW_CHARS) : text;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (e) {
    const message = `not JSON: ${(e as Error).message}`;
    return [{ file, line, text: raw, refused: { recordType, code: 'MALFORMED_JSON', field: '', message } }];
  }
  const payloads: [string, unknown][] =
    Array.isArray(payload) && format !== 'cloudevents'
      ? payload.map((p, i): [string, unknown] => [`[${i}]`, p])
      : [['', payload]];
  const out: SourceRecord[] = [];
  for (const [prefix, p] of payloads) {
    const m = mapPayload(format, p);
    const at = (path: string) => (prefix && path ? `${prefix}.${path}` : prefix || path);
    m.alerts.forEach((value, i) => {
      out.push({ file, line, text: raw, value, item: at(m.paths[i] ?? '') });
    });
    for (const r of m.rejected) {
      const field = at(r.field);
      // The whole payload does not fit the format: most often the wrong --input-format.
      const hint = r.index === -1 ? ` (is this ${format} input? see --input-format)` : '';
      const message = `${prefix ? `${prefix}${r.field ? '.' : ': '}` : ''}${r.message}${hint}`;
      out.push({ file, line, text: raw, item: field, refused: { recordType, code: r.code, field, message } });
    }
  }
  const size = Math.ceil(text.length / Math.max(1, out.length));
  for (const r of out) r.size = size;
  // The order of a batch's items means nothing (Alertmanager groups by labels): put them in event-time
  // order here, so only payloads out of order across the file make the file count as unsorted.
  return sortInMemory(out, eventTimeOf);
}
