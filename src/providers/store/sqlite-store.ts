/**
 * SQLite: one file, one process. Locks are in-process only, so two processes must never share the
 * file (SPEC §5: several processes share Redis or PostgreSQL, not SQLite). The driver is
 * better-sqlite3, the one the knowledge index uses too: one native SQLite module to build.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DocumentStore, Logger } from '../../core/ports';
import { KeyedMutex } from '../shared/keyed-mutex';
import { ClaimingAdapter, counterStart } from './claiming-adapter';
import { KeyvDocumentStore } from './keyv-document-store';
import { inProcessTurn, storeError } from './store-error';

export const SQLITE_TABLE = 'channelwise_store';
const KEY_PREFIX = 'channelwise:';
/** The table @keyv/sqlite created, so files written before keep working (and stay readable by it). */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${SQLITE_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT )`;
/** keyv's `{ value, expires }` JSON: an entry is live unless it has an `expires` before now. */
const EXPIRES = `json_extract(${SQLITE_TABLE}.value, '$.expires')`;

/**
 * Shared by every SQLite store in this process and keyed by file, so two store objects opened on
 * the same file (a reopened store, a test) still take turns.
 */
const processLocks = new KeyedMutex();

/** keyv's adapter over better-sqlite3: each operation is one prepared statement, run synchronously. */
class SqliteAdapter extends ClaimingAdapter {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    super({ dialect: 'sqlite' }, KEY_PREFIX);
    const t = SQLITE_TABLE;
    this.statements = {
      read: db.prepare<[string], { value: string }>(`SELECT value FROM ${t} WHERE key = ?`),
      write: db.prepare<[string, string]>(`INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      remove: db.prepare<[string]>(`DELETE FROM ${t} WHERE key = ?`),
      insertUnlessLive: db.prepare<[string, string, number]>(
        `INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE ${EXPIRES} < ?`,
      ),
      // The same `{"value":n,"expires":t}` text keyv writes, so the sweep reads its expiry as any other row's.
      incrementCounter: db.prepare<[string, string, number], { count: number }>(
        `INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = CASE WHEN ${EXPIRES} < ? THEN excluded.value
          ELSE '{"value":' || (json_extract(${t}.value, '$.value') + 1) || ',"expires":' || json_extract(${t}.value, '$.expires') || '}' END
          RETURNING json_extract(value, '$.value') AS count`,
      ),
      replaceWhileExpiring: db.prepare<[string, string, number]>(`UPDATE ${t} SET value = ? WHERE key = ? AND ${EXPIRES} = ?`),
      // json_valid first: one unreadable row must not stop the sweep of every other row.
      sweepExpired: db.prepare<[number]>(`DELETE FROM ${t} WHERE json_valid(value) AND ${EXPIRES} < ?`),
      ping: db.prepare('SELECT 1'),
    };
  }

  async ping(): Promise<boolean> {
    this.statements.ping.get();
    return true;
  }

  async sweepExpired(now: number): Promise<number> {
    return this.statements.sweepExpired.run(now).changes;
  }

  async disconnect(): Promise<void> {
    this.db.close();
  }

  protected async read(key: string): Promise<string | undefined> {
    return this.statements.read.get(key)?.value;
  }

  protected async write(key: string, value: string): Promise<void> {
    // No TTL column: keyv keeps `expires` in the JSON and treats an expired entry as absent.
    this.statements.write.run(key, value);
  }

  protected async remove(key: string): Promise<boolean> {
    return this.statements.remove.run(key).changes > 0;
  }

  protected async insertUnlessLive(key: string, value: string, _expires: number | undefined, now: number): Promise<boolean> {
    return this.statements.insertUnlessLive.run(key, value, now).changes > 0;
  }

  protected async incrementCounter(key: string, expires: number, now: number): Promise<number> {
    return this.statements.incrementCounter.get(key, counterStart(expires), now)!.count;
  }

  protected async replaceWhileExpiring(key: string, value: string, _expires: number, readExpires: number): Promise<boolean> {
    return this.statements.replaceWhileExpiring.run(value, key, readExpires).changes > 0;
  }
}

export interface SqliteStoreOptions {
  /** How long an update waits for the updates of its key before it in this process (default 15 s). */
  readonly lockWaitMs?: number;
}

const LOCK_WAIT_MS = 15_000;

export async function createSqliteStore(file: string, logger: Logger, options: SqliteStoreOptions = {}): Promise<DocumentStore> {
  const resolved = path.resolve(file);
  try {
    mkdirSync(path.dirname(resolved), { recursive: true });
  } catch (err) {
    throw storeError(`cannot create the folder for the SQLite file ${resolved}`, err);
  }
  let db: Database.Database | undefined;
  let adapter: SqliteAdapter;
  try {
    db = new Database(resolved);
    // Write-ahead logging: readers never wait for the writer, and each commit appends instead of
    // rewriting pages. With WAL, synchronous=NORMAL keeps every commit safe when the process
    // crashes and syncs at checkpoints; only a power cut can lose the last commits. That turns a
    // write from a disk flush (milliseconds) into a memory append, which the per-message claims need.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(CREATE_TABLE);
    adapter = new SqliteAdapter(db);
  } catch (err) {
    db?.close();
    throw storeError(`cannot open the SQLite file ${resolved}`, err);
  }
  return new KeyvDocumentStore({
    kind: 'sqlite',
    adapter,
    logger,
    lock: { withLock: (key, task) => inProcessTurn(processLocks, `${resolved}\n${key}`, key, options.lockWaitMs ?? LOCK_WAIT_MS, task) },
    // better-sqlite3 runs each statement synchronously: a call has finished before a timer could start.
    operationTimeoutMs: null,
    close: () => adapter.disconnect(),
  });
}
