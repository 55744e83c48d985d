/**
 * The Discord channel bucket shared across processes (issue #12, item 2): two processes' limiters
 * (two store instances on one Redis, as two processes have) writing into one channel at once stay
 * inside one bucket together, and every write still goes out.
 */
import { randomUUID } from 'node:crypto';
import { ChannelLimiter, type ChannelBucket } from '../../../src/adapters/discord/reply';
import { parseStoreUrl } from '../../../src/config';
import { SharedWriteSlots } from '../../../src/core/conversation/write-slots';
import type { DocumentStore } from '../../../src/core/ports';
import { systemClock } from '../../../src/core/ports';
import { createStore } from '../../../src/providers/store/create-store';
import { REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';

const BUCKET: ChannelBucket = { limit: 2, windowMs: 500 };
const WRITES_EACH = 6;

const redis = describeWithService('Redis', 'REDIS_URL', REDIS_URL, 6379);
redis.describe('two processes writing into one Discord channel on one Redis', () => {
  const stores: DocumentStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  async function limiter(shared: boolean): Promise<ChannelLimiter> {
    const store = await createStore(parseStoreUrl(redis.url, process.cwd()), silentLogger);
    stores.push(store);
    const slots = new SharedWriteSlots(store, systemClock);
    return new ChannelLimiter(BUCKET, undefined, undefined, shared ? (channel, bucket) => slots.take(channel, bucket.limit, bucket.windowMs) : undefined);
  }

  /** Each limiter's writes to one channel at once; returns how many went out in each bucket window. */
  async function writesPerWindow(limiters: ChannelLimiter[]): Promise<number[]> {
    const channel = `C-${randomUUID()}`;
    const windows: number[] = [];
    await Promise.all(
      limiters.flatMap((l) => Array.from({ length: WRITES_EACH }, () => l.run(channel, async () => windows.push(Math.floor(Date.now() / BUCKET.windowMs))))),
    );
    const counts = new Map<number, number>();
    for (const w of windows) counts.set(w, (counts.get(w) ?? 0) + 1);
    return [...counts.values()];
  }

  it('keep to one bucket between them, and every write goes out', async () => {
    const counts = await writesPerWindow([await limiter(true), await limiter(true)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2 * WRITES_EACH);
    expect(Math.max(...counts)).toBeLessThanOrEqual(BUCKET.limit);
  });

  it('without the shared slots each process would fill the bucket by itself (what the test above rules out)', async () => {
    const counts = await writesPerWindow([await limiter(false), await limiter(false)]);
    expect(Math.max(...counts)).toBeGreaterThan(BUCKET.limit);
  });
});
