/**
 * Slack's redeliveries across instances, for tests and the load bench: each of `count` mentions
 * (its own person, in one of a few channels, so no rate limit is reached) is posted to every
 * process of the cluster at once, the copies after the first marked as Slack's retries.
 */
import type { BotCluster } from './bot-cluster';

export interface DeliveredThread {
  readonly channel: string;
  readonly ts: string;
}

/** Posts the mentions `batch` at a time; resolves with the thread of each once all were accepted (HTTP 200). */
export async function deliverEverywhere(cluster: BotCluster, count: number, batch: number): Promise<DeliveredThread[]> {
  const threads: DeliveredThread[] = [];
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, offset) => {
        const i = start + offset;
        const ts = cluster.slack.nextTs();
        const channel = `C0REDELIV${String(i % 50).padStart(2, '0')}`;
        const fields = { channel, user: `U0P${String(i).padStart(7, '0')}`, text: `question number ${i}?`, ts };
        threads.push({ channel, ts });
        const results = await Promise.all(
          cluster.bots.map((_, index) =>
            cluster.mention(index, fields, {
              eventId: `Ev${ts.replace('.', '')}`,
              ...(index > 0 ? { headers: { 'x-slack-retry-num': String(index), 'x-slack-retry-reason': 'http_timeout' } } : {}),
            }),
          ),
        );
        if (results.some((r) => r.status !== 200)) throw new Error(`a delivery of event ${i} got HTTP ${results.map((r) => r.status).join(', ')}`);
      }),
    );
  }
  return threads;
}
