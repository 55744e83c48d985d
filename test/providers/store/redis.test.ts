import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { createRedisStore } from '../../../src/providers/store/redis-store';
import { REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { storeContractSuite } from '../../helpers/store-contract';

const redis = describeWithService('Redis store', 'REDIS_URL', REDIS_URL, 6379);

redis.describe('redis', () => {
  storeContractSuite('redis', () => createStore({ kind: 'redis', url: redis.url }));

  it('fails an update clearly when another process holds the key longer than the lock wait', async () => {
    const key = `lock-wait-${process.pid}-${Date.now()}`;
    const holder = await createRedisStore(redis.url, silentLogger);
    const waiter = await createRedisStore(redis.url, silentLogger, { lockWaitMs: 200 });
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
      // Once the holder is done the lock is free again.
      expect(await waiter.update<string>(key, (v) => `${v} + waiter`)).toBe('holder wrote this + waiter');
    } finally {
      await holder.delete(key).catch(() => undefined); // cleanup only; the assertions above decide
      await Promise.all([holder.close(), waiter.close()]);
    }
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
