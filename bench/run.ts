/** `npm run bench`: every benchmark of the project, one after the other, on this machine. */
import os from 'node:os';
import { benchCoreOverhead, benchUsageOverhead } from './core-overhead';
import { benchDiscord, describeDiscordBench } from './discord';
import { runLeverEvalBench } from './lever-eval';
import { benchSlack, describeSlackBench } from './slack';
import { benchSlackVsBolt, comparisonArgs, describeComparison, describeRound } from './slack-vs-bolt';
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
      console.log(
        `usage accounting per message, ${name}, ${budget ? 'with a budget (check + hold + count)' : 'no budget (read + count)'}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`,
      );
    }
  }

  // Slack: channelwise and a bare Bolt app in turns, on the same fakes (worker thread), model answering.
  const options = comparisonArgs(process.argv.slice(2));
  const storeName = options.store?.kind === 'redis' ? 'Redis' : 'SQLite';
  console.log(
    `slack path, ${storeName} store, 16 mentions in flight, channelwise (model on, native streaming) vs bare Bolt (openai SDK + one chat.postMessage):`,
  );
  const comparison = await benchSlackVsBolt({ ...options, onRound: (r) => console.log(`  ${describeRound(r)}`) });
  for (const line of describeComparison(comparison)) console.log(`  ${line}`);
  // One at a time, offline with the placeholder path: what the adapter adds before the first message.
  const single = await benchSlack({ ...(options.store ? { store: options.store } : {}), concurrency: 1, events: 1000 });
  console.log(`slack path, ${storeName} store, one event at a time (offline, placeholder): ${describeSlackBench(single)} — target p99 < 25 ms`);

  // Discord: discord.js over the fake gateway and REST in a worker thread, model excluded (offline).
  const discord = await benchDiscord({ concurrency: 16 });
  console.log(`discord path, SQLite store, under load: ${describeDiscordBench(discord)} — target ≥ 200 messages/s`);

  // /eval run: 50 cases × prompt, fewshot, rag against the fake answering after 200 ms, at the configured concurrency and at 16.
  console.log('/eval run, 50 cases × 3 levers, fake model answering after 200 ms (expected ≈ answers × 0.2 s / concurrency):');
  await runLeverEvalBench((line) => console.log(`  ${line.replace(/\n/g, '\n  ')}`));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
