import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { REDIS_NAMESPACE, createRedisStore } from '../../../src/providers/store/redis-store';
import { REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { type StoreBackendProbe, storeContractSuite } from '../../helpers/store-contract';

const redis = describeWithService('Redis store', 'REDIS_URL', REDIS_URL, 6379);

/**
 * A client of its own for raw keys, and MONITOR (which streams every command the server runs) to
 * count the store's commands: everything naming the key, locks and scripts included.
 */
async function redisProbe(): Promise<StoreBackendProbe> {
  const client = createClient({ url: redis.url });
  const monitor = client.duplicate();
  await Promise.all([client.connect(), monitor.connect()]);
  let seen: string[] = [];
  await monitor.monitor((line: string) => seen.push(line));
  const dataKey = (key: string) => `${REDIS_NAMESPACE}:${key}`;
  return {
    writeRaw: async (key, text, ttlMs) => {
      // As @keyv/redis wrote: `channelwise:<key>`, the JSON text, a relative PX expiry.
      await client.set(dataKey(key), text, ttlMs === undefined ? undefined : { expiration: { type: 'PX', value: ttlMs } });
    },
    readRaw: async (key) => (await client.get(dataKey(key))) ?? undefined,
    countCommands: async (key, run) => {
      seen = [];
      await run();
      // MONITOR reports commands in the order the server ran them: once the marker shows, all of run's have.
      const marker = `count-marker-${randomUUID()}`;
      await client.get(marker);
      for (let waited = 0; !seen.some((line) => line.includes(marker)); waited += 10) {
        if (waited > 2000) throw new Error('MONITOR never reported the marker command');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return seen.filter((line) => line.includes(key)).length;
    },
    close: async () => {
      await Promise.all([client.close(), monitor.close()]);
    },
  };
}

redis.describe('redis', () => {
  storeContractSuite('redis', () => createStore({ kind: 'redis', url: redis.url }, silentLogger), {
    probe: redisProbe,
    withLockWait: (lockWaitMs) => createRedisStore(redis.url, silentLogger, { lockWaitMs }),
    sharedAcrossProcesses: true,
  });
});

describe('redis store: when Redis does not answer', () => {
  // Port 1 on the loopback interface: nothing listens there, so connecting is refused at once.
  const unreachable = 'redis://127.0.0.1:1';

  it('pings false instead of throwing, and fails operations with StoreUnavailable', async () => {
    const store = await createRedisStore(unreachable, silentLogger, { connectTimeoutMs: 300, pingTimeoutMs: 300 });
    try {
      expect(await store.ping()).toBe(false);
      await expect(store.get('anything')).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
      await expect(store.update('anything', () => 1)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
      await expect(store.setIfAbsent('anything', 1)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    } finally {
      await store.close();
    }
  });

  it('does not show the password from the URL in its errors', async () => {
    const store = await createRedisStore('redis://user:s3cret-pass@127.0.0.1:1', silentLogger, { connectTimeoutMs: 300 });
    try {
      const err = await store.get('anything').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.StoreUnavailable });
      expect(String((err as Error).message)).not.toContain('s3cret-pass');
      expect(JSON.stringify((err as { context?: unknown }).context)).not.toContain('s3cret-pass');
    } finally {
      await store.close();
    }
  });
});
