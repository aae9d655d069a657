// Reads a tier topic's record into what the notifier delivers: a page (trigger), an acknowledge or a resolve. Only what
// delivery needs is checked; the pager bodies are sent as the producer made them.
import type { Tier } from '../events.ts';
import type { NotifyRecord } from './types.ts';

export type NotifyRecordErrorCode =
  | 'MALFORMED_JSON'
  /** A Confluent-framed (Avro) record that does not decode through the registry as a tier record. */
  | 'AVRO_DECODE_FAILED'
  | 'NOT_AN_OBJECT'
  | 'NOT_A_PAGE'
  | 'MISSING_FIELD'
  | 'WRONG_TYPE'
  | 'BAD_ENUM';

export interface NotifyRecordError {
  code: NotifyRecordErrorCode;
  /** The field at fault, dotted; empty for the record itself. */
  field: string;
  message: string;
}

const TIERS: readonly string[] = ['P1', 'P2', 'P3', 'P4'];

type Read = { ok: true; value: NotifyRecord } | { ok: false; error: NotifyRecordError };

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function readNotifyRecord(value: unknown): Read {
  const fail = (code: NotifyRecordErrorCode, field: string, message: string): Read => ({
    ok: false,
    error: { code, field, message },
  });
  if (!isObject(value)) return fail('NOT_AN_OBJECT', '', 'the record is not a JSON object');
  if (value.page_id === undefined && 'alert_id' in value && 'paging' in value)
    return fail(
      'NOT_A_PAGE',
      '',
      'a scored alert, not a page: notify delivers pages, which the tier topics carry with kafka.incident_stage on',
    );
  const str = (field: string): string | NotifyRecordError => {
    const v = value[field];
    if (v === undefined || v === null || v === '')
      return { code: 'MISSING_FIELD', field, message: `${field} is required` };
    if (typeof v !== 'string') return { code: 'WRONG_TYPE', field, message: `${field} must be a string` };
    return v;
  };
  const pageId = str('page_id');
  if (typeof pageId !== 'string') return { ok: false, error: pageId };
  const incidentId = str('incident_id');
  if (typeof incidentId !== 'string') return { ok: false, error: incidentId };
  if (!TIERS.includes(value.tier as string))
    return fail('BAD_ENUM', 'tier', 'tier must be one of P1, P2, P3, P4');
  const action = value.action ?? 'trigger';
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve')
    return fail('BAD_ENUM', 'action', 'action must be trigger, acknowledge or resolve');
  const eventTime = value.event_time;
  if (typeof eventTime !== 'number' || !Number.isFinite(eventTime))
    return fail('WRONG_TYPE', 'event_time', 'event_time must be epoch milliseconds');
  const pd = value.pagerduty;
  if (!isObject(pd)) return fail('MISSING_FIELD', 'pagerduty', 'pagerduty (the Events v2 body) is required');
  if (typeof pd.dedup_key !== 'string' || pd.dedup_key === '')
    return fail('MISSING_FIELD', 'pagerduty.dedup_key', 'pagerduty.dedup_key is required');
  // PagerDuty's event_action is the record's action (a trigger's body may say acknowledge: it passes).
  const pdAction = pd.event_action ?? action;
  if (pdAction !== action && !(action === 'trigger' && pdAction === 'acknowledge'))
    return fail(
      'BAD_ENUM',
      'pagerduty.event_action',
      `pagerduty.event_action ${String(pdAction)} does not fit action ${action}`,
    );
  if (action === 'trigger' && !isObject(pd.payload))
    return fail('MISSING_FIELD', 'pagerduty.payload', 'a trigger needs pagerduty.payload');
  const og = value.opsgenie;
  if (!isObject(og)) return fail('MISSING_FIELD', 'opsgenie', 'opsgenie (the alert body) is required');
  if (typeof og.alias !== 'string' || og.alias === '')
    return fail('MISSING_FIELD', 'opsgenie.alias', 'opsgenie.alias is required');
  const summary = isObject(pd.payload) && typeof pd.payload.summary === 'string' ? pd.payload.summary : null;
  let slack = value.slack;
  if (slack === undefined || slack === null)
    slack = {
      text:
        summary ??
        `[${value.tier}] incident ${incidentId} ${action === 'resolve' ? 'resolved' : action === 'acknowledge' ? 'acknowledged' : 'paged'}`,
    };
  if (!isObject(slack) || (typeof slack.text !== 'string' && !Array.isArray(slack.blocks)))
    return fail('WRONG_TYPE', 'slack', 'slack must be {text, blocks?}');
  const incident = value.incident;
  const owner =
    typeof value.owner === 'string'
      ? value.owner
      : isObject(incident) && typeof incident.owner === 'string'
        ? incident.owner
        : null;
  return {
    ok: true,
    value: {
      action,
      page_id: pageId,
      incident_id: incidentId,
      tier: value.tier as Tier,
      event_time: eventTime,
      owner,
      pagerduty: { ...pd, event_action: pdAction as string, dedup_key: pd.dedup_key },
      opsgenie: { ...og, alias: og.alias },
      slack: {
        text: typeof slack.text === 'string' ? slack.text : (summary ?? ''),
        ...(Array.isArray(slack.blocks) ? { blocks: slack.blocks } : {}),
      },
      raw: value,
    },
  };
}
