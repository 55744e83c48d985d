import { SLACK_PART_LIMIT, escapeMrkdwn, markdownMessage, markdownMessages, neutraliseMentions } from '../../../src/adapters/slack/slack-text';

const WJ = '\u2060';

describe('neutraliseMentions', () => {
  it.each([
    ['<!channel> look', `@${WJ}channel look`],
    ['<!here>', `@${WJ}here`],
    ['<!everyone>', `@${WJ}everyone`],
    ['ping <!subteam^S1>', 'ping @group'],
    ['ping <!subteam^S1|@oncall>', 'ping @oncall'],
    ['hi <@U123>', 'hi @U123'],
    ['hi <@U123|alice>', 'hi @alice'],
    ['see <#C42|general>', 'see #general'],
    ['bare @here and @channel', `bare @${WJ}here and @${WJ}channel`],
  ])('%s → plain text', (input, expected) => {
    expect(neutraliseMentions(input)).toBe(expected);
  });

  it('leaves links and ordinary angle brackets alone', () => {
    expect(neutraliseMentions('<https://example.com> and a < b > c')).toBe('<https://example.com> and a < b > c');
  });

  it('leaves no Slack control sequence in the message: neither in the block nor in the fallback text', () => {
    const [message, ...more] = markdownMessages('<!channel> <!here> <!everyone> <!subteam^S1> <@U123> please read');
    expect(more).toEqual([]);
    for (const rendered of [message!.text, message!.blocks[0].text]) {
      expect(rendered).not.toMatch(/<[!@]/);
      expect(rendered).not.toMatch(/@(channel|here|everyone)\b/);
      expect(rendered).toContain('please read');
    }
  });
});

describe('markdownMessage', () => {
  it('carries the Markdown unchanged in one markdown block, and a plain-text fallback', () => {
    const md = '# Title\n**bold** and *italic* and ~~gone~~\n- item [docs](https://x.test/a?b=1&c=2)';
    expect(markdownMessage(md)).toEqual({
      blocks: [{ type: 'markdown', text: md }],
      text: 'Title\nbold and italic and gone\n• item docs (https://x.test/a?b=1&amp;c=2)',
    });
  });

  it('escapes &, < and > in the fallback text only; code keeps its characters', () => {
    const md = 'a < b & c\n```ts\nif (a < b && **x**) {}\n```\nand `**not bold**`';
    const message = markdownMessage(md);
    expect(message.blocks[0].text).toBe(md);
    expect(message.text).toBe('a &lt; b &amp; c\nif (a &lt; b &amp;&amp; **x**) {}\nand **not bold**');
  });

  it("keeps the fallback within Slack's text guideline, cutting before an escape rather than through it", () => {
    const part = `${'x'.repeat(3997)}&&&`;
    const { text, blocks } = markdownMessage(part);
    expect(blocks[0].text).toBe(part);
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).toBe(`${'x'.repeat(3997)}…`);
  });

  it('splits long Markdown into parts of at most SLACK_PART_LIMIT, each block balanced', () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i} of code`).join('\n');
    const messages = markdownMessages(`\`\`\`\`\n${code}\n\`\`\`\``);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.blocks[0].text.length).toBeLessThanOrEqual(SLACK_PART_LIMIT);
      expect(m.blocks[0].text).toMatch(/^````\n[\s\S]*\n````$/);
      expect(m.text).not.toContain('````');
    }
  });

  it('escapeMrkdwn escapes exactly the three characters Slack requires', () => {
    expect(escapeMrkdwn('<&>"\'')).toBe('&lt;&amp;&gt;"\'');
  });
});
