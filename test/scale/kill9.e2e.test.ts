/**
 * kill -9 loses no acknowledged change (SPEC §5): a process SIGKILLed in the middle of `/fewshot
 * add`s, restarted on the same store, lists every example it acknowledged — on SQLite (WAL,
 * synchronous=NORMAL: a commit survives the process), Redis and PostgreSQL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotCluster } from '../helpers/bot-cluster';
import { DATABASE_URL, REDIS_URL } from '../helpers/env';
import { killDuringWrites } from '../helpers/kill9-writes';
import { describeWithService } from '../helpers/services';

jest.setTimeout(180_000);

const sqlite = `sqlite://${path.join(mkdtempSync(path.join(tmpdir(), 'channelwise-kill9-')), 'store.sqlite')}`;
const stores: ReadonlyArray<readonly [string, { describe: jest.Describe; url: string }]> = [
  ['SQLite', { describe, url: sqlite }],
  ['Redis', describeWithService('Redis', 'REDIS_URL', REDIS_URL, 6379)],
  ['PostgreSQL', describeWithService('PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432)],
];

for (const [name, suite] of stores) {
  suite.describe(`kill -9 during writes on ${name}`, () => {
    let cluster: BotCluster | undefined;
    afterAll(async () => {
      await cluster?.close();
    });

    it('keeps every acknowledged /fewshot add after a restart', async () => {
      cluster = await BotCluster.start({ processes: 1, storeUrl: suite.url, model: false, via: 'tsx' });
      const result = await killDuringWrites(cluster, 120, 40, `C0K9${name.slice(0, 3).toUpperCase()}`);
      expect(result.acknowledged).toBeGreaterThanOrEqual(40);
      expect(result.lost).toEqual([]);
    });
  });
}
