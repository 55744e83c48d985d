import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, InternalError } from '../../../src/core/errors';
import { createAnalyzer } from '../../../src/providers/retrieval/analysis';
import { bm25Idf } from '../../../src/providers/retrieval/bm25';
import type { ChunkInput } from '../../../src/providers/retrieval/chunk-store';
import { LexicalIndex } from '../../../src/providers/retrieval/lexical-index';
import { SqliteChunkStore } from '../../../src/providers/retrieval/sqlite-chunk-store';

const chunk = (kbId: string, docId: string, text: string, extra: Partial<ChunkInput> = {}): ChunkInput => ({
  kbId,
  docId,
  chunkId: `${docId}#1`,
  title: '',
  text,
  ...extra,
});

const PARAMS = { k1: 1.2, b: 0.75 };

describe('LexicalIndex ranking', () => {
  let index: LexicalIndex;

  beforeEach(async () => {
    index = await LexicalIndex.openSqlite(':memory:', { bm25: PARAMS });
    await index.add([
      chunk('kb', 'apples', 'apple apple banana'),
      chunk('kb', 'fruit', 'apple banana cherry kiwi mango'),
      chunk('kb', 'banana', 'banana'),
    ]);
  });

  afterEach(() => index.close());

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
    });
    expect(await index.search('apple', 1)).toHaveLength(1);
  });

  it('searches the title as part of the chunk', async () => {
    await index.add([chunk('kb', 'titled', 'nothing else', { title: 'Durian season' })]);
    expect((await index.search('durian', 5)).map((hit) => hit.docId)).toEqual(['titled']);
  });
});

describe('LexicalIndex changes', () => {
  let index: LexicalIndex;

  beforeEach(async () => {
    index = await LexicalIndex.openSqlite(':memory:');
  });

  afterEach(() => index.close());

  it('removes every chunk of a document and updates the statistics', async () => {
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
    await index.add([chunk('kb', 'a', 'old wording about tariffs')]);
    await index.add([chunk('kb', 'a', 'new wording about subsidies')]);
    expect(index.size).toBe(1);
    expect(await index.search('tariffs', 10)).toEqual([]);
    expect((await index.search('subsidies', 10))[0]!.text).toBe('new wording about subsidies');
  });

  it('keeps the last of chunks repeated within one batch', async () => {
    await index.add([chunk('kb', 'a', 'first draft'), chunk('kb', 'a', 'final draft')]);
    expect(index.size).toBe(1);
    expect((await index.search('draft', 10)).map((hit) => hit.text)).toEqual(['final draft']);
  });

  it('searches only the knowledge bases asked for', async () => {
    await index.add([chunk('kb1', 'x', 'vaccine policy'), chunk('kb2', 'y', 'vaccine trials'), chunk('kb3', 'z', 'vaccine cost')]);
    expect((await index.search('vaccine', 10, ['kb1'])).map((hit) => hit.kbId)).toEqual(['kb1']);
    expect((await index.search('vaccine', 10, ['kb1', 'kb3'])).map((hit) => hit.kbId).sort()).toEqual(['kb1', 'kb3']);
    expect(await index.search('vaccine', 10, ['unknown'])).toEqual([]);
    expect(await index.search('vaccine', 10, [])).toEqual([]);
    expect(await index.search('vaccine', 10)).toHaveLength(3);
  });

  it('removes a whole knowledge base', async () => {
    await index.add([chunk('kb1', 'x', 'tidal energy'), chunk('kb2', 'y', 'tidal power')]);
    expect(await index.removeKnowledgeBase('kb1')).toBe(1);
    expect((await index.search('tidal', 10)).map((hit) => hit.kbId)).toEqual(['kb2']);
  });

  it('rejects a chunk without ids and stores nothing of that batch', async () => {
    await expect(index.add([chunk('kb', 'ok', 'fine text'), chunk('', 'bad', 'text')])).rejects.toThrow(/chunk 2 has no kbId/);
    expect(index.size).toBe(0);
    expect(await index.search('fine', 10)).toEqual([]);
  });

  it('rejects a limit outside 1..10000', async () => {
    await expect(index.search('anything', 0)).rejects.toBeInstanceOf(InternalError);
    await expect(index.search('anything', 1.5)).rejects.toThrow(/limit/);
  });

  it('reports a failing store as a store error and keeps memory unchanged', async () => {
    const store = SqliteChunkStore.open(':memory:');
    const broken = await LexicalIndex.open(store);
    await store.close();
    const failure = broken.add([chunk('kb', 'a', 'text')]);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.StoreError });
    expect(broken.size).toBe(0);
  });
});

describe('LexicalIndex persistence', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lexical-index-'));
    file = path.join(dir, 'nested', 'knowledge.sqlite');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the same chunks with the same scores after reopening, removals included', async () => {
    const first = await LexicalIndex.openSqlite(file);
    await first.add([
      chunk('kb', 'a', 'rent control reduces housing supply'),
      chunk('kb', 'b', 'housing vouchers help tenants'),
      chunk('kb2', 'c', 'housing density and zoning'),
    ]);
    await first.remove('kb', 'b');
    const before = await first.search('housing supply', 10);
    await first.close();

    const reopened = await LexicalIndex.openSqlite(file);
    expect(reopened.size).toBe(2);
    const after = await reopened.search('housing supply', 10);
    expect(after).toEqual(before);
    expect((await reopened.search('housing', 10, ['kb2'])).map((hit) => hit.docId)).toEqual(['c']);
    await reopened.close();
  });

  it('re-analyses stored chunks when opened with a different analysis', async () => {
    const stemmed = await LexicalIndex.openSqlite(file);
    await stemmed.add([chunk('kb', 'a', 'runners running')]);
    expect(await stemmed.search('run', 10)).toHaveLength(1);
    await stemmed.close();

    const unstemmed = await LexicalIndex.openSqlite(file, {
      analyzer: createAnalyzer({ stem: false }),
      analyzerVersion: 'no-stemming',
    });
    expect(await unstemmed.search('run', 10)).toEqual([]);
    expect(await unstemmed.search('running', 10)).toHaveLength(1);
    await unstemmed.close();
  });
});
