/**
 * Reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): each ranking adds 1/(k + rank) to every
 * id it contains (rank from 1), so items ranked well by several retrievers rise, and raw scores of
 * different scales (BM25, cosine) never need to be compared. k = 60 is the paper's value.
 */
export interface FusedItem {
  readonly id: string;
  readonly score: number;
}

export function rrf(rankings: readonly (readonly string[])[], k = 60): FusedItem[] {
  if (!Number.isFinite(k) || k < 0) throw new RangeError(`rrf k must be a non-negative number, got ${k}`);
  const scores = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  for (const ranking of rankings) {
    const seenHere = new Set<string>();
    ranking.forEach((id, index) => {
      // An id listed twice in one ranking counts once, at its best rank.
      if (seenHere.has(id)) return;
      seenHere.add(id);
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
      if (!firstSeen.has(id)) firstSeen.set(id, firstSeen.size);
    });
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || firstSeen.get(a.id)! - firstSeen.get(b.id)!);
}
