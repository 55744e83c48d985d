/**
 * BM25 search over chunks of many knowledge bases. Chunks are kept by a `ChunkStore` (SQLite, or
 * PostgreSQL shared by several processes) and their postings in memory (`InvertedIndex`), rebuilt
 * from the stored terms on open. Changes go to the store first and to memory after, so a failed
 * write leaves both as they were. With a shared store, other processes' changes are applied by
 * `refresh()`, which `search` calls by itself once `refreshIntervalMs` has passed.
 *
 * Collection statistics (document count, average length, document frequencies) are shared by all
 * knowledge bases in the index, as in one Lucene index filtered by a field: a chunk's score does
 * not depend on which other knowledge bases the search was restricted to.
 */
import { ErrorCode, InternalError } from '../../core/errors';
import { defaultAnalyzer, type Analyzer } from './algorithms/analysis';
import { DEFAULT_BM25, type Bm25Params } from './algorithms/bm25';
import type { ChunkInput, ChunkKey, ChunkStore, ChunkTerms, StoredChunk } from './chunk-store';
import { countTerms, InvertedIndex, type TermCounts } from './algorithms/inverted-index';
import { PostgresChunkStore } from './postgres/postgres-chunk-store';
import type { PostgresRetrievalOptions } from './postgres/postgres-tables';
import { SqliteChunkStore } from './sqlite/sqlite-chunk-store';
import { StoreMirror } from './store-mirror';

export interface LexicalIndexOptions {
  readonly bm25?: Bm25Params;
  /** Custom analysis; give it its own `analyzerVersion` so stored terms are redone when it changes. */
  readonly analyzer?: Analyzer;
  readonly analyzerVersion?: string;
  /**
   * With a store other processes also write (PostgreSQL), `search` first applies their changes
   * when the last refresh is older than this; 0 refreshes before every search. Default 1000 ms.
   */
  readonly refreshIntervalMs?: number;
}

export interface LexicalHit extends Omit<StoredChunk, 'rowId'> {
  /** BM25 score: higher is better; comparable between searches only for the same query. */
  readonly score: number;
  /**
   * The score divided by the highest score any chunk could reach for this query (see
   * `InvertedIndex.scoreBound`): 0 to 1, comparable between queries, so one relevance threshold
   * fits short questions and long ones.
   */
  readonly relevance: number;
}

/** Bump when the default analysis changes: stored terms are then recomputed on open. */
export const DEFAULT_ANALYZER_VERSION = 'en-snowball-porter2-v1';

/** More than any caller needs (RAG uses a handful, evaluation 100); keeps a typo from costing much. */
export const MAX_SEARCH_LIMIT = 10_000;

export class LexicalIndex {
  private postings: InvertedIndex;
  private readonly bm25: Bm25Params;
  private readonly analyzer: Analyzer;
  private readonly mirror: StoreMirror;
  private readonly groupOfKb = new Map<string, number>();
  private readonly slotOfRow = new Map<number, number>();
  private rowOfSlot: number[] = [];
  /** Position in the store's change log up to which memory reflects the store. */
  private cursor = 0;
  /** Mutations run one at a time so the store and memory always change in the same order. */

  private constructor(
    private readonly store: ChunkStore,
    options: LexicalIndexOptions,
  ) {
    this.bm25 = options.bm25 ?? DEFAULT_BM25;
    this.postings = new InvertedIndex(this.bm25);
    this.analyzer = options.analyzer ?? defaultAnalyzer;
    this.mirror = new StoreMirror(store.shared, options.refreshIntervalMs);
  }

  /** Opens an index over `store`, loading every stored chunk into memory. */
  static async open(store: ChunkStore, options: LexicalIndexOptions = {}): Promise<LexicalIndex> {
    const index = new LexicalIndex(store, options);
    const version = options.analyzerVersion ?? DEFAULT_ANALYZER_VERSION;
    if ((await store.analyzerVersion()) !== version) {
      await store.reanalyse(version, (title, text) => index.analyseChunk(title, text));
    }
    await index.loadAll();
    return index;
  }

  /** Opens (or creates) an SQLite-backed index; `:memory:` for a throwaway one. */
  static openSqlite(file: string, options: LexicalIndexOptions = {}): Promise<LexicalIndex> {
    return LexicalIndex.open(SqliteChunkStore.open(file), options);
  }

  /** Opens an index on PostgreSQL, creating its tables when missing; several processes may share them. */
  static async openPostgres(postgres: PostgresRetrievalOptions, options: LexicalIndexOptions = {}): Promise<LexicalIndex> {
    const store = await PostgresChunkStore.open(postgres);
    try {
      return await LexicalIndex.open(store, options);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** Number of searchable chunks. */
  get size(): number {
    return this.postings.documentCount;
  }

  /** The terms a text is indexed and searched under (the title counts as part of the text). */
  analyseChunk(title: string, text: string): TermCounts {
    return countTerms([...this.analyzer(title), ...this.analyzer(text)]);
  }

  /** Adds chunks (one transaction); a chunk whose (kbId, chunkId) exists replaces it. */
  async add(chunks: readonly ChunkInput[]): Promise<void> {
    chunks.forEach(validateChunk);
    // A chunk id repeated within the batch: the last one wins, as if added one after the other.
    const lastOfEach = new Map<string, ChunkInput>();
    for (const chunk of chunks) {
      const key = JSON.stringify([chunk.kbId, chunk.chunkId]);
      lastOfEach.delete(key);
      lastOfEach.set(key, chunk);
    }
    const analysed = [...lastOfEach.values()].map((chunk) => ({ ...chunk, terms: this.analyseChunk(chunk.title, chunk.text) }));
    if (analysed.length === 0) return;
    return this.mirror.exclusive(async () => {
      const { added, replaced } = await this.store.put(analysed);
      this.removeFromMemory(replaced);
      // In row order, as a reopen or another process loads them, so ties rank the same everywhere.
      added
        .map((rowId, i) => ({ rowId, chunk: analysed[i]! }))
        .sort((a, b) => a.rowId - b.rowId)
        .forEach(({ rowId, chunk }) => this.addToMemory(rowId, chunk.kbId, chunk.terms));
    });
  }

  /** Removes every chunk of a document; returns how many were removed (0 when none existed). */
  remove(kbId: string, docId: string): Promise<number> {
    return this.mirror.exclusive(async () => {
      const removed = await this.store.deleteDocument(kbId, docId);
      this.removeFromMemory(removed);
      return removed.length;
    });
  }

  /** Removes every chunk of a knowledge base; returns how many were removed. */
  removeKnowledgeBase(kbId: string): Promise<number> {
    return this.mirror.exclusive(async () => {
      const removed = await this.store.deleteKnowledgeBase(kbId);
      this.removeFromMemory(removed);
      return removed.length;
    });
  }

  /**
   * The best `limit` chunks for `query`, best first, from the given knowledge bases (all when
   * `kbIds` is omitted). Chunks sharing no term with the query are never returned, so an empty
   * result means nothing matched at all.
   */
  async search(query: string, limit: number, kbIds?: readonly string[]): Promise<LexicalHit[]> {
    if (this.mirror.stale) await this.refresh();
    const queryCounts = this.analyseQuery(query);
    const hits = this.rankRows(queryCounts, limit, kbIds);
    if (hits.length === 0) return [];
    const bound = this.postings.scoreBound(queryCounts);
    const chunks = await this.store.fetch(hits.map((hit) => hit.rowId));
    const scoreOfRow = new Map(hits.map((hit) => [hit.rowId, hit.score]));
    return chunks.map(({ rowId, ...chunk }) => {
      const score = scoreOfRow.get(rowId) ?? 0;
      return { ...chunk, score, relevance: bound > 0 ? Math.min(1, score / bound) : 0 };
    });
  }

  /** Stored chunks by (kbId, chunkId), in the order asked; for hits another ranking found (vectors). */
  async chunks(keys: readonly ChunkKey[]): Promise<Omit<StoredChunk, 'rowId'>[]> {
    const found = await this.store.fetchByChunkId(keys);
    return found.map(({ rowId: _rowId, ...chunk }) => chunk);
  }

  /**
   * Applies what other processes sharing the store changed since the last refresh (a no-op for a
   * store only this process writes). `search` calls it by itself; call it to be sure right now.
   */
  refresh(): Promise<void> {
    return this.mirror.exclusive(async () => {
      const changes = await this.store.changesSince(this.cursor);
      if (changes.reload) {
        await this.loadAll();
        return;
      }
      // Idempotent: this process reads back its own changes too, which memory already reflects.
      this.removeFromMemory(changes.removed);
      for (const row of changes.added) {
        if (!this.slotOfRow.has(row.rowId)) this.addToMemory(row.rowId, row.kbId, row.terms);
      }
      this.cursor = changes.cursor;
      this.mirror.markRefreshed();
    });
  }

  /** `search` without reading chunk text back or refreshing: store row ids and scores, best first. */
  searchRows(query: string, limit: number, kbIds?: readonly string[]): { rowId: number; score: number }[] {
    return this.rankRows(this.analyseQuery(query), limit, kbIds);
  }

  /** Query terms with their counts in the query (a repeated word weighs more). */
  private analyseQuery(query: string): Map<string, number> {
    const queryCounts = new Map<string, number>();
    for (const term of this.analyzer(query)) queryCounts.set(term, (queryCounts.get(term) ?? 0) + 1);
    return queryCounts;
  }

  private rankRows(queryCounts: ReadonlyMap<string, number>, limit: number, kbIds?: readonly string[]): { rowId: number; score: number }[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new InternalError(ErrorCode.Internal, `search limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`);
    }
    if (queryCounts.size === 0) return [];
    let allowGroup: ((group: number) => boolean) | undefined;
    if (kbIds) {
      const groups = new Set(kbIds.flatMap((kbId) => this.groupOfKb.get(kbId) ?? []));
      if (groups.size === 0) return [];
      allowGroup = (group) => groups.has(group);
    }
    return this.postings.search(queryCounts, limit, allowGroup).map((hit) => ({ rowId: this.rowOfSlot[hit.slot]!, score: hit.score }));
  }

  /** Closes the store once the changes already queued are done. */
  close(): Promise<void> {
    return this.mirror.exclusive(() => this.store.close());
  }

  /** Replaces memory with everything stored (on open, and when the change log no longer reaches back). */
  private async loadAll(): Promise<void> {
    this.postings = new InvertedIndex(this.bm25);
    this.slotOfRow.clear();
    this.rowOfSlot = [];
    this.cursor = await this.store.scanTerms((row) => this.addToMemory(row.rowId, row.kbId, row.terms));
    this.mirror.markRefreshed();
  }

  private addToMemory(rowId: number, kbId: string, terms: TermCounts): void {
    let group = this.groupOfKb.get(kbId);
    if (group === undefined) {
      group = this.groupOfKb.size + 1;
      this.groupOfKb.set(kbId, group);
    }
    const slot = this.postings.add(group, terms);
    this.rowOfSlot[slot] = rowId;
    this.slotOfRow.set(rowId, slot);
  }

  private removeFromMemory(rows: readonly ChunkTerms[]): void {
    for (const row of rows) {
      const slot = this.slotOfRow.get(row.rowId);
      if (slot === undefined) continue;
      this.postings.remove(slot, row.terms.terms);
      this.slotOfRow.delete(row.rowId);
    }
  }
}

function validateChunk(chunk: ChunkInput, position: number): void {
  for (const field of ['kbId', 'docId', 'chunkId'] as const) {
    const value: unknown = chunk[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InternalError(ErrorCode.Internal, `chunk ${position + 1} has no ${field}`);
    }
  }
  for (const field of ['title', 'text'] as const) {
    if (typeof chunk[field] !== 'string') {
      throw new InternalError(ErrorCode.Internal, `chunk ${position + 1} (${chunk.chunkId}) has no ${field} text`);
    }
  }
  // PostgreSQL text cannot hold NUL; refusing it everywhere keeps both backends alike.
  for (const field of ['kbId', 'docId', 'chunkId', 'title', 'text', 'url', 'location'] as const) {
    if (chunk[field]?.includes('\u0000')) {
      throw new InternalError(ErrorCode.Internal, `chunk ${position + 1} (${chunk.chunkId}) has a NUL character in its ${field}`);
    }
  }
}
