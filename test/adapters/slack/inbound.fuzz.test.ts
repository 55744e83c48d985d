/**
 * Slack payload translation on payloads with missing, extra and wrongly typed fields (fast-check):
 * translation never throws, and what reaches the core is well formed.
 */
import fc from 'fast-check';
import { historyFromReplies, readMessageEvent, toInboundCommand, toInboundMessage, type SlackSlashCommand } from '../../../src/adapters/slack/inbound';
import type { InboundMessage } from '../../../src/core/types';

const bot = { userId: 'UBOT', botId: 'BBOT' };

/** A value of any JSON type, as a careless or hostile sender might put in any field. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anyValue);

const event = fc.record(
  {
    type: maybe(fc.constantFrom('app_mention', 'message')),
    subtype: maybe(fc.constantFrom('thread_broadcast', 'file_share', 'bot_message', 'message_changed')),
    user: maybe(fc.constantFrom('U1', 'UBOT', '')),
    bot_id: maybe(fc.constantFrom('B2', 'BBOT')),
    text: maybe(fc.oneof(fc.string(), fc.constant('<@UBOT> hello'), fc.constant('<@UBOT|cw> <!channel> hi'))),
    ts: maybe(fc.constantFrom('1700000000.000100', '1.1')),
    thread_ts: maybe(fc.constantFrom('1700000000.000100', '1.0')),
    channel: maybe(fc.constantFrom('C1', 'D1', 'G1')),
    channel_type: maybe(fc.constantFrom('channel', 'im', 'mpim', 'group')),
    files: anyValue,
    extra_field: anyValue,
  },
  { requiredKeys: [] },
);

function wellFormed(message: InboundMessage): boolean {
  return (
    typeof message.text === 'string' &&
    typeof message.messageId === 'string' &&
    typeof message.user.id === 'string' &&
    typeof message.user.isBot === 'boolean' &&
    typeof message.mentioned === 'boolean' &&
    typeof message.isDirect === 'boolean' &&
    typeof message.scope.channel === 'string' &&
    (message.threadId === undefined || typeof message.threadId === 'string') &&
    (message.replyThreadId === undefined || typeof message.replyThreadId === 'string')
  );
}

describe('Slack payload translation (fast-check, seeded)', () => {
  it('turns any event into a well-formed message or none, never a throw; broken ones are never answered', () => {
    fc.assert(
      fc.property(event, (raw) => {
        const event = readMessageEvent(raw);
        if (event === undefined) {
          const r = raw as Record<string, unknown>;
          if (typeof r['ts'] === 'string' && r['ts'] !== '' && typeof r['channel'] === 'string' && r['channel'] !== '')
            throw new Error('a readable event was dropped');
          return;
        }
        const message = toInboundMessage(event, { team: 'T1', bot });
        if (!wellFormed(message)) throw new Error(`malformed: ${JSON.stringify(message)}`);
        // The bot's own and other bots' messages stay bots', whatever else the payload says.
        const r = raw as Record<string, unknown>;
        if ((r['user'] === 'UBOT' || typeof r['bot_id'] === 'string') && !message.user.isBot) throw new Error('a bot passed as a person');
      }),
      { seed: 0x51ac, numRuns: 3000 },
    );
  });

  it('turns any slash-command body into a command, never a throw', () => {
    const body = fc.record(
      {
        command: maybe(fc.constantFrom('/persona', '/kb')),
        text: maybe(fc.string()),
        team_id: maybe(fc.constant('T1')),
        channel_id: maybe(fc.constant('C1')),
        user_id: maybe(fc.constant('U1')),
        user_name: anyValue,
        junk: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (raw) => {
        const command = toInboundCommand(raw as unknown as SlackSlashCommand);
        if (command === undefined) return;
        if (typeof command.name !== 'string' || typeof command.text !== 'string' || typeof command.user.id !== 'string')
          throw new Error(`malformed: ${JSON.stringify(command)}`);
      }),
      { seed: 0xc0de, numRuns: 3000 },
    );
  });

  it('reads any thread history without throwing, keeping only texts', () => {
    const replies = fc.array(
      fc.record(
        {
          ts: maybe(fc.constantFrom('1.0', '2.0', '3.0')),
          user: maybe(fc.constantFrom('U1', 'UBOT')),
          bot_id: anyValue,
          subtype: anyValue,
          text: maybe(fc.string()),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(replies, (raw) => {
        const history = historyFromReplies(raw as never, bot, '9.0', '_Thinking…_');
        if (history.some((m) => typeof m.content !== 'string' || m.content === '' || (m.role !== 'user' && m.role !== 'assistant')))
          throw new Error(JSON.stringify(history));
      }),
      { seed: 0x4157, numRuns: 2000 },
    );
  });
});
