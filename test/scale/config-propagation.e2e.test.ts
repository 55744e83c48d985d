/**
 * A change made through one process is used by every other at once (issue #12, item 1): the
 * profile and budget cache timeout is raised to 60 s here, so only the change feed's notice can
 * explain a new persona, route or cap reaching the other processes.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(120_000);

forEachSharedStore((suite, service) => {
  suite.describe(`a change through one of three processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({ processes: 3, storeUrl: suite.url, via: 'tsx', config: { profiles: { cacheMs: 60_000 } } });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    /** Mentions the bot through process `index` and returns the system message the model was sent. */
    async function systemMessageOfAnswer(index: number, channel: string, text: string): Promise<string> {
      const before = cluster.model!.chatBodies().length;
      const ts = cluster.slack.nextTs();
      expect((await cluster.mention(index, { channel, user: 'U0PERSON1', text, ts })).status).toBe(200);
      await waitFor(() => (cluster.slack.botMessages(channel, ts).some((m) => m.streaming !== 'in_progress') ? true : undefined), 'the answer');
      const body = cluster.model!.chatBodies()[before];
      return String(body?.messages[0]?.content ?? '');
    }

    const command = (index: number, channel: string, name: string, text: string) => cluster.commandReply(index, { command: name, text, channel });

    it('answers on the other processes with the new persona', async () => {
      const channel = 'C0PROPAG01';
      // Every process has read (and cached for 60 s) the channel's default profile.
      for (const index of [0, 1, 2]) expect(await systemMessageOfAnswer(index, channel, 'hello?')).not.toContain('terse librarian');

      expect(await command(0, channel, '/persona', 'set You are a terse librarian.')).toMatch(/v1/);

      expect(await systemMessageOfAnswer(1, channel, 'any news?')).toContain('You are a terse librarian.');
      expect(await systemMessageOfAnswer(2, channel, 'any news?')).toContain('You are a terse librarian.');
      cluster.slack.assertNoViolations();
    });

    it('shows a route set through one process in /route of the others', async () => {
      const channel = 'C0PROPAG02';
      for (const index of [1, 2]) expect(await command(index, channel, '/route', 'show')).toMatch(/prompt/);
      await command(0, channel, '/route', 'rag');
      for (const index of [1, 2]) expect(await command(index, channel, '/route', 'show')).toMatch(/\brag\b/);
    });

    it('holds a cap set through one process in the others, and lifts it there when it is cleared', async () => {
      const channel = 'C0PROPAG03';
      // Each of the others reads (and caches for 60 s) "no cap".
      for (const index of [1, 2]) expect(await command(index, channel, '/budget', 'show')).toMatch(/has no monthly cap/);
      expect(await command(0, channel, '/budget', 'set 5')).toMatch(/Monthly cap set to \$5/);
      for (const index of [1, 2]) expect(await command(index, channel, '/budget', 'show')).toMatch(/\$5\.00/);
      await command(0, channel, '/budget', 'clear');
      for (const index of [1, 2]) expect(await command(index, channel, '/budget', 'show')).toMatch(/has no monthly cap/);
    });
  });
});
