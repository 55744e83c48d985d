/**
 * A per-key lock that holds across every process sharing one PostgreSQL: first an in-process queue,
 * then a session advisory lock on a connection kept for the whole read-modify-write. If this process
 * dies the server ends the session and the lock goes with it. Lock connections come from their own
 * pool, so holders never starve the data queries they are waiting for.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../core/ports';
import { KeyedMutex } from '../shared/keyed-mutex';
import type { KeyLock } from './keyv-document-store';
import { inProcessTurn, storeError } from './store-error';
import { connectGuarded } from '../shared/pg-client';

/** SQLSTATE lock_not_available: raised when `lock_timeout` runs out. */
const LOCK_NOT_AVAILABLE = '55P03';
// hashtextextended maps any key to the bigint advisory locks take; a collision only makes two keys share a lock.
const LOCK = 'SELECT pg_advisory_lock(hashtextextended($1, 0))';
const UNLOCK = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

export interface PostgresLockOptions {
  /** Prefix that keeps our advisory locks apart from anyone else's on the same database. */
  readonly keyPrefix: string;
  /** Must match the pool's `lock_timeout`; only used in the error message. */
  readonly waitMs: number;
  readonly logger: Logger;
}

export class PostgresLock implements KeyLock {
  private readonly local = new KeyedMutex();

  /** `pool` must be created with `lock_timeout` (and `connectionTimeoutMillis`) set to the wait bound. */
  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresLockOptions,
  ) {}

  withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    return inProcessTurn(this.local, key, key, this.options.waitMs, () => this.holdingAdvisoryLock(key, task));
  }

  private async holdingAdvisoryLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lockName = `${this.options.keyPrefix}${key}`;
    let connection: PoolClient;
    try {
      // The failure itself reaches the lock's query (or its unlock), which discards the connection.
      connection = await connectGuarded(this.pool, (err) => this.options.logger.warn({ err, key }, 'PostgreSQL lock connection failed'));
    } catch (err) {
      throw storeError(`cannot get a PostgreSQL connection to lock "${key}"`, err);
    }
    try {
      await connection.query(LOCK, [lockName]);
    } catch (err) {
      const timedOut = (err as { code?: string }).code === LOCK_NOT_AVAILABLE;
      connection.release(timedOut ? undefined : (err as Error)); // a broken connection is discarded
      throw timedOut
        ? storeError(`timed out after ${this.options.waitMs} ms waiting for another process's lock on "${key}"`)
        : storeError(`cannot take the PostgreSQL lock for "${key}"`, err);
    }
    try {
      return await task();
    } finally {
      await this.unlock(connection, lockName);
    }
  }

  private async unlock(connection: PoolClient, lockName: string): Promise<void> {
    try {
      await connection.query(UNLOCK, [lockName]);
      connection.release();
    } catch (err) {
      // Discarding the connection ends its session, which releases the lock on the server.
      connection.release(err as Error);
      this.options.logger.warn({ err, lockName }, 'could not release a PostgreSQL advisory lock; dropped its connection');
    }
  }
}
