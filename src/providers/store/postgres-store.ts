/** PostgreSQL: several processes may share it (SPEC §5); `update` locks across them, claims are one upsert. */
import { Pool } from 'pg';
import type { DocumentStore, Logger } from '../../core/ports';
import { ClaimingAdapter, counterStart } from './claiming-adapter';
import { KeyvDocumentStore, OPERATION_TIMEOUT_MS } from './keyv-document-store';
import { PostgresLock } from './postgres-lock';
import { storeError, withTimeout } from './store-error';

export const POSTGRES_TABLE = 'channelwise_store';
const KEY_PREFIX = 'channelwise:';
const TABLE = `public.${POSTGRES_TABLE}`;
/** The table @keyv/postgres created, so databases written before keep working. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (key VARCHAR(512) PRIMARY KEY, value TEXT)`;
/** Two processes creating the table at once: one loses with one of these, and the table exists. */
const ALREADY_CREATED = new Set(['23505', '42P07']);
/** keyv's `{ value, expires }` JSON: an entry is live unless it has an `expires` before now. */
const EXPIRES = `(${POSTGRES_TABLE}.value::json ->> 'expires')::float8`;
const SQL = {
  read: `SELECT value FROM ${TABLE} WHERE key = $1`,
  write: `INSERT INTO ${TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  remove: `DELETE FROM ${TABLE} WHERE key = $1`,
  insertUnlessLive: `INSERT INTO ${TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE ${EXPIRES} < $3`,
  // Read off the text, not parsed as json: one row with text PostgreSQL's json type rejects (a
  // \u0000 escape) must not stop the sweep of every other row. keyv writes `expires` last.
  sweepExpired: `DELETE FROM ${TABLE} WHERE substring(value from '"expires":(-?[0-9.eE+]+)}$')::float8 < $1`,
  // The same `{"value":n,"expires":t}` text keyv writes, so the sweep reads its expiry as any other row's.
  incrementCounter: `INSERT INTO ${TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = CASE WHEN ${EXPIRES} < $3 THEN EXCLUDED.value
    ELSE '{"value":' || ((${POSTGRES_TABLE}.value::json ->> 'value')::bigint + 1) || ',"expires":' || (${POSTGRES_TABLE}.value::json ->> 'expires') || '}' END
    RETURNING (value::json ->> 'value')::bigint AS count`,
  replaceWhileExpiring: `UPDATE ${TABLE} SET value = $2 WHERE key = $1 AND ${EXPIRES} = $3`,
};

export interface PostgresStoreOptions {
  readonly connectTimeoutMs?: number;
  readonly lockWaitMs?: number;
  readonly pingTimeoutMs?: number;
  /** See `KeyvDocumentStoreOptions.operationTimeoutMs`. */
  readonly operationTimeoutMs?: number;
}

/** keyv's adapter over a pg Pool of its own: one statement per operation. */
class PostgresAdapter extends ClaimingAdapter {
  private tableReady: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly pingTimeoutMs: number,
  ) {
    super({ dialect: 'postgres' }, KEY_PREFIX);
  }

  ping(): Promise<boolean> {
    return withTimeout(
      this.pool.query('SELECT 1').then(() => true),
      this.pingTimeoutMs,
      () => storeError(`PostgreSQL did not answer a ping within ${this.pingTimeoutMs} ms`),
    );
  }

  protected async read(key: string): Promise<string | undefined> {
    const { rows } = await this.query<{ value: string }>(SQL.read, [key]);
    return rows[0]?.value;
  }

  protected async write(key: string, value: string): Promise<void> {
    // No TTL column: keyv keeps `expires` in the JSON and treats an expired entry as absent.
    await this.query(SQL.write, [key, value]);
  }

  protected async remove(key: string): Promise<boolean> {
    return ((await this.query(SQL.remove, [key])).rowCount ?? 0) > 0;
  }

  async sweepExpired(now: number): Promise<number> {
    return (await this.query(SQL.sweepExpired, [now])).rowCount ?? 0;
  }

  protected async insertUnlessLive(key: string, value: string, _expires: number | undefined, now: number): Promise<boolean> {
    return (await this.query(SQL.insertUnlessLive, [key, value, now])).rowCount === 1;
  }

  protected async incrementCounter(key: string, expires: number, now: number): Promise<number> {
    const { rows } = await this.query<{ count: string }>(SQL.incrementCounter, [key, counterStart(expires), now]);
    return Number(rows[0]!.count);
  }

  protected async replaceWhileExpiring(key: string, value: string, _expires: number, readExpires: number): Promise<boolean> {
    return (await this.query(SQL.replaceWhileExpiring, [key, value, readExpires])).rowCount === 1;
  }

  private async query<R extends object = object>(sql: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    await this.ensureTable();
    return this.pool.query<R & Record<string, unknown>>(sql, values);
  }

  /**
   * Ensured before queries until it succeeds, not once at start: the process may start while
   * PostgreSQL is down, and every query would then fail on a missing table.
   */
  private ensureTable(): Promise<void> {
    return (this.tableReady ??= this.pool.query(CREATE_TABLE).then(
      () => undefined,
      (err: { code?: string }) => {
        if (ALREADY_CREATED.has(err.code ?? '')) return;
        this.tableReady = undefined;
        throw err;
      },
    ));
  }
}

export async function createPostgresStore(url: string, logger: Logger, options: PostgresStoreOptions = {}): Promise<DocumentStore> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const lockWaitMs = options.lockWaitMs ?? 15_000;
  // Each store has its own pools, so stores stay independent (two in one process, close and reopen).
  const operationTimeoutMs = options.operationTimeoutMs ?? OPERATION_TIMEOUT_MS;
  // query_timeout: a server that stops answering (no reset, no FIN) fails queries instead of hanging them.
  const data = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: connectTimeoutMs, query_timeout: operationTimeoutMs });
  // Lock connections come from their own pool, so holders never starve the data queries they wait for.
  const locks = new Pool({
    connectionString: url,
    max: 20,
    // Connecting is not waiting for the lock: a silent server fails as fast as for data queries.
    connectionTimeoutMillis: Math.min(lockWaitMs, connectTimeoutMs),
    lock_timeout: lockWaitMs,
    // The server gives up waiting for the lock after lock_timeout; this client gives up on a silent server a little later.
    query_timeout: lockWaitMs + operationTimeoutMs,
    application_name: 'channelwise-locks',
  });
  for (const pool of [data, locks]) {
    // An idle connection dropped by the server emits 'error'; without a listener that would crash the process.
    pool.on('error', (err) => logger.warn({ err, store: 'postgres' }, 'idle PostgreSQL connection failed'));
  }
  return new KeyvDocumentStore({
    kind: 'postgres',
    adapter: new PostgresAdapter(data, options.pingTimeoutMs ?? 2000),
    lock: new PostgresLock(locks, { keyPrefix: KEY_PREFIX, waitMs: lockWaitMs, logger }),
    logger,
    ...(options.operationTimeoutMs !== undefined ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
    close: async () => {
      await Promise.all([data.end(), locks.end()]);
    },
  });
}
