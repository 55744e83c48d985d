/**
 * `npx tsx bench/load/store-outage.ts [--store <url>]`: three processes on one store under steady
 * load (mentions and /fewshot adds spread over them), the store cut for 10 s by a TCP proxy in
 * front of it. Targets (issue #12): no crash; during the outage every reply is the one clear
 * sentence; full service within 5 s after the store returns (every process answers a command and
 * /healthz 200), the recovery time reported.
 */
import { STORE_UNAVAILABLE_SENTENCE } from '../../src/core/errors';
import { BotCluster } from '../../test/helpers/bot-cluster';
import { TcpProxy } from '../../test/helpers/tcp-proxy';
import { type Rows, runOnEachStore } from './_faults';

const PROCESSES = 3;
const OUTAGE_MS = 10_000;
const RECOVERY_TARGET_MS = 5000;
const LOAD_EVERY_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function outageOnce(storeUrl: string, rows: Rows): Promise<void> {
  const defaultPort = storeUrl.startsWith('redis') ? 6379 : 5432;
  const { proxy, url } = await TcpProxy.inFrontOf(storeUrl, defaultPort);
  const cluster = await BotCluster.start({ processes: PROCESSES, storeUrl: url });
  const progress = (what: string) => process.stderr.write(`store-outage ${storeUrl.split(':')[0]}: ${what}\n`);
  progress('started');
  const replies: { during: boolean; text: string }[] = [];
  let requestFailures = 0;
  let stop = false;
  let sent = 0;
  try {
    const channel = 'C0BENCHOUTAGE';
    // Steady load: a /fewshot add every LOAD_EVERY_MS, round robin over the processes and 100 channels.
    const load = (async () => {
      const pending: Promise<void>[] = [];
      while (!stop) {
        const i = sent++;
        const during = proxy.current !== 'open';
        pending.push(
          cluster
            .commandReply(i, { command: '/fewshot', text: `add load ${i} => ok ${i}`, channel: `${channel}${i % 100}` })
            .then((text) => void replies.push({ during, text }))
            .catch(() => void (requestFailures += 1)),
        );
        await sleep(LOAD_EVERY_MS);
      }
      await Promise.all(pending);
    })();
    await sleep(2000);
    progress(`${replies.length} replies; cutting the store`);
    proxy.cut();
    await sleep(OUTAGE_MS);
    proxy.restore();
    progress(`${replies.length} replies; store restored`);
    const restored = Date.now();
    // Full service: every process answers a command that writes, and says healthy.
    const recovered = await Promise.all(
      cluster.bots.map(async (bot, i) => {
        for (;;) {
          const healthy = (await fetch(`${bot.baseUrl}/healthz`).catch(() => undefined))?.status === 200;
          const text = healthy ? await cluster.commandReply(i, { command: '/fewshot', text: `add probe ${i} => ok`, channel: `${channel}P${i}` }) : '';
          if (text.includes('Added example')) return Date.now() - restored;
          if (Date.now() - restored > 60_000) return Number.POSITIVE_INFINITY; // never came back: reported as missed
          await sleep(100);
        }
      }),
    );
    stop = true;
    await load;
    const recoveryMs = Math.max(...recovered);
    const crashed = cluster.bots.filter((bot) => bot.child.exitCode !== null || bot.child.signalCode !== null).length;
    const duringOutage = replies.filter((r) => r.during);
    const unclear = duringOutage.filter((r) => r.text !== STORE_UNAVAILABLE_SENTENCE && !r.text.includes('Added example')).length;
    rows.row(storeUrl, 'processes crashed', '0', String(crashed), crashed === 0);
    rows.row(
      storeUrl,
      `replies during the ${OUTAGE_MS / 1000} s outage that are not the one sentence`,
      '0',
      `${unclear} of ${duringOutage.length}`,
      unclear === 0,
    );
    rows.row(storeUrl, 'requests left without a reply', '0', String(requestFailures), requestFailures === 0);
    rows.row(
      storeUrl,
      'recovery: store back → every process serving',
      `≤ ${RECOVERY_TARGET_MS / 1000} s`,
      `${(recoveryMs / 1000).toFixed(2)} s`,
      recoveryMs <= RECOVERY_TARGET_MS,
    );
  } finally {
    stop = true;
    await cluster.close();
    await proxy.close();
  }
}

runOnEachStore('store-outage', outageOnce);
