/**
 * `VectorIndex` over any `VectorStore`: vectors are kept by the store (SQLite, or PostgreSQL shared
 * by several processes) and searched in memory (`VectorMemory`), loaded on open. As in
 * `LexicalIndex`, changes go to the store first and to memory after, and a shared store's change
 * log brings in other processes' writes on `refresh()`.
 */
import { ErrorCode, InternalError } from '../../core/errors';
import type { PostgresRetrievalOptions } from './postgres/postgres-tables';
import { PostgresVectorStore } from './postgres/postgres-vector-store';
import { SqliteVectorStore } from './sqlite/sqlite-vector-store';
import { dimensionMismatch, MAX_VECTOR_SEARCH_LIMIT, toFloat32, validateVectorEntry, type VectorEntry, type VectorHit, type VectorIndex } from './vector-index';
import { VectorMemory } from './algorithms/vector-memory';
import { StoreMirror } from './store-mirror';
import type { VectorInput, VectorStore } from './vector-store';

export interface VectorIndexOptions {
  /** As in `LexicalIndexOptions`: how stale a shared store's view may get before `search` refreshes. */
  readonly refreshIntervalMs?: number;
}

export class StoredVectorIndex implements VectorIndex {
  private readonly memory = new VectorMemory();
  private readonly mirror: StoreMirror;
  private cursor = 0;

  private constructor(
    private readonly store: VectorStore,
    options: VectorIndexOptions,
  ) {
    this.mirror = new StoreMirror(store.shared, options.refreshIntervalMs);
  }

  static async open(store: VectorStore, options: VectorIndexOptions = {}): Promise<StoredVectorIndex> {
    const index = new StoredVectorIndex(store, options);
    await index.loadAll();
    return index;
  }

  /** Vectors in an SQLite file (the same file as the chunks is fine); `:memory:` for a throwaway one. */
  static openSqlite(file: string, options: VectorIndexOptions = {}): Promise<StoredVectorIndex> {
    return StoredVectorIndex.open(SqliteVectorStore.open(file), options);
  }

  /** Vectors in PostgreSQL, tables created when missing; several processes may share them. */
  static async openPostgres(postgres: PostgresRetrievalOptions, options: VectorIndexOptions = {}): Promise<StoredVectorIndex> {
    const store = await PostgresVectorStore.open(postgres);
    try {
      return await StoredVectorIndex.open(store, options);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  get kind(): string {
    return this.store.kind;
  }

  get dimension(): number | undefined {
    return this.memory.dimension;
  }

  get size(): number {
    return this.memory.size;
  }

  async put(entries: readonly VectorEntry[]): Promise<void> {
    entries.forEach(validateVectorEntry);
    const lastOfEach = new Map<string, VectorInput>();
    let dimension: number | undefined;
    entries.forEach((entry, position) => {
      const vector = toFloat32(entry.vector, `vector ${position + 1} (${entry.chunkId})`);
      dimension ??= vector.length;
      if (vector.length !== dimension) throw dimensionMismatch(dimension, vector.length);
      const key = JSON.stringify([entry.kbId, entry.chunkId]);
      lastOfEach.delete(key);
      lastOfEach.set(key, { kbId: entry.kbId, docId: entry.docId, chunkId: entry.chunkId, vector });
    });
    const inputs = [...lastOfEach.values()];
    if (inputs.length === 0) return;
    return this.mirror.exclusive(async () => {
      // Fails fast when this process already knows the dimension differs; the store checks for sure.
      const known = this.memory.dimension;
      if (known !== undefined && known !== dimension && !this.store.shared) throw dimensionMismatch(known, dimension!);
      const { added, removed } = await this.store.put(inputs);
      removed.forEach((rowId) => this.memory.remove(rowId));
      try {
        added
          .map((rowId, i) => ({ rowId, input: inputs[i]! }))
          .sort((a, b) => a.rowId - b.rowId)
          .forEach(({ rowId, input }) => this.memory.add({ rowId, kbId: input.kbId, docId: input.docId, chunkId: input.chunkId }, input.vector));
      } catch {
        // Memory still held another process's vectors of an older dimension: the store is the truth.
        await this.loadAll();
      }
    });
  }

  removeDocument(kbId: string, docId: string): Promise<number> {
    return this.mirror.exclusive(async () => this.forget(await this.store.deleteDocument(kbId, docId)));
  }

  removeKnowledgeBase(kbId: string): Promise<number> {
    return this.mirror.exclusive(async () => this.forget(await this.store.deleteKnowledgeBase(kbId)));
  }

  async search(vector: readonly number[], limit: number, kbIds?: readonly string[]): Promise<VectorHit[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_VECTOR_SEARCH_LIMIT) {
      throw new InternalError(ErrorCode.Internal, `search limit must be an integer from 1 to ${MAX_VECTOR_SEARCH_LIMIT}, got ${limit}`);
    }
    const query = toFloat32(vector, 'the query vector');
    await this.refreshIfStale();
    return this.memory.search(query, limit, kbIds).map(({ ref, score }) => ({ kbId: ref.kbId, docId: ref.docId, chunkId: ref.chunkId, score }));
  }

  async isEmpty(): Promise<boolean> {
    await this.refreshIfStale();
    return this.memory.size === 0;
  }

  private async refreshIfStale(): Promise<void> {
    if (this.mirror.stale) await this.refresh();
  }

  refresh(): Promise<void> {
    return this.mirror.exclusive(async () => {
      const changes = await this.store.changesSince(this.cursor);
      if (changes.reload) {
        await this.loadAll();
        return;
      }
      changes.removed.forEach((rowId) => this.memory.remove(rowId));
      try {
        for (const row of changes.added) if (!this.memory.has(row.rowId)) this.memory.add(row, row.vector);
      } catch {
        // The index was emptied and refilled with another dimension in between: start over.
        await this.loadAll();
        return;
      }
      this.cursor = changes.cursor;
      this.mirror.markRefreshed();
    });
  }

  /** Closes the store once the changes already queued are done. */
  close(): Promise<void> {
    return this.mirror.exclusive(() => this.store.close());
  }

  private forget(rowIds: readonly number[]): number {
    rowIds.forEach((rowId) => this.memory.remove(rowId));
    return rowIds.length;
  }

  private async loadAll(): Promise<void> {
    this.memory.clear();
    this.cursor = await this.store.scan(
      (row) => this.memory.add(row, row.vector),
      (count, dimension) => this.memory.reserve(count, dimension),
    );
    this.mirror.markRefreshed();
  }
}
