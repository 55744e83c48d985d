/**
 * Discord shards on one store (issue #12): the entry point with `DISCORD_SHARDS=auto` asks the fake
 * Discord (which recommends 2), runs discord.js's ShardingManager, one process per shard on one
 * Redis or PostgreSQL store; each shard identifies as `[id, 2]`, gets its own guild (the fake routes
 * guild g to shard (g >> 22) % 2, as Discord does), and answers a mention there once; SIGTERM stops
 * the manager and every shard, exit 0. Run through tsx: npm's own signal handling is the shutdown
 * suite's concern.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startBotProcess, type BotProcess } from '../helpers/bot-process';
import { FakeDiscord, type FakeChannel } from '../helpers/fake-discord';
import { waitFor } from '../helpers/processes';
import { forEachSharedStore } from '../helpers/services';

jest.setTimeout(180_000);

/** Every process under `pid` (the tsx wrapper, the manager, its shards), read from /proc. */
function descendants(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  );
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

forEachSharedStore((suite, service) => {
  suite.describe(`Discord shards on ${service}`, () => {
    let discord: FakeDiscord;
    let bot: BotProcess;
    const channels: FakeChannel[] = [];

    beforeAll(async () => {
      discord = await FakeDiscord.start();
      discord.recommendedShards = 2;
      const owner = discord.addUser('olga');
      for (const shard of [0, 1]) channels.push(discord.addGuild(`Guild on shard ${shard}`, owner, { onShard: [shard, 2] }).channel);
      bot = await startBotProcess({
        via: 'tsx',
        env: {
          STORE_URL: suite.url,
          DISCORD_TOKEN: discord.token,
          DISCORD_APPLICATION_ID: discord.applicationId,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_SHARDS: 'auto',
          LOG_LEVEL: 'info',
        },
      });
    });
    afterAll(async () => {
      await bot?.kill();
      await discord?.close();
    });

    it('each shard identifies as [id, 2] and receives only its own guild', async () => {
      await waitFor(() => (discord.identifies.length >= 2 ? true : undefined), 'both shards to identify');
      expect(discord.identifies.map((d) => d['shard']).sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);
      expect(channels.map((c) => discord.shardOf(c.guild_id, 2))).toEqual([0, 1]);
      expect(bot.logs()).toMatch(/"shard":0,"of":2/);
      expect(bot.logs()).toMatch(/"shard":1,"of":2/);
    });

    it('a mention in each guild is answered once, by the shard that serves it', async () => {
      const person = discord.addUser('bob');
      for (const channel of channels) discord.mention(person, channel, `hello from ${channel.guild_id}`);
      for (const channel of channels) {
        const answer = await waitFor(
          () => discord.botMessages(channel.id).find((m) => m.content.startsWith('_Offline mode') && m.content.includes(`hello from ${channel.guild_id}`)),
          `the answer in guild ${channel.guild_id}`,
        );
        expect(answer.content).toContain(`hello from ${channel.guild_id}`);
      }
      // Only the guild's shard received each mention (the fake routes it), and the store's claim
      // would stop a second answer anyway: exactly one answer per guild.
      for (const channel of channels) expect(discord.botMessages(channel.id).filter((m) => m.content.startsWith('_Offline mode'))).toHaveLength(1);
      discord.assertNoViolations();
    });

    it('SIGTERM stops the manager and every shard, exit 0', async () => {
      const processes = descendants(bot.child.pid!);
      // The two shards under the manager (the bot's own process: `via: 'tsx'` execs node directly).
      expect(processes.length).toBeGreaterThanOrEqual(2);
      bot.signal('SIGTERM');
      const code = await Promise.race([bot.exited, waitFor(() => undefined, 'the exit', 300).catch(() => 'still running')]);
      if (code !== 0) throw new Error(`exit ${String(code)} after SIGTERM; logs:\n${bot.logs()}`);
      await waitFor(() => (processes.every((pid) => !alive(pid)) ? true : undefined), 'every shard process to exit');
    });
  });
});
