import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { createRedisStore } from '../../../src/providers/store/redis-store';
import { REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { storeContractSuite } from '../../helpers/store-contract';

const redis = describeWithService('Redis store', 'REDIS_URL', REDIS_URL, 6379);

redis.describe('redis', () => {
  storeContractSuite('redis', () => createStore({ kind: 'redis', url: redis.url }, silentLogger), {
    withLockWait: (lockWaitMs) => createRedisStore(redis.url, silentLogger, { lockWaitMs }),
  });
});

describe('redis store: when Redis does not answer', () => {
  // Port 1 on the loopback interface: nothing listens there, so connecting is refused at once.
  const unreachable = 'redis://127.0.0.1:1';

  it('pings false instead of throwing, and fails operations with a StoreError', async () => {
    const store = await createRedisStore(unreachable, silentLogger, { connectTimeoutMs: 300, pingTimeoutMs: 300 });
    try {
      expect(await store.ping()).toBe(false);
      await expect(store.get('anything')).rejects.toMatchObject({ code: ErrorCode.StoreError });
      await expect(store.update('anything', () => 1)).rejects.toMatchObject({ code: ErrorCode.StoreError });
      await expect(store.setIfAbsent('anything', 1)).rejects.toMatchObject({ code: ErrorCode.StoreError });
    } finally {
      await store.close();
    }
  });

  it('does not show the password from the URL in its errors', async () => {
    const store = await createRedisStore('redis://user:s3cret-pass@127.0.0.1:1', silentLogger, { connectTimeoutMs: 300 });
    try {
      const err = await store.get('anything').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.StoreError });
      expect(String((err as Error).message)).not.toContain('s3cret-pass');
    } finally {
      await store.close();
    }
  });
});
