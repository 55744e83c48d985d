/**
 * One conversation's messages answered one at a time, in the order of their platform ids, across
 * every process sharing the store: a follow-up waits for the answers to the messages before it, so
 * its history (read after its turn comes) holds their exchanges. Messages that start a conversation
 * take no turn (nothing can be before them), so the commonest answer pays nothing for this.
 *
 * The queue is one small document per conversation: `update` under the store's lock adds and
 * removes entries, waiters re-read it when a change notice for it arrives (or every
 * `pollMs`, in case one is lost). Every entry expires, and every wait is bounded: a process that
 * dies while answering delays its conversation by at most `holdMs`, never stops it. The document
 * itself expires `holdMs + waitMs` after its last change, when every entry it could hold has, so a
 * conversation that has gone quiet leaves nothing behind.
 */
import type { ChangeFeed, Clock, DocumentStore, Logger } from '../ports';

interface TurnEntry {
  readonly id: string;
  /** ms since the epoch: after this the entry no longer holds anyone up. */
  readonly until: number;
}

export interface TurnSettings {
  /** How long an entry holds the conversation: a bound on one answer. */
  readonly holdMs: number;
  /** How long a message waits for its turn before it is answered anyway. */
  readonly waitMs: number;
  /** Re-read the queue this often while waiting, in case a notice was lost. */
  readonly pollMs: number;
}

export const DEFAULT_TURNS: TurnSettings = { holdMs: 120_000, waitMs: 120_000, pollMs: 250 };

/** Platform ids in the order the platform gave them: Slack ts and Discord snowflakes are numbers as text. */
export function compareIds(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  if (ai!.length !== bi!.length) return ai!.length - bi!.length;
  return ai! < bi! ? -1 : ai! > bi! ? 1 : af < bf ? -1 : af > bf ? 1 : 0;
}

export interface Turn {
  release(): Promise<void>;
}

export class ConversationTurns {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly feed?: ChangeFeed,
    private readonly settings: TurnSettings = DEFAULT_TURNS,
  ) {}

  /** Past the last entry's hold and the longest wait for it: the document can hold no one up. */
  private get documentTtlMs(): number {
    return this.settings.holdMs + this.settings.waitMs;
  }

  /** Resolves when `messageId` may be answered: every earlier message of `conversation` has been. */
  async take(conversation: string, messageId: string): Promise<Turn> {
    const key = `turn:${conversation}`;
    const now = this.clock.now().getTime();
    const entry: TurnEntry = { id: messageId, until: now + this.settings.holdMs };
    const queue = await this.store.update<TurnEntry[]>(
      key,
      (list) => {
        const live = (list ?? []).filter((e) => e.until > now && e.id !== messageId);
        // The first entry may be answering already: nothing goes before it.
        const at = live.findIndex((e, index) => index > 0 && compareIds(messageId, e.id) < 0);
        return at < 0 ? [...live, entry] : [...live.slice(0, at), entry, ...live.slice(at)];
      },
      this.documentTtlMs,
    );
    if (queue[0]?.id !== messageId) await this.waitForTurn(key, messageId, now + this.settings.waitMs);
    return { release: () => this.release(key, messageId) };
  }

  private async waitForTurn(key: string, messageId: string, deadline: number): Promise<void> {
    let wake: (() => void) | undefined;
    const unsubscribe = this.feed?.subscribe({ changed: (topic) => topic === key && wake?.(), missed: () => wake?.() });
    try {
      for (;;) {
        const now = this.clock.now().getTime();
        const live = ((await this.store.get<TurnEntry[]>(key)) ?? []).filter((e) => e.until > now);
        if (live[0]?.id === messageId || !live.some((e) => e.id === messageId)) return;
        if (now >= deadline) {
          this.logger.warn({ key, messageId }, 'waited too long for the earlier messages of the conversation; answering anyway');
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(this.settings.pollMs, Math.max(1, deadline - now)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe?.();
    }
  }

  private async release(key: string, messageId: string): Promise<void> {
    try {
      const now = this.clock.now().getTime();
      await this.store.update<TurnEntry[]>(key, (list) => (list ?? []).filter((e) => e.id !== messageId && e.until > now), this.documentTtlMs);
      await this.feed?.publish(key);
    } catch (err) {
      // The entry expires by itself; the next message then waits at most until it does.
      this.logger.warn({ err, key, messageId }, 'could not hand the conversation on to its next message');
    }
  }
}
