/**
 * BM25 parameters and weights (Robertson et al., in Lucene's form: idf is
 * ln(1 + (N − df + 0.5)/(df + 0.5)), always positive, and the (k1 + 1) factor is left out, which
 * changes no ranking). A query term's weight is its idf times its count in the query: repeated
 * words in a long query count as often as they occur (Okapi's k3 → ∞, and what Lucene does when a
 * query repeats a term). See BENCHMARKS.md "Retrieval (ArguAna)" for how the defaults were chosen.
 */
export interface Bm25Params {
  /** Term-frequency saturation; 1.2 is the Robertson/Lucene default. */
  readonly k1: number;
  /** Length normalisation, 0 (none) … 1 (full). */
  readonly b: number;
}

/**
 * k1 = 1.2 (the textbook and Lucene value). b = 0.9 rather than the textbook 0.75: this index holds
 * chunks of bounded size, so what makes one chunk longer than another is wordiness, not more
 * topics (the "verbosity" case of Robertson & Walker, for which full normalisation, b → 1, is
 * right); 0.9 keeps a little of the "scope" allowance for chunks that do cover more.
 */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.9 };

export function bm25Idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

export function validateBm25Params(params: Bm25Params): void {
  if (!Number.isFinite(params.k1) || params.k1 <= 0) {
    throw new RangeError(`BM25 k1 must be a positive number, got ${params.k1}`);
  }
  if (!Number.isFinite(params.b) || params.b < 0 || params.b > 1) {
    throw new RangeError(`BM25 b must be between 0 and 1, got ${params.b}`);
  }
}
