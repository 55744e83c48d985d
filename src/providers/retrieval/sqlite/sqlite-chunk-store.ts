/**
 * Chunks in SQLite (better-sqlite3): text for citations plus each chunk's analysed terms, so that
 * reopening rebuilds the in-memory index without analysing every chunk again. One process per file.
 */
import type Database from 'better-sqlite3';
import { openSqliteFile, sqliteAttempt } from './sqlite-file';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lexical_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lexical_chunks (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: memory maps row ids to postings
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
CREATE INDEX IF NOT EXISTS lexical_chunks_by_doc ON lexical_chunks (kb_id, doc_id);
`;

interface ChunkRow {
  row_id: number;
  kb_id: string;
  doc_id: string;
  chunk_id: string;
  title: string;
  text: string;
  url: string | null;
  location: string | null;
}

interface TermsRow {
  row_id: number;
  kb_id: string;
  terms: string;
  term_length: number;
}

const FETCH_BATCH = 500;

function toTerms(row: TermsRow): ChunkTerms {
  return { rowId: row.row_id, kbId: row.kb_id, terms: decodeTerms(row.terms, row.term_length) };
}

function toChunk(row: ChunkRow): StoredChunk {
  return {
    rowId: row.row_id,
    kbId: row.kb_id,
    docId: row.doc_id,
    chunkId: row.chunk_id,
    title: row.title,
    text: row.text,
    ...(row.url !== null ? { url: row.url } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
  };
}

export class SqliteChunkStore implements ChunkStore {
  readonly kind = 'sqlite';
  /** One process per file: nobody else changes it, so there is no change log to read. */
  readonly shared = false;

  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating if needed) the file; `:memory:` gives a throwaway store. */
  static open(file: string): SqliteChunkStore {
    return new SqliteChunkStore(openSqliteFile(file, SCHEMA, 'knowledge index'));
  }

  private run<T>(what: string, action: () => T): Promise<T> {
    return sqliteAttempt(`knowledge index: cannot ${what}`, action);
  }

  analyzerVersion(): Promise<string | undefined> {
    return this.run('read the analyzer version', () => {
      const row = this.db.prepare('SELECT value FROM lexical_meta WHERE key = ?').get('analyzer') as { value: string } | undefined;
      return row?.value;
    });
  }

  reanalyse(version: string, analyse: (title: string, text: string) => TermCounts): Promise<void> {
    return this.run('re-analyse stored chunks', () => {
      const update = this.db.prepare('UPDATE lexical_chunks SET terms = ?, term_length = ? WHERE row_id = ?');
      const setVersion = this.db.prepare('INSERT INTO lexical_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
      this.db.transaction(() => {
        // Read all first: a connection cannot update a table while a query over it is still open.
        const all = this.db.prepare('SELECT row_id, title, text FROM lexical_chunks').all() as Pick<ChunkRow, 'row_id' | 'title' | 'text'>[];
        for (const row of all) {
          const terms = analyse(row.title, row.text);
          update.run(encodeTerms(terms), terms.length, row.row_id);
        }
        setVersion.run('analyzer', version);
      })();
    });
  }

  scanTerms(visit: (row: ChunkTerms) => void): Promise<number> {
    return this.run('load chunks', () => {
      const rows = this.db.prepare('SELECT row_id, kb_id, terms, term_length FROM lexical_chunks ORDER BY row_id').iterate() as IterableIterator<TermsRow>;
      for (const row of rows) visit(toTerms(row));
      return 0;
    });
  }

  changesSince(cursor: number): Promise<ChunkChanges> {
    return Promise.resolve({ reload: false, cursor, added: [], removed: [] });
  }

  put(chunks: readonly AnalysedChunk[]): Promise<{ added: number[]; replaced: ChunkTerms[] }> {
    return this.run('store chunks', () => {
      const existing = this.db.prepare('SELECT row_id, kb_id, terms, term_length FROM lexical_chunks WHERE kb_id = ? AND chunk_id = ?');
      const remove = this.db.prepare('DELETE FROM lexical_chunks WHERE row_id = ?');
      const insert = this.db.prepare(
        `INSERT INTO lexical_chunks (kb_id, doc_id, chunk_id, title, text, url, location, terms, term_length)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      return this.db.transaction(() => {
        const added: number[] = [];
        const replaced: ChunkTerms[] = [];
        for (const chunk of chunks) {
          const previous = existing.get(chunk.kbId, chunk.chunkId) as TermsRow | undefined;
          if (previous) {
            remove.run(previous.row_id);
            replaced.push(toTerms(previous));
          }
          const result = insert.run(
            chunk.kbId,
            chunk.docId,
            chunk.chunkId,
            chunk.title,
            chunk.text,
            chunk.url ?? null,
            chunk.location ?? null,
            encodeTerms(chunk.terms),
            chunk.terms.length,
          );
          added.push(Number(result.lastInsertRowid));
        }
        return { added, replaced };
      })();
    });
  }

  deleteDocument(kbId: string, docId: string): Promise<ChunkTerms[]> {
    return this.run('delete a document', () => this.deleteWhere('kb_id = ? AND doc_id = ?', [kbId, docId]));
  }

  deleteKnowledgeBase(kbId: string): Promise<ChunkTerms[]> {
    return this.run('delete a knowledge base', () => this.deleteWhere('kb_id = ?', [kbId]));
  }

  private deleteWhere(condition: string, params: readonly string[]): ChunkTerms[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT row_id, kb_id, terms, term_length FROM lexical_chunks WHERE ${condition} ORDER BY row_id`)
        .all(...params) as TermsRow[];
      this.db.prepare(`DELETE FROM lexical_chunks WHERE ${condition}`).run(...params);
      return rows.map(toTerms);
    })();
  }

  fetch(rowIds: readonly number[]): Promise<StoredChunk[]> {
    return this.run('read chunks', () => {
      const byId = new Map<number, StoredChunk>();
      for (let start = 0; start < rowIds.length; start += FETCH_BATCH) {
        const batch = rowIds.slice(start, start + FETCH_BATCH);
        const rows = this.db
          .prepare(
            `SELECT row_id, kb_id, doc_id, chunk_id, title, text, url, location FROM lexical_chunks
             WHERE row_id IN (${batch.map(() => '?').join(',')})`,
          )
          .all(...batch) as ChunkRow[];
        for (const row of rows) byId.set(row.row_id, toChunk(row));
      }
      return rowIds.flatMap((id) => byId.get(id) ?? []);
    });
  }

  fetchByChunkId(keys: readonly ChunkKey[]): Promise<StoredChunk[]> {
    return this.run('read chunks', () => {
      const select = this.db.prepare('SELECT row_id, kb_id, doc_id, chunk_id, title, text, url, location FROM lexical_chunks WHERE kb_id = ? AND chunk_id = ?');
      return keys.flatMap((key) => {
        const row = select.get(key.kbId, key.chunkId) as ChunkRow | undefined;
        return row ? [toChunk(row)] : [];
      });
    });
  }

  close(): Promise<void> {
    return this.run('close', () => {
      if (this.db.open) this.db.close();
    });
  }
}
