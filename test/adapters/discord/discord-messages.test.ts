/**
 * The Discord bot end to end, on messages: the real discord.js client over the fake Discord's
 * gateway and REST, the real core, and the real OpenAI client against the fake OpenAI server.
 */
import { DISCORD_PART_LIMIT, PLACEHOLDER } from '../../../src/adapters/discord/reply';
import { INTENTS } from '../../helpers/fake-discord';
import { fakeErrors } from '../../helpers/fake-openai';
import { useDiscordHarness } from '../../helpers/discord-harness';

const ctx = useDiscordHarness();

/** The contents of the bot's messages in a channel, after the last edit. */
const botTexts = (channelId: string) => ctx.h.discord.botMessages(channelId).map((m) => m.content);

describe('the gateway', () => {
  it('identifies with the intents of SPEC §7 and registers the commands for the guild', () => {
    const { discord } = ctx.h;
    expect(discord.identifies).toHaveLength(1);
    expect(discord.identifies[0]?.['intents']).toBe(
      INTENTS.Guilds | INTENTS.GuildMessages | INTENTS.MessageContent | INTENTS.DirectMessages | INTENTS.GuildMessageReactions,
    );
    const names = (discord.commands.get(ctx.h.guild.id) ?? []).map((c) => c['name']);
    expect(names).toEqual([
      'persona',
      'fewshot',
      'route',
      'model',
      'kb',
      'finetune',
      'usage',
      'budget',
      'advise',
      'eval',
      'Add as few-shot example',
      'Add as evaluation case',
      'Add to knowledge base',
    ]);
  });
});

describe('answering', () => {
  it('takes no new messages while the process drains to stop (SPEC §5)', async () => {
    const { h, openai } = ctx;
    const asked = openai.requestsTo('chat').length;
    h.app.inFlight.startDraining();
    h.discord.mention(h.member, h.channel, 'are you still there?');
    await h.settle();
    expect(botTexts(h.channel.id)).toEqual([]);
    expect(openai.requestsTo('chat')).toHaveLength(asked);
  });

  it('answers a mention as a reply, with the persona and the examples in the model request', async () => {
    const { h, openai } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'You are a terse librarian.' });
    await h.slash(h.admin, 'fewshot', 'add', { input: 'Hi', output: 'Hello, reader.' });
    openai.enqueue('chat', { text: 'We open at nine.' });
    const question = h.discord.mention(h.member, h.channel, 'when do you open?');
    await h.settle();

    const body = openai.chatBodies().at(-1)!;
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are a terse librarian.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello, reader.' },
      { role: 'user', content: 'when do you open?' },
    ]);
    const [answer] = h.discord.botMessages(h.channel.id).filter((m) => m.message_reference?.message_id === question.id);
    expect(answer?.content).toBe('We open at nine.');
    expect(answer?.versions[0]).toBe(PLACEHOLDER);
    // Typing was shown while the model had not written anything yet.
    expect(h.discord.requestsTo('POST', '/channels/{channel_id}/typing').length).toBeGreaterThan(0);
  });

  it('ignores messages that do not mention it, its own messages and other bots', async () => {
    const { h, openai } = ctx;
    const otherBot = h.discord.addUser('helper-bot', { bot: true });
    h.discord.userMessage(h.member, h.channel, 'just chatting');
    h.discord.mention(otherBot, h.channel, 'hello bot, from a bot');
    await h.settle();
    expect(openai.chatBodies()).toHaveLength(0);
    expect(botTexts(h.channel.id)).toEqual([]);
  });

  it('answers a DM', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { text: 'Hello in private.' });
    const dm = h.discord.dmChannel(h.member);
    h.discord.userMessage(h.member, dm, 'hi there');
    await h.settle();
    expect(botTexts(dm.id)).toEqual(['Hello in private.']);
    expect(openai.chatBodies().at(-1)?.messages.at(-1)).toEqual({ role: 'user', content: 'hi there' });
  });

  it('carries the reply chain as history', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { text: 'Paris.' }, { text: 'About two million.' });
    const first = h.discord.mention(h.member, h.channel, 'capital of France?');
    await h.settle();
    const answer = h.discord.botMessages(h.channel.id).at(-1)!;
    // A reply to the bot's answer, without a new mention.
    h.discord.userMessage(h.member, h.channel, 'and its population?', { replyTo: answer });
    await h.settle();
    expect(first.id).toBeDefined();
    const last = openai.chatBodies().at(-1)!.messages.slice(1);
    expect(last).toEqual([
      { role: 'user', content: 'capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'and its population?' },
    ]);
    // Everything in the chain was seen on the gateway or written by the bot: nothing fetched back.
    expect(h.discord.requestsTo('GET', '/channels/{channel_id}/messages/{message_id}')).toEqual([]);
  });

  it("answers in a thread with its parent channel's profile, and follow-ups there without a mention", async () => {
    const { h, openai } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'You are the parent channel persona.' });
    const thread = h.discord.addThread(h.channel, 'planning');
    openai.enqueue('chat', { text: 'First answer.' }, { text: 'Second answer.' });
    h.discord.mention(h.member, thread, 'start of the thread');
    await h.settle();
    h.discord.userMessage(h.member, thread, 'a follow-up, no mention');
    await h.settle();
    const bodies = openai.chatBodies();
    expect(bodies).toHaveLength(2);
    expect(bodies[0]?.messages[0]).toEqual({ role: 'system', content: 'You are the parent channel persona.' });
    expect(bodies[1]?.messages.slice(1)).toEqual([
      { role: 'user', content: 'start of the thread' },
      { role: 'assistant', content: 'First answer.' },
      { role: 'user', content: 'a follow-up, no mention' },
    ]);
    expect(botTexts(thread.id)).toEqual(['First answer.', 'Second answer.']);
    // The thread was read from Discord once, for its first answer; the follow-up came from what the bot had seen.
    expect(h.discord.requestsTo('GET', '/channels/{channel_id}/messages')).toHaveLength(1);
  });

  it('gives one clear sentence when the model is down', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { error: fakeErrors.serverError(503) });
    h.discord.mention(h.member, h.channel, 'are you there?');
    await h.settle();
    const [text] = botTexts(h.channel.id);
    expect(text).toMatch(/^[^\n]+\.$/);
    expect(text).toMatch(/model/i);
    expect(text).not.toMatch(/Error|stack|503 /);
  });
});

describe('what the bot sends', () => {
  it('pings nobody, whatever the model writes', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { text: `Hey @everyone and @here, ask <@${h.admin.id}> or <@&${h.guild.id}1>.` });
    h.discord.mention(h.member, h.channel, 'who should I ask?');
    await h.settle();
    const [message] = h.discord.botMessages(h.channel.id);
    expect(message?.content).toContain('@everyone');
    expect(message?.pings).toEqual([]);
    const writes = h.discord.messageWrites().filter((r) => r.route?.startsWith('/channels/'));
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect((write.body as Record<string, unknown>)['allowed_mentions']).toEqual({ parse: [], replied_user: false });
  });

  it('splits a long answer into parts of at most 2,000 characters with balanced code fences', async () => {
    const { h, openai } = ctx;
    const code = Array.from({ length: 120 }, (_, i) => `const line${i} = ${i}; // a line of code that is long enough`).join('\n');
    const text = `Here is the script:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    openai.enqueue('chat', { text });
    h.discord.mention(h.member, h.channel, 'write me a long script');
    await h.settle();
    const parts = botTexts(h.channel.id);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(DISCORD_PART_LIMIT);
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts.join('\n').replace(/\n```(ts)?\n/g, '\n')).toContain('const line119 = 119;');
    // Each part replies to the one before, so a reply chain reaches back to the question.
    const messages = h.discord.botMessages(h.channel.id);
    for (let i = 1; i < messages.length; i += 1) expect(messages[i]?.message_reference?.message_id).toBe(messages[i - 1]?.id);
  });

  it('edits each message at most once a second, the final edit included', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { deltas: Array.from({ length: 30 }, (_, i) => `word${i} `), tokenDelayMs: 100 });
    h.discord.mention(h.member, h.channel, 'stream slowly');
    await h.settle();
    const edits = h.discord.requestsTo('PATCH', '/channels/{channel_id}/messages/{message_id}');
    expect(edits.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < edits.length; i += 1) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(990);
    expect(botTexts(h.channel.id)).toEqual([Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ')]);
  });

  it('waits out a 429 on an edit and completes the answer', async () => {
    const { h, openai } = ctx;
    h.discord.rateLimit('PATCH /channels/{channel_id}/messages/{message_id}', 0.6);
    openai.enqueue('chat', { text: 'Complete answer after a rate limit.' });
    h.discord.mention(h.member, h.channel, 'hello');
    await h.settle();
    const edits = h.discord.requestsTo('PATCH', '/channels/{channel_id}/messages/{message_id}');
    // The refused edit is sent again once retry_after has passed; later edits follow at the usual pace.
    expect(edits[0]?.status).toBe(429);
    expect(edits.slice(1).map((e) => e.status)).toEqual(edits.slice(1).map(() => 200));
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(590);
    expect(botTexts(h.channel.id)).toEqual(['Complete answer after a rate limit.']);
  });
});

describe('reconnecting', () => {
  it('resumes after the fake drops the connection and answers the next message once', async () => {
    const { h, openai } = ctx;
    h.discord.dropConnections();
    openai.enqueue('chat', { text: 'Answered after the resume.' });
    h.discord.mention(h.member, h.channel, 'are you back?');
    await h.settle();
    expect(h.discord.resumes).toHaveLength(1);
    expect(h.discord.identifies).toHaveLength(1);
    expect(openai.chatBodies()).toHaveLength(1);
    expect(botTexts(h.channel.id)).toEqual(['Answered after the resume.']);
  });
});
