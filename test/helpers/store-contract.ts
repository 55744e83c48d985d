/**
 * One behaviour contract for every `DocumentStore` backend, in the spirit of keyv's
 * `@keyv/test-suite`: each backend's test file is essentially one call to `storeContractSuite`.
 *
 * Keys carry a per-run prefix so runs never collide on a shared Redis or PostgreSQL, and every key a
 * test writes is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, InternalError } from '../../src/core/errors';
import type { KeyvDocumentStore } from '../../src/providers/store/keyv-document-store';
import type { DocumentStore } from '../../src/core/ports';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Long enough above the TTLs below that expiry has certainly happened, on any backend. */
const TTL_MS = 150;
const PAST_TTL_MS = 450;

async function expectStoreError(promise: Promise<unknown>, message?: RegExp): Promise<void> {
  const err: unknown = await promise.then(
    () => {
      throw new Error('expected the store to refuse, but it accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InternalError);
  expect(err).toMatchObject({ code: ErrorCode.StoreError });
  if (message) expect((err as Error).message).toMatch(message);
}

/** Direct access to the backend under a store, bypassing it: what a tool or an older version sees. */
export interface StoreBackendProbe {
  /** Stores `text` under the backend's own key for `key` (`channelwise:<key>`), as @keyv/* wrote it. */
  writeRaw(key: string, text: string, ttlMs?: number): Promise<void>;
  /** The text stored under the backend's own key for `key`, or undefined. */
  readRaw(key: string): Promise<string | undefined>;
  /**
   * How many backend commands (statements, queries) `run` sent; on a backend other test files may
   * be using at the same time, only those naming `key`.
   */
  countCommands(key: string, run: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export interface StoreContractOptions {
  /** Opened once for the suite and closed after it. */
  readonly probe: () => Promise<StoreBackendProbe>;
  /** A store on the same backend whose lock waits (in this process, and across processes) are bounded by `lockWaitMs`. */
  readonly withLockWait: (lockWaitMs: number) => Promise<DocumentStore>;
  /** The backend is shared by several processes: the suite checks that waiting for another's lock fails clearly. */
  readonly sharedAcrossProcesses?: boolean;
}

export function storeContractSuite(kind: string, makeStore: () => Promise<DocumentStore>, options: StoreContractOptions): void {
  describe(`${kind} store: DocumentStore contract`, () => {
    const runId = `contract-${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const written = new Set<string>();
    /** A key unique to this run; remembered so afterAll can delete it. */
    const key = (name: string): string => {
      const k = `${runId}:${name}`;
      written.add(k);
      return k;
    };
    const opened: DocumentStore[] = [];
    /** Another store on the same backend: its own connections and locks, as another process would have. */
    const open = async (): Promise<DocumentStore> => {
      const s = await makeStore();
      opened.push(s);
      return s;
    };
    /**
     * A second instance with its connections already up (one update opens data and lock
     * connections), so a race with the first instance starts at once rather than after a connect.
     */
    const openWarm = async (): Promise<DocumentStore> => {
      const s = await open();
      await s.update(key('warm-up'), () => 'warm');
      return s;
    };
    let sibling: Promise<DocumentStore> | undefined;
    /**
     * One warm second instance shared by the claim tests: each instance holds its own connections,
     * and a PostgreSQL server allows only so many (other test files use it at the same time).
     */
    const warmSibling = (): Promise<DocumentStore> => (sibling ??= openWarm());
    let store: DocumentStore;
    let probe: StoreBackendProbe | undefined;
    const backend = (): StoreBackendProbe => probe!;

    beforeAll(async () => {
      store = await open();
      probe = await options.probe();
    });

    afterAll(async () => {
      try {
        for (const k of written) await opened[0]?.delete(k);
      } finally {
        // Closed even when cleaning up failed, so a broken backend cannot keep jest from exiting.
        await Promise.all([...opened.map((s) => s.close()), probe?.close()]);
      }
    });

    it('says which backend it is', () => {
      expect(store.kind).toBe(kind);
    });

    it('returns undefined for a key never written', async () => {
      expect(await store.get(key('never-written'))).toBeUndefined();
    });

    it('round-trips every kind of JSON value, falsy ones included', async () => {
      const values: unknown[] = [
        { profile: { persona: 'terse', fewshot: [{ id: 'a1', input: 'hi', output: 'yo' }] }, route: 'rag' },
        [1, 'two', { three: 3 }, [4], null, true],
        'plain text',
        ':starts with a colon',
        0,
        -12.5,
        false,
        true,
        null,
        '',
        [],
        {},
      ];
      for (const [i, value] of values.entries()) {
        await store.set(key(`json-${i}`), value);
      }
      for (const [i, value] of values.entries()) {
        expect(await store.get(key(`json-${i}`))).toEqual(value);
      }
    });

    it('keeps unicode keys and values intact', async () => {
      const k = key('ユニコード-🔑-ключ-مفتاح');
      const value = {
        text: 'naïve café — 日本語 • русский • العربية • עברית • 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 • 👩🏽‍💻🚀',
        combining: 'e\u0301 a\u0308',
        invisible: 'zero\u200bwidth',
        escapes: 'line\nbreak\t"quoted" \\backslash\\ \u0000 nul',
        '键🔑': 'unicode property name',
      };
      await store.set(k, value);
      expect(await store.get(k)).toEqual(value);
    });

    it('stores and returns a value of about 1 MB', async () => {
      const k = key('large');
      const value = {
        body: 'channelwise ✓ '.repeat(75_000), // ~1 MB of UTF-8
        chunks: Array.from({ length: 1000 }, (_, i) => ({ id: `chunk-${i}`, n: i })),
      };
      await store.set(k, value);
      const back = await store.get<typeof value>(k);
      expect(back?.body.length).toBe(value.body.length);
      expect(back).toEqual(value);
    });

    it('gives each caller its own copy of a document', async () => {
      const k = key('copies');
      await store.set(k, { list: [1, 2] });
      const first = await store.get<{ list: number[] }>(k);
      first?.list.push(3);
      expect(await store.get(k)).toEqual({ list: [1, 2] });
    });

    it('overwrites on set and reports deletes', async () => {
      const k = key('overwrite');
      await store.set(k, 'first');
      await store.set(k, 'second');
      expect(await store.get(k)).toBe('second');
      expect(await store.delete(k)).toBe(true);
      expect(await store.get(k)).toBeUndefined();
      expect(await store.delete(k)).toBe(false);
    });

    it('refuses values JSON cannot hold and keeps what was stored', async () => {
      const k = key('bad-values');
      await store.set(k, 'kept');
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      await expectStoreError(store.set(k, undefined), /not JSON/);
      await expectStoreError(store.set(k, 10n));
      await expectStoreError(store.set(k, circular));
      await expectStoreError(store.set(k, { nested: 1n }));
      expect(await store.get(k)).toBe('kept');
    });

    it('refuses a ttl that is not a positive number of milliseconds', async () => {
      const k = key('bad-ttl');
      await expectStoreError(store.set(k, 'x', 0), /ttlMs/);
      await expectStoreError(store.set(k, 'x', -5), /ttlMs/);
      await expectStoreError(store.setIfAbsent(k, 'x', Number.NaN), /ttlMs/);
      expect(await store.get(k)).toBeUndefined();
    });

    it('forgets a value once its ttl has passed, and only that value', async () => {
      const expiring = key('ttl-expiring');
      const lasting = key('ttl-lasting');
      await store.set(expiring, { short: true }, TTL_MS);
      await store.set(lasting, { short: false });
      expect(await store.get(expiring)).toEqual({ short: true });
      await sleep(PAST_TTL_MS);
      expect(await store.get(expiring)).toBeUndefined();
      expect(await store.get(lasting)).toEqual({ short: false });
    });

    it('update creates a missing document from undefined', async () => {
      const k = key('update-create');
      const seen: unknown[] = [];
      const result = await store.update<{ n: number }>(k, (current) => {
        seen.push(current);
        return { n: 1 };
      });
      expect(seen).toEqual([undefined]);
      expect(result).toEqual({ n: 1 });
      expect(await store.get(k)).toEqual({ n: 1 });
    });

    it('update changes an existing document, with sync and async mutate', async () => {
      const k = key('update-modify');
      await store.set(k, { n: 1, name: 'x' });
      await store.update<{ n: number; name: string }>(k, (current) => ({ ...current!, n: current!.n + 1 }));
      const result = await store.update<{ n: number; name: string }>(k, async (current) => {
        await sleep(1);
        return { ...current!, n: current!.n * 10 };
      });
      expect(result).toEqual({ n: 20, name: 'x' });
      expect(await store.get(k)).toEqual({ n: 20, name: 'x' });
    });

    it('an update whose mutate throws writes nothing and passes the error on unchanged', async () => {
      const existing = key('abort-existing');
      const missing = key('abort-missing');
      await store.set(existing, { version: 1 });
      const refusal = new Error('refused by mutate');
      await expect(
        store.update(existing, () => {
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      await expect(store.update(missing, async () => Promise.reject(refusal))).rejects.toBe(refusal);
      expect(await store.get(existing)).toEqual({ version: 1 });
      expect(await store.get(missing)).toBeUndefined();
      // The key is not left locked: the next update goes through.
      await store.update<{ version: number }>(existing, (c) => ({ version: c!.version + 1 }));
      expect(await store.get(existing)).toEqual({ version: 2 });
    });

    it('an update whose mutate returns no JSON value writes nothing', async () => {
      const k = key('update-undefined');
      await store.set(k, ['kept']);
      await expectStoreError(
        store.update(k, () => undefined),
        /not JSON/,
      );
      expect(await store.get(k)).toEqual(['kept']);
    });

    it('update keeps the document expiring when it was set with a ttl', async () => {
      const k = key('update-keeps-ttl');
      await store.set(k, 1, TTL_MS);
      expect(await store.update<number>(k, (n) => (n ?? 0) + 1)).toBe(2);
      expect(await store.get(k)).toBe(2);
      await sleep(PAST_TTL_MS);
      expect(await store.get(k)).toBeUndefined();
    });

    it('update with a ttl keeps the document while it is updated, and lets it expire once it is not', async () => {
      const k = key('update-sliding-ttl');
      // New, permanent and expiring documents alike take the update's ttl.
      await store.update<number>(k, (n) => (n ?? 0) + 1, PAST_TTL_MS);
      const permanent = key('update-ttl-on-permanent');
      await store.set(permanent, 'no expiry');
      await store.update<string>(permanent, () => 'expiring now', TTL_MS);
      await sleep(PAST_TTL_MS / 2);
      expect(await store.update<number>(k, (n) => (n ?? 0) + 1, PAST_TTL_MS)).toBe(2);
      expect(await store.get(permanent)).toBeUndefined();
      await sleep(PAST_TTL_MS / 2 + 50);
      // Its first expiry has passed; the second update moved it on.
      expect(await store.get(k)).toBe(2);
      await sleep(PAST_TTL_MS);
      expect(await store.get(k)).toBeUndefined();
      await expectStoreError(
        store.update(k, () => 1, 0),
        /ttlMs/,
      );
    });

    it('an update may update other keys from inside, but fails clearly on its own key instead of hanging', async () => {
      const outer = key('nested-outer');
      const inner = key('nested-inner');
      await store.update<string[]>(outer, async (list) => {
        await store.update<number>(inner, (n) => (n ?? 0) + 1);
        return [...(list ?? []), 'outer done'];
      });
      expect(await store.get(outer)).toEqual(['outer done']);
      expect(await store.get(inner)).toBe(1);
      const bounded = await options.withLockWait(300);
      opened.push(bounded);
      const started = Date.now();
      await expectStoreError(
        bounded.update<number>(outer, async () => bounded.update<number>(outer, () => 1)),
        /inside its own update/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await store.get(outer)).toEqual(['outer done']);
      // The key is not left locked.
      expect(await bounded.update<string[]>(outer, (list) => [...(list ?? []), 'again'])).toEqual(['outer done', 'again']);
    });

    it('increment counts from 1, apart from the document of the same name, and starts again once its window passed', async () => {
      const k = key('counter');
      await store.set(k, { a: 'document' });
      expect([await store.increment(k, TTL_MS), await store.increment(k, TTL_MS), await store.increment(k, TTL_MS)]).toEqual([1, 2, 3]);
      expect(await store.get(k)).toEqual({ a: 'document' });
      await sleep(PAST_TTL_MS);
      expect(await store.increment(k, TTL_MS)).toBe(1);
      await expectStoreError(store.increment(key('counter-bad-ttl'), 0), /ttlMs/);
    });

    it('100 concurrent increments from two instances count 1 to 100, each once', async () => {
      const other = await warmSibling();
      const k = key('counter-race');
      const counts = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? other : store).increment(k, 60_000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('setIfAbsent stores only when the key is absent', async () => {
      const k = key('set-if-absent');
      expect(await store.setIfAbsent(k, { first: true })).toBe(true);
      expect(await store.setIfAbsent(k, { first: false })).toBe(false);
      expect(await store.get(k)).toEqual({ first: true });
      await store.delete(k);
      expect(await store.setIfAbsent(k, { again: true })).toBe(true);
      expect(await store.get(k)).toEqual({ again: true });
      const storedNull = key('set-if-absent-null');
      await store.set(storedNull, null);
      expect(await store.setIfAbsent(storedNull, 'replacement')).toBe(false);
      expect(await store.get(storedNull)).toBeNull();
    });

    it('setIfAbsent treats an expired key as absent (a de-duplication window)', async () => {
      const k = key('dedupe-window');
      expect(await store.setIfAbsent(k, 'event-1', TTL_MS)).toBe(true);
      expect(await store.setIfAbsent(k, 'event-1 again', TTL_MS)).toBe(false);
      await sleep(PAST_TTL_MS);
      expect(await store.setIfAbsent(k, 'event-1 after the window')).toBe(true);
      expect(await store.get(k)).toBe('event-1 after the window');
    });

    it('setIfAbsent from two instances racing on many keys: exactly one winner per key, and its value is stored', async () => {
      const other = await warmSibling();
      const keys = Array.from({ length: 200 }, (_, i) => key(`claim-race-${i}`));
      // Four callers per key, two on each instance, all in flight at once.
      const attempts = keys.flatMap((k) => [0, 1, 2, 3].map((caller) => ({ k, caller })));
      const results = await Promise.all(attempts.map(({ k, caller }) => (caller % 2 === 0 ? store : other).setIfAbsent(k, { caller }, 60_000)));
      for (const k of keys) {
        const winners = attempts.filter((a, i) => a.k === k && results[i]);
        expect(winners).toHaveLength(1);
        expect(await store.get(k)).toEqual({ caller: winners[0]!.caller });
      }
    });

    it('an expired claim can be claimed again, from any instance; a live one cannot', async () => {
      const other = await warmSibling();
      const k = key('claim-expiry');
      expect(await store.setIfAbsent(k, 'first', TTL_MS)).toBe(true);
      expect(await other.setIfAbsent(k, 'while live', TTL_MS)).toBe(false);
      expect(await store.setIfAbsent(k, 'while live', TTL_MS)).toBe(false);
      await sleep(PAST_TTL_MS);
      expect(await other.setIfAbsent(k, 'second', 60_000)).toBe(true);
      expect(await store.setIfAbsent(k, 'after the second', 60_000)).toBe(false);
      expect(await store.get(k)).toBe('second');
      // A document written with set and a ttl is a claim like any other once it has expired.
      const written = key('claim-expired-set');
      await store.set(written, 'set with a ttl', TTL_MS);
      expect(await other.setIfAbsent(written, 'claim', TTL_MS)).toBe(false);
      await sleep(PAST_TTL_MS);
      expect(await other.setIfAbsent(written, 'claim', TTL_MS)).toBe(true);
      expect(await store.get(written)).toBe('claim');
    });

    it('deletes expired entries from the backend, and only those', async () => {
      const expired = key('sweep-expired');
      const live = key('sweep-live');
      const lasting = key('sweep-lasting');
      await store.setIfAbsent(expired, 'old claim', TTL_MS);
      await store.setIfAbsent(live, 'new claim', 60_000);
      await store.set(lasting, { persona: 'kept', expires: 1, note: 'a NUL \u0000 in the text' });
      await sleep(PAST_TTL_MS);
      expect(await (store as KeyvDocumentStore).sweepExpired()).toBeGreaterThanOrEqual(kind === 'redis' ? 0 : 1);
      expect(await backend().readRaw(expired)).toBeUndefined();
      expect(await backend().readRaw(live)).toBeDefined();
      // A document whose own fields say "expires", or hold text a backend finds odd, is not swept.
      expect(await store.get(lasting)).toEqual({ persona: 'kept', expires: 1, note: 'a NUL \u0000 in the text' });
      // A key swept away is claimable again at once.
      expect(await store.setIfAbsent(expired, 'next claim', 60_000)).toBe(true);
    });

    /**
     * Claims made while updates of the same keys sit between their read and their write, from two
     * instances, on absent keys and on keys whose earlier document has expired: one claim wins each
     * key, and the document ends up holding the winning claim's item and every update's item.
     */
    it('setIfAbsent racing update on the same keys never loses an update nor reports two winners', async () => {
      const other = await warmSibling();
      const keys = Array.from({ length: 12 }, (_, i) => key(`claim-vs-update-${i}`));
      await Promise.all(keys.filter((_, i) => i % 2 === 1).map((k) => store.set(k, ['expired document'], TTL_MS)));
      await sleep(PAST_TTL_MS);
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      const inside = new Set<string>();
      let allInside!: () => void;
      const everyKeyInside = new Promise<void>((resolve) => (allInside = resolve));
      const updates = keys.flatMap((k) =>
        [0, 1].map((n) =>
          (n === 0 ? store : other).update<string[]>(k, async (list) => {
            // The first update of each key to get in waits, after its read, until the claims are done.
            if (!inside.has(k)) {
              inside.add(k);
              if (inside.size === keys.length) allInside();
              await gate;
            }
            return [...(list ?? []), `update-${n}`];
          }),
        ),
      );
      await Promise.race([everyKeyInside, Promise.all(updates)]);
      const claims = keys.flatMap((k) => [0, 1, 2, 3].map((n) => ({ k, item: `claim-${n}` })));
      const claimed = await Promise.all(claims.map(({ k, item }, i) => (i % 2 === 0 ? store : other).setIfAbsent(k, [item], 60_000)));
      openGate();
      await Promise.all(updates);
      for (const k of keys) {
        const won = claims.filter((c, i) => c.k === k && claimed[i]).map((c) => c.item);
        expect(won).toHaveLength(1);
        const list = (await other.get<string[]>(k)) ?? [];
        expect(list[0]).toBe(won[0]);
        expect(list.slice(1).sort()).toEqual(['update-0', 'update-1']);
        expect(await store.setIfAbsent(k, ['late claim'])).toBe(false);
      }
    });

    it('an update whose document expires under it does not overwrite a claim made meanwhile; it runs again on the claim', async () => {
      const claimant = await warmSibling();
      const k = key('update-outlived');
      await store.set(k, ['before'], TTL_MS);
      const seen: Array<string[] | undefined> = [];
      const updating = store.update<string[]>(k, async (list) => {
        seen.push(list);
        if (seen.length === 1) await sleep(2 * PAST_TTL_MS); // the document expires while this runs
        return [...(list ?? []), 'updated'];
      });
      await sleep(PAST_TTL_MS);
      expect(await claimant.setIfAbsent(k, ['claim'], 60_000)).toBe(true);
      expect(await updating).toEqual(['claim', 'updated']);
      expect(seen).toEqual([['before'], ['claim']]);
      expect(await claimant.get(k)).toEqual(['claim', 'updated']);
      expect(await claimant.setIfAbsent(k, ['second claim'])).toBe(false);
    });

    it('reads documents stored the way the earlier keyv adapters stored them, and stores them that way', async () => {
      const old = key('old-format');
      const expiring = key('old-format-expiring');
      const expired = key('old-format-expired');
      const document = { persona: 'terse', fewshot: [{ id: 'a1', input: 'hi', output: 'yo' }] };
      await backend().writeRaw(old, JSON.stringify({ value: document }));
      await backend().writeRaw(expiring, JSON.stringify({ value: 'still here', expires: Date.now() + 60_000 }), 60_000);
      await backend().writeRaw(expired, JSON.stringify({ value: 'gone', expires: Date.now() + TTL_MS }), TTL_MS);
      await sleep(PAST_TTL_MS);
      expect(await store.get(old)).toEqual(document);
      expect(await store.get(expiring)).toBe('still here');
      expect(await store.get(expired)).toBeUndefined();
      expect(await store.setIfAbsent(expiring, 'claim')).toBe(false);
      expect(await store.setIfAbsent(expired, 'claim')).toBe(true);
      expect(await store.update<typeof document>(old, (d) => ({ ...d!, persona: 'warm' }))).toEqual({ ...document, persona: 'warm' });

      expect(JSON.parse((await backend().readRaw(old)) ?? 'null')).toEqual({ value: { ...document, persona: 'warm' } });
      expect(JSON.parse((await backend().readRaw(expired)) ?? 'null')).toEqual({ value: 'claim' });
      const fresh = key('new-format');
      const before = Date.now();
      await store.setIfAbsent(fresh, { n: 1 }, 60_000);
      const stored = JSON.parse((await backend().readRaw(fresh)) ?? 'null') as { value: unknown; expires: number };
      expect(stored.value).toEqual({ n: 1 });
      expect(stored.expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(stored.expires).toBeLessThanOrEqual(Date.now() + 60_000);
    });

    it('setIfAbsent is one backend command, winning or losing (no lock, no separate read)', async () => {
      const k = key('one-command');
      await store.setIfAbsent(key('one-command-warm-up'), 1, 60_000); // connections and tables ready
      const count = (k2: string, run: () => Promise<unknown>) => backend().countCommands(k2, run);
      expect(await count(k, async () => expect(await store.setIfAbsent(k, 1, 60_000)).toBe(true))).toBe(1);
      expect(await count(k, async () => expect(await store.setIfAbsent(k, 2, 60_000)).toBe(false))).toBe(1);
      const noTtl = key('one-command-no-ttl');
      expect(await count(noTtl, async () => expect(await store.setIfAbsent(noTtl, 3)).toBe(true))).toBe(1);
      // The count is real: an update (lock, read, write) sends more than one.
      expect(await count(k, () => store.update<number>(k, (n) => (n ?? 0) + 1))).toBeGreaterThan(1);
    });

    it('100 concurrent updates appending to one list leave exactly 100 items', async () => {
      const k = key('concurrent-append');
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.update<number[]>(k, (list) => [...(list ?? []), i])));
      const list = (await store.get<number[]>(k)) ?? [];
      expect(list).toHaveLength(100);
      expect([...list].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    // Two store objects stand for two processes: each has its own connections and in-process queue,
    // so only the backend lock keeps them apart. (SQLite is single-process by design; there both
    // objects share the process-wide lock for the file, which is exactly what SQLite supports.)
    it('100 concurrent updates from two store instances leave exactly 100 items', async () => {
      const other = await openWarm();
      const k = key('concurrent-append-two-instances');
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : other).update<string[]>(k, (list) => [...(list ?? []), `item-${i}`])));
      const list = (await store.get<string[]>(k)) ?? [];
      expect(list).toHaveLength(100);
      expect(new Set(list).size).toBe(100);
    });

    it('100 concurrent setIfAbsent calls on one key from two instances: exactly one wins', async () => {
      const other = await openWarm();
      const k = key('concurrent-set-if-absent');
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : other).setIfAbsent(k, { winner: i })));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await other.get(k)).toEqual({ winner: winners[0] });
    });

    it('concurrent updates of many different keys all land', async () => {
      const keys = Array.from({ length: 30 }, (_, i) => key(`many-keys-${i}`));
      await Promise.all(keys.flatMap((k) => Array.from({ length: 4 }, () => store.update<number>(k, (n) => (n ?? 0) + 1))));
      for (const k of keys) expect(await store.get(k)).toBe(4);
    });

    it('keeps data across closing and reopening', async () => {
      const k = key('persistence');
      const first = await open();
      await first.set(k, { persona: 'v1' });
      await first.update<{ persona: string; history?: string[] }>(k, (p) => ({ persona: 'v2', history: [p!.persona] }));
      await first.close();
      const reopened = await open();
      expect(await reopened.get(k)).toEqual({ persona: 'v2', history: ['v1'] });
    });

    it('answers ping while open; once closed it refuses work, pings false and closes again quietly', async () => {
      const s = await open();
      expect(await s.ping()).toBe(true);
      await s.close();
      await s.close();
      expect(await s.ping()).toBe(false);
      await expectStoreError(s.get(key('after-close')), /closed/);
      await expectStoreError(
        s.update(key('after-close'), () => 1),
        /closed/,
      );
    });

    if (options.sharedAcrossProcesses) {
      const withLockWait = options.withLockWait;
      it('fails an update clearly when another process holds the key longer than the lock wait', async () => {
        const k = key('lock-wait');
        const holder = await openWarm();
        const waiter = await withLockWait(200);
        opened.push(waiter);
        let finishHolder!: () => void;
        const holderMayFinish = new Promise<void>((resolve) => (finishHolder = resolve));
        let holderInside!: () => void;
        const holderIsInside = new Promise<void>((resolve) => (holderInside = resolve));
        const holding = holder.update<string>(k, async () => {
          holderInside();
          await holderMayFinish;
          return 'holder wrote this';
        });
        // Racing `holding` makes a holder that fails (backend down) fail this test at once, not hang it.
        await Promise.race([holderIsInside, holding]);
        await expect(waiter.update<string>(k, () => 'waiter wrote this')).rejects.toMatchObject({
          code: ErrorCode.StoreError,
          message: expect.stringContaining('waiting for another process'),
        });
        finishHolder();
        await holding;
        expect(await waiter.get(k)).toBe('holder wrote this');
        // Once the holder is done the lock is free again.
        expect(await waiter.update<string>(k, (v) => `${v} + waiter`)).toBe('holder wrote this + waiter');
      });
    }
  });
}
