// The Slack message of a tier record, in Block Kit (https://docs.slack.dev/reference/block-kit): what
// chat.postMessage or an incoming webhook takes as `{ text, blocks }` — the channel, token or webhook URL
// are the sender's. A page: a header, the figures as fields, the trigger, the incident id, a playbook
// button; a resolve: a short resolved message. Every text is clipped to Block Kit's limits
// (pager-contracts.ts), user-given text escaped for mrkdwn.
import type { Tier } from './events.ts';
import { clip, escapeMrkdwn, SLACK } from './pager-contracts.ts';

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | {
      type: 'actions';
      elements: {
        type: 'button';
        text: SlackText & { type: 'plain_text' };
        url: string;
        action_id: string;
      }[];
    };

export interface SlackMessage {
  /** The notification's text (and what a client without blocks shows). */
  text: string;
  blocks: SlackBlock[];
}

export interface SlackPageInput {
  incidentId: string;
  pageId: string;
  title: string;
  tier: Tier;
  /** `opened at P1`, `tier rose from P2 to P1`. */
  reason: string;
  impactPerHour: number;
  owner: string;
  cause: string | null;
  models: readonly string[];
  trigger: { alertId: string; modelId: string; signal: string; why: string };
  playbook: string | null;
}

const plain = (text: string, max: number): SlackText & { type: 'plain_text' } => ({
  type: 'plain_text',
  text: clip(text, max),
});
/** A mrkdwn text: `label` is ours (may hold formatting), `value` is escaped; the whole clipped. */
const md = (text: string, max: number): SlackText => ({ type: 'mrkdwn', text: clip(text, max, true) });
const field = (label: string, value: string) => md(`*${label}*\n${escapeMrkdwn(value)}`, SLACK.field);

/** A playbook Slack can link: an http(s) URL within the button's limit, else none (a cut URL is a wrong one). */
const linkable = (url: string | null): url is string =>
  url !== null && url.length <= SLACK.buttonUrl && /^https?:\/\/\S+$/.test(url);

const money = (x: number) => `~${Math.round(x).toLocaleString('en-US')}/h at risk`;

function modelList(models: readonly string[]): string {
  if (models.length <= 5) return models.join(', ');
  return `${models.slice(0, 5).join(', ')} and ${models.length - 5} more`;
}

export function pageMessage(p: SlackPageInput): SlackMessage {
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(`[${p.tier}] ${p.title}`, SLACK.header) },
    {
      type: 'section',
      text: md(
        `*${escapeMrkdwn(p.reason)}*: ${escapeMrkdwn(p.trigger.alertId)} (${escapeMrkdwn(p.trigger.modelId)}, ` +
          `${escapeMrkdwn(p.trigger.signal)}) — ${escapeMrkdwn(p.trigger.why)}`,
        SLACK.sectionText,
      ),
      fields: [
        field('Tier', p.tier),
        field('Impact', money(p.impactPerHour)),
        field('Owner', p.owner),
        field('Cause', p.cause ?? 'none suspected'),
        field(p.models.length === 1 ? 'Model' : `Models (${p.models.length})`, modelList(p.models)),
      ],
    },
    {
      type: 'context',
      elements: [
        md(`incident \`${escapeMrkdwn(p.incidentId)}\` · page ${escapeMrkdwn(p.pageId)}`, SLACK.text),
      ],
    },
  ];
  if (linkable(p.playbook))
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: plain('Playbook', SLACK.buttonText), url: p.playbook, action_id: 'playbook' },
      ],
    });
  return { text: clip(`[${p.tier}] ${p.title} (${money(p.impactPerHour)})`, SLACK.messageText), blocks };
}

export interface SlackResolveInput {
  incidentId: string;
  pageId: string;
  title: string;
  tier: Tier;
  /** `timed out: no alert for 30 min`, `resolved by feedback on a-12`. */
  reason: string;
}

/** An acknowledgement: someone has the incident (`reason`: `acknowledged (feedback on a-12)`). */
export function acknowledgeMessage(p: SlackResolveInput): SlackMessage {
  return {
    text: clip(`Acknowledged [${p.tier}] ${p.title}`, SLACK.messageText),
    blocks: [
      { type: 'header', text: plain(`Acknowledged [${p.tier}] ${p.title}`, SLACK.header) },
      { type: 'section', text: md(`*Acknowledged*: ${escapeMrkdwn(p.reason)}`, SLACK.sectionText) },
      {
        type: 'context',
        elements: [md(`incident \`${escapeMrkdwn(p.incidentId)}\` · ${escapeMrkdwn(p.pageId)}`, SLACK.text)],
      },
    ],
  };
}

export function resolveMessage(p: SlackResolveInput): SlackMessage {
  return {
    text: clip(`Resolved [${p.tier}] ${p.title}`, SLACK.messageText),
    blocks: [
      { type: 'header', text: plain(`Resolved [${p.tier}] ${p.title}`, SLACK.header) },
      { type: 'section', text: md(`*Resolved*: ${escapeMrkdwn(p.reason)}`, SLACK.sectionText) },
      {
        type: 'context',
        elements: [md(`incident \`${escapeMrkdwn(p.incidentId)}\` · ${escapeMrkdwn(p.pageId)}`, SLACK.text)],
      },
    ],
  };
}
