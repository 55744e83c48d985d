/**
 * Issue #12: 1,000 concurrent `/fewshot add` of one channel spread over 3 processes on one store →
 * 0 lost updates. All are sent at once (round robin over the processes); then the stored record
 * must hold every example exactly once. The channel limit of examples is raised to 1,000 for it.
 *
 *   npx tsx bench/load/fewshot-adds.ts [--store redis://127.0.0.1:6379 | --store postgresql://postgres@127.0.0.1:5432/test]
 */
import { parseStoreUrl } from '../../src/config';
import { storeKeys, type ProfileRecord } from '../../src/core/profiles/records';
import { channelKey } from '../../src/core/types';
import { createStore } from '../../src/providers/store/create-store';
import { BotCluster } from '../../test/helpers/bot-cluster';
import { silentLogger } from '../../test/helpers/logger';
import { runScenario } from './_cluster-scenario';

const ADDS = 1000;

void runScenario('fewshot-adds', async (storeUrl) => {
  const cluster = await BotCluster.start({ processes: 3, storeUrl, via: 'tsx', model: false, config: { limits: { fewshotExamples: ADDS } } });
  try {
    const channel = `C0ADDS${Date.now().toString(36).toUpperCase()}`;
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: ADDS }, (_, i) =>
        cluster.commandReply(i % 3, { command: '/fewshot', text: `add question ${i} => answer ${i}`, channel }, 120_000).catch((err: unknown) => String(err)),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const refused = replies.filter((reply) => !/^Added example \d+\.$/.test(reply));
    // The stored record itself: a /fewshot list of 1,000 examples is longer than one Slack message.
    const store = await createStore(parseStoreUrl(storeUrl, process.cwd()), silentLogger);
    const record = await store.get<ProfileRecord>(storeKeys.profile(channelKey({ platform: 'slack', workspace: cluster.team, channel })));
    await store.close();
    const inputs = new Set((record?.fewshot ?? []).map((example) => example.input));
    const kept = Array.from({ length: ADDS }, (_, i) => i).filter((i) => inputs.has(`question ${i}`)).length;
    const lost = ADDS - refused.length - kept;
    return [
      {
        figure: `${lost} lost of ${ADDS} adds (${kept} kept, ${refused.length} refused${refused[0] ? `, e.g. "${refused[0].slice(0, 80)}"` : ''}; ${seconds.toFixed(1)} s over 3 processes)`,
        target: '0 lost, 0 refused',
        met: lost === 0 && refused.length === 0,
      },
    ];
  } finally {
    await cluster.close();
  }
});
