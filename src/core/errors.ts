// Named errors of the core. Each has a stable `code` and a `canRetry` flag, so the shell can tell
// a bad record (dead-letter it) from a transient fault (retry it) without instanceof chains.

export type RecordErrorCode =
  | 'MALFORMED_JSON'
  | 'NOT_AN_OBJECT'
  | 'MISSING_FIELD'
  | 'WRONG_TYPE'
  | 'BAD_ENUM'
  | 'BAD_TIMESTAMP'
  | 'NOT_FINITE'
  | 'OUT_OF_RANGE'
  | 'TOO_LARGE';

export interface FieldIssue {
  code: RecordErrorCode;
  /** Dotted path of the offending field, empty for the record itself. */
  field: string;
  reason: string;
}

/** A record that can never be processed, whatever we retry: it goes to the DLQ or the rejects file. */
export interface InvalidRecord {
  code: RecordErrorCode;
  canRetry: false;
  /** `AnomalyAlert`, `DeployEvent`, `AlertFeedback`. */
  recordType: string;
  issues: FieldIssue[];
  message: string;
}

export function invalidRecord(recordType: string, issues: FieldIssue[]): InvalidRecord {
  const first = issues[0] ?? { code: 'NOT_AN_OBJECT' as const, field: '', reason: 'invalid record' };
  const message = `invalid ${recordType}: ${issues
    .map((i) => (i.field ? `${i.field}: ${i.reason}` : i.reason))
    .join('; ')}`;
  return { code: first.code, canRetry: false, recordType, issues, message };
}

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
