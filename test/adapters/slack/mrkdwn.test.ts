import { escapeMrkdwn, markdownToMrkdwn, neutraliseMentions, renderForSlack } from '../../../src/adapters/slack/mrkdwn';

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

  it('leaves no Slack control sequence in the rendered message', () => {
    const rendered = renderForSlack('<!channel> <!here> <!everyone> <!subteam^S1> <@U123> please read');
    expect(rendered).not.toMatch(/<[!@]/);
    expect(rendered).not.toMatch(/@(channel|here|everyone)\b/);
  });
});

describe('markdownToMrkdwn', () => {
  it('converts bold, italic, strike, links, headings and bullets', () => {
    const md = '# Title\n**bold** and *italic* and ~~gone~~\n- item [docs](https://x.test/a?b=1&c=2)';
    expect(markdownToMrkdwn(md)).toBe('*Title*\n*bold* and _italic_ and ~gone~\n• item <https://x.test/a?b=1&amp;c=2|docs>');
  });

  it('escapes &, < and > everywhere, also in code, and keeps code untouched otherwise', () => {
    const md = 'a < b & c\n```ts\nif (a < b && **x**) {}\n```\nand `**not bold**`';
    expect(markdownToMrkdwn(md)).toBe('a &lt; b &amp; c\n```\nif (a &lt; b &amp;&amp; **x**) {}\n```\nand `**not bold**`');
  });

  it('keeps block quotes as quotes', () => {
    expect(markdownToMrkdwn('> quoted **text**')).toBe('>quoted *text*');
  });

  it('escapeMrkdwn escapes exactly the three characters Slack requires', () => {
    expect(escapeMrkdwn('<&>"\'')).toBe('&lt;&amp;&gt;"\'');
  });
});
