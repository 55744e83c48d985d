/**
 * keyv's public storage-adapter interface (`KeyvStoreAdapter`), filled in by a few native
 * statements per backend, plus the two conditional writes keyv has no word for. keyv does the
 * (de)serializing and expiry on reads; the adapters store its JSON text (`{"value":…,"expires":…}`)
 * under `<prefix><key>`, exactly as @keyv/sqlite, @keyv/postgres and @keyv/redis did before them,
 * so existing data keeps working.
 */
import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { storeError } from './store-error';

/** Counters' keys: a prefix no document key has, so `get` of a counter's name never reads it. */
export const COUNTER_PREFIX = 'channelwise-counter:';

/** A counter's first stored value: keyv's JSON form, so expiry and the sweep treat it as any entry. */
export function counterStart(expires: number): string {
  return JSON.stringify({ value: 1, expires });
}

export abstract class ClaimingAdapter extends EventEmitter implements KeyvStoreAdapter {
  /** keyv assigns its namespace here; these adapters prefix every key with `keyPrefix` instead. */
  namespace?: string | undefined;

  protected constructor(
    readonly opts: { readonly dialect: string },
    private readonly keyPrefix: string,
  ) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    // keyv hands adapters serialized text and deserializes what they return, whatever its types say.
    return (await this.read(this.keyPrefix + key)) as StoredData<Value> | undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.write(this.keyPrefix + key, value, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    return this.remove(this.keyPrefix + key);
  }

  /**
   * Part of keyv's interface, never used here: wiping every key on a backend other processes share
   * is not something a chat bot should do by accident, so it is refused rather than implemented.
   */
  async clear(): Promise<void> {
    throw storeError('clearing the whole store is not supported');
  }

  /**
   * One atomic backend operation: writes `value` (which expires at `expires`, ms since the epoch,
   * if given) unless a live entry holds the key, that is one whose `expires` is not before `now`.
   * True when it wrote.
   */
  async setIfAbsent(key: string, value: string, expires: number | undefined, now: number): Promise<boolean> {
    return this.insertUnlessLive(this.keyPrefix + key, value, expires, now);
  }

  /**
   * One atomic backend operation: writes `value` (expiring at `expires`) only while the stored
   * entry still expires at `readExpires`, so not once it expired and was claimed again. True when it wrote.
   */
  async replaceIfExpiresAt(key: string, value: string, expires: number, readExpires: number): Promise<boolean> {
    return this.replaceWhileExpiring(this.keyPrefix + key, value, expires, readExpires);
  }

  /**
   * One atomic backend operation: adds 1 to the counter `key` (kept under `counterPrefix`, apart
   * from documents), starting it at 1, expiring at `expires`, when it is absent or expired.
   * Resolves to the new count.
   */
  async increment(key: string, expires: number, now: number): Promise<number> {
    return this.incrementCounter(COUNTER_PREFIX + key, expires, now);
  }

  /**
   * Deletes every entry that expired before `now` and returns how many. Claims are written once
   * and never read again, so without this a busy channel's claims would pile up for ever. A row a
   * claim has just made live again is not expired any more, so it is never deleted.
   */
  abstract sweepExpired(now: number): Promise<number>;

  /** Whether the backend answers; may throw or hang when it does not (the store bounds the wait). */
  abstract ping(): Promise<boolean>;

  protected abstract read(key: string): Promise<string | undefined>;
  protected abstract write(key: string, value: string, ttlMs: number | undefined): Promise<void>;
  protected abstract remove(key: string): Promise<boolean>;
  protected abstract insertUnlessLive(key: string, value: string, expires: number | undefined, now: number): Promise<boolean>;
  protected abstract incrementCounter(key: string, expires: number, now: number): Promise<number>;
  protected abstract replaceWhileExpiring(key: string, value: string, expires: number, readExpires: number): Promise<boolean>;
}
