/**
 * `npx tsx bench/load/sigterm-drain.ts [--store <url>]`: SIGTERM (to the whole `npm start` process
 * group, as a Procfile runner sends it) while 50 answers are in flight on a slow fake model. Target
 * (issue #12): all 50 completed, exit 0.
 */
import { BotCluster } from '../../test/helpers/bot-cluster';
import { waitFor } from '../../test/helpers/processes';
import { type Rows, runOnEachStore } from './_faults';

const ANSWERS = 50;
const ANSWER_MS = 4000;

async function drainOnce(storeUrl: string, rows: Rows): Promise<void> {
  const cluster = await BotCluster.start({ processes: 1, storeUrl });
  try {
    cluster.answerSlowly(ANSWER_MS);
    const channel = 'C0BENCHDRAIN';
    const stamps = await cluster.mentionMany(0, channel, ANSWERS);
    await waitFor(() => (cluster.model!.requestsTo('chat').length >= ANSWERS ? true : undefined), `${ANSWERS} answers in flight`, 600);
    const bot = cluster.bots[0]!;
    const signalled = Date.now();
    bot.signal('SIGTERM');
    const code = await bot.exited;
    const drainMs = Date.now() - signalled;
    const completed = cluster.finishedAnswers(channel, stamps).filter((text) => text.includes('— complete.')).length;
    rows.row(storeUrl, 'answers completed after SIGTERM', `${ANSWERS} of ${ANSWERS}`, `${completed} of ${ANSWERS}`, completed === ANSWERS);
    rows.row(storeUrl, 'exit code', '0', String(code), code === 0);
    rows.row(storeUrl, 'SIGTERM → exit', '—', `${(drainMs / 1000).toFixed(1)} s`);
  } finally {
    await cluster.close();
  }
}

runOnEachStore('sigterm-drain', drainOnce);
