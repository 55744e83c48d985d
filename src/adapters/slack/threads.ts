/**
 * A Slack thread's history (conversations.replies), read only for messages the core answers.
 * Which threads the bot is in is the core's to remember (core/conversation/bot-threads.ts).
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { ChatMessage } from '../../core/types';
import { historyFromReplies, type BotIdentity, type SlackHistoryMessage } from './inbound';

/** Messages read from one thread; the core trims history to its token budget anyway. */
const HISTORY_LIMIT = 200;

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
