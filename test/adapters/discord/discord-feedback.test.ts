/**
 * 👍 / 👎 buttons, the reason modal and ⭐ reactions on Discord answers (SPEC §8 "Feedback"), through
 * discord.js over the fake's gateway and REST (message components checked against the OpenAPI
 * schema) and the fake OpenAI server.
 */
import { discordScope } from '../../../src/adapters/discord/inbound';
import { APPROVED_SENTENCE, REASON_FIELD, REASON_THANKS, TAKEN_BACK, THANKS } from '../../../src/adapters/discord/feedback';
import { REASON_MAX_CHARS } from '../../../src/core/feedback/feedback';
import type { FakeMessage, FakeUser } from '../../helpers/fake-discord';
import { fakeErrors } from '../../helpers/fake-openai';
import { told, useDiscordHarness } from '../../helpers/discord-harness';

type Row = { type: number; components: { type: number; custom_id: string; emoji?: { name?: string } }[] };

describe('Discord feedback', () => {
  const ctx = useDiscordHarness();
  const scope = () => discordScope(ctx.h.guild.id, ctx.h.channel.id);

  /** A member asks; returns the bot's messages of the answer, first to last. */
  async function answered(text = 'Rooms are booked in the calendar.', question = 'how do I book a room?'): Promise<FakeMessage[]> {
    ctx.openai.enqueue('chat', { text });
    const asked = ctx.h.discord.mention(ctx.h.member, ctx.h.channel, question);
    await ctx.h.settle();
    const messages: FakeMessage[] = [];
    for (let replyTo = asked.id; ; ) {
      const next = ctx.h.discord.botMessages(ctx.h.channel.id).find((m) => m.message_reference?.message_id === replyTo);
      if (!next) return messages;
      messages.push(next);
      replyTo = next.id;
    }
  }

  const buttonsOf = (message: FakeMessage | undefined) => ((message?.components ?? []) as Row[]).flatMap((row) => row.components);
  const buttonId = (message: FakeMessage | undefined, emoji: string) => buttonsOf(message).find((b) => b.emoji?.name === emoji)!.custom_id;

  async function click(user: FakeUser, message: FakeMessage | undefined, emoji: '👍' | '👎') {
    const record = ctx.h.discord.clickButton(user, ctx.h.channel, message!, buttonId(message, emoji));
    await ctx.h.settle();
    return record;
  }

  /** The answer a message of it shows, as the store links them (what a ⭐ on it names). */
  const answerIdOf = async (message: FakeMessage | undefined) => (await ctx.h.app.feedback.answerIdOfMessage(scope(), message!.id))!;
  const votes = async (message: FakeMessage | undefined) => ctx.h.app.feedback.votesOf(scope(), await answerIdOf(message));

  it('puts 👍 / 👎 buttons naming the answer on the final part only', async () => {
    const long = Array.from({ length: 6 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(16).trim()}.`).join('\n\n');
    const messages = await answered(long);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.map((m) => buttonsOf(m).map((b) => b.emoji?.name))).toEqual([...messages.slice(1).map(() => []), ['👍', '👎']]);
    const answerId = await answerIdOf(messages.at(-1));
    for (const button of buttonsOf(messages.at(-1))) expect(button.custom_id).toContain(answerId);
  });

  it('a short answer carries them too; a failed answer carries none', async () => {
    const [short] = await answered('Yes.');
    expect(buttonsOf(short)).toHaveLength(2);
    ctx.openai.enqueue('chat', { error: fakeErrors.serverError(503) });
    const asked = ctx.h.discord.mention(ctx.h.member, ctx.h.channel, 'anyone there?');
    await ctx.h.settle();
    const failed = ctx.h.discord.botMessages(ctx.h.channel.id).find((m) => m.message_reference?.message_id === asked.id);
    expect(failed).toBeDefined();
    expect(buttonsOf(failed)).toEqual([]);
  });

  it("records a member's 👍 with an ephemeral thanks and adds nothing to the training set", async () => {
    const [message] = await answered();
    const record = await click(ctx.h.member, message, '👍');
    expect(told(record)).toBe(THANKS);
    expect(((record.callbacks[0]?.['data'] as { flags?: number } | undefined)?.flags ?? 0) & 64).toBe(64);
    expect(await votes(message)).toEqual({ [ctx.h.member.id]: expect.objectContaining({ value: 'up' }) });
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
  });

  it("an admin's 👍 adds the exchange to the training set", async () => {
    const [message] = await answered('Rooms are booked in the calendar.', 'how do I book a room?');
    const record = await click(ctx.h.admin, message, '👍');
    expect(told(record)).toBe(APPROVED_SENTENCE);
    expect((await ctx.h.app.training.approved(scope())).map((e) => [e.input, e.output])).toEqual([
      [expect.stringContaining('how do I book a room?'), 'Rooms are booked in the calendar.'],
    ]);
  });

  it('changing 👍 to 👎 keeps one vote, the latest', async () => {
    const [message] = await answered();
    await click(ctx.h.member, message, '👍');
    await click(ctx.h.member, message, '👎');
    expect(await votes(message)).toEqual({ [ctx.h.member.id]: expect.objectContaining({ value: 'down' }) });
    expect(await ctx.h.app.feedback.counts(scope(), 30)).toMatchObject({ up: 0, down: 1 });
  });

  it('a second click on the same button takes the vote back, and says so', async () => {
    const [message] = await answered();
    await click(ctx.h.member, message, '👍');
    const again = await click(ctx.h.member, message, '👍');
    expect(told(again)).toBe(TAKEN_BACK);
    expect(await votes(message)).toEqual({});
    expect(await ctx.h.app.feedback.counts(scope(), 30)).toMatchObject({ up: 0, down: 0 });
  });

  it('a 👎 opens a modal with one optional paragraph; its submission stores the reason', async () => {
    const [message] = await answered();
    const record = await click(ctx.h.member, message, '👎');
    expect(record.callbacks.map((c) => c['type'])).toEqual([9]);
    const modal = record.callbacks[0]!['data'] as {
      custom_id: string;
      components: { components: { custom_id: string; style: number; required: boolean; max_length: number }[] }[];
    };
    expect(modal.components.flatMap((row) => row.components)).toEqual([
      expect.objectContaining({ custom_id: REASON_FIELD, style: 2, required: false, max_length: REASON_MAX_CHARS }),
    ]);
    expect(await votes(message)).toEqual({ [ctx.h.member.id]: expect.objectContaining({ value: 'down' }) });

    const submitted = ctx.h.discord.submitModal(ctx.h.member, ctx.h.channel, modal.custom_id, { [REASON_FIELD]: 'It named the wrong floor.' });
    await ctx.h.settle();
    expect(told(submitted)).toBe(REASON_THANKS);
    expect(await votes(message)).toEqual({ [ctx.h.member.id]: expect.objectContaining({ value: 'down', reason: 'It named the wrong floor.' }) });
  });

  it('⭐ by an admin adds the exchange; by a member, or another emoji, it does not', async () => {
    const [message] = await answered('Use the calendar.');
    ctx.h.discord.react(ctx.h.member, ctx.h.channel, message!, '⭐');
    ctx.h.discord.react(ctx.h.admin, ctx.h.channel, message!, '🎉');
    await ctx.h.settle();
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
    ctx.h.discord.react(ctx.h.admin, ctx.h.channel, message!, '⭐');
    await ctx.h.settle();
    expect((await ctx.h.app.training.approved(scope())).map((e) => e.output)).toEqual(['Use the calendar.']);
  });

  it('⭐ by an admin on a message that is not an answer changes nothing', async () => {
    const person = ctx.h.discord.mention(ctx.h.member, ctx.h.channel, 'just saying hi');
    ctx.openai.enqueue('chat', { text: 'Hi!' });
    await ctx.h.settle();
    ctx.h.discord.react(ctx.h.admin, ctx.h.channel, person, '⭐');
    await ctx.h.settle();
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
  });

  it('votes show in /usage by route', async () => {
    const [message] = await answered();
    await click(ctx.h.member, message, '👎');
    const answer = (await ctx.h.app.feedback.answer(await answerIdOf(message)))!;
    const record = await ctx.h.slash(ctx.h.admin, 'usage', undefined, {});
    expect(told(record)).toContain(`feedback — ${answer.route} 👍 0 · 👎 1`);
  });
});
