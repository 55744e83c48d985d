/**
 * Threads the bot has answered in (SPEC §2: follow-ups there need no new mention), on every
 * platform. Kept in the shared store, so a follow-up is recognised without a platform API call,
 * after a restart and by any process sharing the store.
 */
import type { DocumentStore } from '../ports';
import { channelKey, type ChannelScope } from '../types';
import type { EventDeduper } from './dedupe';

/** Long enough for any conversation people come back to; short enough not to keep every thread forever. */
export const THREAD_MEMORY_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A thread the bot starts under a message it answers has that message's id, so the message's
 * claim, kept as long as thread memory, stands for the thread: the commonest answer (a mention in a
 * channel) costs one store write, not two. Threads the bot joins further down are remembered here.
 */
export class BotThreads {
  constructor(
    private readonly store: DocumentStore,
    private readonly claims: EventDeduper,
    private readonly ttlMs = THREAD_MEMORY_MS,
  ) {}

  /** `slack-thread:T…:C…:ts` is the key the Slack app has always used, so upgrades keep their threads. */
  private key(scope: ChannelScope, threadId: string): string {
    return `${scope.platform}-thread:${scope.workspace}:${scope.channel}:${threadId}`;
  }

  async remember(scope: ChannelScope, threadId: string): Promise<void> {
    await this.store.set(this.key(scope, threadId), 1, this.ttlMs);
  }

  async has(scope: ChannelScope, threadId: string): Promise<boolean> {
    if ((await this.store.get<number>(this.key(scope, threadId))) !== undefined) return true;
    return this.claims.isClaimed(claimId(scope, threadId));
  }
}

/** The id under which a message is answered once: `platform:workspace:channel:messageId`. */
export function claimId(scope: ChannelScope, messageId: string): string {
  return `${channelKey(scope)}:${messageId}`;
}
