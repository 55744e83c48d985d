/**
 * Threads the bot has replied in (SPEC §2: follow-ups there need no new mention). Kept in the shared
 * store, so a follow-up is recognised without any Slack API call, after a restart and by any
 * process sharing the store. A thread's history is fetched (conversations.replies) only for
 * messages that will be answered.
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { DocumentStore } from '../../core/ports';
import type { ChatMessage } from '../../core/types';
import { historyFromReplies, type BotIdentity, type SlackHistoryMessage } from './inbound';

/** Long enough for any conversation people come back to; short enough not to keep every thread forever. */
export const THREAD_MEMORY_MS = 30 * 24 * 60 * 60 * 1000;
/** Messages read from one thread; the core trims history to its token budget anyway. */
const HISTORY_LIMIT = 200;

export class BotThreads {
  constructor(
    private readonly store: DocumentStore,
    private readonly ttlMs = THREAD_MEMORY_MS,
  ) {}

  private key(team: string, channel: string, threadTs: string): string {
    return `slack-thread:${team}:${channel}:${threadTs}`;
  }

  async remember(team: string, channel: string, threadTs: string): Promise<void> {
    await this.store.set(this.key(team, channel, threadTs), 1, this.ttlMs);
  }

  async has(team: string, channel: string, threadTs: string): Promise<boolean> {
    return (await this.store.get<number>(this.key(team, channel, threadTs))) !== undefined;
  }
}

/** The thread's messages before `beforeTs`, as user/assistant history. */
export async function threadHistory(
  client: WebClient,
  channel: string,
  threadTs: string,
  beforeTs: string,
  bot: BotIdentity,
  placeholder: string,
): Promise<ChatMessage[]> {
  const result = await client.conversations.replies({ channel, ts: threadTs, limit: HISTORY_LIMIT });
  return historyFromReplies((result.messages ?? []) as SlackHistoryMessage[], bot, beforeTs, placeholder);
}
