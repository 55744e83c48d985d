/**
 * A Redis or PostgreSQL outage, staged with a TCP proxy in front of the real server: every
 * operation fails fast with StoreUnavailable (one sentence for the user, no stack trace, no hanging
 * call) — connections refused and servers that stop answering alike — ping says false, and the
 * store works again by itself once the server is back.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, STORE_UNAVAILABLE_SENTENCE } from '../../../src/core/errors';
import type { DocumentStore } from '../../../src/core/ports';
import { createStore } from '../../../src/providers/store/create-store';
import { parseStoreUrl } from '../../../src/config';
import { DATABASE_URL, REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { waitFor } from '../../helpers/processes';
import { describeWithService } from '../../helpers/services';
import { TcpProxy } from '../../helpers/tcp-proxy';

const backends: ReadonlyArray<readonly [string, string, string | undefined, number]> = [
  ['Redis', 'REDIS_URL', REDIS_URL, 6379],
  ['PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432],
];

jest.setTimeout(60_000);

const unavailable = { code: ErrorCode.StoreUnavailable, message: STORE_UNAVAILABLE_SENTENCE };

for (const [service, variable, url, port] of backends) {
  const suite = describeWithService(service, variable, url, port);
  suite.describe(`${service} store behind a proxy that goes down`, () => {
    let proxy: TcpProxy;
    let store: DocumentStore;
    beforeAll(async () => {
      const front = await TcpProxy.inFrontOf(suite.url, port);
      proxy = front.proxy;
      store = await createStore(parseStoreUrl(front.url, process.cwd()), silentLogger, { operationTimeoutMs: 800 });
    });
    afterAll(async () => {
      proxy?.restore();
      await store?.close();
      await proxy?.close();
    });
    afterEach(() => proxy.restore());

    const allOperations = (key: string) => [
      store.get(key),
      store.set(key, 1),
      store.delete(key),
      store.setIfAbsent(`${key}:claim`, 1, 60_000),
      store.update(key, (n: number | undefined) => (n ?? 0) + 1),
    ];

    it('fails every operation with StoreUnavailable while connections are refused, then recovers by itself', async () => {
      const key = `outage:${randomUUID()}`;
      await store.set(key, 'before');
      proxy.cut();
      for (const result of await Promise.allSettled(allOperations(key))) {
        expect(result).toMatchObject({ status: 'rejected', reason: unavailable });
      }
      expect(await store.ping()).toBe(false);

      proxy.restore();
      await waitFor(async () => ((await store.ping()) ? true : undefined), 'the store to answer again');
      expect(await store.get(key)).toBe('before');
      expect(await store.update(key, () => 'after')).toBe('after');
    });

    it('fails within its operation timeout when the server stops answering, then recovers', async () => {
      const key = `outage:${randomUUID()}`;
      await store.set(key, 'before');
      proxy.blackhole();
      for (const result of await Promise.allSettled(allOperations(key))) {
        expect(result).toMatchObject({ status: 'rejected', reason: unavailable });
      }
      expect(await store.ping()).toBe(false);

      proxy.restore();
      await waitFor(async () => ((await store.get(key)) === 'before' ? true : undefined), 'the store to answer again');
      await store.set(key, 'after');
      expect(await store.get(key)).toBe('after');
    });
  });
}
