/**
 * kill -9 loses no acknowledged change (SPEC §5): `/fewshot add`s to one process, a few at a time,
 * each acknowledged by its reply; SIGKILL to its whole process group once `killAfter` are
 * acknowledged; a fresh process on the same store; then every acknowledged example must be listed.
 * Used by test/scale/kill9.e2e.test.ts and bench/load/kill9-writes.ts.
 */
import type { BotCluster } from './bot-cluster';

export interface Kill9Result {
  readonly acknowledged: number;
  /** Acknowledged examples missing after the restart (should be none). */
  readonly lost: readonly string[];
  /** Writes that got no reply (cut off by the kill): not acknowledged, so they may go either way. */
  readonly unanswered: number;
}

/** The limit of examples per channel is 200: the writes are spread over channels of 50. */
const PER_CHANNEL = 50;
const CONCURRENCY = 8;

export async function killDuringWrites(cluster: BotCluster, writes: number, killAfter: number, channelPrefix = 'C0KILL9'): Promise<Kill9Result> {
  const channelOf = (i: number) => `${channelPrefix}${Math.floor(i / PER_CHANNEL)}`;
  const acknowledged: number[] = [];
  let unanswered = 0;
  let next = 0;
  let killed = false;
  const bot = cluster.bots[0]!;
  const worker = async () => {
    while (next < writes && !killed) {
      const i = next++;
      try {
        const text = await cluster.commandReply(
          0,
          { command: '/fewshot', text: `add kill9 question ${i}? => kill9 answer ${i}.`, channel: channelOf(i) },
          5_000,
        );
        if (text.startsWith('Added example')) acknowledged.push(i);
        else unanswered += 1;
      } catch {
        unanswered += 1; // the process died before it replied
      }
      if (!killed && acknowledged.length >= killAfter) {
        killed = true;
        bot.signal('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await bot.exited;
  await cluster.restart(0);
  const listed = new Map<string, string>();
  for (const channel of new Set(acknowledged.map(channelOf)))
    listed.set(channel, await cluster.commandReply(0, { command: '/fewshot', text: 'list', channel }));
  const lost = acknowledged.filter((i) => !listed.get(channelOf(i))?.includes(`kill9 question ${i}?`)).map((i) => `kill9 question ${i}?`);
  return { acknowledged: acknowledged.length, lost, unanswered };
}
