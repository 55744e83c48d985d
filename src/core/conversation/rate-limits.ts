/**
 * Requests per minute per person and per channel (config `rateLimits`; 0 turns one off), counted
 * in the store when processes share one (Redis, PostgreSQL), so every process counts into the same
 * window; with SQLite, in memory. Checked by the pipeline after a message is claimed and before
 * anything is sent to the model.
 *
 * Windows are fixed calendar minutes (a counter per minute, one atomic increment each), so a burst
 * across a minute boundary can reach twice a limit for a moment; in exchange a check costs one
 * store round trip (both counters go out together) and no lock.
 */
import type { Clock, DocumentStore } from '../ports';
import { channelKey, workspaceKey, type ChannelScope, type UserRef } from '../types';

/** Where the counters live: the store when processes share it, else this process (see InProcessCounters). */
export type Counters = Pick<DocumentStore, 'increment'>;

/**
 * Counters in this process's memory, for SQLite (one process, SPEC §5): the same windows as the
 * store's without a write per message. Nothing needs to survive a restart — a window lasts a minute.
 */
export class InProcessCounters implements Counters {
  private readonly counts = new Map<string, { count: number; expires: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number) {}

  async increment(key: string, ttlMs: number): Promise<number> {
    const now = this.now();
    if (now >= this.nextSweep) {
      for (const [k, entry] of this.counts) if (entry.expires <= now) this.counts.delete(k);
      this.nextSweep = now + ttlMs;
    }
    const entry = this.counts.get(key);
    if (entry && entry.expires > now) {
      entry.count += 1;
      return entry.count;
    }
    this.counts.set(key, { count: 1, expires: now + ttlMs });
    return 1;
  }
}

export interface RateLimitSettings {
  /** Messages one person may send the bot per minute, across the workspace's channels; 0: no limit. */
  readonly userPerMinute: number;
  /** Messages the bot answers per minute in one channel; 0: no limit. */
  readonly channelPerMinute: number;
}

export type RateCheck =
  | { readonly allowed: true }
  /** `notify`: the first message over the limit in its window; later ones get no sentence (no reply storms). */
  | { readonly allowed: false; readonly sentence: string; readonly notify: boolean };

const WINDOW_MS = 60_000;

export class RateLimits {
  constructor(
    private readonly counters: Counters,
    private readonly clock: Clock,
    private readonly settings: RateLimitSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.userPerMinute > 0 || this.settings.channelPerMinute > 0;
  }

  /** Counts one message of `user` in `scope` and says whether it may be answered. */
  async check(scope: ChannelScope, user: UserRef): Promise<RateCheck> {
    if (!this.enabled) return { allowed: true };
    const now = this.clock.now().getTime();
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const { userPerMinute, channelPerMinute } = this.settings;
    // Each counter outlives its minute a little, whatever the clocks of two processes say.
    const count = (key: string, limit: number) => (limit > 0 ? this.counters.increment(`rate:${key}:${window}`, 2 * WINDOW_MS) : Promise.resolve(0));
    const [byUser, byChannel] = await Promise.all([
      count(`user:${workspaceKey(scope)}:${user.id}`, userPerMinute),
      count(`channel:${channelKey(scope)}`, channelPerMinute),
    ]);
    const seconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
    const again = `try again in ${seconds} second${seconds === 1 ? '' : 's'}`;
    if (userPerMinute > 0 && byUser > userPerMinute) {
      return {
        allowed: false,
        notify: byUser === userPerMinute + 1,
        sentence: `You have sent me ${userPerMinute} messages this minute, the limit per person; ${again}.`,
      };
    }
    if (channelPerMinute > 0 && byChannel > channelPerMinute) {
      return {
        allowed: false,
        notify: byChannel === channelPerMinute + 1,
        sentence: `This channel has sent me ${channelPerMinute} messages this minute, its limit; ${again}.`,
      };
    }
    return { allowed: true };
  }
}
