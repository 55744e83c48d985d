/** PostgreSQL: several processes may share it (SPEC §5); `update` and `setIfAbsent` lock across them. */
import { KeyvPostgres } from '@keyv/postgres';
import { Keyv } from 'keyv';
import { Pool } from 'pg';
import type { DocumentStore, Logger } from '../../core/ports';
import { KeyvDocumentStore, deserializeJson, serializeJson } from './keyv-document-store';
import { PostgresLock } from './postgres-lock';
import { storeError, withTimeout } from './store-error';

export const POSTGRES_TABLE = 'channelwise_store';
const KEY_SIZE = 512;
const NAMESPACE = 'channelwise';
/** Same columns as @keyv/postgres creates; ours runs first and again after a failure (see below). */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS public.${POSTGRES_TABLE} (key VARCHAR(${KEY_SIZE}) PRIMARY KEY, value TEXT)`;
/** Two processes creating the table at once: one loses with one of these, and the table exists. */
const ALREADY_CREATED = new Set(['23505', '42P07']);

export interface PostgresStoreOptions {
  readonly connectTimeoutMs?: number;
  readonly lockWaitMs?: number;
  readonly pingTimeoutMs?: number;
}

export async function createPostgresStore(url: string, logger: Logger, options: PostgresStoreOptions = {}): Promise<DocumentStore> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const lockWaitMs = options.lockWaitMs ?? 15_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;
  const data = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: connectTimeoutMs });
  const locks = new Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: lockWaitMs,
    lock_timeout: lockWaitMs,
    application_name: 'channelwise-locks',
  });
  for (const pool of [data, locks]) {
    // An idle connection dropped by the server emits 'error'; without a listener that would crash the process.
    pool.on('error', (err) => logger.warn({ err, store: 'postgres' }, 'idle PostgreSQL connection failed'));
  }

  // The adapter creates its table once, at construction; if PostgreSQL was down then, every later
  // query would fail on a missing table. So the table is ensured before queries until it succeeds.
  let tableReady: Promise<void> | undefined;
  const ensureTable = (): Promise<void> =>
    (tableReady ??= data.query(CREATE_TABLE).then(
      () => undefined,
      (err: { code?: string }) => {
        if (ALREADY_CREATED.has(err.code ?? '')) return;
        tableReady = undefined;
        throw err;
      },
    ));

  /**
   * @keyv/postgres keeps one module-wide pool per URL and ends it on any instance's `disconnect()`;
   * giving each store its own pool keeps stores independent (two in one process, close and reopen).
   */
  class OwnPoolKeyvPostgres extends KeyvPostgres {
    override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<unknown[]>> {
      return async (sql, values) => {
        await ensureTable();
        return (await data.query(sql, values)).rows as unknown[];
      };
    }
    override async disconnect(): Promise<void> {
      // The pools belong to the store; it ends them in `close`.
    }
  }
  const adapter = new OwnPoolKeyvPostgres({ uri: url, table: POSTGRES_TABLE, keySize: KEY_SIZE });
  const keyv = new Keyv(adapter, {
    namespace: NAMESPACE,
    serialize: serializeJson,
    deserialize: deserializeJson,
    throwOnErrors: true,
  });
  return new KeyvDocumentStore({
    kind: 'postgres',
    keyv,
    lock: new PostgresLock(locks, { keyPrefix: `${NAMESPACE}:`, waitMs: lockWaitMs, logger }),
    logger,
    ping: () =>
      withTimeout(
        data.query('SELECT 1').then(() => true),
        pingTimeoutMs,
        () => storeError(`PostgreSQL did not answer a ping within ${pingTimeoutMs} ms`),
      ),
    close: async () => {
      await Promise.all([data.end(), locks.end()]);
    },
  });
}
