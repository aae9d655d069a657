// The incident book as keyed records: what the stream's incident stage writes to its changelog after
// each transaction, and reads back when it is given a partition. One record per incident (`inc:<id>`,
// null once dropped), one per member still waiting for the watermark (`pending:<alert_id>`, null once
// taken) and one `meta` (how far the book has drained, its sequence, and what the stage keeps beside it).
// Timers (time-out or drop, and a held page's), aliases and the alert → incident index are not written:
// they follow from the incidents.
import type { TriageSettings } from '../settings.ts';
import {
  createIncidentState,
  fingerprintKeysOf,
  holdKey,
  type IncidentState,
  laneIndexKey,
  laterFor,
  type Pending,
  timerOf,
  upstreamLater,
} from './book.ts';
import type { Incident } from './incident.ts';
import type { IncidentMember } from './types.ts';

export const META_KEY = 'meta';
export const incidentKey = (id: string) => `inc:${id}`;
export const pendingKey = (alertId: string) => `pending:${alertId}`;

// Maps and Sets (and ±∞, which JSON has not) travel tagged, so a field added to Incident needs nothing here.
const replacer = (_k: string, v: unknown) => {
  if (v instanceof Map) return { $map: [...v] };
  if (v instanceof Set) return { $set: [...v] };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  return v;
};
const reviver = (_k: string, v: unknown) => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.$map)) return new Map(o.$map as [unknown, unknown][]);
    if (Array.isArray(o.$set)) return new Set(o.$set);
    if (typeof o.$num === 'string') return Number(o.$num);
  }
  return v;
};

export const encodeEntry = (value: unknown): string => JSON.stringify(value, replacer);
export const decodeEntry = <T>(text: string): T => JSON.parse(text, reviver) as T;

export interface BookMeta<X> {
  drained: number;
  seq: number;
  extra: X;
}

export function metaOf<X>(st: IncidentState, extra: X): BookMeta<X> {
  return { drained: st.drained, seq: st.seq, extra };
}

/**
 * Called right after the book was given `member`: the entry it now waits in, or null when it was taken
 * at once (older than the watermark drained: late). Feedback is not pending in the stream.
 */
export function pendingAfter(st: IncidentState, member: IncidentMember): Pending | null {
  const time = member.alert.event_time;
  if (time < st.drained) return null;
  return { time, rank: 0, id: member.alert.alert_id, seq: st.seq - 1, member };
}

export class UnreadableEntry extends Error {
  readonly code = 'UNREADABLE_CHANGELOG_ENTRY';
}

/**
 * The book rebuilt from its records (latest value per key, tombstones as null): incidents with their
 * timers and indexes, pending members in their order, the drained watermark. Returns the stage's extra.
 */
export function restoreBook<X>(
  s: TriageSettings,
  entries: Iterable<[string, string | null]>,
): { state: IncidentState; extra: X | undefined } {
  const st = createIncidentState(s);
  let extra: X | undefined;
  for (const [key, text] of entries) {
    if (text === null) continue;
    let value: unknown;
    try {
      value = decodeEntry(text);
    } catch (err) {
      throw new UnreadableEntry(`changelog entry ${key} is not JSON: ${(err as Error).message}`);
    }
    if (key === META_KEY) {
      const m = value as BookMeta<X>;
      st.drained = m.drained;
      st.seq = m.seq;
      extra = m.extra;
    } else if (key.startsWith('inc:')) {
      const inc = value as Incident;
      // Written before incidents held their fingerprints: none yet (its next members add theirs).
      const held = inc as { fingerprints: Set<string>; firing: Set<string> };
      if (!(held.fingerprints instanceof Set)) held.fingerprints = new Set();
      if (!(held.firing instanceof Set)) held.firing = new Set(held.fingerprints);
      // Written before the corroboration rule: nothing waits.
      if ((inc as { waiting?: string | null }).waiting === undefined) inc.waiting = null;
      // Written before resolves were sent: an open incident that paged owes one for its latest page.
      if (!Array.isArray(inc.unresolved))
        inc.unresolved =
          inc.status === 'open' && inc.paged_tier !== null
            ? [{ page_id: `${inc.id}:${inc.pages}`, tier: inc.paged_tier }]
            : [];
      st.incidents.set(inc.id, inc);
      for (const alert of inc.alerts) st.byAlert.set(alert, inc.id);
      // A fingerprint (on a route) in several incidents finds the one its latest member joined, whatever
      // order the records come back in — not the one with the latest member of any fingerprint: a repeat
      // would find an older incident of it, still waiting for corroboration, and page there. Records
      // written before fingerprint_taken: the incident with the latest member.
      for (const k of fingerprintKeysOf(inc)) {
        holdKey(st, k, inc.id);
        const at = inc.fingerprint_taken?.get(k);
        if (at !== undefined && at > st.taken) st.taken = at;
        const other = st.incidents.get(st.byFingerprint.get(k) ?? '');
        if (other === undefined || laterFor(k, inc, other)) st.byFingerprint.set(k, inc.id);
      }
      for (const alias of inc.aliases) st.aliases.set(alias, inc.id);
      // A group's latest incident takes its next members, whatever order the records come back in.
      if (inc.group !== undefined) {
        const k = laneIndexKey(inc.group, inc.alerts[0]);
        const other = st.incidents.get(st.groups.get(k) ?? '');
        if (
          other === undefined ||
          other.first < inc.first ||
          (other.first === inc.first && other.id < inc.id)
        )
          st.groups.set(k, inc.id);
      }
      for (const svc of Object.keys(inc.upstream_last ?? {})) {
        const k = laneIndexKey(svc, inc.alerts[0]);
        if (upstreamLater(svc, inc, st.incidents.get(st.upstreams.get(k) ?? ''))) st.upstreams.set(k, inc.id);
      }
      st.timers.push(timerOf(inc, s));
      // A page held for the group wait has its own timer.
      if (inc.held != null) st.timers.push({ at: inc.held.until, id: inc.id, kind: 'page' });
    } else if (key.startsWith('pending:')) {
      st.pending.push(value as Pending);
    } else {
      throw new UnreadableEntry(`changelog entry with an unknown key: ${key}`);
    }
  }
  return { state: st, extra };
}
