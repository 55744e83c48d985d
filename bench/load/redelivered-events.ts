/**
 * Issue #12: 0 duplicate answers over 500 redelivered Slack events spread over 3 processes. Each
 * mention is posted to all three processes at once (the copies after the first as Slack's
 * retries), 25 mentions at a time; once every delivery is handled (the processes' /metrics count
 * 1,500 messages), every thread must hold one answer and the model must have had 500 requests.
 *
 *   npx tsx bench/load/redelivered-events.ts [--store redis://127.0.0.1:6379 | --store postgresql://postgres@127.0.0.1:5432/test]
 */
import { BotCluster } from '../../test/helpers/bot-cluster';
import { waitFor } from '../../test/helpers/processes';
import { deliverEverywhere } from '../../test/helpers/redelivery';
import { runScenario } from './_cluster-scenario';

const EVENTS = 500;

void runScenario('redelivered-events', async (storeUrl) => {
  const cluster = await BotCluster.start({ processes: 3, storeUrl, via: 'tsx' });
  try {
    const started = Date.now();
    const threads = await deliverEverywhere(cluster, EVENTS, 25);
    await waitFor(async () => ((await cluster.messagesCounted()) >= EVENTS * 3 ? true : undefined), 'every delivery handled', 1200);
    const seconds = (Date.now() - started) / 1000;
    const answers = threads.map(({ channel, ts }) => cluster.slack.botMessages(channel, ts).length);
    const duplicates = answers.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const unanswered = answers.filter((n) => n === 0).length;
    const requests = cluster.model!.requestsTo('chat').length;
    return [
      {
        figure: `${duplicates} duplicate answers, ${unanswered} unanswered, ${requests} model requests for ${EVENTS} events × 3 deliveries (${seconds.toFixed(1)} s)`,
        target: `0 duplicates, every event answered, ${EVENTS} requests`,
        met: duplicates === 0 && unanswered === 0 && requests === EVENTS,
      },
    ];
  } finally {
    await cluster.close();
  }
});
