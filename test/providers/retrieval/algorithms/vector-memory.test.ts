import { VectorMemory } from '../../../../src/providers/retrieval/algorithms/vector-memory';

const ref = (rowId: number, kbId = 'kb') => ({ rowId, kbId, docId: `d${rowId}`, chunkId: `c${rowId}` });

describe('VectorMemory', () => {
  it('finds the same vectors after removals large enough to compact, in the same order', () => {
    const memory = new VectorMemory();
    const total = 5000;
    for (let row = 1; row <= total; row += 1) {
      memory.add(ref(row, row % 2 ? 'odd' : 'even'), new Float32Array([Math.cos(row), Math.sin(row), 1]));
    }
    // Remove 3 of every 4: well past the compaction threshold.
    for (let row = 1; row <= total; row += 1) if (row % 4 !== 0) memory.remove(row);
    expect(memory.size).toBe(total / 4);
    const query = new Float32Array([1, 0, 1]);
    const hits = memory.search(query, total, ['even']);
    expect(hits).toHaveLength(total / 4);
    expect(hits.every((hit) => hit.ref.rowId % 4 === 0)).toBe(true);
    // Brute-force reference: cosine of each kept vector with the query.
    const expected = [...Array(total / 4).keys()]
      .map((i) => (i + 1) * 4)
      .map((row) => ({ row, score: (Math.cos(row) + 1) / (Math.sqrt(2) * Math.sqrt(Math.cos(row) ** 2 + Math.sin(row) ** 2 + 1)) }))
      .sort((a, b) => b.score - a.score || a.row - b.row);
    expect(hits.slice(0, 20).map((hit) => hit.ref.rowId)).toEqual(expected.slice(0, 20).map((e) => e.row));
    expect(hits[0]!.score).toBeCloseTo(expected[0]!.score, 5);
    // Still accepts new vectors after compaction, and removed rows stay gone.
    memory.add(ref(total + 1, 'even'), new Float32Array([0, -1, -5]));
    expect(memory.search(new Float32Array([0, -2, -10]), 1, ['even'])[0]).toEqual({ ref: ref(total + 1, 'even'), score: expect.closeTo(1, 6) });
    expect(memory.has(1)).toBe(false);
    expect(memory.remove(1)).toBe(false);
  });
});
