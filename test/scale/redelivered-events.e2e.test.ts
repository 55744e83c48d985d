/**
 * Each Slack event answered once however often and wherever it is delivered (issue #12): every
 * mention is sent to all three processes at once (Slack's retries land on any instance), and each
 * gets one model request and one answer.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';
import { deliverEverywhere } from '../helpers/redelivery';

jest.setTimeout(120_000);

const EVENTS = 30;

forEachSharedStore((suite, service) => {
  suite.describe(`${EVENTS} mentions each delivered to three processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({ processes: 3, storeUrl: suite.url, via: 'tsx' });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    it('answers each once', async () => {
      const threads = await deliverEverywhere(cluster, EVENTS, 10);
      // Every delivery has been handled (answered or found a duplicate) by some process.
      await waitFor(async () => ((await cluster.messagesCounted()) >= EVENTS * 3 ? true : undefined), 'every delivery handled');
      expect(await cluster.messagesCounted('duplicate')).toBe(EVENTS * 2);
      expect(cluster.model!.requestsTo('chat')).toHaveLength(EVENTS);
      for (const { channel, ts } of threads) expect(cluster.slack.botMessages(channel, ts)).toHaveLength(1);
      cluster.slack.assertNoViolations();
    });
  });
});
