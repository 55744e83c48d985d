/**
 * Concurrent changes of one channel through several processes lose none of each other's updates
 * (issue #12): every `/fewshot add` is a read-modify-write under the store's lock across processes.
 */
import { BotCluster } from '../helpers/bot-cluster';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(120_000);

const ADDS = 60;

forEachSharedStore((suite, service) => {
  suite.describe(`concurrent /fewshot add through three processes on ${service}`, () => {
    let cluster: BotCluster;
    beforeAll(async () => {
      cluster = await BotCluster.start({ processes: 3, storeUrl: suite.url, via: 'tsx', model: false });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    it(`keeps all ${ADDS} examples, each once`, async () => {
      const channel = 'C0FEWSHOT1';
      const replies = await Promise.all(
        Array.from({ length: ADDS }, (_, i) => cluster.commandReply(i % 3, { command: '/fewshot', text: `add question ${i} => answer ${i}`, channel })),
      );
      expect(replies.filter((reply) => /^Added example \d+\.$/.test(reply))).toHaveLength(ADDS);
      // Each add was told a different position: none overwrote another.
      expect(new Set(replies).size).toBe(ADDS);

      const list = await cluster.commandReply(1, { command: '/fewshot', text: 'list', channel });
      expect(list).toContain(`Few-shot examples: ${ADDS} `);
      for (let i = 0; i < ADDS; i++) expect(list).toContain(`Input: question ${i}\n`);
      cluster.slack.assertNoViolations();
    });
  });
});
