/**
 * Discord payload translation on MESSAGE_CREATE payloads with missing and extra fields and a guild
 * the bot has never seen (fast-check), through the real discord.js client: the bot never crashes or logs a failure
 * it did not mean, and answers the next good message once.
 */
import fc from 'fast-check';
import { recordingLogger, type LogEntry } from '../../helpers/logger';
import { useDiscordHarness } from '../../helpers/discord-harness';

const entries: LogEntry[] = [];
const ctx = useDiscordHarness({ logger: recordingLogger(entries) });

/**
 * What Discord may leave out of a MESSAGE_CREATE (the fields its API reference marks optional), and
 * a guild id the bot was never told about. Required fields keep their
 * types: discord.js itself parses the payload, and Discord's own schema is its contract.
 */
const OPTIONAL = ['guild_id', 'member', 'message_reference', 'flags', 'nonce', 'webhook_id', 'edited_timestamp'] as const;
const junk = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const snowflake = fc.bigInt({ min: 10n ** 17n, max: 10n ** 18n }).map(String);
const mutation = fc.record({
  drop: fc.subarray([...OPTIONAL], { maxLength: 4 }),
  unknownGuild: fc.option(snowflake, { nil: undefined }),
  extra: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.includes('_') && k !== '__proto__'),
    junk,
    { maxKeys: 3 },
  ),
});

describe('Discord payload translation (fast-check, seeded)', () => {
  it('survives broken MESSAGE_CREATE payloads and answers the next good mention once', async () => {
    const { h, openai } = ctx;
    await fc.assert(
      fc.asyncProperty(mutation, async ({ drop, unknownGuild, extra }) => {
        // Not a mention, so the pipeline leaves it after the translation under test (an answer each
        // would only slow the run down); a reply chain to nowhere and a missing guild still reach it.
        h.discord.rawMessageCreate(h.member, h.channel, 'odd payload, just chatting', (payload) => {
          const out: Record<string, unknown> = { ...extra, ...payload };
          for (const field of drop) delete out[field];
          if (unknownGuild) out['guild_id'] = unknownGuild;
          return out;
        });
        await h.settle();
      }),
      { seed: 0xd15c, numRuns: 40 },
    );
    const failures = entries.filter((e) => e.level === 'error');
    expect(failures.map((e) => e.msg)).toEqual([]);
    openai.reset();
    openai.enqueue('chat', { text: 'Still here.' });
    const good = h.discord.mention(h.member, h.channel, 'are you there?');
    await h.settle();
    const answers = h.discord.botMessages(h.channel.id).filter((m) => m.message_reference?.message_id === good.id);
    expect(answers.map((m) => m.content)).toEqual(['Still here.']);
  }, 120_000);
});
