/** Redis: several processes may share it (SPEC §5); `update` locks across them, claims are one `SET NX`. */
import type { DocumentStore, Logger } from '../../core/ports';
import { ClaimingAdapter } from './claiming-adapter';
import { KeyvDocumentStore } from './keyv-document-store';
import { RedisConnection } from './redis-connection';
import { RedisLock } from './redis-lock';
import { withTimeout, storeError } from './store-error';

/** Data keys are `channelwise:<key>`; lock keys use another prefix so no data key can collide with one. */
export const REDIS_NAMESPACE = 'channelwise';
export const REDIS_LOCK_PREFIX = 'channelwise-lock:';

/**
 * Redis cannot compare inside a JSON value by itself; the script reads the entry's `expires` and
 * writes in one step (Redis runs a script alone). Only `update` uses it, on entries with a TTL.
 */
const REPLACE_WHILE_EXPIRING = `local stored = redis.call('get', KEYS[1])
if stored and cjson.decode(stored).expires == tonumber(ARGV[3]) then
  redis.call('set', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
  return 1
end
return 0`;

/** INCR, and the window's expiry on the first count: one script, so no counter is left without one. */
const INCREMENT = `local count = redis.call('incr', KEYS[1])
if count == 1 then redis.call('pexpireat', KEYS[1], ARGV[1]) end
return count`;

export interface RedisStoreOptions {
  readonly connectTimeoutMs?: number;
  readonly lockTtlMs?: number;
  readonly lockWaitMs?: number;
  readonly pingTimeoutMs?: number;
  /** See `KeyvDocumentStoreOptions.operationTimeoutMs`. */
  readonly operationTimeoutMs?: number;
}

/**
 * keyv's adapter over @redis/client: one command per operation. An entry with a TTL also gets
 * Redis's own expiry, at the same instant as the `expires` in its JSON (PXAT, not PX: a relative
 * TTL would start late by the time the command waited), so Redis drops it when keyv would call
 * it expired and `SET NX` then finds the key absent.
 */
class RedisAdapter extends ClaimingAdapter {
  constructor(
    private readonly connection: RedisConnection,
    private readonly pingTimeoutMs: number,
  ) {
    super({ dialect: 'redis' }, `${REDIS_NAMESPACE}:`);
  }

  ping(): Promise<boolean> {
    return withTimeout(
      this.client().then(async (client) => (await client.ping()) === 'PONG'),
      this.pingTimeoutMs,
      () => storeError(`Redis at ${this.connection.where} did not answer a ping within ${this.pingTimeoutMs} ms`),
    );
  }

  protected async read(key: string): Promise<string | undefined> {
    return (await (await this.client()).get(key)) ?? undefined;
  }

  protected async write(key: string, value: string, ttlMs: number | undefined): Promise<void> {
    // keyv computed the JSON's `expires` from the same clock a moment ago.
    await (await this.client()).set(key, value, expiresAt(ttlMs === undefined ? undefined : Date.now() + ttlMs));
  }

  /** Redis drops expired keys itself: every entry with an expiry is written with a Redis TTL. */
  async sweepExpired(): Promise<number> {
    return 0;
  }

  protected async remove(key: string): Promise<boolean> {
    return (await (await this.client()).unlink(key)) > 0;
  }

  protected async insertUnlessLive(key: string, value: string, expires: number | undefined): Promise<boolean> {
    return (await (await this.client()).set(key, value, { condition: 'NX', ...expiresAt(expires) })) === 'OK';
  }

  protected async incrementCounter(key: string, expires: number): Promise<number> {
    return Number(await (await this.client()).eval(INCREMENT, { keys: [key], arguments: [String(expires)] }));
  }

  protected async replaceWhileExpiring(key: string, value: string, expires: number, readExpires: number): Promise<boolean> {
    const client = await this.client();
    const written = await client.eval(REPLACE_WHILE_EXPIRING, { keys: [key], arguments: [value, String(expires), String(readExpires)] });
    return written === 1;
  }

  /** Waits a bounded time for the connection instead of queueing commands forever. */
  private async client(): Promise<RedisConnection['client']> {
    await this.connection.ready();
    return this.connection.client;
  }
}

function expiresAt(expires: number | undefined): { expiration?: { type: 'PXAT'; value: number } } {
  return expires === undefined ? {} : { expiration: { type: 'PXAT', value: expires } };
}

export async function createRedisStore(url: string, logger: Logger, options: RedisStoreOptions = {}): Promise<DocumentStore> {
  const connection = new RedisConnection(url, options.connectTimeoutMs ?? 3000, logger);
  const lock = new RedisLock(connection, {
    keyPrefix: REDIS_LOCK_PREFIX,
    ttlMs: options.lockTtlMs ?? 10_000,
    waitMs: options.lockWaitMs ?? 15_000,
    logger,
    ...(options.operationTimeoutMs !== undefined ? { commandTimeoutMs: options.operationTimeoutMs } : {}),
  });
  return new KeyvDocumentStore({
    kind: 'redis',
    adapter: new RedisAdapter(connection, options.pingTimeoutMs ?? 2000),
    lock,
    logger,
    ...(options.operationTimeoutMs !== undefined ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
    close: () => connection.close(),
  });
}
