/**
 * What the SQLite chunk and vector stores share: how the knowledge index file is opened, and how
 * a failing statement becomes a store error. Both stores may hold a connection to the same file
 * (hybrid retrieval), so each waits for the other's write instead of failing with SQLITE_BUSY.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InternalError } from '../../../core/errors';
import { storeError } from '../../store/store-error';

/** Opens (creating if needed) `file` and its tables; `:memory:` gives a throwaway database. */
export function openSqliteFile(file: string, schema: string, what: string): Database.Database {
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    // WAL: readers never wait for the writer; NORMAL: a commit survives a crash of this process.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(schema);
    return db;
  } catch (err) {
    throw storeError(`cannot open the ${what} file ${file}`, err);
  }
}

/** Runs a synchronous statement; an SQLite failure becomes a store error naming what failed. */
export function sqliteAttempt<T>(what: string, action: () => T): Promise<T> {
  try {
    return Promise.resolve(action());
  } catch (err) {
    if (err instanceof InternalError) return Promise.reject(err);
    return Promise.reject(storeError(what, err));
  }
}
