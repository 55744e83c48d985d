import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { SQLITE_TABLE, createSqliteStore } from '../../../src/providers/store/sqlite-store';
import { silentLogger } from '../../helpers/logger';
import { type StoreBackendProbe, storeContractSuite } from '../../helpers/store-contract';

const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A folder that does not exist yet: the store must create it.
const file = path.join(dir, 'nested', 'data', 'channelwise.sqlite');

/** A second connection to the store's file, and a count of every statement better-sqlite3 runs. */
async function sqliteProbe(): Promise<StoreBackendProbe> {
  const db = new Database(file);
  const statement: Database.Statement = Object.getPrototypeOf(db.prepare('SELECT 1'));
  return {
    writeRaw: async (key, text) => {
      // As @keyv/sqlite wrote: keyv's namespace prefix, the JSON text, no TTL column.
      db.prepare(`INSERT INTO ${SQLITE_TABLE} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
        `channelwise:${key}`,
        text,
      );
    },
    readRaw: async (key) => db.prepare<[string], { value: string }>(`SELECT value FROM ${SQLITE_TABLE} WHERE key = ?`).get(`channelwise:${key}`)?.value,
    countCommands: async (_key, run) => {
      const spies = [
        ...(['run', 'get', 'all', 'iterate'] as const).map((method) => jest.spyOn(statement, method)),
        ...(['exec', 'pragma'] as const).map((method) => jest.spyOn(Database.prototype, method)),
      ];
      try {
        await run();
        return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    },
    close: async () => {
      db.close();
    },
  };
}

storeContractSuite('sqlite', () => createStore({ kind: 'sqlite', path: file }, silentLogger), {
  probe: sqliteProbe,
  withLockWait: (lockWaitMs) => createSqliteStore(file, silentLogger, { lockWaitMs }),
});

describe('sqlite store: the file', () => {
  it('creates the file, and any missing folders, where the config says', async () => {
    const own = path.join(dir, 'fresh', 'deeper', 'store.sqlite');
    const store = await createStore({ kind: 'sqlite', path: own }, silentLogger);
    await store.set('greeting', 'hello');
    await store.close();
    expect(existsSync(own)).toBe(true);
  });

  it('fails start-up with a StoreError naming the file when it cannot be created', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where a folder should be');
    const bad = path.join(blocker, 'store.sqlite');
    await expect(createStore({ kind: 'sqlite', path: bad }, silentLogger)).rejects.toMatchObject({
      code: ErrorCode.StoreError,
      message: expect.stringContaining(blocker),
    });
  });
});
