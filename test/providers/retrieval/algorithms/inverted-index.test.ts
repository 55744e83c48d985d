import { countTerms, InvertedIndex } from '../../../../src/providers/retrieval/algorithms/inverted-index';

const doc = (text: string) => countTerms(text.split(' '));
const query = (text: string) => {
  const counts = new Map<string, number>();
  for (const term of text.split(' ')) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
};

describe('InvertedIndex', () => {
  it('ranks equal scores by insertion order', () => {
    const index = new InvertedIndex();
    index.add(1, doc('alpha beta'));
    index.add(1, doc('beta alpha'));
    expect(index.search(query('alpha'), 10).map((hit) => hit.slot)).toEqual([0, 1]);
  });

  it('keeps only the best `limit` results, best first', () => {
    const index = new InvertedIndex();
    const slots = [
      index.add(1, doc('x filler filler filler')),
      index.add(1, doc('x x filler filler')),
      index.add(1, doc('x x x filler')),
      index.add(1, doc('filler filler filler filler')),
    ];
    expect(index.search(query('x'), 2).map((hit) => hit.slot)).toEqual([slots[2], slots[1]]);
  });

  it('gives the same results after compaction drops removed postings', () => {
    const index = new InvertedIndex();
    const terms: string[][] = [];
    for (let i = 0; i < 50; i += 1) {
      const text = `common term${i % 7} extra${i}`;
      terms.push(text.split(' '));
      index.add(1 + (i % 3), doc(text));
    }
    for (let slot = 0; slot < 50; slot += 2) index.remove(slot, [...new Set(terms[slot])]);
    const before = index.search(query('common term3'), 50, (group) => group !== 2);
    index.compact();
    expect(index.search(query('common term3'), 50, (group) => group !== 2)).toEqual(before);
    expect(before.every((hit) => hit.slot % 2 === 1)).toBe(true);
    expect(index.documentCount).toBe(25);
  });

  it('rejects bad parameters and groups', () => {
    expect(() => new InvertedIndex({ k1: 0, b: 0.5 })).toThrow(RangeError);
    expect(() => new InvertedIndex({ k1: 1.2, b: 1.5 })).toThrow(RangeError);
    expect(() => new InvertedIndex().add(0, doc('a'))).toThrow(RangeError);
  });
});
