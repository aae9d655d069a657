// The tier topics' records (page, acknowledge, resolve) as schemas/tier-record.avsc writes them: the
// incident, the alert summary and the PagerDuty/Opsgenie/Slack bodies are JSON text fields (free-form
// vendor bodies with many optional parts; a pager forwards them as they are). The codec applies them (codec.ts avroValueOf).
import type { AcknowledgeRecord, PageRecord, ResolveRecord } from '../../core/incidents/types.ts';

export type TierRecord = PageRecord | AcknowledgeRecord | ResolveRecord;

const JSON_FIELDS = ['incident', 'alert', 'pagerduty', 'opsgenie', 'slack'] as const;

/** A tier record → the value avsc encodes with tier-record.avsc (wrapped in its union branch). */
export function tierRecordToWire(r: TierRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r };
  for (const f of JSON_FIELDS)
    if (f in r) out[f] = JSON.stringify((r as unknown as Record<string, unknown>)[f]);
  const branch =
    r.action === 'trigger'
      ? 'PageRecord'
      : r.action === 'acknowledge'
        ? 'AcknowledgeRecord'
        : 'ResolveRecord';
  return { [`io.alerttriage.v1.${branch}`]: out };
}

/** The inverse of tierRecordToWire: from the union branch, wrapped or not. */
export function tierRecordFromWire(wire: Record<string, unknown>): TierRecord {
  // The codec's decode unwraps the union (codec.ts plain); avsc's own fromBuffer keeps the branch name.
  const inner: Record<string, unknown> =
    'action' in wire ? { ...wire } : { ...(Object.values(wire)[0] as Record<string, unknown>) };
  for (const f of JSON_FIELDS) if (typeof inner[f] === 'string') inner[f] = JSON.parse(inner[f] as string);
  // `drill` is only on a drill's records (core/drill.ts markDrillRecord): null on the wire means none.
  if (inner.drill == null) delete inner.drill;
  return inner as unknown as TierRecord;
}

import type { IncidentRecord } from '../../core/incidents/types.ts';

/** An incident record → the value incident-record.avsc encodes (cause as JSON text). */
export function incidentToWire(i: IncidentRecord): Record<string, unknown> {
  const verdict = (i as { verdict?: unknown }).verdict;
  return {
    ...i,
    cause: i.cause === null ? null : JSON.stringify(i.cause),
    ...(verdict === undefined ? {} : { verdict: JSON.stringify(verdict) }),
  };
}

/** The inverse of incidentToWire. */
export function incidentFromWire(w: Record<string, unknown>): IncidentRecord {
  const { kind, verdict, ...rest } = w;
  return {
    ...rest,
    cause: w.cause === null ? null : JSON.parse(w.cause as string),
    ...(kind == null ? {} : { kind }),
    ...(verdict == null ? {} : { verdict: JSON.parse(verdict as string) }),
  } as IncidentRecord;
}
