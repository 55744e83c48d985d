/**
 * Rate limits across processes (issue #12, item 2): the counts live in the store, so messages sent
 * through three processes count into one window per person and per channel. Over the limit: one
 * sentence naming it and when to try again, nothing sent to the model, counted in /metrics.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { shownText } from '../helpers/fake-slack';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(120_000);

/** Counts are per calendar minute: start a sequence early enough in one that it ends in it too. */
async function earlyInAMinute(): Promise<void> {
  await waitFor(() => (new Date().getSeconds() < 40 ? true : undefined), 'the first 40 seconds of a minute', 300);
}

forEachSharedStore((suite, service) => {
  suite.describe(`rate limits over three processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({
        processes: 3,
        storeUrl: suite.url,
        via: 'tsx',
        config: { rateLimits: { userPerMinute: 3, channelPerMinute: 6 } },
      });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    /** A mention through process `index`; resolves with what the bot's reply in its thread shows. */
    async function ask(index: number, channel: string, user: string, text: string): Promise<string> {
      const ts = cluster.slack.nextTs();
      expect((await cluster.mention(index, { channel, user, text, ts })).status).toBe(200);
      const reply = await waitFor(() => cluster.slack.botMessages(channel, ts).find((m) => m.streaming !== 'in_progress'), `the reply to ${text}`);
      return shownText(reply);
    }

    const limitedCount = () => cluster.messagesCounted('limited');

    it("counts one person's messages through every process into one limit", async () => {
      await earlyInAMinute();
      const channel = 'C0RATEUSR1';
      const chatBefore = cluster.model!.requestsTo('chat').length;
      for (const index of [0, 1, 2]) expect(await ask(index, channel, 'U0EAGER01', `question ${index}?`)).toContain(`question ${index}`);
      const refusal = await ask(0, channel, 'U0EAGER01', 'one more?');
      expect(refusal).toMatch(/^You have sent me 3 messages this minute, the limit per person; try again in \d+ seconds?\.$/);
      expect(cluster.model!.requestsTo('chat').length - chatBefore).toBe(3);
      // Someone else in the same channel is still answered.
      expect(await ask(1, channel, 'U0CALM0001', 'my turn?')).toContain('my turn');
      await waitFor(async () => ((await limitedCount()) >= 1 ? true : undefined), 'the limited message in /metrics');
      cluster.slack.assertNoViolations();
    });

    it("counts a channel's messages from many people into its limit, and tells the first one over it only", async () => {
      await earlyInAMinute();
      const channel = 'C0RATECHN1';
      const before = await limitedCount();
      for (const [index, user] of ['U0PEOPLE01', 'U0PEOPLE02', 'U0PEOPLE03', 'U0PEOPLE04', 'U0PEOPLE05', 'U0PEOPLE06'].entries()) {
        expect(await ask(index, channel, user, `hello from ${user}?`)).toContain(`hello from ${user}`);
      }
      expect(await ask(1, channel, 'U0PEOPLE07', 'and me?')).toMatch(
        /^This channel has sent me 6 messages this minute, its limit; try again in \d+ seconds?\.$/,
      );
      // The next one over the limit gets no sentence: counted, not answered.
      const chatBefore = cluster.model!.requestsTo('chat').length;
      const ts = cluster.slack.nextTs();
      expect((await cluster.mention(2, { channel, user: 'U0PEOPLE08', text: 'me too?', ts })).status).toBe(200);
      await waitFor(async () => ((await limitedCount()) >= before + 2 ? true : undefined), 'both limited messages in /metrics');
      expect(cluster.slack.botMessages(channel, ts)).toEqual([]);
      expect(cluster.model!.requestsTo('chat').length).toBe(chatBefore);
    });
  });
});
