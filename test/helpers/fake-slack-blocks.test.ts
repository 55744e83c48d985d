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
    ['over 12,000 markdown characters in all', [{ type: 'markdown', text: 'x'.repeat(7000) }, { type: 'markdown', text: 'y'.repeat(7000) }], /12,000 characters in all/],
    ['a block type the fake does not know', [{ type: 'rich_text', elements: [] }], /does not know rich_text/],
    ['an input block in a message', [{ type: 'input', label: { type: 'plain_text', text: 'x' }, element: { type: 'plain_text_input' } }], /input blocks are for modals/],
    ['a section with an unknown text field', [{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }], /emoji: not a field of mrkdwn/],
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), /at most 50 blocks/],
    ['blocks that are not an array', { type: 'markdown', text: 'x' }, /expected a JSON array|must be an array/],
  ])('refuses %s, and records it as a violation', async (_name, blocks, problem) => {
    const result = await post(blocks);
    expect(result.ok).toBe(false);
    expect(slack.botMessages('C1')).toEqual([]);
    expect(slack.takeViolations().flatMap((v) => v.problems).join('\n')).toMatch(problem);
  });

  it('checks blocks sent to a response_url and to chat.postEphemeral the same way', async () => {
    const url = slack.newResponseUrl();
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', blocks: [{ type: 'markdown', text: 'x', id: 1 }] }) });
    expect(bad.status).toBe(400);
    slack.addUser({ id: 'U1', name: 'alice' });
    expect(await call('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'x', blocks: [{ type: 'markdown', text: 'x'.repeat(12_001) }] })).toMatchObject({ ok: false });
    expect(slack.takeViolations().map((v) => v.where)).toEqual([expect.stringMatching(/^response_url/), 'chat.postEphemeral']);
    const good = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', blocks: [{ type: 'markdown', text: '*x*' }] }) });
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
