/**
 * Discord interactions end to end: slash commands (deferred, ephemeral, announced), the modals, the
 * message context-menu commands, autocomplete and `/kb add` with an attachment.
 */
import { FEWSHOT_MENU, KB_MENU } from '../../../src/adapters/discord/commands';
import { FEWSHOT_MODAL, PERSONA_MODAL } from '../../../src/adapters/discord/modals';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { discordScope } from '../../../src/adapters/discord/inbound';
import { allEphemeral, told, useDiscordHarness } from '../../helpers/discord-harness';

const ctx = useDiscordHarness();

const personaOf = async () => (await ctx.h.app.profiles.resolve(discordScope(ctx.h.guild.id, ctx.h.channel.id))).persona;

describe('slash commands', () => {
  it('an admin sets the persona: deferred, told privately, announced in the channel', async () => {
    const { h } = ctx;
    const record = await h.slash(h.admin, 'persona', 'set', { text: 'You are a pirate.' });
    expect(record.callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(told(record)).toBe('Persona set (v1).');
    expect((await personaOf()).value).toBe('You are a pirate.');
    const announcements = h.discord.botMessages(h.channel.id).map((m) => m.content);
    expect(announcements).toEqual([`${h.admin.username} changed this channel's persona (now v1).`]);
    expect(h.discord.botMessages(h.channel.id)[0]?.pings).toEqual([]);
  });

  it('the guild owner is an admin too; a member is refused and nothing changes', async () => {
    const { h } = ctx;
    expect(told(await h.slash(h.owner, 'persona', 'set', { text: 'Owner persona.' }))).toBe('Persona set (v1).');
    const refused = await h.slash(h.member, 'persona', 'set', { text: 'Member persona.' });
    expect(told(refused)).toBe(NOT_ADMIN_SENTENCE);
    expect(allEphemeral(refused)).toBe(true);
    expect((await personaOf()).value).toBe('Owner persona.');
  });

  it('read-only answers are ephemeral and hold the whole persona', async () => {
    const { h } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'You are a careful archivist.' });
    const shown = await h.slash(h.member, 'persona', 'show');
    expect(told(shown)).toBe('Persona v1 (set in this channel):\nYou are a careful archivist.');
    expect(allEphemeral(shown)).toBe(true);
  });

  it('a route change is announced; choices reach the grammar', async () => {
    const { h } = ctx;
    const record = await h.slash(h.admin, 'route', 'set', { route: 'rag' });
    expect(told(record)).toMatch(/^Route set to rag\./);
    expect(h.discord.botMessages(h.channel.id).map((m) => m.content)).toEqual([`${h.admin.username} set this channel's route to rag.`]);
  });

  it('refuses options the grammar cannot take, in one sentence, changing nothing', async () => {
    const { h } = ctx;
    const record = await h.slash(h.admin, 'kb', 'add', { text: 'some text', url: 'https://docs.example/x' });
    expect(told(record)).toBe('Give one of text, url or file, not text and url — usage: /kb add text:<text> | url:<url> | file:<file>.');
    expect(await h.app.knowledge.list(`discord:${h.guild.id}:${h.channel.id}`)).toEqual([]);
  });

  it('/kb add with an attachment is deferred and confirms once the document is searchable', async () => {
    const { h } = ctx;
    const file = h.discord.addFile('handbook.md', '# Refunds\n\nRefunds are paid within five working days.', 'text/markdown', { delayMs: 3500 });
    const record = await h.slash(h.admin, 'kb', 'add', { file: { attachment: file } });
    // Acknowledged at once; the answer came after the (slow) download, past Discord's 3 s.
    expect(record.callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(told(record)).toMatch(/^Added "Refunds" as \S+ \(1 passage\); it is searchable now\.$/);
    const search = await h.slash(h.member, 'kb', 'search', { query: 'refunds paid' });
    expect(told(search)).toContain('Refunds are paid within five working days.');
  });
});

describe('modals', () => {
  it('/persona edit opens a modal prefilled with the persona; submitting it sets the persona', async () => {
    const { h } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'Old persona.' });
    const opened = await h.slash(h.admin, 'persona', 'edit');
    expect(opened.callbacks).toHaveLength(1);
    const modal = opened.callbacks[0] as { type: number; data: { custom_id: string; components: { components: { value?: string; max_length: number }[] }[] } };
    expect(modal.type).toBe(9);
    expect(modal.data.custom_id).toBe(PERSONA_MODAL);
    expect(modal.data.components[0]?.components[0]?.value).toBe('Old persona.');
    expect(modal.data.components[0]?.components[0]?.max_length).toBe(4000);

    const submitted = h.discord.submitModal(h.admin, h.channel, PERSONA_MODAL, { persona: 'New persona from the form.' });
    await h.settle();
    expect(told(submitted)).toBe('Persona set (v2).');
    expect((await personaOf()).value).toBe('New persona from the form.');
  });

  it('a member cannot open it, nor apply it by submitting one', async () => {
    const { h } = ctx;
    const opened = await h.slash(h.member, 'persona', 'edit');
    expect(opened.callbacks.map((c) => c['type'])).toEqual([4]);
    expect(told(opened)).toBe(NOT_ADMIN_SENTENCE);
    const submitted = h.discord.submitModal(h.member, h.channel, PERSONA_MODAL, { persona: 'Sneaky.' });
    await h.settle();
    expect(told(submitted)).toBe(NOT_ADMIN_SENTENCE);
    expect((await personaOf()).source).toBe('config');
  });

  it('a persona longer than a Discord field points to /persona set', async () => {
    const { h } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'x'.repeat(4500) });
    const opened = await h.slash(h.admin, 'persona', 'edit');
    expect(told(opened)).toBe(
      'The current persona is 4,500 characters, more than a Discord form field holds (4,000); use /persona set text:<persona> instead.',
    );
  });

  it('/fewshot add with no options opens the example modal', async () => {
    const { h } = ctx;
    const opened = await h.slash(h.admin, 'fewshot', 'add');
    expect((opened.callbacks[0] as { data: { custom_id: string } }).data.custom_id).toBe(FEWSHOT_MODAL);
    const submitted = h.discord.submitModal(h.admin, h.channel, FEWSHOT_MODAL, { input: 'Hi', output: 'Hello.' });
    await h.settle();
    expect(told(submitted)).toBe('Added example 1.');
  });
});

describe('message context-menu commands', () => {
  it('"Add as few-shot example" on a bot reply adds the exchange it answered', async () => {
    const { h, openai } = ctx;
    openai.enqueue('chat', { text: 'We open at nine.' });
    h.discord.mention(h.member, h.channel, 'when do you open?');
    await h.settle();
    const answer = h.discord.botMessages(h.channel.id).at(-1)!;
    const record = h.discord.messageCommand(h.admin, h.channel, FEWSHOT_MENU, answer);
    await h.settle();
    expect(told(record)).toBe('Added example 1.');
    const list = await h.slash(h.member, 'fewshot', 'list');
    expect(told(list)).toContain('1. Input: when do you open?\n   Output: We open at nine.');
    // A member may not.
    const refused = h.discord.messageCommand(h.member, h.channel, FEWSHOT_MENU, answer);
    await h.settle();
    expect(told(refused)).toBe(NOT_ADMIN_SENTENCE);
  });

  it('"Add to knowledge base" adds the message text and its attachments', async () => {
    const { h } = ctx;
    const file = h.discord.addFile('faq.txt', 'Parking is free on weekends.');
    const message = h.discord.userMessage(h.member, h.channel, 'The office opens at 8 on Mondays.', { attachments: [file] });
    await h.settle();
    const record = h.discord.messageCommand(h.admin, h.channel, KB_MENU, message);
    await h.settle();
    const lines = told(record).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Added "The office opens at 8 on Mondays\." as \S+/);
    expect(lines[1]).toMatch(/^Added "Parking is free on weekends\." as \S+/);
    expect(await h.app.knowledge.list(`discord:${h.guild.id}:${h.channel.id}`)).toHaveLength(2);
  });
});

describe('autocomplete', () => {
  it('offers saved personas and presets, at most 25', async () => {
    const { h } = ctx;
    await h.slash(h.admin, 'persona', 'set', { text: 'Pirate voice.' });
    await h.slash(h.admin, 'persona', 'save', { name: 'pirate' });
    const record = h.discord.slashCommand(h.member, h.channel, 'persona', 'use', { name: 'pir' }, 'name');
    await h.settle();
    expect(record.callbacks).toEqual([{ type: 8, data: { choices: [{ name: 'pirate', value: 'pirate' }] } }]);
  });

  it('offers models from the price table', async () => {
    const { h } = ctx;
    const record = h.discord.slashCommand(h.member, h.channel, 'model', 'set', { model: 'gpt-4o' }, 'model');
    await h.settle();
    const choices = (record.callbacks[0] as { data: { choices: { name: string }[] } }).data.choices;
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const choice of choices) expect(choice.name).toContain('gpt-4o');
  });
});
