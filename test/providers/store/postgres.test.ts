import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { createPostgresStore } from '../../../src/providers/store/postgres-store';
import { DATABASE_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { storeContractSuite } from '../../helpers/store-contract';

const postgres = describeWithService('PostgreSQL store', 'DATABASE_URL', DATABASE_URL, 5432);

postgres.describe('postgres', () => {
  storeContractSuite('postgres', () => createStore({ kind: 'postgres', url: postgres.url }));

  it('fails an update clearly when another process holds the key longer than the lock wait', async () => {
    const key = `lock-wait-${process.pid}-${Date.now()}`;
    const holder = await createPostgresStore(postgres.url, silentLogger);
    const waiter = await createPostgresStore(postgres.url, silentLogger, { lockWaitMs: 200 });
    try {
      let finishHolder!: () => void;
      const holderMayFinish = new Promise<void>((resolve) => (finishHolder = resolve));
      let holderInside!: () => void;
      const holderIsInside = new Promise<void>((resolve) => (holderInside = resolve));
      const holding = holder.update<string>(key, async () => {
        holderInside();
        await holderMayFinish;
        return 'holder wrote this';
      });
      // Racing `holding` makes a holder that fails (backend down) fail this test at once, not hang it.
      await Promise.race([holderIsInside, holding]);
      await expect(waiter.update<string>(key, () => 'waiter wrote this')).rejects.toMatchObject({
        code: ErrorCode.StoreError,
        message: expect.stringContaining('waiting for another process'),
      });
      finishHolder();
      await holding;
      expect(await waiter.get(key)).toBe('holder wrote this');
      expect(await waiter.update<string>(key, (v) => `${v} + waiter`)).toBe('holder wrote this + waiter');
    } finally {
      await holder.delete(key).catch(() => undefined); // cleanup only; the assertions above decide
      await Promise.all([holder.close(), waiter.close()]);
    }
  });
});

describe('postgres store: when PostgreSQL does not answer', () => {
  it('pings false instead of throwing, and fails operations with a StoreError', async () => {
    // Port 1 on the loopback interface: nothing listens there, so connecting is refused at once.
    const store = await createPostgresStore('postgresql://postgres@127.0.0.1:1/test', silentLogger, {
      connectTimeoutMs: 300,
      lockWaitMs: 300,
      pingTimeoutMs: 300,
    });
    try {
      expect(await store.ping()).toBe(false);
      await expect(store.get('anything')).rejects.toMatchObject({ code: ErrorCode.StoreError });
      await expect(store.update('anything', () => 1)).rejects.toMatchObject({ code: ErrorCode.StoreError });
    } finally {
      await store.close();
    }
  });
});
