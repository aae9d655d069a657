// The one JSON reader of the product, with one set of limits: records from files (the offline CLI),
// from Kafka (the stream's codec) and from webhooks all pass through it. A record larger than 1 MiB
// or nested deeper than 64 levels is refused before JSON.parse sees it (a deep nesting would cost a
// stack, a huge record the heap); what does not parse is MALFORMED_JSON.
import { type InvalidRecord, invalidRecord, type Result } from './errors.ts';

export const JSON_LIMITS = { maxBytes: 1 << 20, maxDepth: 64 } as const;

export function parseJsonText(text: string, recordType: string): Result<unknown, InvalidRecord> {
  const fail = (code: 'MALFORMED_JSON' | 'TOO_LARGE', reason: string): Result<unknown, InvalidRecord> => ({
    ok: false,
    error: invalidRecord(recordType, [{ code, field: '', reason }]),
  });
  // UTF-16 code units ≤ UTF-8 bytes: a text within the limit in units may be a little over in bytes;
  // the byte limit itself is checked where the bytes are (the codec, the file reader).
  if (text.length > JSON_LIMITS.maxBytes)
    return fail('TOO_LARGE', `record is over ${JSON_LIMITS.maxBytes} bytes`);
  if (nestingDepth(text, JSON_LIMITS.maxDepth) > JSON_LIMITS.maxDepth) {
    return fail('TOO_LARGE', `JSON nested deeper than ${JSON_LIMITS.maxDepth} levels`);
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return fail('MALFORMED_JSON', e instanceof Error ? e.message : 'unparseable');
  }
}

/** Bracket depth of JSON text, outside strings; stops counting past `limit`. Iterative: no stack to overflow. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}
