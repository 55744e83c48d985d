/**
 * The retrieval contract suites on PostgreSQL (run in CI; locally when DATABASE_URL answers), and
 * what only a shared backend has: several processes, each with its own memory, seeing each
 * other's changes.
 */
import { LexicalIndex, type LexicalIndexOptions } from '../../../../src/providers/retrieval/lexical-index';
import { PostgresChunkStore } from '../../../../src/providers/retrieval/postgres/postgres-chunk-store';
import { DATABASE_URL } from '../../../helpers/env';
import { StoredVectorIndex } from '../../../../src/providers/retrieval/stored-vector-index';
import { chunk, lexicalIndexContractSuite } from '../../../helpers/retrieval-contract';
import { entry, vectorIndexContractSuite } from '../../../helpers/vector-contract';
import { throwawayPostgres, type ThrowawayPostgres } from '../../../helpers/retrieval-postgres';
import { describeWithService } from '../../../helpers/services';

const postgres = describeWithService('PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432);

postgres.describe('PostgreSQL retrieval', () => {
  lexicalIndexContractSuite('postgres', async () => {
    const db = throwawayPostgres(postgres.url);
    return { openIndex: (options) => LexicalIndex.openPostgres(db.options, options), destroy: () => db.dropSchema() };
  });

  vectorIndexContractSuite('postgres', async () => {
    const db = throwawayPostgres(postgres.url);
    return { openIndex: () => StoredVectorIndex.openPostgres(db.options), destroy: () => db.dropSchema() };
  });

  describe('VectorIndex shared by processes', () => {
    let db: ThrowawayPostgres;
    let opened: StoredVectorIndex[];
    const process = async (refreshIntervalMs = 60_000, retentionMs?: number): Promise<StoredVectorIndex> => {
      const options = retentionMs === undefined ? db.options : { ...db.options, changeRetentionMs: retentionMs };
      const index = await StoredVectorIndex.openPostgres(options, { refreshIntervalMs });
      opened.push(index);
      return index;
    };
    const chunkIds = async (index: StoredVectorIndex, vector: number[]) => (await index.search(vector, 10)).map((hit) => hit.chunkId);

    beforeEach(() => {
      db = throwawayPostgres(postgres.url);
      opened = [];
    });

    afterEach(async () => {
      try {
        await Promise.all(opened.map((index) => index.close()));
      } finally {
        await db.dropSchema();
      }
    });

    it("applies another process's puts, replacements and removals on refresh", async () => {
      const a = await process();
      const b = await process();
      await a.put([entry('kb', 'x', [1, 0]), entry('kb', 'y', [0, 1])]);
      expect(await chunkIds(b, [1, 0])).toEqual([]);
      await b.refresh();
      expect(await b.search([1, 0.2], 10)).toEqual(await a.search([1, 0.2], 10));
      await a.put([entry('kb', 'y', [1, 0.01])]);
      await a.removeDocument('kb', 'x');
      await b.put([entry('kb2', 'z', [-1, 0])]);
      await b.removeDocument('kb2', 'z');
      await Promise.all([a.refresh(), b.refresh()]);
      for (const index of [a, b]) {
        expect(index.size).toBe(1);
        expect(await chunkIds(index, [1, 0])).toEqual(['y#1']);
      }
    });

    it('refreshes by itself before a search once the interval has passed', async () => {
      const a = await process();
      const b = await process(0);
      expect(await b.isEmpty()).toBe(true);
      await a.put([entry('kb', 'x', [1, 0])]);
      // A process that has seen no vector yet still learns of another's (callers ask before embedding).
      expect(await b.isEmpty()).toBe(false);
      expect(await chunkIds(b, [1, 0])).toEqual(['x#1']);
    });

    it('reloads when the log was pruned, and follows a change of dimension made elsewhere', async () => {
      const a = await process();
      const b = await process();
      await a.put([entry('kb', 'x', [1, 0])]);
      await b.refresh();
      await a.removeKnowledgeBase('kb');
      const pruner = await process(60_000, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await pruner.put([entry('kb', 'y', [0, 1, 0])]);
      await b.refresh();
      expect(b.dimension).toBe(3);
      expect(await chunkIds(b, [0, 1, 0])).toEqual(['y#1']);
      // The store, not one process's memory, decides: the stored dimension is now 3 for everyone.
      await expect(a.put([entry('kb', 'z', [1, 0])])).rejects.toThrow(/2 dimensions but the index holds 3/);
    });
  });

  describe('LexicalIndex shared by processes', () => {
    let db: ThrowawayPostgres;
    let opened: LexicalIndex[];
    /** Another process: its own pool and its own in-memory postings. */
    const process = async (options: LexicalIndexOptions = {}, retentionMs?: number): Promise<LexicalIndex> => {
      const index = await LexicalIndex.openPostgres(retentionMs === undefined ? db.options : { ...db.options, changeRetentionMs: retentionMs }, {
        refreshIntervalMs: 60_000,
        ...options,
      });
      opened.push(index);
      return index;
    };
    const docIds = async (index: LexicalIndex, query: string) => (await index.search(query, 10)).map((hit) => hit.docId);

    beforeEach(() => {
      db = throwawayPostgres(postgres.url);
      opened = [];
    });

    afterEach(async () => {
      try {
        await Promise.all(opened.map((index) => index.close()));
      } finally {
        await db.dropSchema();
      }
    });

    it("applies another process's additions, replacements and removals on refresh", async () => {
      const a = await process();
      const b = await process();
      await a.add([chunk('kb', 'wind', 'offshore wind turbines'), chunk('kb', 'sun', 'solar turbines?')]);
      // B has not refreshed yet (its interval is long): it still sees the empty index.
      expect(await docIds(b, 'turbines')).toEqual([]);
      await b.refresh();
      expect(await b.search('turbines', 10)).toEqual(await a.search('turbines', 10));

      await a.add([chunk('kb', 'sun', 'solar panels')]);
      await a.remove('kb', 'wind');
      await b.refresh();
      expect(await docIds(b, 'turbines')).toEqual([]);
      expect(await docIds(b, 'solar')).toEqual(['sun']);
      expect(b.size).toBe(1);
      await expect(b.search('solar', 10)).resolves.toEqual(await a.search('solar', 10));
    });

    it('lets each process see the other, and its own changes read back change nothing', async () => {
      const a = await process();
      const b = await process();
      await a.add([chunk('kb1', 'x', 'glacier retreat')]);
      await b.add([chunk('kb2', 'y', 'glacier mass balance')]);
      await a.removeKnowledgeBase('kb1');
      await Promise.all([a.refresh(), b.refresh()]);
      for (const index of [a, b]) {
        expect(index.size).toBe(1);
        expect(await docIds(index, 'glacier')).toEqual(['y']);
      }
      // A chunk added and then removed before the other process refreshed never appears there.
      await b.add([chunk('kb2', 'z', 'glacier calving')]);
      await b.remove('kb2', 'z');
      await a.refresh();
      expect(await docIds(a, 'glacier')).toEqual(['y']);
      expect(a.size).toBe(1);
    });

    it('refreshes by itself before a search once the interval has passed', async () => {
      const a = await process();
      const b = await process({ refreshIntervalMs: 0 });
      await a.add([chunk('kb', 'tide', 'tidal lagoons')]);
      expect(await docIds(b, 'tidal')).toEqual(['tide']);
    });

    it('reloads everything when the change log no longer reaches back to its last refresh', async () => {
      const a = await process();
      const b = await process();
      await a.add([chunk('kb', 'old', 'peat bogs')]);
      // A writer with a tiny retention prunes every earlier entry, including the one B has not read.
      const pruner = await process({}, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await pruner.add([chunk('kb', 'new', 'peat fires')]);
      await b.refresh();
      expect((await docIds(b, 'peat')).sort()).toEqual(['new', 'old']);
      expect(b.size).toBe(2);
    });

    it('makes the other processes reload after one re-analysed the stored terms', async () => {
      const a = await process();
      await a.add([chunk('kb', 'a', 'tundra runners running')]);
      const b = await process();
      expect(await b.search('run', 10)).toHaveLength(1);
      await process({ analyzerVersion: 'test-v2', analyzer: (text) => text.split(/\s+/).filter(Boolean) });
      await b.refresh();
      // B now holds the unstemmed terms the other process stored: "run" no longer matches.
      expect(await b.search('run', 10)).toEqual([]);
      expect(await docIds(b, 'tundra')).toEqual(['a']);
    });

    it('creates its tables once when several processes open at the same moment', async () => {
      const indexes = await Promise.all([process(), process(), process()]);
      await indexes[0]!.add([chunk('kb', 'a', 'permafrost thaw')]);
      await indexes[2]!.refresh();
      expect(await docIds(indexes[2]!, 'permafrost')).toEqual(['a']);
    });

    it('refuses a table prefix that is not a plain identifier', async () => {
      await expect(PostgresChunkStore.open({ ...db.options, tablePrefix: 'x"; DROP TABLE y; --' })).rejects.toThrow(
        /table prefix .* must be lowercase letters/,
      );
    });
  });
});
