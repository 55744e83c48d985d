/**
 * A per-key lock that holds across every process sharing one Redis: first an in-process queue (so
 * this process's callers never compete over Redis), then `SET lock token NX PX ttl`. Only the
 * holder's token can release or extend it; a crashed holder's lock expires after `ttlMs`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/ports';
import { KeyedMutex } from '../shared/keyed-mutex';
import type { KeyLock } from './keyv-document-store';
import type { RedisConnection } from './redis-connection';
import { inProcessTurn, sleep, storeError, withTimeout } from './store-error';
import { storeUnavailable } from '../../core/errors';

const RELEASE_IF_OURS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND_IF_OURS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLockOptions {
  /** Prefix of lock keys; must not overlap the data keys' prefix. */
  readonly keyPrefix: string;
  /** How long a lock outlives a holder that stopped renewing it (crashed). */
  readonly ttlMs: number;
  /** How long to wait for another process's lock before failing with a StoreError. */
  readonly waitMs: number;
  readonly logger: Logger;
  /** The longest one lock command may take: a server that stopped answering must not hold the update forever (default 5 s). */
  readonly commandTimeoutMs?: number;
}

export class RedisLock implements KeyLock {
  private readonly local = new KeyedMutex();

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisLockOptions,
  ) {}

  withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    return inProcessTurn(this.local, key, key, this.options.waitMs, () => this.holdingRedisLock(key, task));
  }

  private async holdingRedisLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lockKey = `${this.options.keyPrefix}${key}`;
    const token = randomUUID();
    await this.acquire(key, lockKey, token);
    // Renew while the task runs, so a slow task never outlives its lock; unref: never keeps the process up.
    const renewal = setInterval(() => void this.extend(lockKey, token), Math.max(1, Math.floor(this.options.ttlMs / 3)));
    renewal.unref();
    try {
      return await task();
    } finally {
      clearInterval(renewal);
      await this.release(lockKey, token);
    }
  }

  private async acquire(key: string, lockKey: string, token: string): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    let backoffMs = 2;
    for (;;) {
      await this.connection.ready();
      let reply: string | null;
      try {
        reply = await this.bounded(
          this.connection.client.set(lockKey, token, {
            condition: 'NX',
            expiration: { type: 'PX', value: this.options.ttlMs },
          }),
        );
      } catch (err) {
        throw storeError(`cannot take the Redis lock for "${key}"`, err);
      }
      if (reply === 'OK') return;
      if (Date.now() >= deadline) {
        throw storeError(`timed out after ${this.options.waitMs} ms waiting for another process's lock on "${key}"`);
      }
      // Jitter keeps two waiting processes from retrying in lock-step.
      await sleep(Math.min(backoffMs * (1 + Math.random()), Math.max(1, deadline - Date.now())));
      backoffMs = Math.min(backoffMs * 2, 50);
    }
  }

  private async extend(lockKey: string, token: string): Promise<void> {
    try {
      await this.bounded(this.connection.client.eval(EXTEND_IF_OURS, { keys: [lockKey], arguments: [token, String(this.options.ttlMs)] }));
    } catch (err) {
      this.options.logger.warn({ err, lockKey }, 'could not extend a Redis lock');
    }
  }

  private async release(lockKey: string, token: string): Promise<void> {
    try {
      await this.bounded(this.connection.client.eval(RELEASE_IF_OURS, { keys: [lockKey], arguments: [token] }));
    } catch (err) {
      // Not thrown: the task's outcome matters more, and the lock expires after ttlMs anyway.
      this.options.logger.warn({ err, lockKey }, 'could not release a Redis lock; it will expire');
    }
  }

  private bounded<R>(command: Promise<R>): Promise<R> {
    const ms = this.options.commandTimeoutMs ?? 5000;
    return withTimeout(command, ms, () => storeUnavailable(`Redis at ${this.connection.where} did not answer a lock command within ${ms} ms`));
  }
}
