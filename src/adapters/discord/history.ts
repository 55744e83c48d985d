/**
 * Conversation history on Discord (SPEC §1, §2): the reply chain a message continues, or the
 * thread it is written in, as user/assistant messages. Every message the bot sees on the gateway,
 * fetches or writes is kept per channel (bounded), so a chain or thread is read from Discord once:
 * after its first fetch a channel is "synced" and the gateway keeps it up to date.
 */
import type { ChatMessage } from '../../core/types';
import { stripBotMention } from './inbound';

export interface SeenMessage {
  readonly id: string;
  readonly channelId: string;
  readonly authorId: string;
  /** Written by another bot (never history). */
  readonly otherBot: boolean;
  content: string;
  readonly referenceId?: string;
}

/** How the history reads messages the cache does not hold (discord.js REST underneath). */
export interface MessageSource {
  fetch(channelId: string, messageId: string): Promise<SeenMessage | undefined>;
  /** Up to `limit` messages before `beforeId`, any order. */
  fetchBefore(channelId: string, beforeId: string, limit: number): Promise<SeenMessage[]>;
}

/** How far back a reply chain is followed; the core trims to its token budget anyway. */
const CHAIN_MAX = 25;
/** Messages read from a thread the first time. */
const THREAD_FETCH = 100;

const byId = (a: SeenMessage, b: SeenMessage) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);

export class SeenMessages {
  /** channel → message id → message; Map order doubles as LRU order of channels. */
  private readonly channels = new Map<string, Map<string, SeenMessage>>();
  private readonly synced = new Set<string>();

  constructor(
    private readonly maxChannels = 2000,
    private readonly perChannel = 200,
  ) {}

  see(message: SeenMessage): void {
    let channel = this.channels.get(message.channelId);
    if (channel) {
      this.channels.delete(message.channelId);
    } else {
      channel = new Map();
      if (this.channels.size >= this.maxChannels) this.evictOldestChannel();
    }
    this.channels.set(message.channelId, channel);
    const known = channel.get(message.id);
    if (known) {
      known.content = message.content;
      return;
    }
    channel.set(message.id, message);
    if (channel.size > this.perChannel) {
      const oldest = [...channel.values()].sort(byId)[0];
      if (oldest) channel.delete(oldest.id);
      // The oldest messages are gone: the cache no longer holds the whole thread.
      this.synced.delete(message.channelId);
    }
  }

  /** A message the bot wrote or edited: its latest text. */
  update(channelId: string, id: string, content: string): void {
    const known = this.channels.get(channelId)?.get(id);
    if (known) known.content = content;
  }

  get(channelId: string, id: string): SeenMessage | undefined {
    return this.channels.get(channelId)?.get(id);
  }

  before(channelId: string, id: string): SeenMessage[] {
    return [...(this.channels.get(channelId)?.values() ?? [])].filter((m) => BigInt(m.id) < BigInt(id)).sort(byId);
  }

  isSynced(channelId: string): boolean {
    return this.synced.has(channelId);
  }

  markSynced(channelId: string): void {
    if (this.channels.has(channelId)) this.synced.add(channelId);
  }

  private evictOldestChannel(): void {
    const oldest = this.channels.keys().next().value;
    if (oldest === undefined) return;
    this.channels.delete(oldest);
    this.synced.delete(oldest);
  }
}

export interface HistoryOptions {
  readonly botId: string;
  /** The bot's placeholder text, never history. */
  readonly placeholder: string;
}

/** Messages → history: the bot's are `assistant`, people's `user`; other bots and empty ones are left out. */
export function toHistory(messages: readonly SeenMessage[], options: HistoryOptions): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const message of messages) {
    const fromBot = message.authorId === options.botId;
    if (!fromBot && message.otherBot) continue;
    const text = fromBot ? message.content.trim() : stripBotMention(message.content, options.botId);
    if (!text || text === options.placeholder) continue;
    history.push({ role: fromBot ? 'assistant' : 'user', content: text });
  }
  return history;
}

export class ConversationHistory {
  constructor(
    private readonly seen: SeenMessages,
    private readonly source: MessageSource,
    private readonly options: HistoryOptions,
  ) {}

  /** The chain of replies that ends with the message replying to `referenceId`, oldest first. */
  async replyChain(channelId: string, referenceId: string): Promise<ChatMessage[]> {
    const chain: SeenMessage[] = [];
    let next: string | undefined = referenceId;
    while (next !== undefined && chain.length < CHAIN_MAX) {
      const message: SeenMessage | undefined = this.seen.get(channelId, next) ?? (await this.fetch(channelId, next));
      if (!message || chain.some((m) => m.id === message.id)) break;
      chain.push(message);
      next = message.referenceId;
    }
    return toHistory(chain.reverse(), this.options);
  }

  /** The thread's messages before `beforeId`, oldest first; read from Discord only the first time. */
  async thread(threadId: string, beforeId: string): Promise<ChatMessage[]> {
    if (!this.seen.isSynced(threadId)) {
      for (const message of await this.source.fetchBefore(threadId, beforeId, THREAD_FETCH)) this.seen.see(message);
      this.seen.markSynced(threadId);
    }
    return toHistory(this.seen.before(threadId, beforeId), this.options);
  }

  private async fetch(channelId: string, id: string): Promise<SeenMessage | undefined> {
    const message = await this.source.fetch(channelId, id);
    if (message) this.seen.see(message);
    return message;
  }
}
