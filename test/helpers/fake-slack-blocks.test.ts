/**
 * The fake Slack checks Block Kit as Slack does where the bot sends it (messages, response_url,
 * views): these drive it with bare HTTP calls, so a fake that accepted anything would fail here.
 */
import { buildHomeView } from '../../src/adapters/slack/app-home';
import { buildModal } from '../../src/adapters/slack/modals';
import { FakeSlack, shownText } from './fake-slack';

describe('fake Slack, Block Kit', () => {
  let slack: FakeSlack;

  beforeEach(async () => {
    slack = await FakeSlack.start();
  });
  afterEach(async () => {
    await slack.close();
  });

  async function call(method: string, body: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> {
    const response = await fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { ok: boolean; error?: string };
  }

  const feedbackButtons = () => ({
    type: 'feedback_buttons',
    action_id: 'fb',
    positive_button: { text: { type: 'plain_text', text: '👍' }, value: 'up:1' },
    negative_button: { text: { type: 'plain_text', text: '👎' }, value: 'down:1', accessibility_label: 'Not helpful' },
  });

  it('takes a context_actions block with feedback buttons after the Markdown', async () => {
    expect(
      await post([
        { type: 'markdown', text: 'answer' },
        { type: 'context_actions', elements: [feedbackButtons()] },
      ]),
    ).toMatchObject({ ok: true });
    expect(slack.botTexts('C1')).toEqual(['answer']);
    expect(slack.violations).toEqual([]);
  });

  const post = (blocks: unknown, text = 'fallback') => call('chat.postMessage', { channel: 'C1', text, blocks });

  it('takes a markdown block: a user reads the block, the text is the fallback', async () => {
    expect(await post([{ type: 'markdown', text: '**bold**' }], 'bold')).toMatchObject({ ok: true });
    const [message] = slack.botMessages('C1');
    expect(message?.text).toBe('bold');
    expect(shownText(message!)).toBe('**bold**');
    expect(slack.botTexts('C1')).toEqual(['**bold**']);
    expect(slack.violations).toEqual([]);
  });

  it('chat.update replaces the blocks it is sent', async () => {
    await post([{ type: 'markdown', text: 'first' }]);
    const ts = slack.botMessages('C1')[0]!.ts;
    expect(await call('chat.update', { channel: 'C1', ts, text: 'second', blocks: [{ type: 'markdown', text: '_second_' }] })).toMatchObject({ ok: true });
    expect(slack.botTexts('C1')).toEqual(['_second_']);
    expect(slack.violations).toEqual([]);
  });

  it.each([
    ['an unknown field', [{ type: 'markdown', text: 'x', verbatim: true }], /verbatim: not a field of markdown/],
    ['no text', [{ type: 'markdown' }], /text: a string of 1 to 12,000/],
    ['empty text', [{ type: 'markdown', text: '' }], /text: a string of 1 to 12,000/],
    ['text over 12,000 characters', [{ type: 'markdown', text: 'x'.repeat(12_001) }], /text: a string of 1 to 12,000/],
    [
      'over 12,000 markdown characters in all',
      [
        { type: 'markdown', text: 'x'.repeat(7000) },
        { type: 'markdown', text: 'y'.repeat(7000) },
      ],
      /12,000 characters in all/,
    ],
    ['a block type the fake does not know', [{ type: 'rich_text', elements: [] }], /does not know rich_text/],
    [
      'an input block in a message',
      [{ type: 'input', label: { type: 'plain_text', text: 'x' }, element: { type: 'plain_text_input' } }],
      /input blocks are for modals/,
    ],
    ['a section with an unknown text field', [{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }], /emoji: not a field of mrkdwn/],
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), /at most 50 blocks/],
    ['blocks that are not an array', { type: 'markdown', text: 'x' }, /expected a JSON array|must be an array/],
    ['context_actions without elements', [{ type: 'context_actions', elements: [] }], /an array of 1 to 5 elements/],
    ['context_actions with an element the fake does not know', [{ type: 'context_actions', elements: [{ type: 'button' }] }], /only knows feedback_buttons/],
    [
      'feedback buttons without a negative button',
      [{ type: 'context_actions', elements: [{ ...feedbackButtons(), negative_button: undefined }] }],
      /negative_button: required/,
    ],
    [
      'a feedback button without a value',
      [{ type: 'context_actions', elements: [{ ...feedbackButtons(), positive_button: { text: { type: 'plain_text', text: 'up' } } }] }],
      /positive_button\.value: a string of 1 to 2,000/,
    ],
    [
      'a feedback button with mrkdwn text',
      [{ type: 'context_actions', elements: [{ ...feedbackButtons(), positive_button: { text: { type: 'mrkdwn', text: 'up' }, value: 'v' } }] }],
      /must be plain_text/,
    ],
    [
      'a feedback button text over 75 characters',
      [{ type: 'context_actions', elements: [{ ...feedbackButtons(), positive_button: { text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v' } }] }],
      /1 to 75 characters/,
    ],
    [
      'an unknown field on feedback buttons',
      [{ type: 'context_actions', elements: [{ ...feedbackButtons(), style: 'primary' }] }],
      /style: not a field of feedback_buttons/,
    ],
  ])('refuses %s, and records it as a violation', async (_name, blocks, problem) => {
    const result = await post(blocks);
    expect(result.ok).toBe(false);
    expect(slack.botMessages('C1')).toEqual([]);
    expect(
      slack
        .takeViolations()
        .flatMap((v) => v.problems)
        .join('\n'),
    ).toMatch(problem);
  });

  it('checks blocks sent to a response_url and to chat.postEphemeral the same way', async () => {
    const url = slack.newResponseUrl();
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', blocks: [{ type: 'markdown', text: 'x', id: 1 }] }),
    });
    expect(bad.status).toBe(400);
    slack.addUser({ id: 'U1', name: 'alice' });
    expect(await call('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'x', blocks: [{ type: 'markdown', text: 'x'.repeat(12_001) }] })).toMatchObject({
      ok: false,
    });
    expect(slack.takeViolations().map((v) => v.where)).toEqual([expect.stringMatching(/^response_url/), 'chat.postEphemeral']);
    const good = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', blocks: [{ type: 'markdown', text: '*x*' }] }),
    });
    expect(good.status).toBe(200);
  });

  it('takes the views the bot builds and refuses unknown view and block fields', async () => {
    slack.addUser({ id: 'U1', name: 'alice' });
    const home = buildHomeView([]);
    expect(await call('views.publish', { user_id: 'U1', view: home })).toMatchObject({ ok: true });
    const modal = buildModal({ kind: 'fewshot-add' }, { platform: 'slack', workspace: 'T1', channel: 'C1' }, { personaChars: 100, exampleChars: 100 });
    expect('view' in modal).toBe(true);
    if ('view' in modal) expect(await call('views.open', { trigger_id: 't1', view: modal.view })).toMatchObject({ ok: true });
    expect(slack.violations).toEqual([]);

    expect(await call('views.publish', { user_id: 'U1', view: { ...home, colour: 'red' } })).toMatchObject({ ok: false });
    expect(await call('views.publish', { user_id: 'U1', view: { type: 'home', blocks: [{ type: 'divider', style: 'thick' }] } })).toMatchObject({ ok: false });
    expect(await call('views.publish', { user_id: 'U1', view: { type: 'home', blocks: [{ type: 'markdown', text: 'x' }] } })).toMatchObject({ ok: false });
    expect(slack.takeViolations().map((v) => v.problems.join('; '))).toEqual([
      expect.stringMatching(/view\.colour: not a field/),
      expect.stringMatching(/style: not a field of divider/),
      expect.stringMatching(/markdown blocks are for messages/),
    ]);
  });
});
