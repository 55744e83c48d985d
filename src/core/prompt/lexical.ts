/**
 * Small lexical helpers for the core (few-shot selection, "is this a knowledge question").
 * Deliberately simple: lowercase word terms without stopwords. The knowledge index has its own,
 * stronger analysis; this only has to rank a few hundred short examples quickly.
 */

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our please so than that the their them then there these they this to us was ' +
    'we were what when where which who why will with would you your'
  ).split(' '),
);

/** Distinct lowercase word terms of `text`, stopwords removed. */
export function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = match[0];
    if (!STOPWORDS.has(term)) out.add(term);
  }
  return out;
}

/** Overlap of two term sets, normalised so long examples do not win by length alone (cosine on binary vectors). */
export function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const term of small) if (large.has(term)) shared += 1;
  return shared / Math.sqrt(a.size * b.size);
}
