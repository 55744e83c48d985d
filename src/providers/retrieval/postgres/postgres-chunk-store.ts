/**
 * Chunks in PostgreSQL, for deployments where several processes share one database (SPEC §5).
 *
 * Ranking stays in the shared in-memory BM25 (`LexicalIndex`): PostgreSQL's full-text search
 * (ts_rank) scores differently from BM25, so searching in SQL would make answers depend on the
 * backend. Storing each chunk's analysed terms makes the ranking backend-independent; PostgreSQL
 * only keeps rows. No tsvector column is kept either: it would cost every write for a ranking we
 * do not use (ad-hoc SQL can still run `to_tsvector(text)` on the fly).
 *
 * Each process holds its own postings, so every write also lands in a change log
 * (`<prefix>_chunk_changes`) that the other processes read on `LexicalIndex.refresh()`.
 */
import { ErrorCode, InternalError } from '../../../core/errors';
import {
  decodeTerms,
  encodeTerms,
  type AnalysedChunk,
  type ChunkChanges,
  type ChunkKey,
  type ChunkStore,
  type ChunkTerms,
  type StoredChunk,
} from '../chunk-store';
import type { TermCounts } from '../algorithms/inverted-index';
import {
  attempt,
  invalidateChanges,
  lockFor,
  logPosition,
  prunedThrough,
  pruneChanges,
  PostgresTables,
  type PostgresRetrievalOptions,
} from './postgres-tables';
import type { PoolClient } from 'pg';

interface TermsRow {
  row_id: string;
  kb_id: string;
  terms: string;
  term_length: number;
}

interface ChunkRow {
  row_id: string;
  kb_id: string;
  doc_id: string;
  chunk_id: string;
  title: string;
  text: string;
  url: string | null;
  location: string | null;
}

function toStoredChunk(row: ChunkRow): StoredChunk {
  return {
    rowId: Number(row.row_id),
    kbId: row.kb_id,
    docId: row.doc_id,
    chunkId: row.chunk_id,
    title: row.title,
    text: row.text,
    ...(row.url !== null ? { url: row.url } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
  };
}

const SCAN_BATCH = 5000;
const REANALYSE_BATCH = 1000;

function toTerms(row: TermsRow): ChunkTerms {
  return { rowId: Number(row.row_id), kbId: row.kb_id, terms: decodeTerms(row.terms, row.term_length) };
}

export class PostgresChunkStore implements ChunkStore {
  readonly kind = 'postgres';
  readonly shared = true;
  private readonly chunks: string;
  private readonly changes: string;
  private readonly meta: string;

  private constructor(private readonly tables: PostgresTables) {
    this.chunks = tables.table('chunks');
    this.changes = tables.table('chunk_changes');
    this.meta = tables.table('chunk_meta');
  }

  /** Connects and creates the tables when missing (safe when several processes start at once). */
  static async open(options: PostgresRetrievalOptions): Promise<PostgresChunkStore> {
    const tables = PostgresTables.connect(options);
    const store = new PostgresChunkStore(tables);
    try {
      await attempt('create its tables', () => tables.create(store.schema()));
    } catch (err) {
      await tables.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  private schema(): string {
    const name = (suffix: string) => `"${this.tables.prefix}_${suffix}"`;
    return `
      CREATE TABLE IF NOT EXISTS ${this.meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.chunks} (
        row_id BIGSERIAL PRIMARY KEY, -- never reused: memory maps row ids to postings
        kb_id TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        chunk_id TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        url TEXT,
        location TEXT,
        terms TEXT NOT NULL,
        term_length INTEGER NOT NULL,
        UNIQUE (kb_id, chunk_id)
      );
      CREATE INDEX IF NOT EXISTS ${name('chunks_by_doc')} ON ${this.chunks} (kb_id, doc_id);
      CREATE TABLE IF NOT EXISTS ${this.changes} (
        seq BIGSERIAL PRIMARY KEY,
        row_id BIGINT NOT NULL,
        added BOOLEAN NOT NULL,
        kb_id TEXT NOT NULL,
        -- a deleted row's terms, which other processes need to take it out of their postings
        terms TEXT,
        term_length INTEGER,
        changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );`;
  }

  analyzerVersion(): Promise<string | undefined> {
    return attempt('read the analyzer version', async () => {
      const { rows } = await this.tables.pool.query<{ value: string }>(`SELECT value FROM ${this.meta} WHERE key = 'analyzer'`);
      return rows[0]?.value;
    });
  }

  reanalyse(version: string, analyse: (title: string, text: string) => TermCounts): Promise<void> {
    return attempt('re-analyse stored chunks', () =>
      this.write(async (client) => {
        // Another process may have done it while this one waited for the lock.
        const { rows: current } = await client.query<{ value: string }>(`SELECT value FROM ${this.meta} WHERE key = 'analyzer'`);
        if (current[0]?.value === version) return;
        let after = '0';
        for (;;) {
          const { rows } = await client.query<{ row_id: string; title: string; text: string }>(
            `SELECT row_id::text, title, text FROM ${this.chunks} AS t WHERE t.row_id > $1 ORDER BY t.row_id LIMIT ${REANALYSE_BATCH}`,
            [after],
          );
          if (rows.length === 0) break;
          const analysed = rows.map((row) => analyse(row.title, row.text));
          await client.query(
            `UPDATE ${this.chunks} AS c SET terms = u.terms, term_length = u.term_length
             FROM unnest($1::bigint[], $2::text[], $3::int[]) AS u(row_id, terms, term_length)
             WHERE c.row_id = u.row_id`,
            [rows.map((row) => row.row_id), analysed.map(encodeTerms), analysed.map((terms) => terms.length)],
          );
          after = rows[rows.length - 1]!.row_id;
        }
        await client.query(`INSERT INTO ${this.meta} (key, value) VALUES ('analyzer', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [version]);
        // Terms changed in place, which the log cannot express: every other process reloads.
        await invalidateChanges(client, this.changes, this.meta);
      }),
    );
  }

  scanTerms(visit: (row: ChunkTerms) => void): Promise<number> {
    return attempt('load chunks', () =>
      // One snapshot for the rows and the log position, so no change is both loaded and replayed
      // as new, or neither.
      this.tables.transaction('REPEATABLE READ', async (client) => {
        let after = '0';
        for (;;) {
          const { rows } = await client.query<TermsRow>(
            `SELECT row_id::text, kb_id, terms, term_length FROM ${this.chunks} AS t
             WHERE t.row_id > $1 ORDER BY t.row_id LIMIT ${SCAN_BATCH}`,
            [after],
          );
          rows.forEach((row) => visit(toTerms(row)));
          if (rows.length < SCAN_BATCH) break;
          after = rows[rows.length - 1]!.row_id;
        }
        return logPosition(client, this.changes, this.meta);
      }),
    );
  }

  changesSince(cursor: number): Promise<ChunkChanges> {
    return attempt('read changes from other processes', () =>
      this.tables.transaction('REPEATABLE READ', async (client): Promise<ChunkChanges> => {
        if ((await prunedThrough(client, this.meta)) > cursor) return { reload: true };
        // An added row is reported only if it still exists: one added and deleted since the
        // cursor must not come back. Its deletion is in the log too and is then a no-op.
        const { rows } = await client.query<{
          seq: string;
          row_id: string;
          added: boolean;
          kb_id: string;
          terms: string | null;
          term_length: number | null;
          current_terms: string | null;
          current_length: number | null;
        }>(
          `SELECT l.seq::text, l.row_id::text, l.added, l.kb_id, l.terms, l.term_length,
                  c.terms AS current_terms, c.term_length AS current_length
           FROM ${this.changes} AS l LEFT JOIN ${this.chunks} AS c ON l.added AND c.row_id = l.row_id
           WHERE l.seq > $1 ORDER BY l.seq`,
          [cursor],
        );
        const added: ChunkTerms[] = [];
        const removed: ChunkTerms[] = [];
        let next = cursor;
        for (const row of rows) {
          next = Math.max(next, Number(row.seq));
          const rowId = Number(row.row_id);
          if (!row.added) {
            removed.push({ rowId, kbId: row.kb_id, terms: decodeTerms(row.terms ?? '', row.term_length ?? 0) });
          } else if (row.current_terms !== null) {
            added.push({ rowId, kbId: row.kb_id, terms: decodeTerms(row.current_terms, row.current_length ?? 0) });
          }
        }
        return { reload: false, cursor: next, added, removed };
      }),
    );
  }

  put(chunks: readonly AnalysedChunk[]): Promise<{ added: number[]; replaced: ChunkTerms[] }> {
    const seen = new Set<string>();
    for (const chunk of chunks) {
      const key = JSON.stringify([chunk.kbId, chunk.chunkId]);
      if (seen.has(key)) {
        // LexicalIndex keeps the last of repeated ids before calling; one statement per batch needs them distinct.
        return Promise.reject(new InternalError(ErrorCode.Internal, `chunk ${chunk.chunkId} of ${chunk.kbId} appears twice in one batch`));
      }
      seen.add(key);
    }
    if (chunks.length === 0) return Promise.resolve({ added: [], replaced: [] });
    return attempt('store chunks', () =>
      this.write(async (client) => {
        const { rows: replacedRows } = await client.query<TermsRow>(
          `DELETE FROM ${this.chunks} AS c USING unnest($1::text[], $2::text[]) AS k(kb_id, chunk_id)
           WHERE c.kb_id = k.kb_id AND c.chunk_id = k.chunk_id
           RETURNING c.row_id::text, c.kb_id, c.terms, c.term_length`,
          [chunks.map((c) => c.kbId), chunks.map((c) => c.chunkId)],
        );
        const { rows: insertedRows } = await client.query<{ row_id: string; kb_id: string; chunk_id: string }>(
          `INSERT INTO ${this.chunks} (kb_id, doc_id, chunk_id, title, text, url, location, terms, term_length)
           SELECT kb_id, doc_id, chunk_id, title, text, url, location, terms, term_length
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
             WITH ORDINALITY AS i(kb_id, doc_id, chunk_id, title, text, url, location, terms, term_length, position)
           ORDER BY position
           RETURNING row_id::text, kb_id, chunk_id`,
          [
            chunks.map((c) => c.kbId),
            chunks.map((c) => c.docId),
            chunks.map((c) => c.chunkId),
            chunks.map((c) => c.title),
            chunks.map((c) => c.text),
            chunks.map((c) => c.url ?? null),
            chunks.map((c) => c.location ?? null),
            chunks.map((c) => encodeTerms(c.terms)),
            chunks.map((c) => c.terms.length),
          ],
        );
        const rowOf = new Map(insertedRows.map((row) => [JSON.stringify([row.kb_id, row.chunk_id]), Number(row.row_id)]));
        const added = chunks.map((c) => rowOf.get(JSON.stringify([c.kbId, c.chunkId]))!);
        const replaced = replacedRows.map(toTerms);
        await this.logRemoved(client, replacedRows);
        await client.query(
          `INSERT INTO ${this.changes} (row_id, added, kb_id)
           SELECT row_id, true, kb_id FROM unnest($1::bigint[], $2::text[]) AS a(row_id, kb_id) ORDER BY row_id`,
          [added, chunks.map((c) => c.kbId)],
        );
        return { added, replaced };
      }),
    );
  }

  deleteDocument(kbId: string, docId: string): Promise<ChunkTerms[]> {
    return attempt('delete a document', () => this.deleteWhere('kb_id = $1 AND doc_id = $2', [kbId, docId]));
  }

  deleteKnowledgeBase(kbId: string): Promise<ChunkTerms[]> {
    return attempt('delete a knowledge base', () => this.deleteWhere('kb_id = $1', [kbId]));
  }

  private deleteWhere(condition: string, params: readonly string[]): Promise<ChunkTerms[]> {
    return this.write(async (client) => {
      const { rows } = await client.query<TermsRow>(`DELETE FROM ${this.chunks} WHERE ${condition} RETURNING row_id::text, kb_id, terms, term_length`, [
        ...params,
      ]);
      await this.logRemoved(client, rows);
      return rows.map(toTerms).sort((a, b) => a.rowId - b.rowId);
    });
  }

  fetchByChunkId(keys: readonly ChunkKey[]): Promise<StoredChunk[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return attempt('read chunks', async () => {
      const { rows } = await this.tables.pool.query<ChunkRow>(
        `SELECT row_id::text, kb_id, doc_id, chunk_id, title, text, url, location FROM ${this.chunks}
         WHERE (kb_id, chunk_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [keys.map((k) => k.kbId), keys.map((k) => k.chunkId)],
      );
      const byKey = new Map(rows.map((row) => [JSON.stringify([row.kb_id, row.chunk_id]), row]));
      return keys.flatMap((key): StoredChunk[] => {
        const row = byKey.get(JSON.stringify([key.kbId, key.chunkId]));
        return row ? [toStoredChunk(row)] : [];
      });
    });
  }

  fetch(rowIds: readonly number[]): Promise<StoredChunk[]> {
    if (rowIds.length === 0) return Promise.resolve([]);
    return attempt('read chunks', async () => {
      const { rows } = await this.tables.pool.query<ChunkRow>(
        `SELECT row_id::text, kb_id, doc_id, chunk_id, title, text, url, location FROM ${this.chunks}
         WHERE row_id = ANY($1::bigint[])`,
        [rowIds],
      );
      const byId = new Map(rows.map((row) => [Number(row.row_id), row]));
      return rowIds.flatMap((rowId): StoredChunk[] => {
        const row = byId.get(rowId);
        return row ? [toStoredChunk(row)] : [];
      });
    });
  }

  close(): Promise<void> {
    return attempt('close', () => this.tables.close());
  }

  /** A write transaction holding the writer lock (see postgres-tables.ts), pruning old log entries as it goes. */
  private write<T>(action: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.tables.transaction('READ COMMITTED', async (client) => {
      await lockFor(client, this.tables.lockKey('chunk-writers'));
      const result = await action(client);
      await pruneChanges(client, this.changes, this.meta, this.tables.retentionMs);
      return result;
    });
  }

  private async logRemoved(client: PoolClient, rows: readonly TermsRow[]): Promise<void> {
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO ${this.changes} (row_id, added, kb_id, terms, term_length)
       SELECT * FROM unnest($1::bigint[], $2::boolean[], $3::text[], $4::text[], $5::int[])`,
      [rows.map((row) => row.row_id), rows.map(() => false), rows.map((row) => row.kb_id), rows.map((row) => row.terms), rows.map((row) => row.term_length)],
    );
  }
}
