/**
 * The contract between `StoredVectorIndex` and the backends that keep its vectors (SQLite,
 * PostgreSQL), and the byte encoding they share. It lives apart from the index so the backends
 * depend on it alone, not on the index that opens them.
 */
import { endianness } from 'node:os';
import type { VectorRef } from './algorithms/vector-memory';

export interface StoredVector extends VectorRef {
  readonly vector: Float32Array;
}

export interface VectorInput {
  readonly kbId: string;
  readonly docId: string;
  readonly chunkId: string;
  readonly vector: Float32Array;
}

export type VectorChanges =
  | { readonly reload: false; readonly cursor: number; readonly added: readonly StoredVector[]; readonly removed: readonly number[] }
  | { readonly reload: true };

/** Where a `StoredVectorIndex` keeps its vectors; same change-log idea as `ChunkStore`. */
export interface VectorStore {
  readonly kind: string;
  readonly shared: boolean;
  /**
   * Visits every stored vector in insertion order (after one `reserve` call with their count and
   * dimension) and returns the change-log position the scan reflects.
   */
  scan(visit: (row: StoredVector) => void, reserve: (count: number, dimension: number) => void): Promise<number>;
  changesSince(cursor: number): Promise<VectorChanges>;
  /**
   * Stores vectors (distinct (kbId, chunkId), one dimension) in one transaction, replacing same
   * ids; refuses vectors whose dimension differs from the stored ones. Returns new row ids in
   * input order and the row ids replaced.
   */
  put(entries: readonly VectorInput[]): Promise<{ added: number[]; removed: number[] }>;
  deleteDocument(kbId: string, docId: string): Promise<number[]>;
  deleteKnowledgeBase(kbId: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Typed arrays use the machine's byte order; stored bytes are little-endian everywhere. */
const LITTLE_ENDIAN = endianness() === 'LE';

export function vectorToBytes(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes;
}

export function bytesToVector(bytes: Buffer): Float32Array {
  // Copied: a Buffer's offset into its pool need not be a multiple of 4, which a Float32Array view needs.
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));
  const vector = new Float32Array(bytes.length >> 2);
  for (let i = 0; i < vector.length; i += 1) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}
