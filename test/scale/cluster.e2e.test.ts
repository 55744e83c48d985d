/**
 * Several `npm start` processes on one Redis or PostgreSQL store behave as one Slack bot: a mention
 * delivered to every process (Slack retries landing on other instances) is answered once.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { shownText } from '../helpers/fake-slack';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(120_000);

forEachSharedStore((suite, service) => {
  suite.describe(`two npm start processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({ processes: 2, storeUrl: suite.url });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    it('answer a mention redelivered to both processes once', async () => {
      const ts = cluster.slack.nextTs();
      const fields = { channel: 'C0CLUSTER1', user: 'U0PERSON1', text: 'what is the capital of France?', ts };
      const results = await Promise.all([
        cluster.mention(0, fields, { eventId: `Ev-${ts}` }),
        cluster.mention(1, fields, { eventId: `Ev-${ts}`, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const answers = await waitFor(() => {
        const done = cluster.slack.botMessages('C0CLUSTER1', ts).filter((m) => m.streaming !== 'in_progress');
        return done.length > 0 ? done : undefined;
      }, 'the answer');
      // Let a second answer arrive if one were coming: the model has been asked by now.
      await waitFor(() => (cluster.model!.requestsTo('chat').length >= 1 ? true : undefined), 'the model request');
      expect(answers.map(shownText).join('\n')).toContain('capital of France');
      expect(cluster.model!.requestsTo('chat')).toHaveLength(1);
      cluster.slack.assertNoViolations();
    });
  });
});
