/**
 * Retrieval metrics as BEIR computes them with trec_eval: nDCG@k with linear gains
 * (gain = judged relevance grade) and the ideal ranking built from every judged document, and
 * Recall@k over every judged relevant document, including ones missing from the corpus (they can
 * never be retrieved, so they count as misses).
 */

/** Judged documents of one query: id → relevance grade (0 = judged not relevant). */
export type Judgments = ReadonlyMap<string, number>;

export function ndcgAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  let dcg = 0;
  const depth = Math.min(k, ranking.length);
  for (let rank = 0; rank < depth; rank += 1) {
    const grade = judgments.get(ranking[rank]!) ?? 0;
    if (grade > 0) dcg += grade / Math.log2(rank + 2);
  }
  const ideal = [...judgments.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((grade, rank) => {
    idcg += grade / Math.log2(rank + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  let relevant = 0;
  for (const grade of judgments.values()) if (grade > 0) relevant += 1;
  if (relevant === 0) return 0;
  let found = 0;
  for (const id of ranking.slice(0, k)) if ((judgments.get(id) ?? 0) > 0) found += 1;
  return found / relevant;
}

/**
 * BEIR's `ignore_identical_ids`: in ArguAna a query is itself a corpus document, which would
 * otherwise rank first for itself. Drop it before scoring.
 */
export function withoutQueryId(ranking: readonly string[], queryId: string): string[] {
  return ranking.filter((id) => id !== queryId);
}

/** Mean of a metric over every judged query; queries without a ranking score 0. */
export function meanOverQueries(
  qrels: ReadonlyMap<string, Judgments>,
  rankings: ReadonlyMap<string, readonly string[]>,
  metric: (ranking: readonly string[], judgments: Judgments) => number,
): number {
  if (qrels.size === 0) return 0;
  let sum = 0;
  for (const [queryId, judgments] of qrels) sum += metric(rankings.get(queryId) ?? [], judgments);
  return sum / qrels.size;
}

/** Nearest-rank percentile (p in 0..100) of a list of measurements. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
