/** `npm run bench`: every benchmark of the project, one after the other, on this machine. */
import os from 'node:os';
import { benchCoreOverhead, benchUsageOverhead } from './core-overhead';
import { benchSlack, describeSlackBench } from './slack';
import { ms } from './stats';

async function main(): Promise<void> {
  console.log(`channelwise benchmarks — node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})`);
  const core = await benchCoreOverhead();
  const setup = `${core.personaTokens}-token persona, 200 examples auto 5, 40 history; model excluded`;
  console.log(`core overhead per message (${setup}): p50 ${ms(core.p50)}, p99 ${ms(core.p99)} — target p99 < 2 ms`);
  const uncached = await benchCoreOverhead(3000, 0);
  console.log(`  same, profile cache off (every message reads SQLite): p50 ${ms(uncached.p50)}, p99 ${ms(uncached.p99)}`);

  // Usage accounting and the budget check: the store work around each model call.
  const redisUrl = process.argv.find((arg) => arg.startsWith('redis://'));
  const usageStores: [string, Parameters<typeof benchUsageOverhead>[0]][] = [['SQLite', { kind: 'sqlite' }]];
  if (redisUrl) usageStores.push(['Redis', { kind: 'redis', url: redisUrl }]);
  for (const [name, storeConfig] of usageStores) {
    for (const budget of [false, true]) {
      const r = await benchUsageOverhead(storeConfig, { budget });
      console.log(`usage accounting per message, ${name}, ${budget ? 'with a budget (check + hold + count)' : 'no budget (read + count)'}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`);
    }
  }

  // Slack: Bolt over HTTP, fake Slack Web API in a worker thread, model excluded (offline).
  const store = redisUrl ? ({ kind: 'redis', url: redisUrl } as const) : ({ kind: 'sqlite' } as const);
  const storeName = redisUrl ? 'Redis' : 'SQLite';
  const loaded = await benchSlack({ store, concurrency: 16 });
  console.log(`slack path, ${storeName} store, under load: ${describeSlackBench(loaded)} — target ≥ 200 events/s`);
  const single = await benchSlack({ store, concurrency: 1, events: 1000 });
  console.log(`slack path, ${storeName} store, one event at a time: ${describeSlackBench(single)} — target p99 < 25 ms`);
  // The same with an instant in-process model and a channel cap: every answer passes the budget check and is counted.
  const metered = await benchSlack({ store, concurrency: 1, events: 1000, instantModel: true, budgetUsd: 1_000_000 });
  console.log(`slack path, ${storeName} store, one at a time, instant model + budget check + usage count: ${describeSlackBench(metered)} — target p99 < 25 ms`);
  const meteredLoad = await benchSlack({ store, concurrency: 16, instantModel: true, budgetUsd: 1_000_000 });
  console.log(`slack path, ${storeName} store, under load, instant model + budget check + usage count: ${describeSlackBench(meteredLoad)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
