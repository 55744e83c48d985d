/**
 * Embedding vectors in PostgreSQL, searched in memory like the SQLite ones (so both rank
 * identically), with the same change log as the chunks for processes sharing the database.
 *
 * Vectors are stored as little-endian float32 `bytea`, not `real[]`: loading 200k × 1,536 values
 * from `real[]` means parsing 300M decimal numbers from text, while `bytea` arrives as bytes.
 * pgvector would let PostgreSQL search itself, but it is an extension that is often missing (it is
 * not installed on the machines this was built on), so it is not required; see the report.
 */
import type { PoolClient } from 'pg';
import { attempt, lockFor, logPosition, prunedThrough, pruneChanges, PostgresTables, type PostgresRetrievalOptions } from './postgres-tables';
import { bytesToVector, vectorToBytes, type StoredVector, type VectorChanges, type VectorInput, type VectorStore } from '../vector-store';
import { dimensionMismatch } from '../vector-index';

interface VectorRow {
  row_id: string;
  kb_id: string;
  doc_id: string;
  chunk_id: string;
  vector: Buffer;
}

const SCAN_BATCH = 2000;

function toStored(row: VectorRow): StoredVector {
  return { rowId: Number(row.row_id), kbId: row.kb_id, docId: row.doc_id, chunkId: row.chunk_id, vector: bytesToVector(row.vector) };
}

export class PostgresVectorStore implements VectorStore {
  readonly kind = 'postgres';
  readonly shared = true;
  private readonly vectors: string;
  private readonly changes: string;
  private readonly meta: string;

  private constructor(private readonly tables: PostgresTables) {
    this.vectors = tables.table('vectors');
    this.changes = tables.table('vector_changes');
    this.meta = tables.table('vector_meta');
  }

  static async open(options: PostgresRetrievalOptions): Promise<PostgresVectorStore> {
    const tables = PostgresTables.connect(options);
    const store = new PostgresVectorStore(tables);
    try {
      await attempt('create its vector tables', () =>
        tables.create(`
          CREATE TABLE IF NOT EXISTS ${store.meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS ${store.vectors} (
            row_id BIGSERIAL PRIMARY KEY,
            kb_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            chunk_id TEXT NOT NULL,
            dimension INTEGER NOT NULL,
            vector BYTEA NOT NULL,
            UNIQUE (kb_id, chunk_id)
          );
          CREATE INDEX IF NOT EXISTS "${tables.prefix}_vectors_by_doc" ON ${store.vectors} (kb_id, doc_id);
          CREATE TABLE IF NOT EXISTS ${store.changes} (
            seq BIGSERIAL PRIMARY KEY,
            row_id BIGINT NOT NULL,
            added BOOLEAN NOT NULL,
            changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
          );`),
      );
    } catch (err) {
      await tables.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  scan(visit: (row: StoredVector) => void, reserve: (count: number, dimension: number) => void): Promise<number> {
    return attempt('load vectors', () =>
      this.tables.transaction('REPEATABLE READ', async (client) => {
        const { rows: shape } = await client.query<{ count: string; dimension: number | null }>(
          `SELECT count(*)::text AS count, max(dimension) AS dimension FROM ${this.vectors}`,
        );
        const count = Number(shape[0]?.count ?? 0);
        const dimension = shape[0]?.dimension ?? null;
        if (count > 0 && dimension !== null) reserve(count, dimension);
        let after = '0';
        for (;;) {
          const { rows } = await client.query<VectorRow>(
            `SELECT row_id::text, kb_id, doc_id, chunk_id, vector FROM ${this.vectors} AS t
             WHERE t.row_id > $1 ORDER BY t.row_id LIMIT ${SCAN_BATCH}`,
            [after],
          );
          rows.forEach((row) => visit(toStored(row)));
          if (rows.length < SCAN_BATCH) break;
          after = rows[rows.length - 1]!.row_id;
        }
        return logPosition(client, this.changes, this.meta);
      }),
    );
  }

  changesSince(cursor: number): Promise<VectorChanges> {
    return attempt('read vector changes from other processes', () =>
      this.tables.transaction('REPEATABLE READ', async (client): Promise<VectorChanges> => {
        if ((await prunedThrough(client, this.meta)) > cursor) return { reload: true };
        const { rows } = await client.query<{ seq: string; row_id: string; added: boolean }>(
          `SELECT seq::text, row_id::text, added FROM ${this.changes} AS t WHERE t.seq > $1 ORDER BY t.seq`,
          [cursor],
        );
        if (rows.length === 0) return { reload: false, cursor, added: [], removed: [] };
        const addedIds = rows.filter((row) => row.added).map((row) => row.row_id);
        // Only rows that still exist: one added and removed since the cursor must not come back.
        const { rows: addedRows } = addedIds.length
          ? await client.query<VectorRow>(
              `SELECT row_id::text, kb_id, doc_id, chunk_id, vector FROM ${this.vectors} AS t
               WHERE t.row_id = ANY($1::bigint[]) ORDER BY t.row_id`,
              [addedIds],
            )
          : { rows: [] as VectorRow[] };
        return {
          reload: false,
          cursor: rows.reduce((highest, row) => Math.max(highest, Number(row.seq)), cursor),
          added: addedRows.map(toStored),
          removed: rows.filter((row) => !row.added).map((row) => Number(row.row_id)),
        };
      }),
    );
  }

  put(entries: readonly VectorInput[]): Promise<{ added: number[]; removed: number[] }> {
    if (entries.length === 0) return Promise.resolve({ added: [], removed: [] });
    const given = entries[0]!.vector.length;
    return attempt('store vectors', () =>
      this.write(async (client) => {
        const { rows: stored } = await client.query<{ dimension: number }>(`SELECT dimension FROM ${this.vectors} LIMIT 1`);
        if (stored[0] && stored[0].dimension !== given) throw dimensionMismatch(stored[0].dimension, given);
        const { rows: removedRows } = await client.query<{ row_id: string }>(
          `DELETE FROM ${this.vectors} AS v USING unnest($1::text[], $2::text[]) AS k(kb_id, chunk_id)
           WHERE v.kb_id = k.kb_id AND v.chunk_id = k.chunk_id RETURNING v.row_id::text`,
          [entries.map((e) => e.kbId), entries.map((e) => e.chunkId)],
        );
        const { rows: inserted } = await client.query<{ row_id: string; kb_id: string; chunk_id: string }>(
          `INSERT INTO ${this.vectors} (kb_id, doc_id, chunk_id, dimension, vector)
           SELECT kb_id, doc_id, chunk_id, $4, vector
           FROM unnest($1::text[], $2::text[], $3::text[], $5::bytea[]) WITH ORDINALITY AS i(kb_id, doc_id, chunk_id, vector, position)
           ORDER BY position
           RETURNING row_id::text, kb_id, chunk_id`,
          [entries.map((e) => e.kbId), entries.map((e) => e.docId), entries.map((e) => e.chunkId), given, entries.map((e) => vectorToBytes(e.vector))],
        );
        const rowOf = new Map(inserted.map((row) => [JSON.stringify([row.kb_id, row.chunk_id]), Number(row.row_id)]));
        const added = entries.map((e) => rowOf.get(JSON.stringify([e.kbId, e.chunkId]))!);
        const removed = removedRows.map((row) => Number(row.row_id));
        await this.log(client, removed, false);
        await this.log(
          client,
          [...added].sort((a, b) => a - b),
          true,
        );
        return { added, removed };
      }),
    );
  }

  deleteDocument(kbId: string, docId: string): Promise<number[]> {
    return attempt('delete a document', () => this.deleteWhere('kb_id = $1 AND doc_id = $2', [kbId, docId]));
  }

  deleteKnowledgeBase(kbId: string): Promise<number[]> {
    return attempt('delete a knowledge base', () => this.deleteWhere('kb_id = $1', [kbId]));
  }

  close(): Promise<void> {
    return attempt('close', () => this.tables.close());
  }

  private deleteWhere(condition: string, params: readonly string[]): Promise<number[]> {
    return this.write(async (client) => {
      const { rows } = await client.query<{ row_id: string }>(`DELETE FROM ${this.vectors} WHERE ${condition} RETURNING row_id::text`, [...params]);
      const removed = rows.map((row) => Number(row.row_id)).sort((a, b) => a - b);
      await this.log(client, removed, false);
      return removed;
    });
  }

  /** A write transaction holding the writer lock (see postgres-tables.ts), pruning old log entries as it goes. */
  private write<T>(action: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.tables.transaction('READ COMMITTED', async (client) => {
      await lockFor(client, this.tables.lockKey('vector-writers'));
      const result = await action(client);
      await pruneChanges(client, this.changes, this.meta, this.tables.retentionMs);
      return result;
    });
  }

  private async log(client: PoolClient, rowIds: readonly number[], added: boolean): Promise<void> {
    if (rowIds.length === 0) return;
    await client.query(`INSERT INTO ${this.changes} (row_id, added) SELECT unnest($1::bigint[]), $2`, [rowIds, added]);
  }
}
