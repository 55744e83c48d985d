/** Builds the `DocumentStore` that `STORE_URL` names (SPEC §4). */
import type { StoreConfig } from '../../config';
import type { DocumentStore, Logger } from '../../core/ports';
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
