/**
 * BM25 search over chunks of many knowledge bases. Chunks are kept by a `ChunkStore` (SQLite now)
 * and their postings in memory (`InvertedIndex`), rebuilt from the stored terms on open. Changes
 * go to the store first and to memory after, so a failed write leaves both as they were.
 *
 * Collection statistics (document count, average length, document frequencies) are shared by all
 * knowledge bases in the index, as in one Lucene index filtered by a field: a chunk's score does
 * not depend on which other knowledge bases the search was restricted to.
 */
import { ErrorCode, InternalError } from '../../core/errors';
import { defaultAnalyzer, type Analyzer } from './analysis';
import { DEFAULT_BM25, type Bm25Params } from './bm25';
import type { ChunkInput, ChunkStore, ChunkTerms, StoredChunk } from './chunk-store';
import { countTerms, InvertedIndex, type TermCounts } from './inverted-index';
import { SqliteChunkStore } from './sqlite-chunk-store';

export interface LexicalIndexOptions {
  readonly bm25?: Bm25Params;
  /** Custom analysis; give it its own `analyzerVersion` so stored terms are redone when it changes. */
  readonly analyzer?: Analyzer;
  readonly analyzerVersion?: string;
}

export interface LexicalHit extends Omit<StoredChunk, 'rowId'> {
  /** BM25 score: higher is better; comparable between searches only for the same query. */
  readonly score: number;
}

/** Bump when the default analysis changes: stored terms are then recomputed on open. */
export const DEFAULT_ANALYZER_VERSION = 'en-snowball-porter2-v1';

/** More than any caller needs (RAG uses a handful, evaluation 100); keeps a typo from costing much. */
export const MAX_SEARCH_LIMIT = 10_000;

export class LexicalIndex {
  private readonly postings: InvertedIndex;
  private readonly analyzer: Analyzer;
  private readonly groupOfKb = new Map<string, number>();
  private readonly slotOfRow = new Map<number, number>();
  private rowOfSlot: number[] = [];
  /** Mutations run one at a time so the store and memory always change in the same order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: ChunkStore,
    options: LexicalIndexOptions,
  ) {
    this.postings = new InvertedIndex(options.bm25 ?? DEFAULT_BM25);
    this.analyzer = options.analyzer ?? defaultAnalyzer;
  }

  /** Opens an index over `store`, loading every stored chunk into memory. */
  static async open(store: ChunkStore, options: LexicalIndexOptions = {}): Promise<LexicalIndex> {
    const index = new LexicalIndex(store, options);
    const version = options.analyzerVersion ?? DEFAULT_ANALYZER_VERSION;
    if ((await store.analyzerVersion()) !== version) {
      await store.reanalyse(version, (title, text) => index.analyseChunk(title, text));
    }
    await store.scanTerms((row) => index.addToMemory(row.rowId, row.kbId, row.terms));
    return index;
  }

  /** Opens (or creates) an SQLite-backed index; `:memory:` for a throwaway one. */
  static openSqlite(file: string, options: LexicalIndexOptions = {}): Promise<LexicalIndex> {
    return LexicalIndex.open(SqliteChunkStore.open(file), options);
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
    const analysed = chunks.map((chunk) => ({ ...chunk, terms: this.analyseChunk(chunk.title, chunk.text) }));
    return this.exclusive(async () => {
      const { added, replaced } = await this.store.put(analysed);
      added.forEach((rowId, i) => this.addToMemory(rowId, analysed[i]!.kbId, analysed[i]!.terms));
      // After adding: a chunk id repeated within this batch replaces a row added just above.
      this.removeFromMemory(replaced);
    });
  }

  /** Removes every chunk of a document; returns how many were removed (0 when none existed). */
  remove(kbId: string, docId: string): Promise<number> {
    return this.exclusive(async () => {
      const removed = await this.store.deleteDocument(kbId, docId);
      this.removeFromMemory(removed);
      return removed.length;
    });
  }

  /** Removes every chunk of a knowledge base; returns how many were removed. */
  removeKnowledgeBase(kbId: string): Promise<number> {
    return this.exclusive(async () => {
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
    const hits = this.searchRows(query, limit, kbIds);
    if (hits.length === 0) return [];
    const chunks = await this.store.fetch(hits.map((hit) => hit.rowId));
    const scoreOfRow = new Map(hits.map((hit) => [hit.rowId, hit.score]));
    return chunks.map(({ rowId, ...chunk }) => ({ ...chunk, score: scoreOfRow.get(rowId) ?? 0 }));
  }

  /** `search` without reading chunk text back: store row ids and scores, best first. */
  searchRows(query: string, limit: number, kbIds?: readonly string[]): { rowId: number; score: number }[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new InternalError(ErrorCode.Internal, `search limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`);
    }
    const queryCounts = new Map<string, number>();
    for (const term of this.analyzer(query)) queryCounts.set(term, (queryCounts.get(term) ?? 0) + 1);
    if (queryCounts.size === 0) return [];
    let allowGroup: ((group: number) => boolean) | undefined;
    if (kbIds) {
      const groups = new Set(kbIds.flatMap((kbId) => this.groupOfKb.get(kbId) ?? []));
      if (groups.size === 0) return [];
      allowGroup = (group) => groups.has(group);
    }
    return this.postings
      .search(queryCounts, limit, allowGroup)
      .map((hit) => ({ rowId: this.rowOfSlot[hit.slot]!, score: hit.score }));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.store.close();
  }

  private exclusive<T>(action: () => Promise<T>): Promise<T> {
    const result = this.queue.then(action, action);
    this.queue = result.catch(() => undefined);
    return result;
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
}
