/**
 * Slack payloads → the core's `InboundMessage` / `InboundCommand`, and where a reply goes. Pure
 * functions over the few fields we read, so every rule here is unit-tested without Bolt.
 */
import type { Attachment, ChannelScope, ChatMessage, InboundCommand, InboundMessage } from '../../core/types';

/** The fields of an `app_mention` or `message` event that matter here. */
export interface SlackMessageEvent {
  readonly type: string;
  readonly subtype?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly text?: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly channel: string;
  readonly channel_type?: string;
  readonly team?: string;
  /** File objects of a message that shares files (Slack's `files[]`; read by ./files.ts). */
  readonly files?: unknown;
}

export interface BotIdentity {
  readonly userId: string;
  readonly botId?: string;
}

/** A message from Slack's history (conversations.replies). */
export interface SlackHistoryMessage {
  readonly ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly subtype?: string;
  readonly text?: string;
}

/** Message subtypes that are people writing; everything else (edits, joins, bots) is not answered. */
const PEOPLE_SUBTYPES = new Set(['thread_broadcast', 'file_share', 'me_message']);

export function slackScope(team: string, channel: string): ChannelScope {
  return { platform: 'slack', workspace: team, channel };
}

export function isDirectChannel(event: Pick<SlackMessageEvent, 'channel' | 'channel_type'>): boolean {
  return event.channel_type === 'im' || (event.channel_type === undefined && event.channel.startsWith('D'));
}

/** Bots (ourselves included) and non-message subtypes are never answered (SPEC §2). */
export function isFromPerson(event: Pick<SlackMessageEvent, 'subtype' | 'bot_id' | 'user'>, bot: BotIdentity): boolean {
  if (event.bot_id || event.subtype === 'bot_message') return false;
  if (event.subtype !== undefined && !PEOPLE_SUBTYPES.has(event.subtype)) return false;
  return Boolean(event.user) && event.user !== bot.userId;
}

export function mentions(text: string, botUserId: string): boolean {
  return new RegExp(`<@${botUserId}(\\|[^>]*)?>`).test(text);
}

/** The text with the bot's own mention removed (and the space it leaves tidied). */
export function stripBotMention(text: string, botUserId: string): string {
  return text
    .replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** The thread an answer goes in: the message's thread, or a new one under it; DMs answer in place. */
export function replyThread(event: Pick<SlackMessageEvent, 'ts' | 'thread_ts' | 'channel' | 'channel_type'>): string | undefined {
  if (event.thread_ts) return event.thread_ts;
  return isDirectChannel(event) ? undefined : event.ts;
}

/** Is this message a reply inside an existing thread (not the thread's first message)? */
export function isThreadReply(event: Pick<SlackMessageEvent, 'ts' | 'thread_ts'>): boolean {
  return Boolean(event.thread_ts && event.thread_ts !== event.ts);
}

/**
 * A thread's earlier messages → chat history: the bot's messages are `assistant`, everyone else's
 * `user`. Messages at or after `beforeTs` (the one being answered, and anything newer) are left out,
 * as are empty ones and the bot's placeholder.
 */
export function historyFromReplies(messages: readonly SlackHistoryMessage[], bot: BotIdentity, beforeTs: string, placeholder: string): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const message of messages) {
    if (!message.ts || Number(message.ts) >= Number(beforeTs)) continue;
    const fromBot = message.user === bot.userId || (bot.botId !== undefined && message.bot_id === bot.botId);
    const text = fromBot ? (message.text ?? '').trim() : stripBotMention(message.text ?? '', bot.userId);
    if (!text || text === placeholder) continue;
    if (!fromBot && (message.bot_id || message.subtype === 'bot_message')) continue; // other bots' chatter
    history.push({ role: fromBot ? 'assistant' : 'user', content: text });
  }
  return history;
}

export interface MessageContext {
  readonly team: string;
  readonly bot: BotIdentity;
  readonly userName?: string;
  /** Reads the thread so far; the core calls it only for messages it answers. */
  readonly loadHistory?: () => Promise<readonly ChatMessage[]>;
  readonly attachments?: readonly Attachment[];
}

export function toInboundMessage(event: SlackMessageEvent, context: MessageContext): InboundMessage {
  const text = event.text ?? '';
  const replyThreadId = replyThread(event);
  return {
    scope: slackScope(context.team, event.channel),
    user: { id: event.user ?? '', ...(context.userName ? { name: context.userName } : {}), isBot: !isFromPerson(event, context.bot) },
    text: stripBotMention(text, context.bot.userId),
    messageId: event.ts,
    ...(isThreadReply(event) && event.thread_ts ? { threadId: event.thread_ts } : {}),
    ...(replyThreadId ? { replyThreadId } : {}),
    mentioned: event.type === 'app_mention' || mentions(text, context.bot.userId),
    isDirect: isDirectChannel(event),
    ...(context.loadHistory ? { loadHistory: context.loadHistory } : {}),
    ...(context.attachments?.length ? { attachments: context.attachments } : {}),
  };
}

/** The fields of a slash command body that matter here. */
export interface SlackSlashCommand {
  readonly command: string;
  readonly text?: string;
  readonly team_id: string;
  readonly channel_id: string;
  readonly user_id: string;
  readonly user_name?: string;
}

export function toInboundCommand(body: SlackSlashCommand): InboundCommand {
  return {
    scope: slackScope(body.team_id, body.channel_id),
    user: { id: body.user_id, ...(body.user_name ? { name: body.user_name } : {}) },
    name: body.command.replace(/^\//, ''),
    text: body.text ?? '',
  };
}
