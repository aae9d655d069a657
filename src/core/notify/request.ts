// The HTTP request of one delivery, per receiver type: PagerDuty Events v2 `enqueue` (the routing key
// added, https://developer.pagerduty.com/docs/events-api-v2/overview/), Opsgenie Alert API create,
// acknowledge and close by alias (`Authorization: GenieKey …`), a Slack incoming webhook's `{text, blocks}`, or the record
// as it is for a webhook.
import type { HttpRequest, NotifyRecord, Receiver } from './types.ts';

const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': 'alert-triage-notify' };

export function deliveryKey(receiver: string, pageId: string): string {
  return `${receiver}/${pageId}`;
}

export function buildRequest(receiver: Receiver, record: NotifyRecord): HttpRequest {
  const post = (url: string, body: unknown, headers: Record<string, string> = {}): HttpRequest => ({
    method: 'POST',
    url,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  switch (receiver.type) {
    case 'pagerduty': {
      const body =
        record.action !== 'trigger'
          ? {
              routing_key: receiver.secret,
              event_action: record.action,
              dedup_key: record.pagerduty.dedup_key,
            }
          : {
              routing_key: receiver.secret,
              ...record.pagerduty,
              event_action: record.pagerduty.event_action,
            };
      return post(receiver.url, body);
    }
    case 'opsgenie': {
      const auth = { authorization: `GenieKey ${receiver.secret ?? ''}` };
      if (record.action !== 'trigger') {
        // Close (a resolve) or acknowledge by alias: https://docs.opsgenie.com/docs/alert-api
        const { alias, action: _action, ...rest } = record.opsgenie;
        const base = receiver.url.replace(/\/+$/, '');
        const verb = record.action === 'resolve' ? 'close' : 'acknowledge';
        return post(`${base}/${encodeURIComponent(alias)}/${verb}?identifierType=alias`, rest, auth);
      }
      return post(receiver.url, record.opsgenie, auth);
    }
    case 'slack':
      return post(receiver.url, record.slack);
    case 'webhook':
      return post(receiver.url, record.raw, {
        'idempotency-key': deliveryKey(receiver.name, record.page_id),
        ...(receiver.secret ? { authorization: `Bearer ${receiver.secret}` } : {}),
      });
  }
}
