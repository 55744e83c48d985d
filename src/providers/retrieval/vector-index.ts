/**
 * Stored embedding vectors searched by cosine similarity, next to the lexical index: the dense
 * half of hybrid retrieval (fused with BM25 by `rrf` when an embedding model is configured).
 *
 * Every backend keeps vectors in its own storage and searches them the same way, by brute force
 * over one contiguous in-memory array (`VectorMemory`), so scores are identical across backends.
 * The dimension is fixed by the first vector stored and holds until the index is empty again.
 */
import { ErrorCode, InternalError } from '../../core/errors';

export interface VectorEntry {
  readonly kbId: string;
  readonly docId: string;
  /** Unique within the knowledge base; storing the same id again replaces the vector. */
  readonly chunkId: string;
  readonly vector: readonly number[];
}

export interface VectorHit {
  readonly kbId: string;
  readonly docId: string;
  readonly chunkId: string;
  /** Cosine similarity, −1 … 1: higher is closer. */
  readonly score: number;
}

export interface VectorIndex {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Length of the stored vectors; undefined while the index is empty. */
  readonly dimension: number | undefined;
  /** Number of stored vectors. */
  readonly size: number;
  /** Stores vectors in one transaction, replacing same (kbId, chunkId); the last of repeats wins. */
  put(entries: readonly VectorEntry[]): Promise<void>;
  /** Removes a document's vectors; returns how many there were. */
  removeDocument(kbId: string, docId: string): Promise<number>;
  /** Removes every vector of a knowledge base; returns how many there were. */
  removeKnowledgeBase(kbId: string): Promise<number>;
  /** The `limit` most similar vectors, best first, from the given knowledge bases (all when omitted). */
  search(vector: readonly number[], limit: number, kbIds?: readonly string[]): Promise<VectorHit[]>;
  /** Applies other processes' changes (shared backends; `search` also does so every `refreshIntervalMs`). */
  refresh(): Promise<void>;
  /**
   * Whether any vector is stored, after the same staleness refresh `search` does: lets a caller
   * skip embedding a query when there is nothing to compare it with, without missing vectors
   * another process added.
   */
  isEmpty(): Promise<boolean>;
  close(): Promise<void>;
}

/** More than any caller needs; the same bound as lexical search. */
export const MAX_VECTOR_SEARCH_LIMIT = 10_000;
/** Larger than any embedding model's output (3,072 for text-embedding-3-large); catches garbage. */
export const MAX_DIMENSION = 16_384;

export function dimensionMismatch(stored: number, given: number): InternalError {
  return new InternalError(
    ErrorCode.Internal,
    `the vector has ${given} dimensions but the index holds ${stored}-dimension vectors: ` +
      'vectors from different embedding models cannot be mixed; remove the knowledge bases and embed them again',
  );
}

/** Checks a vector and returns it as float32; `what` names it in the error ("vector 3 (doc#1)"). */
export function toFloat32(vector: unknown, what: string): Float32Array {
  if (!Array.isArray(vector) || vector.length === 0) {
    throw new InternalError(ErrorCode.Internal, `${what} is not a non-empty array of numbers`);
  }
  if (vector.length > MAX_DIMENSION) {
    throw new InternalError(ErrorCode.Internal, `${what} has ${vector.length} dimensions, more than ${MAX_DIMENSION}`);
  }
  const result = new Float32Array(vector.length);
  let nonZero = false;
  for (let i = 0; i < vector.length; i += 1) {
    const value: unknown = vector[i];
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 3.4e38) {
      throw new InternalError(ErrorCode.Internal, `${what} has a value that is not a finite float32 number at position ${i}`);
    }
    result[i] = value;
    if (result[i] !== 0) nonZero = true;
  }
  // Cosine similarity is undefined for a zero vector (values too small for float32 make one too).
  if (!nonZero) {
    throw new InternalError(ErrorCode.Internal, `${what} is all zeros, so it has no direction to compare`);
  }
  return result;
}

export function validateVectorEntry(entry: VectorEntry, position: number): void {
  for (const field of ['kbId', 'docId', 'chunkId'] as const) {
    const value: unknown = entry[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InternalError(ErrorCode.Internal, `vector ${position + 1} has no ${field}`);
    }
    if (value.includes('\u0000')) {
      throw new InternalError(ErrorCode.Internal, `vector ${position + 1} has a NUL character in its ${field}`);
    }
  }
}
