/**
 * The `DocumentStore` port on keyv. One class serves every backend: the backend files only build a
 * keyv instance, a `KeyLock` that fits how many processes can reach the data, and `ping`/`close`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeserializedData, Deserialize, Keyv, Serialize } from 'keyv';
import { isCodedError } from '../../core/errors';
import type { DocumentStore, Logger } from '../../core/ports';
import { storeError } from './store-error';

/** Runs `task` while no other holder of `key` (in this process or, where it matters, any other) runs. */
export interface KeyLock {
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export interface KeyvDocumentStoreOptions {
  readonly kind: 'sqlite' | 'redis' | 'postgres';
  /** Built with `throwOnErrors: true` and the JSON serializer below, so failures reach us. */
  readonly keyv: Keyv;
  readonly lock: KeyLock;
  /** Resolves true when the backend answers; may throw or time out when it does not. */
  readonly ping: () => Promise<boolean>;
  /** Releases every connection the backend holds. */
  readonly close: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * keyv stores `{ value, expires }`. Plain JSON (instead of keyv's default, which rewrites strings
 * starting with ":" and Buffers) keeps stored documents readable by any tool and identical on every
 * backend.
 */
export const serializeJson: Serialize = (data) => JSON.stringify(data);
export const deserializeJson: Deserialize = <Value>(text: string) => JSON.parse(text) as DeserializedData<Value>;

export class KeyvDocumentStore implements DocumentStore {
  readonly kind: KeyvDocumentStoreOptions['kind'];
  private readonly keyv: Keyv;
  private readonly lock: KeyLock;
  private closed = false;
  /** Keys whose update is running in the current async context: re-entering one would wait forever. */
  private readonly updating = new AsyncLocalStorage<ReadonlySet<string>>();

  constructor(private readonly options: KeyvDocumentStoreOptions) {
    this.kind = options.kind;
    this.keyv = options.keyv;
    this.lock = options.lock;
    // Failed operations throw (and are logged by whoever handles them); the events add connection
    // retries, which would flood warnings during an outage, so they are debug detail.
    this.keyv.on('error', (err: unknown) => options.logger.debug({ err, store: this.kind }, 'store backend reported an error'));
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

  async update<T>(key: string, mutate: (current: T | undefined) => T | Promise<T>): Promise<T> {
    this.checkUsable(key);
    const outer = this.updating.getStore();
    if (outer?.has(key)) {
      throw storeError(`update of "${key}" was called from inside its own update, which would wait for itself forever`);
    }
    return this.lock.withLock(key, () =>
      this.updating.run(new Set([...(outer ?? []), key]), async () => {
        const current = await this.backend(`read "${key}"`, () => this.keyv.get<T>(key, { raw: true }));
        // A throwing `mutate` leaves here before anything is written; its error reaches the caller as is.
        const next = await mutate(current?.value);
        checkJsonValue(key, next);
        // An update keeps the document's expiry: a de-duplication window must not become permanent.
        await this.write(key, next, remainingTtl(current?.expires));
        return next;
      }),
    );
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    this.checkUsable(key);
    checkJsonValue(key, value);
    const ttl = checkTtl(ttlMs);
    // Under the same lock as `update`, so it never slips between an update's read and its write.
    return this.lock.withLock(key, async () => {
      const current = await this.backend(`read "${key}"`, () => this.keyv.get(key, { raw: true }));
      if (current !== undefined) return false;
      await this.write(key, value, ttl);
      return true;
    });
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return await this.options.ping();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.backend('close its connections', () => this.options.close());
  }

  private async write(key: string, value: unknown, ttlMs: number | undefined): Promise<void> {
    const written = await this.backend(`write "${key}"`, () => this.keyv.set(key, value, ttlMs));
    if (!written) throw storeError(`${this.kind} store did not write "${key}"`);
  }

  /** Runs one backend call; anything it throws becomes a StoreError (coded errors pass through). */
  private async backend<R>(action: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
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

function remainingTtl(expires: number | undefined): number | undefined {
  if (typeof expires !== 'number') return undefined;
  // keyv treats 0 as "no expiry", so a document on the edge of expiring keeps at least 1 ms.
  return Math.max(1, expires - Date.now());
}
