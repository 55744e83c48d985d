/**
 * Background work once across processes: three app instances on one Redis or PostgreSQL store
 * (standing for three processes) never poll one job at the same time and post its result once; a
 * model shutting down in 5 days is warned about once. SQLite (one process) is checked too.
 */
import { randomUUID } from 'node:crypto';
import { parseStoreUrl } from '../../../src/config';
import type { DocumentStore } from '../../../src/core/ports';
import type { ChannelScope } from '../../../src/core/types';
import { createStore } from '../../../src/providers/store/create-store';
import { admin, makeTestApp, testConfig, testPermissions, type TestApp } from '../../helpers/app';
import { DATABASE_URL, REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { recordPosts, seedExamples, startProvider, testClock, type ProviderHarness } from './harness';

const DAY_MS = 86_400_000;

/** Config whose base model shuts down `days` after the clock's today. */
function shuttingDownConfig(today: Date, days: number) {
  const config = testConfig();
  const date = new Date(today.getTime() + days * DAY_MS).toISOString().slice(0, 10);
  return { date, config: { ...config, modelInfo: { ...config.modelInfo, 'gpt-4o-mini': { ...config.modelInfo['gpt-4o-mini']!, shutdownDate: date } } } };
}

const backends: ReadonlyArray<readonly [string, string, string | undefined, number]> = [
  ['Redis', 'REDIS_URL', REDIS_URL, 6379],
  ['PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432],
];

for (const [service, variable, url, port] of backends) {
  const suite = describeWithService(service, variable, url, port);
  suite.describe(`three processes sharing ${service}`, () => {
    let provider: ProviderHarness;
    const apps: TestApp[] = [];
    const stores: DocumentStore[] = [];
    const clock = testClock();
    const open = async (config = testConfig()) => {
      for (let i = 0; i < 3; i++) {
        const store = await createStore(parseStoreUrl(suite.url, process.cwd()), silentLogger);
        stores.push(store);
        apps.push(await makeTestApp({ store, model: provider.model, finetuner: provider.finetuner, clock, config }));
      }
    };
    beforeEach(async () => {
      provider = await startProvider('openai');
    });
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.dispose();
      stores.length = 0;
      provider.assertNoViolations();
      await provider.close();
    });

    it('never poll one job at the same time, and post each status and the result once', async () => {
      await open();
      const scope: ChannelScope = { platform: 'console', workspace: 'W-ft', channel: `C${randomUUID().slice(0, 8)}` };
      const posts: string[] = [];
      for (const app of apps) recordPosts(app, posts);
      await seedExamples(apps[0]!, scope, 10);
      const started = await apps[1]!.commands(testPermissions).run({ scope, user: admin, name: 'finetune', text: 'start --switch' });
      expect(started.text).toMatch(/^Started fine-tuning job/);
      const job = provider.book.only();
      provider.book.retrieveDelayMs = 40; // each poll takes a while: a second poller would overlap it
      for (const phase of ['queued', 'running', 'succeeded'] as const) {
        provider.book.advance(job.id, phase);
        clock.tick();
        // All three processes' rounds at once, twice.
        await Promise.all(apps.map((app) => app.finetune.pollDue()));
        await Promise.all(apps.map((app) => app.finetune.pollDue()));
      }
      const mine = provider.book.retrievals.filter((r) => r.jobId === job.id);
      expect(mine).toHaveLength(3); // one poll per due round, by whichever process held the lease
      expect(provider.book.overlappingRetrievals()).toEqual([]);
      const ours = posts.filter((p) => p.includes(job.id));
      expect(ours).toEqual([
        `Fine-tuning job ${job.id} is now queued.`,
        `Fine-tuning job ${job.id} is now running.`,
        expect.stringMatching(new RegExp(`^Fine-tuning job ${job.id} succeeded`)),
      ]);
      expect((await apps[2]!.profiles.resolve(scope)).route.value).toBe('finetune');
    });

    it('warn once about a model shutting down in 5 days', async () => {
      const { date, config } = shuttingDownConfig(clock.now(), 5);
      await open(config);
      const scope: ChannelScope = { platform: 'console', workspace: 'W-ft', channel: `C${randomUUID().slice(0, 8)}` };
      const posts: string[] = [];
      // Only this channel's posts: the shared store keeps channels other runs watched.
      for (const app of apps) app.posters.register('console', { post: async (to, text) => void (to.channel === scope.channel && posts.push(text)) });
      // A channel that ran a command is one whose models are watched.
      const route = await apps[0]!.commands(testPermissions).run({ scope, user: admin, name: 'route', text: '' });
      expect(route.text).toContain(`model: gpt-4o-mini (the default from config) · shuts down on ${date}.`);
      await Promise.all(apps.map((app) => app.modelWatch.check()));
      await Promise.all(apps.map((app) => app.modelWatch.check()));
      expect(posts).toEqual([
        `Heads-up for admins: gpt-4o-mini, this channel's base model, shuts down on ${date} (in 5 days); choose another model with /model <model-id>.`,
      ]);
    });
  });
}

describe('model shutdown warnings on SQLite', () => {
  it('warn at 30 and at 7 days ahead, each once, and not before', async () => {
    const clock = testClock('2026-03-01T08:00:00Z');
    const { date, config } = shuttingDownConfig(clock.now(), 40);
    const app = await makeTestApp({ clock, config });
    try {
      const posts = recordPosts(app);
      await app.commands(testPermissions).run({ scope: { platform: 'console', workspace: 'W1', channel: 'C1' }, user: admin, name: 'model', text: '' });
      await app.modelWatch.checkDaily();
      expect(posts).toEqual([]); // 40 days ahead: nothing yet
      // /advise shows the date ahead, as /route does.
      const advice = await app
        .commands(testPermissions)
        .run({ scope: { platform: 'console', workspace: 'W1', channel: 'C1' }, user: admin, name: 'advise', text: '' });
      expect(advice.text).toContain(`model shutdown date: ${date} (per config/models.json)`);
      clock.tick(10 * DAY_MS);
      await app.modelWatch.checkDaily();
      await app.modelWatch.checkDaily(); // the same day again: nothing more
      expect(posts).toEqual([expect.stringContaining(`shuts down on ${date} (in 30 days)`)]);
      clock.tick(20 * DAY_MS);
      await app.modelWatch.checkDaily();
      expect(posts).toHaveLength(1); // 10 days ahead: the 30-day warning was given already
      clock.tick(3 * DAY_MS);
      await app.modelWatch.checkDaily();
      clock.tick(DAY_MS);
      await app.modelWatch.checkDaily();
      expect(posts).toHaveLength(2);
      expect(posts[1]).toContain(`shuts down on ${date} (in 7 days)`);
    } finally {
      await app.dispose();
    }
  });
});
