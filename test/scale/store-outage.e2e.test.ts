/**
 * Two `npm start` processes on one Redis or PostgreSQL store, reached through a TCP proxy that
 * the test cuts: during the outage commands and chat answer one clear sentence (storage.outage
 * `refuse`, the default), /healthz turns 503, no process crashes; when the store is back every
 * process serves again by itself.
 */
import { STORE_UNAVAILABLE_SENTENCE } from '../../src/core/errors';
import { BotCluster } from '../helpers/bot-cluster';
import { DATABASE_URL, REDIS_URL } from '../helpers/env';
import { waitFor } from '../helpers/processes';
import { describeWithService } from '../helpers/services';
import { TcpProxy } from '../helpers/tcp-proxy';

const backends: ReadonlyArray<readonly [string, string, string | undefined, number]> = [
  ['Redis', 'REDIS_URL', REDIS_URL, 6379],
  ['PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432],
];

jest.setTimeout(120_000);

const healthStatus = async (cluster: BotCluster, i: number) => (await fetch(`${cluster.bots[i]!.baseUrl}/healthz`)).status;

for (const [service, variable, url, port] of backends) {
  const suite = describeWithService(service, variable, url, port);
  suite.describe(`two processes through a ${service} outage`, () => {
    let proxy: TcpProxy;
    let cluster: BotCluster;
    beforeAll(async () => {
      const front = await TcpProxy.inFrontOf(suite.url, port);
      proxy = front.proxy;
      cluster = await BotCluster.start({ processes: 2, storeUrl: front.url, via: 'tsx' });
    });
    afterAll(async () => {
      await cluster?.close();
      await proxy?.close();
    });

    it('answer one sentence and report 503 while the store is away, then serve again by themselves', async () => {
      const channel = 'C0OUTAGE01';
      expect(await cluster.commandReply(0, { command: '/fewshot', text: 'add Hi => Hello.', channel })).toContain('Added example 1');

      proxy.cut();
      expect(await cluster.commandReply(1, { command: '/fewshot', text: 'add Bye => Goodbye.', channel })).toBe(STORE_UNAVAILABLE_SENTENCE);
      expect(await cluster.commandReply(0, { command: '/persona', text: 'show', channel })).toBe(STORE_UNAVAILABLE_SENTENCE);
      const [asked] = await cluster.mentionMany(1, channel, 1, () => 'are you there?');
      const refusal = await waitFor(() => cluster.finishedAnswers(channel, [asked!])[0], 'the answer during the outage');
      expect(refusal).toBe(STORE_UNAVAILABLE_SENTENCE);
      expect(cluster.model!.requestsTo('chat')).toHaveLength(0);
      await waitFor(async () => ((await healthStatus(cluster, 0)) === 503 && (await healthStatus(cluster, 1)) === 503 ? true : undefined), '503 from both');

      proxy.restore();
      await waitFor(async () => ((await healthStatus(cluster, 0)) === 200 && (await healthStatus(cluster, 1)) === 200 ? true : undefined), '200 from both');
      expect(await cluster.commandReply(1, { command: '/fewshot', text: 'add Bye => Goodbye.', channel })).toContain('Added example 2');
      const [again] = await cluster.mentionMany(0, channel, 1, () => 'and now?');
      const answer = await waitFor(() => cluster.finishedAnswers(channel, [again!])[0], 'the answer after the outage');
      expect(answer).toContain('and now?');
      for (const bot of cluster.bots) expect(bot.child.exitCode).toBeNull();
      cluster.slack.assertNoViolations();
    });
  });
}
