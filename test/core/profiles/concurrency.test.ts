/**
 * No lost updates under concurrency, on every backend, through the real command path: 100
 * `/fewshot add` at once on one channel leave 100 examples. On Redis and PostgreSQL, two app
 * instances on one store stand for two processes sharing it.
 */
import { randomUUID } from 'node:crypto';
import { parseStoreUrl } from '../../../src/config';
import type { DocumentStore } from '../../../src/core/ports';
import { storeKeys, type ProfileRecord } from '../../../src/core/profiles/records';
import { channelKey } from '../../../src/core/types';
import { createStore } from '../../../src/providers/store/create-store';
import { admin, makeTestApp, testPermissions, type TestApp } from '../../helpers/app';
import { DATABASE_URL, REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';

function addMany(apps: TestApp[], channel: string, count: number) {
  const scope = { platform: 'slack', workspace: `T-${channel}`, channel } as const;
  return {
    scope,
    run: () =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          apps[i % apps.length]!.commands(testPermissions).run({ scope, user: admin, name: 'fewshot', text: `add question ${i} => answer ${i}` }),
        ),
      ),
  };
}

describe('100 concurrent /fewshot add on SQLite', () => {
  it('leaves 100 examples', async () => {
    const app = await makeTestApp();
    try {
      const { scope, run } = addMany([app], randomUUID(), 100);
      await run();
      const examples = (await app.profiles.resolve(scope)).fewshot.value;
      expect(examples).toHaveLength(100);
      expect(new Set(examples.map((e) => e.id)).size).toBe(100);
    } finally {
      await app.dispose();
    }
  });
});

describe('changes of one channel arriving together', () => {
  it('are stored in a few batches, and a refused one among them refuses alone', async () => {
    const app = await makeTestApp();
    const profileUpdates: string[] = [];
    const update = app.store.update.bind(app.store);
    app.store.update = ((key: string, mutate: never) => {
      if (key.startsWith('profile:')) profileUpdates.push(key);
      return update(key, mutate);
    }) as DocumentStore['update'];
    try {
      const scope = { platform: 'slack', workspace: 'T-batch', channel: randomUUID() } as const;
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 50 }, (_, i) => app.profiles.addExample(scope, admin, `question ${i}`, `answer ${i}`)),
        app.profiles.removeExample(scope, admin, 999),
        app.profiles.setPersona(scope, admin, 'You are brief.'),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(51);
      expect(outcomes[50]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^There is no example 999;/) } });
      const profile = await app.profiles.resolve(scope);
      expect(profile.fewshot.value.map((e) => e.input)).toEqual(Array.from({ length: 50 }, (_, i) => `question ${i}`));
      expect(profile.persona).toMatchObject({ value: 'You are brief.', version: 1 });
      // The first change alone, then everything that arrived meanwhile at once.
      expect(profileUpdates.length).toBeLessThanOrEqual(3);
      expect((await app.profiles.audit(scope)).map((entry) => entry.field)).toEqual([...Array(50).fill('fewshot'), 'persona']);
    } finally {
      await app.dispose();
    }
  });
});

for (const [service, variable, url, port] of [
  ['Redis', 'REDIS_URL', REDIS_URL, 6379],
  ['PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432],
] as const) {
  const suite = describeWithService(service, variable, url, port);
  suite.describe(`100 concurrent /fewshot add from two processes sharing ${service}`, () => {
    const stores: DocumentStore[] = [];
    const apps: TestApp[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const config = parseStoreUrl(suite.url, process.cwd());
        const store = await createStore(config, silentLogger);
        stores.push(store);
        apps.push(await makeTestApp({ store }));
      }
    });
    afterAll(async () => {
      for (const app of apps) await app.dispose();
    });

    it('leaves 100 examples with distinct ids', async () => {
      const { scope, run } = addMany(apps, randomUUID(), 100);
      const replies = await run();
      expect(replies.filter((r) => /^Added example \d+\.$/.test(r.text))).toHaveLength(100);
      // Read the stored record itself: each process's short-lived read cache may lag the other's writes.
      for (const app of apps) {
        const examples = (await app.store.get<ProfileRecord>(storeKeys.profile(channelKey(scope))))?.fewshot ?? [];
        expect(examples).toHaveLength(100);
        expect(new Set(examples.map((e) => e.id)).size).toBe(100);
      }
    });
  });
}
