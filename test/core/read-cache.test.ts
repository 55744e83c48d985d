/**
 * The per-process cache of documents read on every message (profiles, budgets): a copy is used for
 * `cacheMs`, replaced at once by a change made here, dropped by another process's notice, and
 * never kept when a change came in while it was being read.
 */
import type { ChangeFeed, ChangeListener } from '../../src/core/ports';
import { ReadCache } from '../../src/core/read-cache';

/** A feed whose notices the test delivers by hand, as another process's would arrive. */
class HandFeed implements ChangeFeed {
  readonly published: string[] = [];
  private readonly listeners: ChangeListener[] = [];
  async publish(topic: string): Promise<void> {
    this.published.push(topic);
  }
  subscribe(listener: ChangeListener): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
  async close(): Promise<void> {}
  notice(topic: string): void {
    for (const listener of this.listeners) listener.changed(topic);
  }
  missed(): void {
    for (const listener of this.listeners) listener.missed();
  }
}

describe('ReadCache', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };
  let feed: HandFeed;
  let stored: Record<string, string>;
  let reads: number;
  const load = (key: string) => async () => {
    reads += 1;
    return stored[key];
  };

  beforeEach(() => {
    now = 1_000_000;
    feed = new HandFeed();
    stored = { a: 'one', b: 'two' };
    reads = 0;
  });

  const cache = (cacheMs = 1000) => new ReadCache<string | undefined>({ topicPrefix: 'doc:', cacheMs, clock, feed });

  it('reads the store once per key within cacheMs, again once it has passed', async () => {
    const docs = cache();
    expect(await docs.read('a', load('a'))).toBe('one');
    stored['a'] = 'changed behind its back';
    expect(await docs.read('a', load('a'))).toBe('one');
    expect(reads).toBe(1);
    now += 1000;
    expect(await docs.read('a', load('a'))).toBe('changed behind its back');
    expect(reads).toBe(2);
  });

  it('keeps nothing with cacheMs 0', async () => {
    const docs = cache(0);
    await docs.read('a', load('a'));
    await docs.read('a', load('a'));
    expect(reads).toBe(2);
  });

  it("drops a key's copy on its notice only; a missed feed drops every copy", async () => {
    const docs = cache();
    await docs.read('a', load('a'));
    await docs.read('b', load('b'));
    stored = { a: 'new a', b: 'new b' };
    feed.notice('doc:a');
    feed.notice('other:b'); // another cache's topic
    expect(await docs.read('a', load('a'))).toBe('new a');
    expect(await docs.read('b', load('b'))).toBe('two');
    feed.missed();
    expect(await docs.read('b', load('b'))).toBe('new b');
  });

  it('uses a change made here at once and announces it to the others', async () => {
    const docs = cache();
    await docs.read('a', load('a'));
    docs.forget('a');
    stored['a'] = 'set here';
    await docs.changed('a', 'set here');
    expect(await docs.read('a', load('a'))).toBe('set here');
    expect(reads).toBe(1);
    expect(feed.published).toEqual(['doc:a']);
  });

  it('does not keep what a read saw when a change came in while it was reading', async () => {
    const docs = cache();
    let finish: (value: string) => void = () => undefined;
    const slow = docs.read('a', () => new Promise<string>((resolve) => (finish = resolve)));
    feed.notice('doc:a');
    finish('stale');
    expect(await slow).toBe('stale');
    expect(await docs.read('a', load('a'))).toBe('one');
    expect(reads).toBe(1);
  });

  it('a feed that cannot publish does not fail the change', async () => {
    const failing = new HandFeed();
    failing.publish = () => Promise.reject(new Error('connection lost'));
    const docs = new ReadCache<string>({ topicPrefix: 'doc:', cacheMs: 1000, clock, feed: failing });
    await expect(docs.changed('a', 'x')).resolves.toBeUndefined();
    expect(await docs.read('a', async () => 'never read')).toBe('x');
  });
});
