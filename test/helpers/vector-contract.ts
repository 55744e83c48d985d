/**
 * One behaviour contract for `VectorIndex` over every backend (keyv test-suite style): each
 * backend's test file calls `vectorIndexContractSuite` with a way to make fresh storage.
 */
import { ErrorCode, InternalError } from '../../src/core/errors';
import type { VectorEntry, VectorIndex } from '../../src/providers/retrieval/vector-index';

export interface VectorBackend {
  /** Opens an index on this backend's storage; every call opens the same storage. */
  openIndex(): Promise<VectorIndex>;
  destroy(): Promise<void>;
}

export const entry = (kbId: string, docId: string, vector: number[], chunkId = `${docId}#1`): VectorEntry => ({
  kbId,
  docId,
  chunkId,
  vector,
});

const ids = (hits: readonly { chunkId: string }[]) => hits.map((hit) => hit.chunkId);

export function vectorIndexContractSuite(kind: string, createBackend: () => Promise<VectorBackend>): void {
  describe(`${kind}: VectorIndex contract`, () => {
    let backend: VectorBackend;
    let opened: VectorIndex[];
    const open = async (): Promise<VectorIndex> => {
      const index = await backend.openIndex();
      opened.push(index);
      return index;
    };

    beforeEach(async () => {
      backend = await createBackend();
      opened = [];
    });

    afterEach(async () => {
      try {
        await Promise.all(opened.map((index) => index.close()));
      } finally {
        await backend.destroy();
      }
    });

    it('says which backend it is and starts empty', async () => {
      const index = await open();
      expect(index.kind).toBe(kind);
      expect(index.size).toBe(0);
      expect(index.dimension).toBeUndefined();
      expect(await index.isEmpty()).toBe(true);
      expect(await index.search([1, 0, 0], 5)).toEqual([]);
      await index.put([entry('kb', 'x', [1, 0, 0])]);
      expect(await index.isEmpty()).toBe(false);
    });

    it('ranks by cosine similarity, whatever the vectors’ lengths, and respects the limit', async () => {
      const index = await open();
      await index.put([
        entry('kb', 'east', [10, 0, 0]),
        entry('kb', 'north-east', [1, 1, 0]),
        entry('kb', 'north', [0, 3, 0]),
        entry('kb', 'west', [-2, 0, 0]),
      ]);
      expect(index.dimension).toBe(3);
      const hits = await index.search([1, 0, 0], 10);
      expect(ids(hits)).toEqual(['east#1', 'north-east#1', 'north#1', 'west#1']);
      expect(hits.map((hit) => hit.score)).toEqual([expect.closeTo(1, 6), expect.closeTo(Math.SQRT1_2, 6), expect.closeTo(0, 6), expect.closeTo(-1, 6)]);
      expect(hits[0]).toEqual({ kbId: 'kb', docId: 'east', chunkId: 'east#1', score: expect.any(Number) });
      expect(ids(await index.search([0, 5, 0], 2))).toEqual(['north#1', 'north-east#1']);
    });

    it('breaks ties by the order vectors were stored', async () => {
      const index = await open();
      await index.put([entry('kb', 'b', [0, 1]), entry('kb', 'a', [0, 2]), entry('kb', 'c', [0, 0.5])]);
      expect(ids(await index.search([0, 1], 3))).toEqual(['b#1', 'a#1', 'c#1']);
    });

    it('replaces a vector stored again under the same id; the last of repeats in one batch wins', async () => {
      const index = await open();
      await index.put([entry('kb', 'a', [1, 0])]);
      await index.put([entry('kb', 'a', [0, 1]), entry('kb', 'b', [1, 1]), entry('kb', 'b', [-1, 0])]);
      expect(index.size).toBe(2);
      const hits = await index.search([0, 1], 5);
      expect(ids(hits)).toEqual(['a#1', 'b#1']);
      expect(hits[1]!.score).toBeCloseTo(0, 6);
    });

    it('removes a document, a knowledge base, and searches only the knowledge bases asked for', async () => {
      const index = await open();
      await index.put([
        entry('kb1', 'x', [1, 0], 'x#1'),
        entry('kb1', 'x', [1, 0.1], 'x#2'),
        entry('kb1', 'y', [1, 0.2]),
        entry('kb2', 'z', [1, 0.3]),
        entry('kb3', 'w', [1, 0.4]),
      ]);
      expect(ids(await index.search([1, 0], 10, ['kb2', 'kb3']))).toEqual(['z#1', 'w#1']);
      expect(await index.search([1, 0], 10, ['nope'])).toEqual([]);
      expect(await index.search([1, 0], 10, [])).toEqual([]);
      expect(await index.removeDocument('kb1', 'x')).toBe(2);
      expect(await index.removeDocument('kb1', 'x')).toBe(0);
      expect(ids(await index.search([1, 0], 10))).toEqual(['y#1', 'z#1', 'w#1']);
      expect(await index.removeKnowledgeBase('kb2')).toBe(1);
      expect(ids(await index.search([1, 0], 10))).toEqual(['y#1', 'w#1']);
      expect(index.size).toBe(2);
    });

    it('keeps ids in any script', async () => {
      const index = await open();
      await index.put([entry('kb-ü', '文書', [0.5, 0.5], 'チャンク 🍰')]);
      expect(await index.search([1, 1], 1, ['kb-ü'])).toEqual([{ kbId: 'kb-ü', docId: '文書', chunkId: 'チャンク 🍰', score: expect.closeTo(1, 6) }]);
    });

    it('finds the same vectors with the same scores after reopening', async () => {
      const first = await open();
      const vectors = Array.from({ length: 50 }, (_, i) => entry(`kb${i % 3}`, `d${i}`, [Math.sin(i), Math.cos(i), i / 50, -0.25]));
      await first.put(vectors);
      await first.removeDocument('kb1', 'd4');
      const before = await first.search([0.3, 0.2, 0.9, 0], 20);
      await first.close();
      const reopened = await open();
      expect(reopened.size).toBe(49);
      expect(reopened.dimension).toBe(4);
      expect(await reopened.search([0.3, 0.2, 0.9, 0], 20)).toEqual(before);
    });

    it('keeps the order vectors were stored, which breaks ties, after reopening', async () => {
      const first = await open();
      const docIds = Array.from({ length: 25 }, (_, i) => `twin-${i}`);
      await first.put(docIds.map((docId) => entry('kb', docId, [0.5, 0.5])));
      await first.close();
      const reopened = await open();
      expect((await reopened.search([1, 1], 30)).map((hit) => hit.docId)).toEqual(docIds);
    });

    it('refuses a vector of another dimension with a clear error and stores nothing of that batch', async () => {
      const index = await open();
      await index.put([entry('kb', 'a', [1, 0, 0])]);
      await expect(index.put([entry('kb', 'b', [1, 0, 0]), entry('kb', 'c', [1, 0])])).rejects.toThrow(/2 dimensions but the index holds 3-dimension vectors/);
      await expect(index.put([entry('kb', 'd', [1, 0, 0, 0])])).rejects.toThrow(/4 dimensions but the index holds 3/);
      await expect(index.search([1, 0], 5)).rejects.toThrow(/2 dimensions but the index holds 3/);
      expect(index.size).toBe(1);
      expect(ids(await index.search([1, 1, 1], 5))).toEqual(['a#1']);
    });

    it('takes a new dimension once emptied (after changing the embedding model)', async () => {
      const index = await open();
      await index.put([entry('kb', 'a', [1, 0, 0])]);
      await index.removeKnowledgeBase('kb');
      await index.put([entry('kb', 'a', [1, 0])]);
      expect(index.dimension).toBe(2);
      expect(ids(await index.search([1, 0], 5))).toEqual(['a#1']);
    });

    it('refuses bad vectors, ids and limits with clear errors and stores nothing', async () => {
      const index = await open();
      const bad: [unknown, RegExp][] = [
        [[], /vector 1 \(a#1\) is not a non-empty array/],
        ['1,2', /not a non-empty array/],
        [[1, Number.NaN], /not a finite float32 number at position 1/],
        [[1, Infinity], /position 1/],
        [[1, '2'], /position 1/],
        [[0, 0], /all zeros/],
        [[1e-50, 0], /all zeros/],
      ];
      for (const [vector, message] of bad) {
        await expect(index.put([{ kbId: 'kb', docId: 'a', chunkId: 'a#1', vector: vector as number[] }])).rejects.toThrow(message);
      }
      await expect(index.put([entry('kb', 'ok', [1, 0]), entry('', 'b', [1, 0])])).rejects.toThrow(/vector 2 has no kbId/);
      await expect(index.put([entry('kb', 'ok', [1, 0]), entry('kb', 'b\u0000', [1, 0])])).rejects.toThrow(/NUL character in its docId/);
      expect(index.size).toBe(0);
      await index.put([entry('kb', 'ok', [1, 0])]);
      await expect(index.search([1, 0], 0)).rejects.toBeInstanceOf(InternalError);
      await expect(index.search([1, 0], 10_001)).rejects.toThrow(/limit/);
      await expect(index.search([0, 0], 1)).rejects.toThrow(/all zeros/);
      await index.put([]);
      expect(index.size).toBe(1);
    });

    it('reports a closed store as a store error and keeps memory unchanged', async () => {
      const index = await open();
      await index.put([entry('kb', 'a', [1, 0])]);
      await index.close();
      await expect(index.put([entry('kb', 'b', [0, 1])])).rejects.toMatchObject({ code: ErrorCode.StoreError });
      await expect(index.removeDocument('kb', 'a')).rejects.toMatchObject({ code: ErrorCode.StoreError });
      expect(index.size).toBe(1);
    });
  });
}
