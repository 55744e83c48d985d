/**
 * Slack's markup is undone in the Slack adapter, not in the core grammar: slash-command text reaches
 * the core as the plain text the user meant, on its own (unit) and through the real adapter over HTTP.
 */
import { slackScope, toInboundCommand } from '../../../src/adapters/slack/inbound';
import { slackToPlainText } from '../../../src/adapters/slack/markup';
import { channelKnowledgeBase } from '../../../src/core/profiles/resolve';
import { CHANNEL, useSlackHarness } from '../../helpers/slack-harness';

describe('slackToPlainText', () => {
  it.each<[string, string]>([
    // Links: the address when the label only shows it (possibly shortened), else "label (address)".
    ['<https://example.com/a>', 'https://example.com/a'],
    ['<https://example.com/a?x=1&amp;y=2|example.com/a>', 'https://example.com/a?x=1&y=2'],
    ['<http://example.com|example.com>', 'http://example.com'],
    ['<https://example.com/a|https://example.com/a>', 'https://example.com/a'],
    ['<https://example.com/a/very/long/path|example.com/a/very…>', 'https://example.com/a/very/long/path'],
    ['<http://example.com|the docs page>', 'the docs page (http://example.com)'],
    ['<https://a.test/x?q=1&amp;r=2|the guide &amp; FAQ>', 'the guide & FAQ (https://a.test/x?q=1&r=2)'],
    ['<https://example.com|>', 'https://example.com'],
    ['<mailto:help@example.com|help@example.com>', 'help@example.com'],
    // People, channels and special mentions: what Slack shows.
    ['<@U0ABC123|bob>', '@bob'],
    ['<@U0ABC123>', '@U0ABC123'],
    ['<#C0GENERAL1|general>', '#general'],
    ['<#C0GENERAL1>', '#C0GENERAL1'],
    ['<!here>', '@here'],
    ['<!channel>', '@channel'],
    ['<!subteam^S0TEAM|@support>', '@support'],
    ['<!date^1392734382^{date_short}|Feb 18, 2014>', 'Feb 18, 2014'],
    // Entities, decoded once.
    ['Tom &amp; Jerry', 'Tom & Jerry'],
    ['a &lt;b&gt; c', 'a <b> c'],
    ['&amp;lt; stays &amp;amp;', '&lt; stays &amp;'],
    ['no markup at all, 3 > 2', 'no markup at all, 3 > 2'],
  ])('%j → %j', (slack, plain) => {
    expect(slackToPlainText(slack)).toBe(plain);
  });

  it('unwraps every link inside text, keeping labels readable', () => {
    expect(slackToPlainText('See <http://example.com|example.com> and <https://a.test/x?q=1&amp;r=2|the guide>, or <https://b.test/y>.')).toBe(
      'See http://example.com and the guide (https://a.test/x?q=1&r=2), or https://b.test/y.',
    );
  });

  it('keeps multi-line text and unicode exactly', () => {
    const text = 'Öffnungszeiten 🕘\nשעות פתיחה: 9–17\n営業時間は９時から';
    expect(slackToPlainText(text)).toBe(text);
  });

  it('is what toInboundCommand hands the core', () => {
    const body = { command: '/kb', text: 'add <https://x.example/a?b=1&amp;c=2|x.example/a>', team_id: 'T1', channel_id: 'C1', user_id: 'U1' };
    expect(toInboundCommand(body)?.text).toBe('add https://x.example/a?b=1&c=2');
  });
});

describe('Slack slash commands through the adapter', () => {
  const ctx = useSlackHarness();

  it('/persona set Tom &amp; Jerry stores "Tom & Jerry"', async () => {
    expect((await ctx.h.run('/persona', 'set Tom &amp; Jerry')).told).toMatch(/^Persona set \(v1\)\./);
    expect((await ctx.h.app.profiles.resolve(slackScope(ctx.h.slack.team, CHANNEL))).persona.value).toBe('Tom & Jerry');
  });

  it('/kb add <https://x.example/a?b=1&amp;c=2|x.example/a> reaches the core as that URL, with &', async () => {
    const added: unknown[] = [];
    const knowledge = ctx.h.app.knowledge;
    const original = knowledge.add.bind(knowledge);
    // The URL is what matters here, not fetching it (that would leave 127.0.0.1): record and stop.
    knowledge.add = async (kbId, source) => {
      added.push({ kbId, source });
      throw new Error('recorded');
    };
    try {
      await ctx.h.run('/kb', 'add <https://x.example/a?b=1&amp;c=2|x.example/a>');
    } finally {
      knowledge.add = original;
    }
    expect(added).toEqual([{ kbId: channelKnowledgeBase(slackScope(ctx.h.slack.team, CHANNEL)), source: { kind: 'url', url: 'https://x.example/a?b=1&c=2' } }]);
  });
});
