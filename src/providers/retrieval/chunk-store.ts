/**
 * Where `LexicalIndex` keeps chunks. The in-memory postings are rebuilt from the stored, already
 * analysed terms on open, so a backend only stores rows and every backend ranks the same way:
 * SQLite (one process per file) and PostgreSQL (shared by several processes, which learn of each
 * other's changes through a change log, see `changesSince`).
 */
import type { TermCounts } from './algorithms/inverted-index';

export interface ChunkKey {
  readonly kbId: string;
  readonly chunkId: string;
}

/** A piece of a document, as the ingestion side hands it over. */
export interface ChunkInput {
  readonly kbId: string;
  readonly docId: string;
  /** Unique within the knowledge base; adding the same id again replaces the chunk. */
  readonly chunkId: string;
  readonly title: string;
  readonly text: string;
  readonly url?: string;
  /** Where in the source: a heading path, page or section. */
  readonly location?: string;
}

export interface AnalysedChunk extends ChunkInput {
  readonly terms: TermCounts;
}

export interface StoredChunk extends ChunkInput {
  readonly rowId: number;
}

/** What the in-memory index needs to know about a stored chunk. */
export interface ChunkTerms {
  readonly rowId: number;
  readonly kbId: string;
  readonly terms: TermCounts;
}

/**
 * What other processes changed since a position in the store's change log. Applying it must be
 * idempotent: a process also reads back its own changes, which it has already applied.
 */
export type ChunkChanges =
  | {
      readonly reload: false;
      /** The position to ask from next time. */
      readonly cursor: number;
      /** Rows added after the cursor that still exist, in insertion order. */
      readonly added: readonly ChunkTerms[];
      /** Rows deleted after the cursor, with the terms they had. */
      readonly removed: readonly ChunkTerms[];
    }
  /** The log no longer reaches back to the cursor (pruned, or terms re-analysed): scan everything again. */
  | { readonly reload: true };

export interface ChunkStore {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Whether other processes may change the store, so that `changesSince` is worth asking. */
  readonly shared: boolean;
  /** Which analysis produced the stored terms; a mismatch on open means they must be recomputed. */
  analyzerVersion(): Promise<string | undefined>;
  /** Recomputes every chunk's terms (after the analysis changed) and records the new version. */
  reanalyse(version: string, analyse: (title: string, text: string) => TermCounts): Promise<void>;
  /**
   * Calls `visit` for every stored chunk, in insertion order, and returns the change-log position
   * the scan reflects (0 for a store that is not shared).
   */
  scanTerms(visit: (row: ChunkTerms) => void): Promise<number>;
  /** Changes made (by any process) after `cursor`; a store that is not shared has none. */
  changesSince(cursor: number): Promise<ChunkChanges>;
  /**
   * Stores chunks in one transaction, replacing chunks with the same (kbId, chunkId). Returns the
   * new row ids (in input order) and the rows that were replaced.
   */
  put(chunks: readonly AnalysedChunk[]): Promise<{ added: number[]; replaced: ChunkTerms[] }>;
  /** Deletes a document's chunks; returns what was deleted. */
  deleteDocument(kbId: string, docId: string): Promise<ChunkTerms[]>;
  /** Deletes every chunk of a knowledge base; returns what was deleted. */
  deleteKnowledgeBase(kbId: string): Promise<ChunkTerms[]>;
  /** The chunks with these row ids, in the order asked (missing ones left out). */
  fetch(rowIds: readonly number[]): Promise<StoredChunk[]>;
  /** The chunks with these (kbId, chunkId) keys, in the order asked (missing ones left out). */
  fetchByChunkId(keys: readonly ChunkKey[]): Promise<StoredChunk[]>;
  close(): Promise<void>;
}

/** Terms stored as "term count term count …": terms never contain spaces (see analysis). */
export function encodeTerms(terms: TermCounts): string {
  const parts: string[] = [];
  terms.terms.forEach((term, i) => parts.push(term, String(terms.counts[i] ?? 1)));
  return parts.join(' ');
}

export function decodeTerms(encoded: string, length: number): TermCounts {
  const parts = encoded.length > 0 ? encoded.split(' ') : [];
  const terms: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    terms.push(parts[i]!);
    counts.push(Number(parts[i + 1]));
  }
  return { terms, counts, length };
}
