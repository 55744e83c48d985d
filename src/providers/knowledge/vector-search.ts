/**
 * The vector half of hybrid retrieval, as the knowledge service needs it: embed and store a
 * document's chunks, find the chunks nearest to a query. Embedding is best-effort: when the
 * embedding model fails (an OpenAI-compatible server without /embeddings, say), the failure is
 * logged and retrieval carries on with BM25 alone; nothing the user added is lost.
 */
import type { Embedder, Logger } from '../../core/ports';
import type { ChannelScope } from '../../core/types';
import type { ChunkInput } from '../retrieval/chunk-store';
import type { LexicalIndex } from '../retrieval/lexical-index';
import type { VectorIndex } from '../retrieval/vector-index';

export interface VectorHit {
  readonly kbId: string;
  readonly chunkId: string;
  /** Cosine similarity, -1 to 1. */
  readonly score: number;
}

export interface VectorSearch {
  /** `caller`: the channel the embeddings are counted for (see `KnowledgeIndex`). */
  index(kbId: string, docId: string, chunks: readonly { chunkId: string; text: string }[], caller?: ChannelScope): Promise<void>;
  remove(kbId: string, docId: string): Promise<void>;
  search(kbIds: readonly string[], query: string, limit: number, caller?: ChannelScope): Promise<VectorHit[]>;
  /** The stored chunks for hits that only the vector ranking found. */
  chunks(keys: readonly (readonly [kbId: string, chunkId: string])[]): Promise<ChunkInput[]>;
}

/** After the embedding model fails, keyword-only retrieval is used for this long before trying again. */
export const EMBEDDING_RETRY_MS = 10 * 60 * 1000;

export class EmbeddedVectorSearch implements VectorSearch {
  /**
   * Set when the embedding model failed: a server without /embeddings would otherwise cost every
   * message a failed call (with its retries) before the keyword answer.
   */
  private pausedUntil = 0;

  constructor(
    private readonly embedder: Embedder,
    private readonly vectors: VectorIndex,
    private readonly lexical: LexicalIndex,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private async embed(texts: readonly string[], what: Record<string, unknown>, caller: ChannelScope | undefined): Promise<number[][] | undefined> {
    if (this.now() < this.pausedUntil) return undefined;
    try {
      return await this.embedder.embed(texts, caller);
    } catch (err) {
      this.pausedUntil = this.now() + EMBEDDING_RETRY_MS;
      this.logger.warn({ ...what, err, retryInMs: EMBEDDING_RETRY_MS }, 'embedding failed; searching by keywords only for now');
      return undefined;
    }
  }

  async index(kbId: string, docId: string, chunks: readonly { chunkId: string; text: string }[], caller?: ChannelScope): Promise<void> {
    await this.vectors.removeDocument(kbId, docId);
    if (chunks.length === 0) return;
    const vectors = await this.embed(
      chunks.map((c) => c.text),
      { kbId, docId },
      caller,
    );
    if (!vectors) return;
    await this.vectors.put(chunks.map((chunk, i) => ({ kbId, docId, chunkId: chunk.chunkId, vector: vectors[i]! })));
  }

  async remove(kbId: string, docId: string): Promise<void> {
    await this.vectors.removeDocument(kbId, docId);
  }

  async search(kbIds: readonly string[], query: string, limit: number, caller?: ChannelScope): Promise<VectorHit[]> {
    // No vectors (anywhere, other processes included): no query embedding to pay for.
    if (await this.vectors.isEmpty()) return [];
    const vector = (await this.embed([query], { query: query.slice(0, 80) }, caller))?.[0];
    if (!vector || (this.vectors.dimension !== undefined && vector.length !== this.vectors.dimension)) return [];
    return (await this.vectors.search(vector, limit, kbIds)).map((hit) => ({ kbId: hit.kbId, chunkId: hit.chunkId, score: hit.score }));
  }

  async chunks(keys: readonly (readonly [kbId: string, chunkId: string])[]): Promise<ChunkInput[]> {
    return this.lexical.chunks(keys.map(([kbId, chunkId]) => ({ kbId, chunkId })));
  }
}
