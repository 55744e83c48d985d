/**
 * One behaviour contract for `LexicalIndex` over every `ChunkStore` backend, in the spirit of
 * keyv's `@keyv/test-suite`: each backend's test file calls `lexicalIndexContractSuite` with a way
 * to make fresh storage. Ranking is computed in memory from stored terms, so every backend must
 * give the same hits with the same scores; the expectations below are exact on purpose.
 */
import { ErrorCode, InternalError } from '../../src/core/errors';
import { createAnalyzer } from '../../src/providers/retrieval/algorithms/analysis';
import { bm25Idf } from '../../src/providers/retrieval/algorithms/bm25';
import type { ChunkInput } from '../../src/providers/retrieval/chunk-store';
import type { LexicalIndex, LexicalIndexOptions } from '../../src/providers/retrieval/lexical-index';

/** Fresh, empty storage for one test; every `openIndex` call opens that same storage. */
export interface LexicalBackend {
  openIndex(options?: LexicalIndexOptions): Promise<LexicalIndex>;
  /** Deletes the storage (indexes opened on it are closed first by the suite). */
  destroy(): Promise<void>;
}

export const chunk = (kbId: string, docId: string, text: string, extra: Partial<ChunkInput> = {}): ChunkInput => ({
  kbId,
  docId,
  chunkId: `${docId}#1`,
  title: '',
  text,
  ...extra,
});

const PARAMS = { k1: 1.2, b: 0.75 };

export function lexicalIndexContractSuite(kind: string, createBackend: () => Promise<LexicalBackend>): void {
  describe(`${kind}: LexicalIndex contract`, () => {
    let backend: LexicalBackend;
    let opened: LexicalIndex[];
    /** Opens an index on this test's storage and closes it after the test. */
    const open = async (options?: LexicalIndexOptions): Promise<LexicalIndex> => {
      const index = await backend.openIndex(options);
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

    describe('ranking', () => {
      let index: LexicalIndex;

      beforeEach(async () => {
        index = await open({ bm25: PARAMS });
        await index.add([chunk('kb', 'apples', 'apple apple banana'), chunk('kb', 'fruit', 'apple banana cherry kiwi mango'), chunk('kb', 'banana', 'banana')]);
      });

      it('ranks the chunk with more occurrences in fewer words first and leaves out non-matching ones', async () => {
        const hits = await index.search('apple', 10);
        expect(hits.map((hit) => hit.docId)).toEqual(['apples', 'fruit']);
      });

      it('gives the BM25 score of the formula', async () => {
        // N = 3, df(apple) = 2, lengths 3, 5, 1 (avg 3); "apples" has tf 2 and length 3.
        const idf = bm25Idf(3, 2);
        expect(idf).toBeCloseTo(Math.log(1 + 1.5 / 2.5), 12);
        const [top] = await index.search('apple', 1);
        expect(top!.score).toBeCloseTo((idf * 2) / (2 + 1.2 * (1 - 0.75 + 0.75 * (3 / 3))), 5);
      });

      it('lets a rare term outweigh a common one', async () => {
        const hits = await index.search('banana cherry', 10);
        expect(hits[0]!.docId).toBe('fruit');
        expect(hits).toHaveLength(3);
      });

      it('weights a word repeated in the query by its count', async () => {
        await index.add([chunk('kb', 'kiwi-only', 'kiwi'), chunk('kb', 'mango-only', 'mango')]);
        const once = await index.search('kiwi mango', 10);
        const kiwiTwice = await index.search('kiwi kiwi mango', 10);
        const scoreOf = (hits: typeof once, docId: string) => hits.find((hit) => hit.docId === docId)!.score;
        expect(scoreOf(once, 'kiwi-only')).toBeCloseTo(scoreOf(once, 'mango-only'), 6);
        expect(scoreOf(kiwiTwice, 'kiwi-only')).toBeCloseTo(2 * scoreOf(once, 'kiwi-only'), 5);
      });

      it('matches inflected forms and ignores stopwords in the query', async () => {
        const hits = await index.search('the Apples', 10);
        expect(hits.map((hit) => hit.docId)).toEqual(['apples', 'fruit']);
        expect(await index.search('the and of', 10)).toEqual([]);
        expect(await index.search('durian', 10)).toEqual([]);
        expect(await index.search('', 10)).toEqual([]);
      });

      it('breaks ties by the order chunks were added', async () => {
        await index.add([chunk('kb', 'twin-1', 'lychee'), chunk('kb', 'twin-2', 'lychee'), chunk('kb', 'twin-3', 'lychee')]);
        expect((await index.search('lychee', 10)).map((hit) => hit.docId)).toEqual(['twin-1', 'twin-2', 'twin-3']);
      });

      it('returns what a citation needs and respects the limit', async () => {
        await index.add([
          chunk('kb', 'guide', 'apple orchards need pruning', {
            chunkId: 'guide#3',
            title: 'Orchard guide',
            url: 'https://example.org/guide',
            location: 'Care > Pruning',
          }),
        ]);
        const [hit] = await index.search('pruning', 1);
        expect(hit).toEqual({
          kbId: 'kb',
          docId: 'guide',
          chunkId: 'guide#3',
          title: 'Orchard guide',
          text: 'apple orchards need pruning',
          url: 'https://example.org/guide',
          location: 'Care > Pruning',
          score: expect.any(Number),
          relevance: expect.any(Number),
        });
        expect(await index.search('apple', 1)).toHaveLength(1);
      });

      it('reports relevance from 0 to 1: the score over the best the query could reach', async () => {
        await index.add([chunk('kb', 'a', 'pruning pruning pruning orchards'), chunk('kb', 'b', 'orchards')]);
        const [full, partial] = await index.search('pruning orchards', 2);
        expect(full!.docId).toBe('a');
        for (const hit of [full!, partial!]) {
          expect(hit.relevance).toBeGreaterThan(0);
          expect(hit.relevance).toBeLessThanOrEqual(1);
        }
        // Missing the rarer query term costs more than half of the reachable score.
        expect(partial!.relevance).toBeLessThan(full!.relevance / 2);
        // A query term no chunk has still counts towards what could be reached.
        const [diluted] = await index.search('pruning orchards zeppelin', 1);
        expect(diluted!.relevance).toBeLessThan(full!.relevance);
      });

      it('searches the title as part of the chunk', async () => {
        await index.add([chunk('kb', 'titled', 'nothing else', { title: 'Durian season' })]);
        expect((await index.search('durian', 5)).map((hit) => hit.docId)).toEqual(['titled']);
      });
    });

    describe('changes', () => {
      it('removes every chunk of a document and updates the statistics', async () => {
        const index = await open();
        await index.add([
          chunk('kb', 'a', 'solar panels on roofs', { chunkId: 'a#1' }),
          chunk('kb', 'a', 'solar batteries at night', { chunkId: 'a#2' }),
          chunk('kb', 'b', 'solar farms in deserts'),
        ]);
        const before = await index.search('solar', 10);
        expect(await index.remove('kb', 'a')).toBe(2);
        const after = await index.search('solar', 10);
        expect(after.map((hit) => hit.docId)).toEqual(['b']);
        // One document left with the term: idf changed, so the remaining score changed too.
        expect(after[0]!.score).not.toBeCloseTo(before.find((hit) => hit.docId === 'b')!.score, 6);
        expect(index.size).toBe(1);
        expect(await index.remove('kb', 'a')).toBe(0);
        expect(await index.remove('other-kb', 'b')).toBe(0);
      });

      it('replaces a chunk added again with the same id', async () => {
        const index = await open();
        await index.add([chunk('kb', 'a', 'old wording about tariffs')]);
        await index.add([chunk('kb', 'a', 'new wording about subsidies')]);
        expect(index.size).toBe(1);
        expect(await index.search('tariffs', 10)).toEqual([]);
        expect((await index.search('subsidies', 10))[0]!.text).toBe('new wording about subsidies');
      });

      it('keeps the last of chunks repeated within one batch', async () => {
        const index = await open();
        await index.add([chunk('kb', 'a', 'first draft'), chunk('kb', 'b', 'other draft'), chunk('kb', 'a', 'final draft')]);
        expect(index.size).toBe(2);
        expect((await index.search('draft', 10)).map((hit) => hit.text).sort()).toEqual(['final draft', 'other draft']);
      });

      it('treats the same chunk id in two knowledge bases as two chunks', async () => {
        const index = await open();
        await index.add([chunk('kb1', 'a', 'geothermal wells'), chunk('kb2', 'a', 'geothermal plants')]);
        expect(index.size).toBe(2);
        expect(await index.remove('kb1', 'a')).toBe(1);
        expect((await index.search('geothermal', 10)).map((hit) => hit.text)).toEqual(['geothermal plants']);
      });

      it('searches only the knowledge bases asked for', async () => {
        const index = await open();
        await index.add([chunk('kb1', 'x', 'vaccine policy'), chunk('kb2', 'y', 'vaccine trials'), chunk('kb3', 'z', 'vaccine cost')]);
        expect((await index.search('vaccine', 10, ['kb1'])).map((hit) => hit.kbId)).toEqual(['kb1']);
        expect((await index.search('vaccine', 10, ['kb1', 'kb3'])).map((hit) => hit.kbId).sort()).toEqual(['kb1', 'kb3']);
        expect(await index.search('vaccine', 10, ['unknown'])).toEqual([]);
        expect(await index.search('vaccine', 10, [])).toEqual([]);
        expect(await index.search('vaccine', 10)).toHaveLength(3);
      });

      it('reads chunks back by knowledge base and chunk id, in the order asked', async () => {
        const index = await open();
        await index.add([chunk('kb1', 'a', 'solar panels'), chunk('kb2', 'a', 'wind turbines'), chunk('kb1', 'b', 'heat pumps')]);
        const found = await index.chunks([
          { kbId: 'kb1', chunkId: 'b#1' },
          { kbId: 'kb2', chunkId: 'a#1' },
          { kbId: 'kb3', chunkId: 'a#1' },
        ]);
        expect(found.map((c) => [c.kbId, c.chunkId, c.text])).toEqual([
          ['kb1', 'b#1', 'heat pumps'],
          ['kb2', 'a#1', 'wind turbines'],
        ]);
        expect(await index.chunks([])).toEqual([]);
      });

      it('removes a whole knowledge base and nothing else', async () => {
        const index = await open();
        await index.add([chunk('kb1', 'x', 'tidal energy'), chunk('kb1', 'w', 'tidal range'), chunk('kb2', 'y', 'tidal power')]);
        expect(await index.removeKnowledgeBase('kb1')).toBe(2);
        expect((await index.search('tidal', 10)).map((hit) => hit.kbId)).toEqual(['kb2']);
        expect(await index.removeKnowledgeBase('kb1')).toBe(0);
        expect(index.size).toBe(1);
      });

      it('keeps text in any script, emoji and accents included, and finds it', async () => {
        const index = await open();
        const text = '東京の天気は晴れです。Café crème 🍰 — naïve façade; Ünïcödé “quotes”';
        await index.add([chunk('kb-ü', 'doc-日本', text, { chunkId: 'チャンク#1', title: 'Über 🍰', location: 'Kapitel › 2' })]);
        const [hit] = await index.search('天気', 5);
        expect(hit).toMatchObject({ kbId: 'kb-ü', docId: 'doc-日本', chunkId: 'チャンク#1', title: 'Über 🍰', text, location: 'Kapitel › 2' });
        expect((await index.search('cafe creme', 5)).map((h) => h.chunkId)).toEqual(['チャンク#1']);
        expect((await index.search('uber', 5, ['kb-ü'])).map((h) => h.chunkId)).toEqual(['チャンク#1']);
      });
    });

    describe('bad input', () => {
      it('rejects a chunk without ids and stores nothing of that batch', async () => {
        const index = await open();
        await expect(index.add([chunk('kb', 'ok', 'fine text'), chunk('', 'bad', 'text')])).rejects.toThrow(/chunk 2 has no kbId/);
        await expect(index.add([chunk('kb', 'ok', 'fine text'), chunk('kb', '  ', 'text')])).rejects.toThrow(/chunk 2 has no docId/);
        const noText = { ...chunk('kb', 'c', ''), text: undefined } as unknown as ChunkInput;
        await expect(index.add([noText])).rejects.toThrow(/has no text/);
        expect(index.size).toBe(0);
        expect(await index.search('fine', 10)).toEqual([]);
      });

      it('rejects a NUL character (which PostgreSQL cannot store) and stores nothing of that batch', async () => {
        const index = await open();
        await expect(index.add([chunk('kb', 'ok', 'fine text'), chunk('kb', 'nul', 'bad\u0000text')])).rejects.toThrow(
          /chunk 2 \(nul#1\) has a NUL character in its text/,
        );
        expect(index.size).toBe(0);
      });

      it('rejects a limit outside 1..10000', async () => {
        const index = await open();
        await expect(index.search('anything', 0)).rejects.toBeInstanceOf(InternalError);
        await expect(index.search('anything', 1.5)).rejects.toThrow(/limit/);
        await expect(index.search('anything', 10_001)).rejects.toThrow(/limit/);
      });

      it('accepts an empty batch and changes nothing', async () => {
        const index = await open();
        await index.add([]);
        expect(index.size).toBe(0);
      });

      it('reports a closed store as a store error and keeps memory unchanged', async () => {
        const index = await open();
        await index.add([chunk('kb', 'a', 'kept text')]);
        await index.close();
        await expect(index.add([chunk('kb', 'b', 'more text')])).rejects.toMatchObject({ code: ErrorCode.StoreError });
        await expect(index.remove('kb', 'a')).rejects.toMatchObject({ code: ErrorCode.StoreError });
        expect(index.size).toBe(1);
      });
    });

    describe('persistence', () => {
      it('finds the same chunks with the same scores after reopening, removals and replacements included', async () => {
        const first = await open();
        await first.add([
          chunk('kb', 'a', 'rent control reduces housing supply'),
          chunk('kb', 'b', 'housing vouchers help tenants'),
          chunk('kb2', 'c', 'housing density and zoning'),
          chunk('kb2', 'd', 'old housing text'),
        ]);
        await first.remove('kb', 'b');
        await first.add([chunk('kb2', 'd', 'new housing supply text')]);
        const before = await first.search('housing supply', 10);
        await first.close();

        const reopened = await open();
        expect(reopened.size).toBe(3);
        const after = await reopened.search('housing supply', 10);
        expect(after).toEqual(before);
        expect((await reopened.search('housing', 10, ['kb2'])).map((hit) => hit.docId).sort()).toEqual(['c', 'd']);
      });

      it('keeps the order chunks were added, which breaks ties, after reopening', async () => {
        const first = await open();
        const docIds = Array.from({ length: 25 }, (_, i) => `twin-${i}`);
        await first.add(docIds.map((docId) => chunk('kb', docId, 'lychee')));
        expect((await first.search('lychee', 30)).map((hit) => hit.docId)).toEqual(docIds);
        await first.close();
        const reopened = await open();
        expect((await reopened.search('lychee', 30)).map((hit) => hit.docId)).toEqual(docIds);
      });

      it('re-analyses stored chunks when opened with a different analysis', async () => {
        const stemmed = await open();
        await stemmed.add([chunk('kb', 'a', 'runners running')]);
        expect(await stemmed.search('run', 10)).toHaveLength(1);
        await stemmed.close();

        const unstemmed = await open({ analyzer: createAnalyzer({ stem: false }), analyzerVersion: 'no-stemming' });
        expect(await unstemmed.search('run', 10)).toEqual([]);
        expect(await unstemmed.search('running', 10)).toHaveLength(1);
      });
    });
  });
}
