/**
 * What the PostgreSQL retrieval stores share: a pool, table names under a configurable schema and
 * prefix, idempotent table creation, and the change log through which processes sharing one
 * database learn of each other's writes.
 *
 * Why writers take a lock: a change log read as "everything after sequence number N" misses
 * entries when a transaction that drew a lower number commits after one that drew a higher one.
 * Writers therefore hold a transaction-scoped advisory lock (one per log) while they write and draw
 * numbers, so numbers are committed in order and a reader's snapshot never has a gap that fills
 * later. Writes are ingestion, not the hot path, so serialising them costs little.
 */
import { Pool, type PoolClient } from 'pg';
import { InternalError } from '../../../core/errors';
import { storeError } from '../../store/store-error';
import { connectGuarded } from '../../shared/pg-client';

export interface PostgresRetrievalOptions {
  /** Connection string (`postgresql://…`); not needed when `pool` is given. */
  readonly url?: string;
  /** A pool to use instead of opening one; the store then leaves ending it to the caller. */
  readonly pool?: Pool;
  /** Schema holding the tables, created when missing. Default `public`. */
  readonly schema?: string;
  /** Start of every table name, e.g. `channelwise` → `channelwise_chunks`. Default `channelwise`. */
  readonly tablePrefix?: string;
  /**
   * How long change-log entries are kept. A process that has not refreshed for longer reloads
   * everything on its next refresh instead. Default 24 hours.
   */
  readonly changeRetentionMs?: number;
  /** Connection timeout for a pool the store opens itself. Default 5 s. */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_TABLE_PREFIX = 'channelwise';
export const DEFAULT_CHANGE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Table names are built into SQL, so they are restricted to plain lowercase identifiers. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;

/** The meta key under which the highest pruned change-log sequence number is kept. */
export const PRUNED_THROUGH = 'pruned_through';

export class PostgresTables {
  private constructor(
    readonly pool: Pool,
    private readonly ownsPool: boolean,
    readonly schema: string,
    readonly prefix: string,
    readonly retentionMs: number,
  ) {}

  static connect(options: PostgresRetrievalOptions): PostgresTables {
    const schema = options.schema ?? 'public';
    const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
    for (const [what, value] of [
      ['schema', schema],
      ['table prefix', prefix],
    ] as const) {
      if (!IDENTIFIER.test(value)) {
        throw storeError(`knowledge index: the ${what} "${value}" must be lowercase letters, digits and _ (at most 40)`);
      }
    }
    const retentionMs = options.changeRetentionMs ?? DEFAULT_CHANGE_RETENTION_MS;
    if (!Number.isFinite(retentionMs) || retentionMs <= 0) {
      throw storeError(`knowledge index: changeRetentionMs must be a positive number, got ${retentionMs}`);
    }
    if (options.pool) return new PostgresTables(options.pool, false, schema, prefix, retentionMs);
    if (!options.url) throw storeError('knowledge index: PostgreSQL needs a url or a pool');
    const pool = new Pool({
      connectionString: options.url,
      max: 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: 'channelwise-retrieval',
    });
    // An idle connection dropped by the server emits 'error'; unheard, it would crash the process.
    // The next query reports the failure to its caller instead.
    pool.on('error', () => undefined);
    return new PostgresTables(pool, true, schema, prefix, retentionMs);
  }

  /** `"schema"."prefix_suffix"`, safe to splice into SQL (both parts validated). */
  table(suffix: string): string {
    return `"${this.schema}"."${this.prefix}_${suffix}"`;
  }

  /** A lock key unique to this schema, prefix and purpose. */
  lockKey(purpose: string): string {
    return `channelwise-retrieval:${this.schema}.${this.prefix}:${purpose}`;
  }

  /** Runs `ddl` once at a time across processes (concurrent CREATE … IF NOT EXISTS can still collide). */
  async create(ddl: string): Promise<void> {
    await this.transaction('READ COMMITTED', async (client) => {
      await lockFor(client, this.lockKey('ddl'));
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(ddl);
    });
  }

  async transaction<T>(isolation: 'READ COMMITTED' | 'REPEATABLE READ', action: (client: PoolClient) => Promise<T>): Promise<T> {
    let broken = false;
    // A connection lost mid-transaction fails its next query (and ROLLBACK), which marks it broken.
    const client = await connectGuarded(this.pool, () => {
      broken = true;
    });
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await action(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private closing: Promise<void> | undefined;

  /** Ends the pool if the store opened it; closing twice is harmless. */
  close(): Promise<void> {
    if (!this.ownsPool) return Promise.resolve();
    return (this.closing ??= this.pool.end());
  }
}

/** Takes the transaction-scoped advisory lock for `key` (released at commit or rollback). */
export async function lockFor(client: PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

/**
 * Drops log entries older than the retention and remembers the highest dropped number, so a
 * reader whose cursor is below it knows it must reload. Call while holding the writer lock.
 */
export async function pruneChanges(client: PoolClient, changes: string, meta: string, retentionMs: number): Promise<void> {
  await client.query(
    `WITH pruned AS (
       DELETE FROM ${changes} WHERE changed_at < now() - make_interval(secs => $1::double precision / 1000) RETURNING seq
     )
     INSERT INTO ${meta} (key, value)
     SELECT '${PRUNED_THROUGH}', max(seq)::text FROM pruned HAVING count(*) > 0
     ON CONFLICT (key) DO UPDATE SET value = GREATEST(${meta}.value::bigint, excluded.value::bigint)::text`,
    [retentionMs],
  );
}

/**
 * Makes every reader reload: the log is emptied and marked pruned through a fresh sequence number.
 * Call while holding the writer lock (after rewriting stored rows in place, which the log cannot express).
 */
export async function invalidateChanges(client: PoolClient, changes: string, meta: string): Promise<void> {
  const { rows } = await client.query<{ seq: string }>(`SELECT nextval(pg_get_serial_sequence('${changes}', 'seq'))::text AS seq`);
  await client.query(`DELETE FROM ${changes}`);
  await client.query(
    `INSERT INTO ${meta} (key, value) VALUES ('${PRUNED_THROUGH}', $1)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [rows[0]!.seq],
  );
}

/** Highest pruned sequence number (0 when nothing was pruned). */
export async function prunedThrough(client: PoolClient, meta: string): Promise<number> {
  const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${meta} WHERE key = '${PRUNED_THROUGH}'`);
  return rows[0] ? Number(rows[0].value) : 0;
}

/** The log position a snapshot reflects: its newest entry, or the pruned mark when the log is empty. */
export async function logPosition(client: PoolClient, changes: string, meta: string): Promise<number> {
  const { rows } = await client.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM ${changes}`);
  return Math.max(Number(rows[0]?.seq ?? 0), await prunedThrough(client, meta));
}

/** Wraps a driver failure as a store error naming what was being done. */
export async function attempt<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    // Our own errors (a dimension mismatch, a refused input) already say what went wrong.
    if (err instanceof InternalError) throw err;
    throw storeError(`knowledge index (PostgreSQL): cannot ${what}`, err);
  }
}
