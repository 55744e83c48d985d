/** The Discord adapter's pure pieces: scope, mentions, the per-channel limiter, the seen-message cache, the command JSON, config. */
import { applicationCommands } from '../../../src/adapters/discord/commands';
import { SeenMessages, toHistory } from '../../../src/adapters/discord/history';
import { discordScope, stripBotMention, toInboundMessage } from '../../../src/adapters/discord/inbound';
import { buildModal } from '../../../src/adapters/discord/modals';
import { ChannelLimiter } from '../../../src/adapters/discord/reply';
import { ConfigError, loadConfig } from '../../../src/config';
import path from 'node:path';

const BOT = '100';

describe('inbound messages', () => {
  const facts = {
    id: '9',
    channelId: 'T1',
    guildId: 'G1',
    isDirect: false,
    authorId: 'U1',
    authorIsBot: false,
    content: `<@${BOT}> hi  there`,
    mentionsBot: true,
    repliesToBot: false,
  };

  it('a thread takes its parent channel as scope, is remembered as the reply thread, and the mention is removed', () => {
    const inbound = toInboundMessage({ ...facts, threadParentId: 'C1' }, { botId: BOT });
    expect(inbound).toMatchObject({
      scope: { platform: 'discord', workspace: 'G1', channel: 'C1' },
      threadId: 'T1',
      replyThreadId: 'T1',
      text: 'hi there',
      mentioned: true,
    });
  });

  it('a reply to the bot counts as a mention; DMs use the dm workspace; the bot itself is a bot', () => {
    expect(toInboundMessage({ ...facts, content: 'more?', mentionsBot: false, repliesToBot: true }, { botId: BOT }).mentioned).toBe(true);
    expect(discordScope(null, 'D1')).toEqual({ platform: 'discord', workspace: 'dm', channel: 'D1' });
    expect(toInboundMessage({ ...facts, authorId: BOT }, { botId: BOT }).user.isBot).toBe(true);
    expect(stripBotMention(`<@!${BOT}> hello`, BOT)).toBe('hello');
  });
});

describe('ChannelLimiter', () => {
  it('lets at most 5 writes per 5 s through per channel, other channels unaffected, and honours a pause', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const limiter = new ChannelLimiter(
      { limit: 5, windowMs: 5000 },
      () => now,
      async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    );
    const at: number[] = [];
    await Promise.all(Array.from({ length: 7 }, () => limiter.run('A', async () => at.push(now))));
    expect(at).toEqual([0, 0, 0, 0, 0, 5000, 5000]);
    const other: number[] = [];
    await limiter.run('B', async () => other.push(now));
    expect(other).toEqual([5000]);
    limiter.pause('B', 1500);
    await limiter.run('B', async () => other.push(now));
    expect(other).toEqual([5000, 6500]);
  });

  it('a failed write does not stop the ones queued behind it', async () => {
    const limiter = new ChannelLimiter();
    const failed = limiter.run('A', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(limiter.run('A', async () => 'next')).resolves.toBe('next');
  });
});

describe('SeenMessages', () => {
  it('keeps at most perChannel messages per channel and forgets the least recent channel', () => {
    const seen = new SeenMessages(2, 3);
    for (let i = 1; i <= 5; i += 1) seen.see({ id: String(i), channelId: 'A', authorId: 'U', otherBot: false, content: `m${i}` });
    expect(seen.before('A', '99').map((m) => m.content)).toEqual(['m3', 'm4', 'm5']);
    seen.see({ id: '1', channelId: 'B', authorId: 'U', otherBot: false, content: 'b' });
    seen.see({ id: '1', channelId: 'C', authorId: 'U', otherBot: false, content: 'c' });
    expect(seen.get('A', '5')).toBeUndefined();
    expect(seen.get('C', '1')?.content).toBe('c');
  });

  it('history: the bot is the assistant; other bots and the placeholder are left out', () => {
    const messages = [
      { id: '1', channelId: 'A', authorId: 'U', otherBot: false, content: `<@${BOT}> question` },
      { id: '2', channelId: 'A', authorId: BOT, otherBot: true, content: 'answer' },
      { id: '3', channelId: 'A', authorId: 'B2', otherBot: true, content: 'bot chatter' },
      { id: '4', channelId: 'A', authorId: BOT, otherBot: true, content: '*Thinking…*' },
    ];
    expect(toHistory(messages, { botId: BOT, placeholder: '*Thinking…*' })).toEqual([
      { role: 'user', content: 'question' },
      { role: 'assistant', content: 'answer' },
    ]);
  });
});

describe('application commands', () => {
  it('carry autocomplete where the table has names to offer, the attachment option, and the message menus', () => {
    const commands = applicationCommands() as unknown as {
      name: string;
      type: number;
      options?: { name: string; options?: { name: string; type: number; autocomplete?: boolean }[] }[];
    }[];
    const option = (command: string, sub: string, name: string) =>
      commands
        .find((c) => c.name === command)
        ?.options?.find((o) => o.name === sub)
        ?.options?.find((o) => o.name === name);
    expect(option('persona', 'use', 'name')?.autocomplete).toBe(true);
    expect(option('kb', 'remove', 'doc')?.autocomplete).toBe(true);
    expect(option('model', 'set', 'model')?.autocomplete).toBe(true);
    expect(option('persona', 'save', 'name')?.autocomplete).toBeUndefined();
    expect(option('kb', 'add', 'file')?.type).toBe(11);
    expect(commands.filter((c) => c.type === 3).map((c) => c.name)).toEqual(['Add as few-shot example', 'Add as evaluation case', 'Add to knowledge base']);
  });

  it('the example modal respects the configured example limit', () => {
    const built = buildModal({ kind: 'fewshot-add' }, { personaChars: 8000, exampleChars: 300 });
    expect('modal' in built && built.modal.components.map((row) => (row as { components: { max_length: number }[] }).components[0]?.max_length)).toEqual([
      300, 300,
    ]);
  });
});

describe('Discord configuration', () => {
  const configDir = path.resolve(__dirname, '../../../config');
  const base = { DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: '1' };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { configDir });

  it('reads the Discord variables', () => {
    expect(
      load({ DISCORD_API_URL: 'http://127.0.0.1:9/api/', DISCORD_REGISTER_ON_START: 'true', DISCORD_SHARDS: 'auto', STORE_URL: 'redis://127.0.0.1:6379' })
        .discord,
    ).toEqual({
      token: 't',
      applicationId: '1',
      apiUrl: 'http://127.0.0.1:9/api',
      registerOnStart: true,
      shards: 'auto',
      shardChild: false,
    });
    expect(load({ DISCORD_SHARDS: '4', STORE_URL: 'postgresql://x@127.0.0.1/db' }).discord?.shards).toBe(4);
  });

  it.each([
    [{ DISCORD_SHARDS: 'many', STORE_URL: 'redis://127.0.0.1:6379' }, 'DISCORD_SHARDS: expected a whole number from 1 to 10000 or auto, got "many"'],
    [{ DISCORD_SHARDS: '2' }, 'DISCORD_SHARDS: every shard is its own process, so they need a shared STORE_URL (redis:// or postgresql://), not SQLite'],
    [{ DISCORD_REGISTER_ON_START: 'yes' }, 'DISCORD_REGISTER_ON_START: expected true or false, got "yes"'],
  ])('refuses %j in one sentence', (env, message) => {
    expect(() => load(env)).toThrow(new ConfigError(message));
  });
});
