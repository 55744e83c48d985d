/** Redis: several processes may share it (SPEC §5); `update` and `setIfAbsent` lock across them. */
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import type { DocumentStore, Logger } from '../../core/ports';
import { KeyvDocumentStore, deserializeJson, serializeJson } from './keyv-document-store';
import { RedisConnection } from './redis-connection';
import { RedisLock } from './redis-lock';
import { withTimeout, storeError } from './store-error';

/** Data keys are `channelwise:<key>`; lock keys use another prefix so no data key can collide with one. */
export const REDIS_NAMESPACE = 'channelwise';
export const REDIS_LOCK_PREFIX = 'channelwise-lock:';

export interface RedisStoreOptions {
  readonly connectTimeoutMs?: number;
  readonly lockTtlMs?: number;
  readonly lockWaitMs?: number;
  readonly pingTimeoutMs?: number;
}

export async function createRedisStore(url: string, logger: Logger, options: RedisStoreOptions = {}): Promise<DocumentStore> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;
  const connection = new RedisConnection(url, connectTimeoutMs, logger);

  /** Every adapter command goes through `getClient`; ours waits a bounded time instead of forever. */
  class BoundedKeyvRedis extends KeyvRedis<string> {
    override async getClient(): Promise<typeof connection.client> {
      await connection.ready();
      return connection.client;
    }
  }
  const adapter = new BoundedKeyvRedis(connection.client, {
    namespace: REDIS_NAMESPACE,
    keyPrefixSeparator: ':',
    throwOnErrors: true,
  });
  // Namespacing is the adapter's job here (`channelwise:` prefix); keyv must not add its own.
  const keyv = new Keyv(adapter, {
    namespace: REDIS_NAMESPACE,
    useKeyPrefix: false,
    serialize: serializeJson,
    deserialize: deserializeJson,
    throwOnErrors: true,
  });
  const lock = new RedisLock(connection, {
    keyPrefix: REDIS_LOCK_PREFIX,
    ttlMs: options.lockTtlMs ?? 10_000,
    waitMs: options.lockWaitMs ?? 15_000,
    logger,
  });
  return new KeyvDocumentStore({
    kind: 'redis',
    keyv,
    lock,
    logger,
    ping: () =>
      withTimeout(
        (async () => {
          await connection.ready();
          return (await connection.client.ping()) === 'PONG';
        })(),
        pingTimeoutMs,
        () => storeError(`Redis at ${connection.where} did not answer a ping within ${pingTimeoutMs} ms`),
      ),
    close: () => connection.close(),
  });
}
