/**
 * Monthly budgets per channel (SPEC §8): a cap in USD with a warning percentage, set with
 * `/budget set`, or the workspace-wide default from config (`budgets.defaultUsd`). `/budget clear`
 * lifts the channel's cap, the default's included: a cleared channel has no cap until one is set.
 * A channel's budget is read for every answer, so it is cached as profiles are (`ReadCache`:
 * another process's /budget reaches this one by a notice on the change feed).
 */
import type { ChangeFeed, Clock, DocumentStore } from '../ports';
import { ReadCache } from '../read-cache';
import type { ChannelScope, UserRef } from '../types';
import { channelKey } from '../types';
import type { BudgetLevel } from './usage-log';

/** What /budget set stores; `cleared` remembers a /budget clear so the config default stays lifted. */
type StoredBudget =
  | { readonly usd: number; readonly warnPct: number; readonly by: string; readonly at: string }
  | { readonly cleared: true; readonly by: string; readonly at: string };

export interface EffectiveBudget extends BudgetLevel {
  readonly source: 'channel' | 'config';
  /** Who set it and when (channel caps). */
  readonly by?: string;
  readonly at?: string;
}

export interface BudgetDefaults {
  /** Workspace-wide default cap in USD; absent: channels have no cap until one is set. */
  readonly defaultUsd?: number;
  /** Warning level when `/budget set` names none, and for the default cap (80). */
  readonly warnPct: number;
}

/** Store keys and change-feed topics of budgets alike: `budget:<channel>`. */
const BUDGET_PREFIX = 'budget:';

export interface BudgetCache {
  readonly cacheMs: number;
  readonly feed?: ChangeFeed;
}

export class Budgets {
  private readonly cache: ReadCache<StoredBudget | undefined>;

  constructor(
    private readonly store: DocumentStore,
    private readonly defaults: BudgetDefaults,
    private readonly clock: Clock,
    caching: BudgetCache = { cacheMs: 0 },
  ) {
    this.cache = new ReadCache({ topicPrefix: BUDGET_PREFIX, cacheMs: caching.cacheMs, clock, ...(caching.feed ? { feed: caching.feed } : {}) });
  }

  private key(scope: ChannelScope): string {
    return `${BUDGET_PREFIX}${channelKey(scope)}`;
  }

  /** The cap that applies to the channel, if any. Cached: this is on every answer's path. */
  async of(scope: ChannelScope): Promise<EffectiveBudget | undefined> {
    return this.effective(await this.cache.read(channelKey(scope), () => this.store.get<StoredBudget>(this.key(scope))));
  }

  private effective(stored: StoredBudget | undefined): EffectiveBudget | undefined {
    if (stored && 'cleared' in stored) return undefined;
    if (stored) return { usd: stored.usd, warnPct: stored.warnPct, source: 'channel', by: stored.by, at: stored.at };
    if (this.defaults.defaultUsd !== undefined) return { usd: this.defaults.defaultUsd, warnPct: this.defaults.warnPct, source: 'config' };
    return undefined;
  }

  /** Stores the channel's budget; this process uses it at once, the others on the feed's notice. */
  private async write(scope: ChannelScope, stored: StoredBudget): Promise<void> {
    this.cache.forget(channelKey(scope));
    await this.store.set<StoredBudget>(this.key(scope), stored);
    await this.cache.changed(channelKey(scope), stored);
  }

  async set(scope: ChannelScope, user: UserRef, usd: number, warnPct = this.defaults.warnPct): Promise<EffectiveBudget> {
    const at = this.clock.now().toISOString();
    const by = user.name ?? user.id;
    await this.write(scope, { usd, warnPct, by, at });
    return { usd, warnPct, source: 'channel', by, at };
  }

  /** Lift the channel's cap; false when there was none to lift. */
  async clear(scope: ChannelScope, user: UserRef): Promise<boolean> {
    // Read from the store, not the cache: the reply says whether there was a cap.
    const had = this.effective(await this.store.get<StoredBudget>(this.key(scope))) !== undefined;
    await this.write(scope, { cleared: true, by: user.name ?? user.id, at: this.clock.now().toISOString() });
    return had;
  }
}
