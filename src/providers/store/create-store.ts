/** Builds the `DocumentStore` that `STORE_URL` names (SPEC §4). */
import type { StoreConfig } from '../../config';
import type { ChangeFeed, DocumentStore, Logger } from '../../core/ports';
import { LocalChangeFeed } from './change-feed';
import { PostgresChangeFeed } from './postgres-change-feed';
import { RedisChangeFeed } from './redis-change-feed';
import { createPostgresStore } from './postgres-store';
import { createRedisStore } from './redis-store';
import { createSqliteStore } from './sqlite-store';

/**
 * SQLite opens its file here (a bad path fails start-up). Redis and PostgreSQL connect on first
 * use, so the process starts while they are down: operations then fail with a StoreError and
 * `ping()` (/healthz) reports false until they answer.
 */
export async function createStore(config: StoreConfig, logger: Logger, options: { operationTimeoutMs?: number } = {}): Promise<DocumentStore> {
  const log = logger.child({ component: 'store', store: config.kind });
  switch (config.kind) {
    case 'sqlite':
      return createSqliteStore(config.path, log);
    case 'redis':
      return createRedisStore(config.url, log, options);
    case 'postgres':
      return createPostgresStore(config.url, log, options);
  }
}

/** The change feed between the processes sharing the store `STORE_URL` names (in-process on SQLite). */
export function createChangeFeed(config: StoreConfig, logger: Logger): ChangeFeed {
  const log = logger.child({ component: 'change-feed', store: config.kind });
  switch (config.kind) {
    case 'sqlite':
      return new LocalChangeFeed();
    case 'redis':
      return new RedisChangeFeed(config.url, 3000, log);
    case 'postgres':
      return new PostgresChangeFeed(config.url, 5000, log);
  }
}
