import {
  historyFromReplies,
  isFromPerson,
  messageKey,
  replyThread,
  stripBotMention,
  toInboundCommand,
  toInboundMessage,
} from '../../../src/adapters/slack/inbound';

const bot = { userId: 'UBOT', botId: 'BBOT' };

describe('Slack inbound mapping', () => {
  it('maps a mention to an InboundMessage without the bot mention', () => {
    const message = toInboundMessage(
      { type: 'app_mention', user: 'U1', text: '<@UBOT> what is new?', ts: '1.1', channel: 'C1' },
      { team: 'T1', bot, inBotThread: false, history: [] },
    );
    expect(message).toMatchObject({
      scope: { platform: 'slack', workspace: 'T1', channel: 'C1' },
      user: { id: 'U1', isBot: false },
      text: 'what is new?',
      messageId: '1.1',
      mentioned: true,
      isDirect: false,
    });
  });

  it('sees a mention in a plain message event too, and DMs as direct', () => {
    const inChannel = toInboundMessage({ type: 'message', user: 'U1', text: 'hey <@UBOT|cw> hi', ts: '1', channel: 'C1', channel_type: 'channel' }, { team: 'T', bot, inBotThread: false, history: [] });
    expect(inChannel.mentioned).toBe(true);
    expect(inChannel.text).toBe('hey hi');
    const dm = toInboundMessage({ type: 'message', user: 'U1', text: 'hi', ts: '1', channel: 'D1', channel_type: 'im' }, { team: 'T', bot, inBotThread: false, history: [] });
    expect(dm).toMatchObject({ isDirect: true, mentioned: false });
  });

  it('ignores bots (itself included) and non-message subtypes', () => {
    expect(isFromPerson({ user: 'U1' }, bot)).toBe(true);
    expect(isFromPerson({ user: 'U1', subtype: 'thread_broadcast' }, bot)).toBe(true);
    expect(isFromPerson({ user: 'UBOT' }, bot)).toBe(false);
    expect(isFromPerson({ user: 'U2', bot_id: 'B2' }, bot)).toBe(false);
    expect(isFromPerson({ subtype: 'bot_message', bot_id: 'B2' }, bot)).toBe(false);
    expect(isFromPerson({ user: 'U1', subtype: 'message_changed' }, bot)).toBe(false);
  });

  it('replies in the thread of the message, a new thread under it, or in place in DMs', () => {
    expect(replyThread({ ts: '2', thread_ts: '1', channel: 'C1' })).toBe('1');
    expect(replyThread({ ts: '2', channel: 'C1', channel_type: 'channel' })).toBe('2');
    expect(replyThread({ ts: '2', channel: 'D1', channel_type: 'im' })).toBeUndefined();
    expect(replyThread({ ts: '3', thread_ts: '1', channel: 'D1', channel_type: 'im' })).toBe('1');
  });

  it('keys a message by team, channel and ts, whichever event carried it', () => {
    expect(messageKey('T1', { channel: 'C1', ts: '1.5' })).toBe('slack:message:T1:C1:1.5');
  });

  it('maps thread history to user/assistant turns before the current message', () => {
    const history = historyFromReplies(
      [
        { ts: '1', user: 'U1', text: '<@UBOT> first question' },
        { ts: '2', user: 'UBOT', bot_id: 'BBOT', text: 'first answer' },
        { ts: '3', bot_id: 'BOTHER', subtype: 'bot_message', text: 'another bot' },
        { ts: '4', user: 'U2', text: 'follow-up' },
        { ts: '5', user: 'U1', text: 'the current one' },
      ],
      bot,
      '5',
      '_Thinking…_',
    );
    expect(history).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'follow-up' },
    ]);
  });

  it('maps a slash command to an InboundCommand', () => {
    expect(toInboundCommand({ command: '/persona', text: 'set Be brief.', team_id: 'T1', channel_id: 'C1', user_id: 'U1', user_name: 'alice' })).toEqual({
      scope: { platform: 'slack', workspace: 'T1', channel: 'C1' },
      user: { id: 'U1', name: 'alice' },
      name: 'persona',
      text: 'set Be brief.',
    });
    expect(stripBotMention('<@UBOT>   hi', 'UBOT')).toBe('hi');
  });
});
