/**
 * Budgets (SPEC §8): at the cap the model is not called and the answer is one sentence naming the
 * cap; admins are warned once at the warning level; members cannot change the cap; and with two
 * processes on one Redis or PostgreSQL store answering at once, the cap is exceeded by one answer
 * at most. On every store, /usage from either process equals what the server reported.
 */
import { randomUUID } from 'node:crypto';
import { parseStoreUrl } from '../../../src/config';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { ErrorCode } from '../../../src/core/errors';
import { estimateCost } from '../../../src/core/prompt/cost';
import type { ChannelScope } from '../../../src/core/types';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { createChangeFeed, createStore } from '../../../src/providers/store/create-store';
import { makeTestApp, member, testConfig, type TestApp } from '../../helpers/app';
import { DATABASE_URL, REDIS_URL } from '../../helpers/env';
import { echoLastUserMessage, FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { waitFor } from '../../helpers/processes';
import { describeWithService } from '../../helpers/services';
import { ask, command, parseUsage } from '../../helpers/usage';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());
afterEach(() => fake.assertNoViolations());

const model = () => new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger });
const newScope = (): ChannelScope => ({ platform: 'slack', workspace: 'T-budget', channel: `C-${randomUUID()}` });
const costOfReported = (app: TestApp) => fake.reportedUsage.reduce((sum, u) => sum + estimateCost(app.config.prices, u.model, u), 0);
/** A channel whose answers cost cents: a long persona on gpt-4o (caps are whole cents). */
async function expensive(app: TestApp, scope: ChannelScope): Promise<void> {
  await command(app, scope, `/persona set You are the records clerk. ${'Quote the register entry for every fact you state. '.repeat(110)}`);
  await command(app, scope, '/model gpt-4o');
}
/** A cap of about `answers` answers of what one costs, in whole cents. */
const capFor = (one: number, answers: number) => Math.max(0.01, Math.round(one * answers * 100) / 100);
const WARNING = /_Budget: this channel has spent \$[\d.]+ this month, over (\d+)% of its \$[\d.]+ monthly cap/;

describe('budgets on SQLite', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await makeTestApp({ model: model() });
  });
  afterEach(() => app.dispose());

  it('stops calling the model at the cap with one sentence naming it, warns once at the warning level, and /budget clear lifts it', async () => {
    const scope = newScope();
    await expensive(app, scope);
    // What one answer costs here: measured, not assumed.
    await ask(app, scope, 'How much does one answer cost?');
    const one = costOfReported(app);
    expect(one).toBeGreaterThan(0.002);
    const cap = capFor(one, 4.5);
    expect((await command(app, scope, `/budget set ${cap} warn 50`)).text).toMatch(/^Monthly cap set to \$[\d.]+, with a warning at 50%\./);

    const replies = [];
    for (let i = 0; i < 15; i++) replies.push(await ask(app, scope, `question number ${i}`));
    const refused = replies.filter((r) => r.error?.code === ErrorCode.BudgetReached);
    const answered = replies.filter((r) => !r.error);
    expect(refused.length).toBeGreaterThan(0);
    // Every refusal came after the last answer, without a request to the model.
    expect(replies.findIndex((r) => r.error)).toBe(answered.length);
    expect(fake.requestsTo('chat')).toHaveLength(1 + answered.length);
    for (const r of refused) {
      expect(r.text).toMatch(/^This channel has reached its monthly budget of \$[\d.]+ \(\$[\d.]+ spent this month\), so I will not call the model/);
      expect(r.text.split('. ').length).toBe(1);
    }
    const spent = await app.usage.monthSpend(scope);
    expect(spent).toBeCloseTo(costOfReported(app), 12);
    expect(spent).toBeGreaterThanOrEqual(cap);
    expect(spent).toBeLessThan(cap + Math.max(...fake.reportedUsage.map((u) => estimateCost(app.config.prices, u.model, u))) + 1e-12);

    const warned = replies.filter((r) => WARNING.test(r.text));
    expect(warned).toHaveLength(1);
    expect(warned[0]!.budgetWarning).toBe(true);
    expect(WARNING.exec(warned[0]!.text)?.[1]).toBe('50');

    expect((await command(app, scope, '/budget')).text).toMatch(
      / spent this month \(.+, UTC\) of the \$[\d.]+ monthly cap \(\d+(\.\d)?%; set by alice on .+ UTC\)\. Admins are warned at 50%/,
    );
    expect((await command(app, scope, '/budget clear')).text).toMatch(/^The monthly cap is lifted/);
    expect((await ask(app, scope, 'and now?')).error).toBeUndefined();
  });

  it('refuses members who try to set or clear the cap, and keeps it', async () => {
    const scope = newScope();
    await command(app, scope, '/budget set 25 warn 90');
    for (const line of ['/budget set 1000', '/budget clear']) expect((await command(app, scope, line, member)).text).toBe(NOT_ADMIN_SENTENCE);
    expect(await app.budgets.of(scope)).toMatchObject({ usd: 25, warnPct: 90, source: 'channel' });
    expect((await command(app, scope, '/budget', member)).text).toMatch(/^\$0 spent this month .* of the \$25\.00 monthly cap \(0%/);
  });

  it('a workspace default cap from config applies until the channel sets or clears its own; the warning level defaults to 80', async () => {
    const config = testConfig();
    const capped = await makeTestApp({ model: model(), config: { ...config, budgets: { defaultUsd: 0.000001, warnPct: config.budgets.warnPct } } });
    try {
      const scope = newScope();
      await ask(capped, scope, 'first');
      const second = await ask(capped, scope, 'second');
      expect(second.error?.code).toBe(ErrorCode.BudgetReached);
      expect((await command(capped, scope, '/budget')).text).toContain('the workspace default from config');
      expect((await command(capped, scope, '/budget set 30')).text).toMatch(/with a warning at 80%/);
      expect((await ask(capped, scope, 'third')).error).toBeUndefined();
      await command(capped, scope, '/budget clear');
      expect(await capped.budgets.of(scope)).toBeUndefined(); // cleared means uncapped, the default included
    } finally {
      await capped.dispose();
    }
  });
});

for (const [service, variable, url, port] of [
  ['Redis', 'REDIS_URL', REDIS_URL, 6379],
  ['PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432],
] as const) {
  const suite = describeWithService(service, variable, url, port);
  suite.describe(`two processes sharing ${service}`, () => {
    const apps: TestApp[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const storeConfig = parseStoreUrl(suite.url, process.cwd());
        const store = await createStore(storeConfig, silentLogger);
        // As start-up wires every process: a /budget in one reaches the other's cached copy by a notice.
        const changes = createChangeFeed(storeConfig, silentLogger);
        // Rounds of ten answers at once, up to 300 in a minute from one person: far over the rate limits, which are not what this tests.
        apps.push(await makeTestApp({ store, changes, model: model(), config: testConfig({}, { rateLimits: { userPerMinute: 0, channelPerMinute: 0 } }) }));
      }
    });
    afterAll(async () => {
      for (const app of apps) await app.dispose();
    });

    it('count every answer: /usage in either equals what the server reported', async () => {
      const scope = newScope();
      await Promise.all(Array.from({ length: 12 }, (_, i) => ask(apps[i % 2]!, scope, `concurrent question ${i}`)));
      expect(fake.reportedUsage).toHaveLength(12);
      const expected = {
        requests: 12,
        promptTokens: fake.reportedUsage.reduce((s, u) => s + u.promptTokens, 0),
        cachedTokens: fake.reportedUsage.reduce((s, u) => s + u.cachedTokens, 0),
        completionTokens: fake.reportedUsage.reduce((s, u) => s + u.completionTokens, 0),
      };
      for (const app of apps) expect(parseUsage((await command(app, scope, '/usage')).text)['total']).toMatchObject(expected);
    });

    it('hold the cap when both answer at once: exceeded by one answer at most, and the warning comes once', async () => {
      const scope = newScope();
      await expensive(apps[0]!, scope);
      // The second answer shows what one costs once the prefix is cached, as it is from then on.
      await ask(apps[0]!, scope, 'calibration');
      await ask(apps[1]!, scope, 'calibration again');
      const prices = apps[0]!.config.prices;
      const one = estimateCost(prices, 'gpt-4o', fake.reportedUsage[1]!);
      const cap = capFor(one, 6.5);
      await command(apps[0]!, scope, `/budget set ${cap} warn 50`);
      // The other process had cached "no cap" with its calibration answer: the feed's notice replaces it.
      expect(await waitFor(() => apps[1]!.budgets.of(scope), 'the cap in the other process')).toMatchObject({ usd: cap });

      // Answers take a while, so those of one round are all in flight together.
      fake.chatReply = (body) => ({ text: echoLastUserMessage(body), firstTokenDelayMs: 40 });
      const replies = [];
      for (let round = 0; round < 30; round++) {
        const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(apps[i % 2]!, scope, `round ${round} question ${i}`)));
        replies.push(...batch);
        if (batch.some((r) => r.error?.code === ErrorCode.BudgetReached && /has reached its monthly budget/.test(r.text))) break;
      }
      const answered = replies.filter((r) => !r.error);
      expect(replies.some((r) => /has reached its monthly budget/.test(r.text))).toBe(true);
      expect(replies.every((r) => !r.error || r.error.code === ErrorCode.BudgetReached)).toBe(true);
      expect(fake.requestsTo('chat')).toHaveLength(2 + answered.length);
      const spent = await apps[1]!.usage.monthSpend(scope);
      const largest = Math.max(...fake.reportedUsage.slice(2).map((u) => estimateCost(prices, u.model, u)));
      expect(spent).toBeCloseTo(costOfReported(apps[0]!), 12);
      expect(spent).toBeGreaterThanOrEqual(cap);
      expect(spent).toBeLessThan(cap + largest + 1e-12);
      expect(replies.filter((r) => WARNING.test(r.text))).toHaveLength(1);

      // At the cap, neither process calls the model.
      const before = fake.requestsTo('chat').length;
      const last = await Promise.all([ask(apps[0]!, scope, 'one more'), ask(apps[1]!, scope, 'one more')]);
      expect(last.map((r) => r.error?.code)).toEqual([ErrorCode.BudgetReached, ErrorCode.BudgetReached]);
      expect(fake.requestsTo('chat')).toHaveLength(before);
    });
  });
}
