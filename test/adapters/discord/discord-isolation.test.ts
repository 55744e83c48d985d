/**
 * Tenant isolation over Discord (issue #12): the scope comes from the interaction's guild, so a
 * second guild naming the first one's ids (document d1, persona "pirate", case 1) through the same
 * bot gets "not found" and sees none of it; the first keeps all of it. The whole command set is
 * covered through the core in test/core/commands/isolation.test.ts.
 */
import { FakeDiscord, type FakeChannel } from '../../helpers/fake-discord';
import { DiscordHarness, told } from '../../helpers/discord-harness';

describe('tenant isolation through the Discord adapter', () => {
  let discord: FakeDiscord;
  let h: DiscordHarness;
  let otherChannel: FakeChannel;
  beforeAll(async () => {
    // Both guilds exist when the bot starts (it registers its commands in each); the harness uses the first.
    discord = await FakeDiscord.start();
    const owner = discord.addUser('oscar');
    discord.addGuild('First guild', owner);
    const other = discord.addGuild('Other guild', owner);
    otherChannel = other.channel;
    h = await DiscordHarness.start({ discord });
    // The same admin manages both guilds: only the guild tells them apart.
    discord.makeAdmin(other.guild, h.admin);
    for (const [name, subcommand, options] of [
      ['kb', 'add', { text: 'Zebrafish handbook: the vault code is 4417.' }],
      ['persona', 'set', { text: 'You are Zebrafish.' }],
      ['persona', 'save', { name: 'pirate' }],
      ['eval', 'add', { input: 'What is the vault code?', expected: '4417' }],
    ] as const) {
      expect(told(await h.slash(h.admin, name, subcommand, options))).not.toMatch(/^There is no|not an admin/);
    }
  });
  afterAll(async () => {
    await h?.stop();
    discord.assertNoViolations();
    await discord.close();
  });

  it.each([
    ['kb', 'remove', { doc: 'd1' }, /^There is no document d1 here/],
    ['persona', 'use', { name: 'pirate' }, /^There is no saved persona named "pirate"/],
    ['persona', 'rollback', { version: 1 }, /persona version|no persona versions/],
    ['eval', 'remove', { number: 1 }, /^There is no case 1/],
    ['kb', 'list', {}, /^The knowledge base is empty/],
    ['eval', 'list', {}, /^This channel has no evaluation cases yet/],
    ['persona', 'list', {}, /^No saved personas yet/],
  ] as const)("the other guild's /%s %s: nothing of the first guild's", async (name, subcommand, options, expected) => {
    const reply = told(await h.slash(h.admin, name, subcommand, options, otherChannel));
    expect(reply).toMatch(expected);
    expect(reply).not.toMatch(/Zebrafish|4417/);
  });

  it('the first guild still has all of it', async () => {
    expect(told(await h.slash(h.admin, 'kb', 'list'))).toContain('Zebrafish handbook');
    expect(told(await h.slash(h.admin, 'persona', 'show'))).toContain('You are Zebrafish.');
    expect(told(await h.slash(h.admin, 'persona', 'list'))).toContain('pirate');
    expect(told(await h.slash(h.admin, 'eval', 'list'))).toBe('1. What is the vault code? => 4417');
  });
});
