/** The retrieval contract suites on the embedded SQLite backend (always run). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LexicalIndex } from '../../../../src/providers/retrieval/lexical-index';
import { StoredVectorIndex } from '../../../../src/providers/retrieval/stored-vector-index';
import { chunk, lexicalIndexContractSuite } from '../../../helpers/retrieval-contract';
import { vectorIndexContractSuite } from '../../../helpers/vector-contract';

/** A fresh directory per test; the file sits in a folder that does not exist yet, as on first start. */
function tempFile(): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retrieval-sqlite-'));
  return { file: path.join(dir, 'nested', 'knowledge.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

lexicalIndexContractSuite('sqlite', async () => {
  const { file, remove } = tempFile();
  return {
    openIndex: (options) => LexicalIndex.openSqlite(file, options),
    destroy: async () => remove(),
  };
});

vectorIndexContractSuite('sqlite', async () => {
  const { file, remove } = tempFile();
  return { openIndex: () => StoredVectorIndex.openSqlite(file), destroy: async () => remove() };
});

describe('sqlite: chunks and vectors in one file', () => {
  it('keeps both, each with its own connection, across reopening', async () => {
    const { file, remove } = tempFile();
    try {
      const lexical = await LexicalIndex.openSqlite(file);
      const vectors = await StoredVectorIndex.openSqlite(file);
      await lexical.add([chunk('kb', 'a', 'shared file text')]);
      await vectors.put([{ kbId: 'kb', docId: 'a', chunkId: 'a#1', vector: [0.6, 0.8] }]);
      await Promise.all([lexical.close(), vectors.close()]);
      const [lexicalAgain, vectorsAgain] = await Promise.all([LexicalIndex.openSqlite(file), StoredVectorIndex.openSqlite(file)]);
      expect((await lexicalAgain.search('shared', 5)).map((hit) => hit.chunkId)).toEqual(['a#1']);
      expect((await vectorsAgain.search([3, 4], 5)).map((hit) => hit.chunkId)).toEqual(['a#1']);
      await Promise.all([lexicalAgain.close(), vectorsAgain.close()]);
    } finally {
      remove();
    }
  });
});
