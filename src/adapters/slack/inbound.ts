/**
 * Slack payloads → the core's `InboundMessage` / `InboundCommand`, and where a reply goes. Pure
 * functions over the few fields we read, so every rule here is unit-tested without Bolt.
 */
import type { Attachment, ChannelScope, ChatMessage, InboundCommand, InboundMessage } from '../../core/types';
import { slackToPlainText } from './markup';

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

/** A field's value when it is a string; anything else a payload holds there counts as absent. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The payload as this file reads it: string fields kept, anything else dropped. Undefined when it
 * names no channel or timestamp, so there is nothing to answer (Slack always sends both; a
 * malformed or hostile payload may not).
 */
export function readMessageEvent(raw: unknown): SlackMessageEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const ts = str(r['ts']);
  const channel = str(r['channel']);
  if (!ts || !channel) return undefined;
  const fields = ['type', 'subtype', 'user', 'bot_id', 'text', 'thread_ts', 'channel_type', 'team'] as const;
  const event: Record<string, unknown> = { type: str(r['type']) ?? '', ts, channel, files: r['files'] };
  for (const field of fields.slice(1)) {
    const value = str(r[field]);
    if (value !== undefined) event[field] = value;
  }
  // A bot_id of any type still marks a bot: better ignored than answered.
  if (r['bot_id'] !== undefined && event['bot_id'] === undefined) event['bot_id'] = String(r['bot_id']);
  return event as unknown as SlackMessageEvent;
}

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
  for (const raw of messages) {
    const message = readHistoryMessage(raw);
    if (!message?.ts) continue;
    const fromBot = message.user === bot.userId || (bot.botId !== undefined && message.bot_id === bot.botId);
    // People's messages from this one on are not history yet. The bot's later ones are: a thread's
    // messages are answered in order, so an answer posted after this message was sent answers an
    // earlier one (the exchange the core waited for).
    if (!fromBot && Number(message.ts) >= Number(beforeTs)) continue;
    const text = fromBot ? (message.text ?? '').trim() : stripBotMention(message.text ?? '', bot.userId);
    if (!text || text === placeholder) continue;
    if (!fromBot && (message.bot_id || message.subtype === 'bot_message')) continue; // other bots' chatter
    history.push({ role: fromBot ? 'assistant' : 'user', content: text });
  }
  return history;
}

function readHistoryMessage(raw: unknown): SlackHistoryMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const field of ['ts', 'user', 'subtype', 'text'] as const) {
    const value = str(r[field]);
    if (value !== undefined) out[field] = value;
  }
  if (r['bot_id'] !== undefined && r['bot_id'] !== null) out['bot_id'] = String(r['bot_id']);
  return out;
}

export interface MessageContext {
  readonly team: string;
  readonly bot: BotIdentity;
  readonly userName?: string;
  /** Reads the thread so far; the core calls it only for messages it answers. */
  readonly loadHistory?: () => Promise<readonly ChatMessage[]>;
  readonly attachments?: readonly Attachment[];
}

/** An `app_mention` or `message` event, as `readMessageEvent` read it → the core's message. */
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

/**
 * A slash command body → the core's command, Slack's link markup and entities undone so the core
 * parses the text the user meant. Undefined when the body lacks the command, team, channel or user.
 */
export function toInboundCommand(body: SlackSlashCommand): InboundCommand | undefined {
  const raw = body as unknown as Record<string, unknown>;
  const [command, team, channel, user] = [str(raw['command']), str(raw['team_id']), str(raw['channel_id']), str(raw['user_id'])];
  if (!command || !team || !channel || !user) return undefined;
  const name = str(raw['user_name']);
  return {
    scope: slackScope(team, channel),
    user: { id: user, ...(name ? { name } : {}) },
    name: command.replace(/^\//, ''),
    text: slackToPlainText(str(raw['text']) ?? ''),
  };
}
