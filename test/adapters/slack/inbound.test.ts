import { historyFromReplies, isFromPerson, replyThread, stripBotMention, toInboundCommand, toInboundMessage } from '../../../src/adapters/slack/inbound';

const bot = { userId: 'UBOT', botId: 'BBOT' };

describe('Slack inbound mapping', () => {
  it('maps a mention to an InboundMessage without the bot mention', () => {
    const message = toInboundMessage({ type: 'app_mention', user: 'U1', text: '<@UBOT> what is new?', ts: '1.1', channel: 'C1' }, { team: 'T1', bot });
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
    const inChannel = toInboundMessage(
      { type: 'message', user: 'U1', text: 'hey <@UBOT|cw> hi', ts: '1', channel: 'C1', channel_type: 'channel' },
      { team: 'T', bot },
    );
    expect(inChannel.mentioned).toBe(true);
    expect(inChannel.text).toBe('hey hi');
    const dm = toInboundMessage({ type: 'message', user: 'U1', text: 'hi', ts: '1', channel: 'D1', channel_type: 'im' }, { team: 'T', bot });
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

  it('says which thread a message is in and which thread its answer goes in', () => {
    const top = toInboundMessage({ type: 'app_mention', user: 'U1', text: '<@UBOT> hi', ts: '5.0', channel: 'C1' }, { team: 'T1', bot });
    expect(top.threadId).toBeUndefined();
    expect(top.replyThreadId).toBe('5.0');
    const reply = toInboundMessage({ type: 'message', user: 'U1', text: 'more', ts: '6.0', thread_ts: '5.0', channel: 'C1' }, { team: 'T1', bot });
    expect(reply).toMatchObject({ threadId: '5.0', replyThreadId: '5.0', mentioned: false });
    const dm = toInboundMessage({ type: 'message', user: 'U1', text: 'hi', ts: '7.0', channel: 'D1', channel_type: 'im' }, { team: 'T1', bot });
    expect(dm.replyThreadId).toBeUndefined();
  });

  it('keeps the files of a message as attachments, and loads history only when asked', async () => {
    let loads = 0;
    const message = toInboundMessage(
      { type: 'app_mention', user: 'U1', text: '<@UBOT> kb add', ts: '1.1', channel: 'C1' },
      {
        team: 'T1',
        bot,
        attachments: [{ name: 'a.txt', download: async () => new Uint8Array() }],
        loadHistory: async () => {
          loads += 1;
          return [{ role: 'user', content: 'earlier' }];
        },
      },
    );
    expect(message.attachments?.map((a) => a.name)).toEqual(['a.txt']);
    expect(loads).toBe(0);
    expect(await message.loadHistory?.()).toEqual([{ role: 'user', content: 'earlier' }]);
    expect(loads).toBe(1);
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
