/**
 * Knowledge bases on PostgreSQL, as a deployment with several processes runs them: two knowledge
 * services (two "processes") on one database; what one adds, the other finds and lists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseStoreUrl } from '../../../src/config';
import type { DocumentStore } from '../../../src/core/ports';
import { systemClock } from '../../../src/core/ports';
import { createKnowledge, type KnowledgeHandle } from '../../../src/providers/knowledge/create-knowledge';
import { createStore } from '../../../src/providers/store/create-store';
import { testKnowledgeOptions, testTokenizer } from '../../helpers/app';
import { DATABASE_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { throwawayPostgres, type ThrowawayPostgres } from '../../helpers/retrieval-postgres';
import { describeWithService } from '../../helpers/services';

const suite = describeWithService('PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432);

suite.describe('knowledge bases on PostgreSQL shared by two processes', () => {
  let pg: ThrowawayPostgres;
  const stores: DocumentStore[] = [];
  const handles: KnowledgeHandle[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-kb-pg-'));
  const kbId = `kb-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    pg = throwawayPostgres(suite.url);
    for (let i = 0; i < 2; i++) {
      const store = await createStore(parseStoreUrl(suite.url, dir), silentLogger);
      stores.push(store);
      handles.push(
        await createKnowledge(testKnowledgeOptions(), {
          store,
          tokenizer: testTokenizer(),
          logger: silentLogger,
          clock: systemClock,
          location: { kind: 'postgres', options: pg.options, refreshIntervalMs: 0 },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const handle of handles) await handle.close();
    for (const store of stores) await store.close();
    await pg.dropSchema();
    rmSync(dir, { recursive: true, force: true });
  });

  it('what one process adds, replaces and removes, the other sees', async () => {
    const [a, b] = handles.map((h) => h.knowledge) as [(typeof handles)[0]['knowledge'], (typeof handles)[0]['knowledge']];
    const added = await a.add(kbId, { kind: 'text', text: 'Expenses\n\nSubmit receipts within 30 days.' }, 'alice');
    expect((await b.search([kbId], 'submit receipts', 3))[0]).toMatchObject({ docId: added.id, title: 'Expenses' });
    expect((await b.list(kbId)).map((d) => d.id)).toEqual([added.id]);

    const replaced = await b.add(kbId, { kind: 'text', text: 'Expenses\n\nSubmit receipts within 60 days.' }, 'bob');
    expect(replaced).toMatchObject({ id: added.id, replaced: true });
    expect((await a.search([kbId], 'receipts days', 3)).map((p) => p.text)).toEqual(['Expenses\n\nSubmit receipts within 60 days.']);

    expect(await a.remove(kbId, added.id)).toBe(true);
    expect(await b.search([kbId], 'receipts', 3)).toEqual([]);
  });
});
