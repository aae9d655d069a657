// The public contracts of the bodies a tier record carries, as limits and checks: PagerDuty Events v2
// (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/), Opsgenie's Create and Close Alert
// (https://docs.opsgenie.com/docs/alert-api) and Slack's Block Kit (https://docs.slack.dev/reference/block-kit).
// The builders (paging.ts, slack.ts) clip to these limits; the checks say what a body breaks, so a test (or a
// sender, before it posts) can tell a body the receiver would refuse. Lengths are UTF-16 code units, which are
// never fewer than the characters the services count.

export const PAGERDUTY = {
  summary: 1024,
  dedup_key: 255,
  severities: ['critical', 'error', 'warning', 'info'] as const,
  actions: ['trigger', 'acknowledge', 'resolve'] as const,
} as const;

export const OPSGENIE = {
  message: 130,
  alias: 512,
  description: 15_000,
  tags: 20,
  tag: 50,
  /** Keys and values of `details` together. */
  details: 8_000,
  entity: 512,
  source: 100,
  note: 25_000,
  responders: 50,
  priorities: ['P1', 'P2', 'P3', 'P4', 'P5'] as const,
  responderTypes: ['team', 'user', 'escalation', 'schedule'] as const,
} as const;

export const SLACK = {
  blocks: 50,
  header: 150,
  sectionText: 3_000,
  fields: 10,
  field: 2_000,
  contextElements: 10,
  /** A text object's text (a context element's). */
  text: 3_000,
  buttonText: 75,
  buttonUrl: 3_000,
  actionId: 255,
  actionsElements: 25,
  /** Slack truncates a message's top-level `text` beyond 40,000; it advises under 4,000. */
  messageText: 4_000,
} as const;

/**
 * `s` in at most `max` code units: cut with an ellipsis, never inside a surrogate pair, and (with `mrkdwn`)
 * never inside an `&amp;`-style escape.
 */
export function clip(s: string, max: number, mrkdwn = false): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  if (mrkdwn) cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** Slack's mrkdwn escapes: `&`, `<` and `>` are control characters in it. */
export const escapeMrkdwn = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// The checks read bodies as plain JSON (a record read back from a topic), not as our types.
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

function longer(problems: string[], where: string, v: unknown, max: number, required = false): void {
  if (v === undefined) {
    if (required) problems.push(`${where} is required`);
    return;
  }
  if (!isString(v)) problems.push(`${where} is not a string`);
  else if (required && v.length === 0) problems.push(`${where} is empty`);
  else if (v.length > max) problems.push(`${where} is ${v.length} long, over ${max}`);
}

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;

/** What a PagerDuty Events v2 body (less its `routing_key`, which the sender adds) breaks; [] when none. */
export function pagerDutyProblems(body: unknown): string[] {
  const p: string[] = [];
  if (!isObject(body)) return ['the body is not an object'];
  const action = body.event_action;
  if (!(PAGERDUTY.actions as readonly unknown[]).includes(action))
    p.push(`event_action ${JSON.stringify(action)} is not one of ${PAGERDUTY.actions.join(', ')}`);
  // A trigger may leave the dedup key to PagerDuty; acknowledge and resolve name the alert by it.
  longer(p, 'dedup_key', body.dedup_key, PAGERDUTY.dedup_key, action !== 'trigger');
  if ('routing_key' in body) p.push('routing_key is in the record: it is the sender’s secret');
  if (action === 'trigger') {
    const payload = body.payload;
    if (!isObject(payload)) p.push('payload is required on a trigger');
    else {
      longer(p, 'payload.summary', payload.summary, PAGERDUTY.summary, true);
      longer(p, 'payload.source', payload.source, Number.POSITIVE_INFINITY, true);
      if (!(PAGERDUTY.severities as readonly unknown[]).includes(payload.severity))
        p.push(
          `payload.severity ${JSON.stringify(payload.severity)} is not one of ${PAGERDUTY.severities.join(', ')}`,
        );
      if (payload.timestamp !== undefined) {
        const t = payload.timestamp;
        if (!isString(t) || !ISO_8601.test(t) || Number.isNaN(Date.parse(t)))
          p.push(`payload.timestamp ${JSON.stringify(t)} is not an ISO 8601 date-time`);
      }
      for (const k of ['component', 'group', 'class'] as const)
        if (payload[k] !== undefined && !isString(payload[k])) p.push(`payload.${k} is not a string`);
      if (payload.custom_details !== undefined && !isObject(payload.custom_details))
        p.push('payload.custom_details is not an object');
    }
  } else if ('payload' in body) p.push(`payload is only for a trigger, not ${String(action)}`);
  if (body.links !== undefined) {
    if (!Array.isArray(body.links)) p.push('links is not an array');
    else
      body.links.forEach((l, i) => {
        if (!isObject(l) || !isString(l.href) || l.href.length === 0) p.push(`links[${i}].href is required`);
        else if (l.text !== undefined && !isString(l.text)) p.push(`links[${i}].text is not a string`);
      });
  }
  if (body.images !== undefined) {
    if (!Array.isArray(body.images)) p.push('images is not an array');
    else
      body.images.forEach((m, i) => {
        if (!isObject(m) || !isString(m.src) || m.src.length === 0) p.push(`images[${i}].src is required`);
      });
  }
  return p;
}

/** What an Opsgenie Create Alert body breaks; [] when none. */
export function opsgenieCreateProblems(body: unknown): string[] {
  const p: string[] = [];
  if (!isObject(body)) return ['the body is not an object'];
  longer(p, 'message', body.message, OPSGENIE.message, true);
  longer(p, 'alias', body.alias, OPSGENIE.alias);
  longer(p, 'description', body.description, OPSGENIE.description);
  longer(p, 'entity', body.entity, OPSGENIE.entity);
  longer(p, 'source', body.source, OPSGENIE.source);
  longer(p, 'note', body.note, OPSGENIE.note);
  if (body.priority !== undefined && !(OPSGENIE.priorities as readonly unknown[]).includes(body.priority))
    p.push(`priority ${JSON.stringify(body.priority)} is not one of ${OPSGENIE.priorities.join(', ')}`);
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags)) p.push('tags is not an array');
    else {
      if (body.tags.length > OPSGENIE.tags) p.push(`tags has ${body.tags.length}, over ${OPSGENIE.tags}`);
      body.tags.forEach((t, i) => {
        longer(p, `tags[${i}]`, t, OPSGENIE.tag, true);
      });
    }
  }
  if (body.details !== undefined) {
    if (!isObject(body.details)) p.push('details is not an object');
    else {
      let size = 0;
      for (const [k, v] of Object.entries(body.details)) {
        if (!isString(v)) p.push(`details.${k} is not a string`);
        else size += k.length + v.length;
      }
      if (size > OPSGENIE.details)
        p.push(`details are ${size} long (keys and values), over ${OPSGENIE.details}`);
    }
  }
  if (body.responders !== undefined) {
    if (!Array.isArray(body.responders)) p.push('responders is not an array');
    else {
      if (body.responders.length > OPSGENIE.responders)
        p.push(`responders has ${body.responders.length}, over ${OPSGENIE.responders}`);
      body.responders.forEach((r, i) => {
        if (!isObject(r) || !(OPSGENIE.responderTypes as readonly unknown[]).includes(r.type))
          p.push(`responders[${i}].type is not one of ${OPSGENIE.responderTypes.join(', ')}`);
        else if (
          !(isString(r.id) && r.id) &&
          !(isString(r.name) && r.name) &&
          !(isString(r.username) && r.username)
        )
          p.push(`responders[${i}] names no id, name or username`);
      });
    }
  }
  return p;
}

/** What an Opsgenie Close Alert request (by alias) breaks; [] when none. */
/** A close record's Opsgenie body; an acknowledge's has the same fields (`action: 'acknowledge'`). */
export function opsgenieCloseProblems(body: unknown, action: 'close' | 'acknowledge' = 'close'): string[] {
  const p: string[] = [];
  if (!isObject(body)) return ['the body is not an object'];
  if (body.action !== action) p.push(`action ${JSON.stringify(body.action)} is not ${action}`);
  longer(p, 'alias', body.alias, OPSGENIE.alias, true);
  longer(p, 'note', body.note, OPSGENIE.note);
  longer(p, 'source', body.source, OPSGENIE.source);
  return p;
}

function textObject(p: string[], where: string, t: unknown, max: number, type?: 'plain_text'): void {
  if (!isObject(t)) {
    p.push(`${where} is not a text object`);
    return;
  }
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') p.push(`${where}.type is not plain_text or mrkdwn`);
  else if (type && t.type !== type) p.push(`${where}.type must be ${type}`);
  longer(p, `${where}.text`, t.text, max, true);
}

/** What a Slack message (`text` and Block Kit `blocks`, as chat.postMessage or a webhook takes it) breaks. */
export function slackProblems(message: unknown): string[] {
  const p: string[] = [];
  if (!isObject(message)) return ['the message is not an object'];
  longer(p, 'text', message.text, SLACK.messageText, true);
  const blocks = message.blocks;
  if (!Array.isArray(blocks)) return [...p, 'blocks is not an array'];
  if (blocks.length > SLACK.blocks) p.push(`blocks has ${blocks.length}, over ${SLACK.blocks}`);
  blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(b)) {
      p.push(`${at} is not an object`);
      return;
    }
    if (b.type === 'header') textObject(p, `${at}.text`, b.text, SLACK.header, 'plain_text');
    else if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) p.push(`${at} has neither text nor fields`);
      if (b.text !== undefined) textObject(p, `${at}.text`, b.text, SLACK.sectionText);
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) p.push(`${at}.fields is not an array`);
        else {
          if (b.fields.length > SLACK.fields)
            p.push(`${at}.fields has ${b.fields.length}, over ${SLACK.fields}`);
          b.fields.forEach((f, j) => {
            textObject(p, `${at}.fields[${j}]`, f, SLACK.field);
          });
        }
      }
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0) p.push(`${at}.elements is required`);
      else {
        if (b.elements.length > SLACK.contextElements)
          p.push(`${at}.elements has ${b.elements.length}, over ${SLACK.contextElements}`);
        b.elements.forEach((e, j) => {
          textObject(p, `${at}.elements[${j}]`, e, SLACK.text);
        });
      }
    } else if (b.type === 'actions') {
      if (!Array.isArray(b.elements) || b.elements.length === 0) p.push(`${at}.elements is required`);
      else {
        if (b.elements.length > SLACK.actionsElements)
          p.push(`${at}.elements has ${b.elements.length}, over ${SLACK.actionsElements}`);
        b.elements.forEach((e, j) => {
          const el = `${at}.elements[${j}]`;
          if (!isObject(e) || e.type !== 'button') {
            p.push(`${el} is not a button`);
            return;
          }
          textObject(p, `${el}.text`, e.text, SLACK.buttonText, 'plain_text');
          longer(p, `${el}.action_id`, e.action_id, SLACK.actionId);
          longer(p, `${el}.url`, e.url, SLACK.buttonUrl);
          if (isString(e.url) && !/^https?:\/\/\S+$/.test(e.url)) p.push(`${el}.url is not an http(s) URL`);
        });
      }
    } else p.push(`${at}.type ${JSON.stringify(b.type)} is not one this project writes`);
  });
  return p;
}
