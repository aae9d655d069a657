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
  | 'TOO_LARGE'
  // Silences (core/silences.ts, core/silence-matchers.ts; docs/SILENCES.md):
  /** An unknown matcher name or operator, a bad label key, or matcher text that does not parse. */
  | 'BAD_MATCHER'
  /** A `=~` / `!~` value that is not a valid regular expression; the matcher is shown. */
  | 'BAD_REGEX'
  /** `ends_at` before `starts_at`, or a silence longer than the configured maximum. */
  | 'BAD_WINDOW'
  /** Every matcher matches the empty string, so the silence would silence every alert. */
  | 'TOO_BROAD'
  /** An `ml.silences` record whose key is not its silence's id (compaction would keep the wrong one). */
  | 'KEY_MISMATCH';

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
  /** `AnomalyAlert`, `DeployEvent`, `AlertFeedback`, `Silence`, `Matcher`. */
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
