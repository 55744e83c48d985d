/**
 * One conversation's messages are answered in order across processes (issue #12, item 1): two
 * follow-ups of one thread reaching two processes at once are answered one after the other, and
 * the second's model request carries the first exchange in its history.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { echoLastUserMessage, type ChatRequestBody } from '../helpers/fake-openai';
import { shownText } from '../helpers/fake-slack';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(120_000);

forEachSharedStore((suite, service) => {
  suite.describe(`one thread's follow-ups through two processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({ processes: 2, storeUrl: suite.url, via: 'tsx' });
      // The first follow-up's answer takes a while: long enough for the second to overtake it, were it not held back.
      cluster.model!.chatReply = (body: ChatRequestBody) => {
        const text = echoLastUserMessage(body);
        return text.includes('first follow-up') ? { text, firstTokenDelayMs: 1500 } : text;
      };
    });
    afterAll(async () => {
      await cluster?.close();
    });

    it('answers them in order, the second with the first exchange in its history', async () => {
      const channel = 'C0ORDER001';
      const user = 'U0ASKER001';
      const root = cluster.slack.nextTs();
      cluster.slack.addMessage(channel, { ts: root, text: `<@${cluster.slack.botUserId}> let us talk`, user });
      await cluster.mention(0, { channel, user, text: 'let us talk', ts: root });
      await waitFor(() => cluster.slack.botMessages(channel, root).find((m) => m.streaming !== 'in_progress'), 'the answer to the mention');

      const [first, second] = [cluster.slack.nextTs(), cluster.slack.nextTs()];
      const posted = await Promise.all([
        cluster.message(0, { channel, user, text: 'first follow-up: what is a turn?', ts: first, thread_ts: root }),
        cluster.message(1, { channel, user, text: 'second follow-up: and then?', ts: second, thread_ts: root }),
      ]);
      expect(posted.map((p) => p.status)).toEqual([200, 200]);

      const answers = await waitFor(() => {
        const done = cluster.slack.botMessages(channel, root).filter((m) => m.streaming !== 'in_progress');
        return done.length >= 3 ? done : undefined;
      }, 'both answers');
      expect(answers.map(shownText).slice(1)).toEqual([expect.stringContaining('first follow-up'), expect.stringContaining('second follow-up')]);

      const secondRequest = cluster.model!.chatBodies().find((body) => JSON.stringify(body.messages.at(-1)).includes('second follow-up'));
      const history = secondRequest!.messages.map((m) => `${m.role}: ${String(m.content)}`);
      expect(history).toEqual(
        expect.arrayContaining([expect.stringMatching(/^user: .*first follow-up/), expect.stringMatching(/^assistant: .*first follow-up/)]),
      );
      cluster.slack.assertNoViolations();
    });
  });
});
