/**
 * Embedding vectors in SQLite, as little-endian float32 BLOBs (4 bytes a value: 6 KB for 1,536
 * dimensions), in their own table so they can share the chunks' file. One process per file, so no
 * change log.
 */
import type Database from 'better-sqlite3';
import { openSqliteFile, sqliteAttempt } from './sqlite-file';
import { bytesToVector, vectorToBytes, type StoredVector, type VectorChanges, type VectorInput, type VectorStore } from '../vector-store';
import { dimensionMismatch } from '../vector-index';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vectors (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: memory maps row ids to slots
  kb_id TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  chunk_id TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  vector BLOB NOT NULL,
  UNIQUE (kb_id, chunk_id)
);
CREATE INDEX IF NOT EXISTS vectors_by_doc ON vectors (kb_id, doc_id);
`;

interface VectorRow {
  row_id: number;
  kb_id: string;
  doc_id: string;
  chunk_id: string;
  vector: Buffer;
}

export class SqliteVectorStore implements VectorStore {
  readonly kind = 'sqlite';
  readonly shared = false;

  private constructor(private readonly db: Database.Database) {}

  static open(file: string): SqliteVectorStore {
    return new SqliteVectorStore(openSqliteFile(file, SCHEMA, 'vector index'));
  }

  private run<T>(what: string, action: () => T): Promise<T> {
    return sqliteAttempt(`vector index: cannot ${what}`, action);
  }

  scan(visit: (row: StoredVector) => void, reserve: (count: number, dimension: number) => void): Promise<number> {
    return this.run('load vectors', () => {
      this.db.transaction(() => {
        const shape = this.db.prepare('SELECT count(*) AS count, max(dimension) AS dimension FROM vectors').get() as {
          count: number;
          dimension: number | null;
        };
        if (shape.count === 0 || shape.dimension === null) return;
        reserve(shape.count, shape.dimension);
        const rows = this.db.prepare('SELECT row_id, kb_id, doc_id, chunk_id, vector FROM vectors ORDER BY row_id').iterate() as IterableIterator<VectorRow>;
        for (const row of rows) {
          visit({ rowId: row.row_id, kbId: row.kb_id, docId: row.doc_id, chunkId: row.chunk_id, vector: bytesToVector(row.vector) });
        }
      })();
      return 0;
    });
  }

  changesSince(cursor: number): Promise<VectorChanges> {
    return Promise.resolve({ reload: false, cursor, added: [], removed: [] });
  }

  put(entries: readonly VectorInput[]): Promise<{ added: number[]; removed: number[] }> {
    return this.run('store vectors', () => {
      const existing = this.db.prepare('SELECT row_id FROM vectors WHERE kb_id = ? AND chunk_id = ?');
      const remove = this.db.prepare('DELETE FROM vectors WHERE row_id = ?');
      const insert = this.db.prepare('INSERT INTO vectors (kb_id, doc_id, chunk_id, dimension, vector) VALUES (?, ?, ?, ?, ?)');
      return this.db.transaction(() => {
        const stored = this.db.prepare('SELECT dimension FROM vectors LIMIT 1').get() as { dimension: number } | undefined;
        const given = entries[0]?.vector.length;
        if (stored && given !== undefined && stored.dimension !== given) throw dimensionMismatch(stored.dimension, given);
        const added: number[] = [];
        const removed: number[] = [];
        for (const entry of entries) {
          const previous = existing.get(entry.kbId, entry.chunkId) as { row_id: number } | undefined;
          if (previous) {
            remove.run(previous.row_id);
            removed.push(previous.row_id);
          }
          const result = insert.run(entry.kbId, entry.docId, entry.chunkId, entry.vector.length, vectorToBytes(entry.vector));
          added.push(Number(result.lastInsertRowid));
        }
        return { added, removed };
      })();
    });
  }

  deleteDocument(kbId: string, docId: string): Promise<number[]> {
    return this.run('delete a document', () => this.deleteWhere('kb_id = ? AND doc_id = ?', [kbId, docId]));
  }

  deleteKnowledgeBase(kbId: string): Promise<number[]> {
    return this.run('delete a knowledge base', () => this.deleteWhere('kb_id = ?', [kbId]));
  }

  private deleteWhere(condition: string, params: readonly string[]): number[] {
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT row_id FROM vectors WHERE ${condition} ORDER BY row_id`).all(...params) as { row_id: number }[];
      this.db.prepare(`DELETE FROM vectors WHERE ${condition}`).run(...params);
      return rows.map((row) => row.row_id);
    })();
  }

  close(): Promise<void> {
    return this.run('close', () => {
      if (this.db.open) this.db.close();
    });
  }
}
