/**
 * Documents read on every message (a channel's profile, its budget) cached in the process for
 * `cacheMs`, so a message costs no store read for them. A change made through this process
 * replaces the cached copy at once and is announced on the change feed; another process's change
 * arrives there as a notice that drops the copy, so the next message reads the new document. A
 * notice that never arrives still expires with the cache.
 */
import type { ChangeFeed, Clock } from './ports';

export interface ReadCacheOptions {
  /** Topics of this cache's documents are `${topicPrefix}${key}`. */
  readonly topicPrefix: string;
  readonly cacheMs: number;
  readonly clock: Clock;
  readonly feed?: ChangeFeed;
}

/** Past this many copies the cache starts afresh: a bound on memory, not a policy. */
const MAX_ENTRIES = 10_000;

export class ReadCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly expires: number }>();
  /** Bumped by every change and notice, so a read that raced with one does not cache what it saw. */
  private changes = 0;

  constructor(private readonly options: ReadCacheOptions) {
    const { topicPrefix } = options;
    options.feed?.subscribe({
      changed: (topic) => {
        if (!topic.startsWith(topicPrefix)) return;
        this.changes += 1;
        this.entries.delete(topic.slice(topicPrefix.length));
      },
      missed: () => {
        this.changes += 1;
        this.entries.clear();
      },
    });
  }

  /** The cached copy of `key`, or what `load` reads (cached unless a change came in meanwhile). */
  async read(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.options.clock.now().getTime();
    const cached = this.entries.get(key);
    if (cached && cached.expires > now) return cached.value;
    const changesBefore = this.changes;
    const value = await load();
    if (changesBefore === this.changes) this.keep(key, value, now);
    return value;
  }

  /** `key` is about to change here: drop the copy, and make a read already under way not keep what it saw. */
  forget(key: string): void {
    this.changes += 1;
    this.entries.delete(key);
  }

  /**
   * `value` was just stored under `key` by this process: keep it and tell the other processes. Call
   * it after the write is stored, so whoever reads on the notice reads the new document. A lost
   * notice costs freshness elsewhere (the cache timeout still applies), never the change itself.
   */
  async changed(key: string, value: V): Promise<void> {
    this.changes += 1;
    this.keep(key, value, this.options.clock.now().getTime());
    await this.options.feed?.publish(`${this.options.topicPrefix}${key}`).catch(() => undefined);
  }

  private keep(key: string, value: V, now: number): void {
    if (this.options.cacheMs <= 0) return;
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.options.cacheMs });
  }
}
