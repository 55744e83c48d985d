import { rrf } from '../../../../src/providers/retrieval/algorithms/rrf';

describe('rrf', () => {
  it('adds 1/(k + rank) over rankings, so agreement beats one high rank', () => {
    const fused = rrf([
      ['a', 'b', 'c'],
      ['b', 'c', 'd'],
    ]);
    expect(fused.map((item) => item.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[2]!.score).toBeCloseTo(1 / 61, 12);
  });

  it('uses the given k', () => {
    const [first] = rrf([['x']], 0);
    expect(first).toEqual({ id: 'x', score: 1 });
  });

  it('counts an id repeated within one ranking once, at its best rank', () => {
    expect(rrf([['a', 'a']], 1)).toEqual([{ id: 'a', score: 0.5 }]);
  });

  it('breaks ties by first appearance and handles no input', () => {
    expect(rrf([['a'], ['b']]).map((item) => item.id)).toEqual(['a', 'b']);
    expect(rrf([])).toEqual([]);
  });

  it('rejects a negative k', () => {
    expect(() => rrf([['a']], -1)).toThrow(RangeError);
  });
});
