/**
 * The `DocumentStore` port on keyv. One class serves every backend: the backend files only build a
 * `ClaimingAdapter` (keyv's storage adapter plus native conditional writes), a `KeyLock` that fits
 * how many processes can reach the data, and `close`.
 */
import { Keyv, type DeserializedData, type Deserialize } from 'keyv';
import { isCodedError, storeUnavailable } from '../../core/errors';
import type { DocumentStore, Logger } from '../../core/ports';
import type { ClaimingAdapter } from './claiming-adapter';
import { sleep, storeError, withTimeout } from './store-error';

/** Runs `task` while no other holder of `key` (in this process or, where it matters, any other) runs. */
export interface KeyLock {
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export interface KeyvDocumentStoreOptions {
  readonly kind: 'sqlite' | 'redis' | 'postgres';
  readonly adapter: ClaimingAdapter;
  /** Serialises `update`s of one key; claims do not take it (they are one atomic operation). */
  readonly lock: KeyLock;
  /** Releases every connection the backend holds. */
  readonly close: () => Promise<void>;
  readonly logger: Logger;
  /** How often expired entries are deleted from the backend (default hourly). */
  readonly sweepIntervalMs?: number;
  /**
   * The longest one backend call may take before it fails as StoreUnavailable (default 5 s): a
   * server that stopped answering without closing its connections must not hang requests. `null`:
   * the backend's calls finish before they return (SQLite), so no call needs a timer.
   */
  readonly operationTimeoutMs?: number | null;
}

export const OPERATION_TIMEOUT_MS = 5000;

export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * keyv stores `{ value, expires }`. Plain JSON (instead of keyv's default, which rewrites strings
 * starting with ":" and Buffers) keeps stored documents readable by any tool and identical on every
 * backend.
 */
export function serializeJson(data: DeserializedData<unknown>): string {
  return JSON.stringify({ value: data.value, expires: data.expires });
}

/**
 * An expired entry reads as absent here rather than in keyv, which would then delete it: that
 * delete is unconditional, so it could remove a claim another caller has just made in its place.
 * Expired entries stay until a write replaces them.
 */
export const deserializeJson: Deserialize = <Value>(text: string) => {
  const data = JSON.parse(text) as DeserializedData<Value>;
  // keyv's rule: expired once now is past `expires`.
  return typeof data.expires === 'number' && Date.now() > data.expires ? undefined : data;
};

/** A conditional write lost only to a claim made in between; more than this many in a row is not a race. */
const MAX_UPDATE_ATTEMPTS = 10;

export class KeyvDocumentStore implements DocumentStore {
  readonly kind: KeyvDocumentStoreOptions['kind'];
  private readonly keyv: Keyv;
  private readonly adapter: ClaimingAdapter;
  private readonly lock: KeyLock;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: KeyvDocumentStoreOptions) {
    this.kind = options.kind;
    this.adapter = options.adapter;
    // The adapter prefixes keys itself (as @keyv/redis did), so its claims use the same keys.
    this.keyv = new Keyv(options.adapter, {
      useKeyPrefix: false,
      serialize: serializeJson,
      deserialize: deserializeJson,
      throwOnErrors: true,
    });
    this.lock = options.lock;
    // Failed operations throw (and are logged by whoever handles them); the events add connection
    // retries, which would flood warnings during an outage, so they are debug detail.
    this.keyv.on('error', (err: unknown) => options.logger.debug({ err, store: this.kind }, 'store backend reported an error'));
    this.sweeper = setInterval(() => {
      this.sweepExpired().catch((err: unknown) => options.logger.warn({ err, store: this.kind }, 'could not delete expired entries'));
    }, options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    // The sweep is housekeeping: it never keeps a finished process alive.
    this.sweeper.unref();
  }

  /** Deletes expired entries (claims, thread memory) from the backend; returns how many. */
  async sweepExpired(): Promise<number> {
    if (this.closed) return 0;
    return this.backend('delete expired entries', () => this.adapter.sweepExpired(Date.now()));
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.checkUsable(key);
    return this.backend(`read "${key}"`, () => this.keyv.get<T>(key));
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.checkUsable(key);
    checkJsonValue(key, value);
    await this.write(key, value, checkTtl(ttlMs));
  }

  async delete(key: string): Promise<boolean> {
    this.checkUsable(key);
    return this.backend(`delete "${key}"`, () => this.keyv.delete(key));
  }

  /**
   * Under the key's lock, so updates never interleave. Claims do not take the lock, so the write is
   * conditional wherever a claim could have slipped in since the read: a key read as absent (or
   * expired) is written only if still absent, one read with an expiry only while it still has that
   * expiry. Losing means a claim won in between; then `mutate` runs again, on the claimed value.
   */
  async update<T>(key: string, mutate: (current: T | undefined) => T | Promise<T>, ttlMs?: number): Promise<T> {
    this.checkUsable(key);
    const ttl = checkTtl(ttlMs);
    // An update of the same key from inside `mutate` waits for itself: the lock's wait bound turns
    // that into a clear error. (Not AsyncLocalStorage: on Node 20 it slows every promise in the process.)
    return this.lock.withLock(key, async () => {
      for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
        const current = await this.backend(`read "${key}"`, () => this.keyv.get<T>(key, { raw: true }));
        // A throwing `mutate` leaves here before anything is written; its error reaches the caller as is.
        const next = await mutate(current?.value);
        checkJsonValue(key, next);
        if (await this.writeOver(key, next, current, ttl)) return next;
        // Redis may hold an entry a moment past its JSON expiry (clocks of two hosts): let it go.
        await sleep(attempt);
      }
      throw storeError(`update of "${key}" kept losing to concurrent setIfAbsent claims (${MAX_UPDATE_ATTEMPTS} attempts)`);
    });
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    this.checkUsable(key);
    checkJsonValue(key, value);
    return this.claim(key, value, checkTtl(ttlMs));
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    this.checkUsable(key);
    const ttl = checkTtl(ttlMs);
    if (ttl === undefined) throw storeError('a counter needs a ttl');
    const now = Date.now();
    return this.backend(`count "${key}"`, () => this.adapter.increment(key, now + ttl, now));
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return await this.adapter.ping();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    await this.backend('close its connections', () => this.options.close());
  }

  private async write(key: string, value: unknown, ttlMs: number | undefined): Promise<void> {
    const written = await this.backend(`write "${key}"`, () => this.keyv.set(key, value, ttlMs));
    if (!written) throw storeError(`${this.kind} store did not write "${key}"`);
  }

  /** One atomic backend operation: stores `value` unless a live entry holds `key`. */
  private claim(key: string, value: unknown, ttlMs: number | undefined): Promise<boolean> {
    const now = Date.now();
    const expires = ttlMs === undefined ? undefined : now + ttlMs;
    return this.backend(`write "${key}"`, () => this.adapter.setIfAbsent(key, serializeJson({ value, expires }), expires, now));
  }

  /** Writes an update's result over what it read; false when a claim took the key in between. */
  private async writeOver(key: string, next: unknown, read: DeserializedData<unknown> | undefined, ttlMs: number | undefined): Promise<boolean> {
    if (read === undefined) return this.claim(key, next, ttlMs);
    if (typeof read.expires !== 'number') {
      // Only a delete could have emptied the key since the read, and deletes never waited for updates.
      await this.write(key, next, ttlMs);
      return true;
    }
    // Without a ttl an update keeps the document's expiry: a de-duplication window must not become
    // permanent. A document on the edge of expiring keeps at least 1 ms, as it did when it was read.
    const readExpires = read.expires;
    const expires = ttlMs === undefined ? Math.max(readExpires, Date.now() + 1) : Date.now() + ttlMs;
    return this.backend(`write "${key}"`, () => this.adapter.replaceIfExpiresAt(key, serializeJson({ value: next, expires }), expires, readExpires));
  }

  /** Runs one backend call, bounded in time; anything it throws becomes a store error (coded errors pass through). */
  private async backend<R>(action: string, call: () => Promise<R>): Promise<R> {
    const ms = this.options.operationTimeoutMs === undefined ? OPERATION_TIMEOUT_MS : this.options.operationTimeoutMs;
    try {
      if (ms === null) return await call();
      return await withTimeout(call(), ms, () => storeUnavailable(`${this.kind} store did not ${action} within ${ms} ms`));
    } catch (err) {
      if (isCodedError(err)) throw err;
      throw storeError(`${this.kind} store could not ${action}`, err);
    }
  }

  private checkUsable(key: string): void {
    if (this.closed) throw storeError(`${this.kind} store is closed`);
    if (typeof key !== 'string' || key.length === 0) throw storeError('store keys must be non-empty strings');
  }
}

/** Rejects what JSON cannot hold at the top level (nested undefined and functions are dropped, as JSON does). */
function checkJsonValue(key: string, value: unknown): void {
  const type = typeof value;
  if (value === undefined || type === 'function' || type === 'symbol' || type === 'bigint') {
    throw storeError(`value for "${key}" is not JSON (got ${value === undefined ? 'undefined' : type})`);
  }
}

function checkTtl(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw storeError(`ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  // Redis takes whole milliseconds; rounding up never shortens what the caller asked for.
  return Math.ceil(ttlMs);
}
