import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { createPostgresStore } from '../../../src/providers/store/postgres-store';
import { DATABASE_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { storeContractSuite } from '../../helpers/store-contract';

const postgres = describeWithService('PostgreSQL store', 'DATABASE_URL', DATABASE_URL, 5432);

postgres.describe('postgres', () => {
  storeContractSuite('postgres', () => createStore({ kind: 'postgres', url: postgres.url }, silentLogger), {
    withLockWait: (lockWaitMs) => createPostgresStore(postgres.url, silentLogger, { lockWaitMs }),
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
