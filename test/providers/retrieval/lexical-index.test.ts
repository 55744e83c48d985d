/**
 * What `LexicalIndex` does beyond the backend contract (test/helpers/retrieval-contract.ts, run on
 * every backend by sqlite.test.ts and postgres.test.ts): options and a store that fails.
 */
import { ErrorCode, InternalError } from '../../../src/core/errors';
import { LexicalIndex } from '../../../src/providers/retrieval/lexical-index';
import { SqliteChunkStore } from '../../../src/providers/retrieval/sqlite/sqlite-chunk-store';
import { chunk } from '../../helpers/retrieval-contract';

describe('LexicalIndex', () => {
  it('reports a failing store as a store error and keeps memory unchanged', async () => {
    const store = SqliteChunkStore.open(':memory:');
    const broken = await LexicalIndex.open(store);
    await store.close();
    const failure = broken.add([chunk('kb', 'a', 'text')]);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.StoreError });
    expect(broken.size).toBe(0);
  });

  it('treats refresh as a no-op on a store only this process writes', async () => {
    const index = await LexicalIndex.openSqlite(':memory:', { refreshIntervalMs: 0 });
    await index.add([chunk('kb', 'a', 'moorland birds')]);
    await index.refresh();
    expect(index.size).toBe(1);
    expect((await index.search('birds', 5)).map((hit) => hit.docId)).toEqual(['a']);
    await index.close();
  });

  it('refuses a negative refresh interval', async () => {
    await expect(LexicalIndex.openSqlite(':memory:', { refreshIntervalMs: -1 })).rejects.toBeInstanceOf(InternalError);
  });
});
