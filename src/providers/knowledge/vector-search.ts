/**
 * The vector half of hybrid retrieval, as the knowledge service needs it: embed and store a
 * document's chunks, find the chunks nearest to a query. Implemented over the retrieval
 * package's `VectorIndex` and the configured `Embedder`.
 */
import type { ChunkInput } from '../retrieval/chunk-store';

export interface VectorHit {
  readonly kbId: string;
  readonly chunkId: string;
  /** Cosine similarity, -1 to 1. */
  readonly score: number;
}

export interface VectorSearch {
  index(kbId: string, docId: string, chunks: readonly { chunkId: string; text: string }[]): Promise<void>;
  remove(kbId: string, docId: string): Promise<void>;
  search(kbIds: readonly string[], query: string, limit: number): Promise<VectorHit[]>;
  /** The stored chunks for hits that only the vector ranking found. */
  chunks(keys: readonly (readonly [kbId: string, chunkId: string])[]): Promise<ChunkInput[]>;
}
