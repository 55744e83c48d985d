/**
 * Where `LexicalIndex` keeps chunks. The in-memory postings are rebuilt from the stored, already
 * analysed terms on open, so a backend only stores rows; SQLite implements it now and a
 * PostgreSQL backend can implement the same interface later.
 */
import type { TermCounts } from './inverted-index';

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

export interface ChunkStore {
  /** `sqlite` (or later `postgres`). */
  readonly kind: string;
  /** Which analysis produced the stored terms; a mismatch on open means they must be recomputed. */
  analyzerVersion(): Promise<string | undefined>;
  /** Recomputes every chunk's terms (after the analysis changed) and records the new version. */
  reanalyse(version: string, analyse: (title: string, text: string) => TermCounts): Promise<void>;
  /** Calls `visit` for every stored chunk, in insertion order. */
  scanTerms(visit: (row: ChunkTerms) => void): Promise<void>;
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
