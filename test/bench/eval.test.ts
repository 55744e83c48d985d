import { meanOverQueries, ndcgAtK, percentile, recallAtK, withoutQueryId } from '../../bench/eval';

const judged = (entries: [string, number][]) => new Map(entries);

describe('ndcgAtK', () => {
  it('discounts by log2(rank + 1) and divides by the ideal ordering', () => {
    // One relevant document at rank 3: DCG = 1/log2(4) = 0.5; ideal DCG = 1.
    expect(ndcgAtK(['x', 'y', 'rel'], judged([['rel', 1]]), 10)).toBeCloseTo(0.5, 12);
    // Two relevant at ranks 1 and 3: (1 + 0.5) / (1 + 1/log2(3)).
    expect(
      ndcgAtK(
        ['a', 'x', 'b'],
        judged([
          ['a', 1],
          ['b', 1],
        ]),
        10,
      ),
    ).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
  });

  it('uses graded relevance as linear gain', () => {
    // Grade 1 first, grade 2 second: (1 + 2/log2(3)) / (2 + 1/log2(3)).
    const value = ndcgAtK(
      ['low', 'high'],
      judged([
        ['low', 1],
        ['high', 2],
      ]),
      10,
    );
    expect(value).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)), 12);
  });

  it('ignores documents below the cut-off and counts unfound judged documents in the ideal', () => {
    expect(ndcgAtK(['x', 'rel'], judged([['rel', 1]]), 1)).toBe(0);
    // "missing" is judged relevant but never retrieved (e.g. not in the corpus): it lowers the score.
    expect(
      ndcgAtK(
        ['rel'],
        judged([
          ['rel', 1],
          ['missing', 1],
        ]),
        10,
      ),
    ).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });
});

describe('recallAtK', () => {
  it('is the share of relevant documents found in the top k', () => {
    const judgments = judged([
      ['a', 1],
      ['b', 1],
      ['missing', 1],
      ['judged-irrelevant', 0],
    ]);
    expect(recallAtK(['a', 'x', 'b'], judgments, 100)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(['a', 'x', 'b'], judgments, 2)).toBeCloseTo(1 / 3, 12);
  });
});

describe('withoutQueryId', () => {
  it("drops the query's own document from its ranking", () => {
    expect(withoutQueryId(['q1', 'a', 'b'], 'q1')).toEqual(['a', 'b']);
  });
});

describe('meanOverQueries', () => {
  it('averages over every judged query, counting a query without a ranking as 0', () => {
    const qrels = new Map([
      ['q1', judged([['a', 1]])],
      ['q2', judged([['b', 1]])],
    ]);
    const rankings = new Map([['q1', ['a']]]);
    expect(meanOverQueries(qrels, rankings, (ranking, judgments) => recallAtK(ranking, judgments, 10))).toBe(0.5);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile([], 95)).toBe(0);
  });
});
