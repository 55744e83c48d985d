/** The retrieval contract suites on the embedded SQLite backend (always run). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LexicalIndex } from '../../../src/providers/retrieval/lexical-index';
import { lexicalIndexContractSuite } from '../../helpers/retrieval-contract';

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
