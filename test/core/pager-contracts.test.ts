// The tier records' bodies against the public contracts (PagerDuty Events v2, Opsgenie Create / Close Alert,
// Slack Block Kit): the builders stay inside every limit however long their inputs, and the checks catch a
// body that breaks one (so a passing check means something).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clip,
  OPSGENIE,
  opsgenieCloseProblems,
  opsgenieCreateProblems,
  PAGERDUTY,
  pagerDutyProblems,
  SLACK,
  slackProblems,
} from '../../src/core/pager-contracts.ts';
import { type IncidentPagingInput, incidentPaging, incidentResolvePaging } from '../../src/core/paging.ts';
import { pageMessage, resolveMessage, type SlackPageInput } from '../../src/core/slack.ts';

const long = (n: number, c = 'x') => c.repeat(n);

const plainInput: IncidentPagingInput = {
  incidentId: 'inc-0123456789abcdef',
  title: 'schema_change of payments-pipeline (dep-42): 2 models affected (fraud-scorer, churn)',
  tier: 'P1',
  eventTime: Date.parse('2026-11-16T10:00:00Z'),
  owner: 'risk-ml',
  impactPerHour: 12_000,
  models: ['fraud-scorer', 'churn'],
  productAreas: ['payments'],
  cause: 'schema_change of payments-pipeline (dep-42)',
  trigger: { alertId: 'a-1', modelId: 'fraud-scorer', signal: 'data_drift', why: 'drift on amount' },
  playbook: 'https://runbooks.example/fraud-scorer',
};

/** Every text as long as a catalog or a monitor could make it. */
const hugeInput: IncidentPagingInput = {
  ...plainInput,
  title: long(20_000, 'T'),
  owner: long(3_000, 'o'),
  models: Array.from({ length: 60 }, (_, i) => `model-${i}-${long(300)}`),
  productAreas: Array.from({ length: 40 }, (_, i) => `area-${i}-${long(80)}`),
  cause: long(5_000, 'c'),
  trigger: {
    alertId: long(1_000, 'a'),
    modelId: long(1_000, 'm'),
    signal: long(500, 's'),
    why: long(20_000, 'w'),
  },
  playbook: `https://runbooks.example/${long(4_000, 'p')}`,
};

const slackInput = (p: IncidentPagingInput): SlackPageInput => ({
  incidentId: p.incidentId,
  pageId: `${p.incidentId}:1`,
  title: p.title,
  tier: p.tier,
  reason: 'opened at P1',
  impactPerHour: p.impactPerHour,
  owner: p.owner,
  cause: p.cause,
  models: p.models,
  trigger: p.trigger,
  playbook: p.playbook,
});

describe('PagerDuty Events v2 bodies', () => {
  it('a trigger within every limit, with long inputs too', () => {
    for (const input of [plainInput, hugeInput]) {
      const { pagerduty } = incidentPaging(input);
      assert.deepEqual(pagerDutyProblems(pagerduty), []);
      assert.ok(pagerduty.payload.summary.length <= PAGERDUTY.summary);
      assert.equal(pagerduty.dedup_key, input.incidentId);
      assert.equal(pagerduty.payload.timestamp, '2026-11-16T10:00:00.000Z');
      assert.match(pagerduty.payload.summary, /\(~12000\/h at risk\)$/, 'the figure survives the clip');
    }
    assert.equal(incidentPaging(hugeInput).pagerduty.payload.summary.length, PAGERDUTY.summary);
  });

  it('an empty monitor source still gives a source (PagerDuty requires one)', () => {
    const { pagerduty } = incidentPaging({ ...plainInput, trigger: { ...plainInput.trigger, source: '' } });
    assert.equal(pagerduty.payload.source, 'alert-triage');
  });

  it('a resolve is the dedup key alone', () => {
    const r = incidentResolvePaging({ incidentId: 'inc-1', note: long(40_000) });
    assert.deepEqual(r.pagerduty, { event_action: 'resolve', dedup_key: 'inc-1' });
    assert.deepEqual(pagerDutyProblems(r.pagerduty), []);
    assert.ok(r.opsgenie.note.length <= OPSGENIE.note);
    assert.deepEqual(opsgenieCloseProblems(r.opsgenie), []);
  });

  it('the check names what a body breaks', () => {
    const good = incidentPaging(plainInput).pagerduty;
    const bad = (over: Record<string, unknown>, payload: Record<string, unknown> = {}) =>
      pagerDutyProblems({ ...good, ...over, payload: { ...good.payload, ...payload } });
    assert.deepEqual(bad({}, { summary: long(1025) }), ['payload.summary is 1025 long, over 1024']);
    assert.deepEqual(bad({}, { source: '' }), ['payload.source is empty']);
    assert.deepEqual(bad({}, { source: undefined }), ['payload.source is required']);
    assert.deepEqual(bad({}, { severity: 'high' }), [
      'payload.severity "high" is not one of critical, error, warning, info',
    ]);
    assert.deepEqual(bad({}, { timestamp: '16/11/2026' }), [
      'payload.timestamp "16/11/2026" is not an ISO 8601 date-time',
    ]);
    assert.deepEqual(bad({ dedup_key: long(256) }), ['dedup_key is 256 long, over 255']);
    assert.deepEqual(bad({ routing_key: 'secret' }), [
      'routing_key is in the record: it is the sender’s secret',
    ]);
    assert.deepEqual(bad({ links: [{ text: 'no href' }] }), ['links[0].href is required']);
    assert.deepEqual(bad({ images: [{ alt: 'no src' }] }), ['images[0].src is required']);
    assert.deepEqual(pagerDutyProblems({ event_action: 'resolve' }), ['dedup_key is required']);
    assert.deepEqual(pagerDutyProblems({ event_action: 'resolve', dedup_key: 'k', payload: {} }), [
      'payload is only for a trigger, not resolve',
    ]);
    assert.deepEqual(pagerDutyProblems({ event_action: 'close', dedup_key: 'k' }), [
      'event_action "close" is not one of trigger, acknowledge, resolve',
    ]);
  });
});

describe('Opsgenie bodies', () => {
  it('a Create Alert within every limit, with long inputs too; responders from the owner', () => {
    for (const input of [plainInput, hugeInput]) {
      const { opsgenie } = incidentPaging(input);
      assert.deepEqual(opsgenieCreateProblems(opsgenie), []);
      assert.deepEqual(opsgenie.responders, [{ type: 'team', name: input.owner }]);
      assert.ok(opsgenie.message.length <= OPSGENIE.message);
      assert.ok(opsgenie.description.length <= OPSGENIE.description);
      assert.ok(opsgenie.entity.length <= OPSGENIE.entity);
      assert.ok(
        opsgenie.tags.length <= OPSGENIE.tags && opsgenie.tags.every((t) => t.length <= OPSGENIE.tag),
      );
      assert.ok(Object.values(opsgenie.details).every((v) => typeof v === 'string'));
    }
    const huge = incidentPaging(hugeInput).opsgenie;
    assert.equal(huge.message.length, OPSGENIE.message);
    assert.equal(huge.description.length, OPSGENIE.description);
    assert.equal(huge.tags.length, OPSGENIE.tags);
    assert.deepEqual(incidentPaging(plainInput).opsgenie.tags, ['P1', 'payments', 'change']);
  });

  it('the check names what a body breaks', () => {
    const good = incidentPaging(plainInput).opsgenie;
    const bad = (over: Record<string, unknown>) => opsgenieCreateProblems({ ...good, ...over });
    assert.deepEqual(bad({ message: long(131) }), ['message is 131 long, over 130']);
    assert.deepEqual(bad({ message: undefined }), ['message is required']);
    assert.deepEqual(bad({ alias: long(513) }), ['alias is 513 long, over 512']);
    assert.deepEqual(bad({ description: long(15_001) }), ['description is 15001 long, over 15000']);
    assert.deepEqual(bad({ entity: long(513) }), ['entity is 513 long, over 512']);
    assert.deepEqual(bad({ source: long(101) }), ['source is 101 long, over 100']);
    assert.deepEqual(bad({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), ['tags has 21, over 20']);
    assert.deepEqual(bad({ tags: [long(51)] }), ['tags[0] is 51 long, over 50']);
    assert.deepEqual(bad({ details: { n: 1 } }), ['details.n is not a string']);
    assert.deepEqual(bad({ details: { k: long(8_000) } }), [
      'details are 8001 long (keys and values), over 8000',
    ]);
    assert.deepEqual(bad({ priority: 'P0' }), ['priority "P0" is not one of P1, P2, P3, P4, P5']);
    assert.deepEqual(bad({ responders: [{ type: 'group', name: 'x' }] }), [
      'responders[0].type is not one of team, user, escalation, schedule',
    ]);
    assert.deepEqual(bad({ responders: [{ type: 'team' }] }), [
      'responders[0] names no id, name or username',
    ]);
    assert.deepEqual(opsgenieCloseProblems({ alias: 'a', action: 'close', note: long(25_001) }), [
      'note is 25001 long, over 25000',
    ]);
  });
});

describe('Slack Block Kit messages', () => {
  it('a page: header, fields tier/impact/owner/cause/models, context, playbook button', () => {
    const m = pageMessage(slackInput(plainInput));
    assert.deepEqual(slackProblems(m), []);
    assert.deepEqual(
      m.blocks.map((b) => b.type),
      ['header', 'section', 'context', 'actions'],
    );
    const section = m.blocks[1] as { fields: { text: string }[] };
    assert.deepEqual(
      section.fields.map((f) => f.text.split('\n')[0]),
      ['*Tier*', '*Impact*', '*Owner*', '*Cause*', '*Models (2)*'],
    );
    assert.equal(section.fields[1]!.text, '*Impact*\n~12,000/h at risk');
    assert.match(JSON.stringify(m.blocks[2]), /inc-0123456789abcdef/);
  });

  it('within every limit with long inputs: no button for a playbook URL too long to link', () => {
    const m = pageMessage(slackInput(hugeInput));
    assert.deepEqual(slackProblems(m), []);
    const header = m.blocks[0] as { text: { text: string } };
    assert.equal(header.text.text.length, SLACK.header);
    const section = m.blocks[1] as { text: { text: string }; fields: { text: string }[] };
    assert.equal(section.text.text.length, SLACK.sectionText);
    assert.ok(section.fields.length <= SLACK.fields);
    assert.ok(section.fields.every((f) => f.text.length <= SLACK.field));
    assert.equal(section.fields[2]!.text.length, SLACK.field, 'the owner field is clipped');
    assert.ok(!m.blocks.some((b) => b.type === 'actions'));
    assert.ok(m.text.length <= SLACK.messageText);
    assert.ok(
      !pageMessage({ ...slackInput(plainInput), playbook: 'see the wiki' }).blocks.some(
        (b) => b.type === 'actions',
      ),
    );
  });

  it('escapes mrkdwn, and never cuts inside an escape', () => {
    const m = pageMessage({ ...slackInput(plainInput), owner: '<!channel> & co' });
    const owner = (m.blocks[1] as { fields: { text: string }[] }).fields[2]!.text;
    assert.equal(owner, '*Owner*\n&lt;!channel&gt; &amp; co');
    const cut = pageMessage({ ...slackInput(plainInput), owner: long(3_000, '&') });
    const text = (cut.blocks[1] as { fields: { text: string }[] }).fields[2]!.text;
    assert.match(text, /(&amp;)+…$/);
  });

  it('a resolve: a short resolved message within the limits', () => {
    for (const title of [plainInput.title, long(20_000)]) {
      const m = resolveMessage({
        incidentId: 'inc-1',
        pageId: 'inc-1:1:resolve',
        title,
        tier: 'P2',
        reason: 'timed out',
      });
      assert.deepEqual(slackProblems(m), []);
      assert.deepEqual(
        m.blocks.map((b) => b.type),
        ['header', 'section', 'context'],
      );
    }
  });

  it('the check names what a message breaks', () => {
    const good = pageMessage(slackInput(plainInput));
    const header = { type: 'header', text: { type: 'plain_text', text: long(151) } };
    assert.deepEqual(slackProblems({ ...good, blocks: [header] }), [
      'blocks[0].text.text is 151 long, over 150',
    ]);
    const fields = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' }));
    assert.deepEqual(slackProblems({ ...good, blocks: [{ type: 'section', fields }] }), [
      'blocks[0].fields has 11, over 10',
    ]);
    assert.deepEqual(
      slackProblems({
        ...good,
        blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: long(2001) }] }],
      }),
      ['blocks[0].fields[0].text is 2001 long, over 2000'],
    );
    assert.deepEqual(
      slackProblems({ ...good, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: long(3001) } }] }),
      ['blocks[0].text.text is 3001 long, over 3000'],
    );
    assert.deepEqual(
      slackProblems({ ...good, blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }),
      ['blocks[0].text.type must be plain_text'],
    );
    assert.deepEqual(
      slackProblems({
        ...good,
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'go' }, url: 'wiki', action_id: 'a' },
            ],
          },
        ],
      }),
      ['blocks[0].elements[0].url is not an http(s) URL'],
    );
  });
});

describe('clip', () => {
  it('cuts with an ellipsis within the limit, never inside a surrogate pair', () => {
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abc', 3), 'abc');
    const emoji = `ab${'😀'.repeat(10)}`;
    const c = clip(emoji, 5);
    assert.ok(c.length <= 5);
    assert.doesNotMatch(c, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
  });
});
