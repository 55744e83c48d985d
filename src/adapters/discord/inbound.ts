/**
 * Discord messages → the core's `InboundMessage`. Pure functions over the few facts read from a
 * discord.js `Message` (see `messageFacts` in discord-adapter.ts), so every rule is unit-tested
 * without a gateway: scope (a thread uses its parent channel's profile, SPEC §1), thread, mention.
 */
import type { Attachment, ChannelScope, ChatMessage, InboundMessage } from '../../core/types';

/** What the adapter reads off one discord.js message. */
export interface MessageFacts {
  readonly id: string;
  readonly channelId: string;
  /** Null in DMs. */
  readonly guildId: string | null;
  /** Set when the message was written in a thread: the thread's parent channel. */
  readonly threadParentId?: string;
  readonly isDirect: boolean;
  readonly authorId: string;
  readonly authorName?: string;
  /** Any bot, this one included (webhooks count as bots too). */
  readonly authorIsBot: boolean;
  readonly content: string;
  /** The message it replies to, if any. */
  readonly referenceId?: string;
  /** The bot is mentioned in the message. */
  readonly mentionsBot: boolean;
  /** The message replies to one of the bot's messages. */
  readonly repliesToBot: boolean;
}

export const DM_WORKSPACE = 'dm';

/** SPEC §1: guild id (DMs: `dm`) and the channel — for a thread, its parent channel. */
export function discordScope(guildId: string | null, channelId: string, threadParentId?: string): ChannelScope {
  return { platform: 'discord', workspace: guildId ?? DM_WORKSPACE, channel: threadParentId ?? channelId };
}

/** The text with the bot's own mention (`<@id>` or `<@!id>`) removed and the space it leaves tidied. */
export function stripBotMention(text: string, botId: string): string {
  return text
    .replace(new RegExp(`<@!?${botId}>`, 'g'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

export interface InboundContext {
  readonly botId: string;
  readonly loadHistory?: () => Promise<readonly ChatMessage[]>;
  readonly attachments?: readonly Attachment[];
}

export function toInboundMessage(facts: MessageFacts, context: InboundContext): InboundMessage {
  const inThread = facts.threadParentId !== undefined;
  return {
    scope: discordScope(facts.guildId, facts.channelId, facts.threadParentId),
    user: { id: facts.authorId, ...(facts.authorName ? { name: facts.authorName } : {}), isBot: facts.authorIsBot || facts.authorId === context.botId },
    text: stripBotMention(facts.content, context.botId),
    messageId: facts.id,
    // The answer goes in the thread, so follow-ups there are answered without a new mention.
    ...(inThread ? { threadId: facts.channelId, replyThreadId: facts.channelId } : {}),
    mentioned: facts.mentionsBot || facts.repliesToBot,
    isDirect: facts.isDirect,
    ...(context.loadHistory ? { loadHistory: context.loadHistory } : {}),
    ...(context.attachments?.length ? { attachments: context.attachments } : {}),
  };
}
