/**
 * SQLite: one file, one process. Locks are in-process only, so two processes must never share the
 * file (SPEC §5: several processes share Redis or PostgreSQL, not SQLite).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { KeyvSqlite } from '@keyv/sqlite';
import { Keyv } from 'keyv';
import type { DocumentStore, Logger } from '../../core/ports';
import { KeyedMutex } from '../shared/keyed-mutex';
import { KeyvDocumentStore, deserializeJson, serializeJson } from './keyv-document-store';
import { storeError } from './store-error';

export const SQLITE_TABLE = 'channelwise_store';
const NAMESPACE = 'channelwise';

/**
 * Shared by every SQLite store in this process and keyed by file, so two store objects opened on
 * the same file (a reopened store, a test) still take turns.
 */
const processLocks = new KeyedMutex();

export async function createSqliteStore(file: string, logger: Logger): Promise<DocumentStore> {
  const resolved = path.resolve(file);
  try {
    await mkdir(path.dirname(resolved), { recursive: true });
  } catch (err) {
    throw storeError(`cannot create the folder for the SQLite file ${resolved}`, err);
  }
  const adapter = new KeyvSqlite({ uri: `sqlite://${resolved}`, table: SQLITE_TABLE, busyTimeout: 5000 });
  const keyv = new Keyv(adapter, {
    namespace: NAMESPACE,
    serialize: serializeJson,
    deserialize: deserializeJson,
    throwOnErrors: true,
  });
  // The adapter opens the file in the background; waiting for it here turns an unusable file into
  // a clear start-up error (and leaves no unhandled rejection behind).
  try {
    // Write-ahead logging: readers never wait for the writer, and each commit appends instead of
    // rewriting pages. With WAL, synchronous=NORMAL keeps every commit safe when the process
    // crashes and syncs at checkpoints; only a power cut can lose the last commits. That turns a
    // write from a disk flush (milliseconds) into a memory append, which the per-message claims need.
    await adapter.query('PRAGMA journal_mode = WAL');
    await adapter.query('PRAGMA synchronous = NORMAL');
  } catch (err) {
    throw storeError(`cannot open the SQLite file ${resolved}`, err);
  }
  return new KeyvDocumentStore({
    kind: 'sqlite',
    keyv,
    logger,
    lock: { withLock: (key, task) => processLocks.run(`${resolved}\n${key}`, task) },
    ping: async () => {
      await adapter.query('SELECT 1');
      return true;
    },
    close: () => adapter.disconnect(),
  });
}
