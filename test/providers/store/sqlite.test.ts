import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { silentLogger } from '../../helpers/logger';
import { storeContractSuite } from '../../helpers/store-contract';

const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A folder that does not exist yet: the store must create it.
const file = path.join(dir, 'nested', 'data', 'channelwise.sqlite');

storeContractSuite('sqlite', () => createStore({ kind: 'sqlite', path: file }, silentLogger));

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
