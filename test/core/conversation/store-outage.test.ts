/**
 * `storage.outage` (SPEC §5, issue #12): with the store unreachable, a mention is refused with one
 * sentence (`refuse`, the default: nothing reaches the model) or answered on the config defaults,
 * unclaimed and uncounted, saying so (`answer`); a message that only the store could tell is for
 * the bot gets no sentence. The outage is a TCP proxy cut in front of the real Redis.
 */
import { DEFAULTS_NOTE } from '../../../src/core/assistant';
import { STORE_UNAVAILABLE_SENTENCE } from '../../../src/core/errors';
import type { DocumentStore } from '../../../src/core/ports';
import type { Replier } from '../../../src/core/conversation/pipeline';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { createRedisStore } from '../../../src/providers/store/redis-store';
import { admin, makeTestApp, scopeA, testConfig, testPermissions, type TestApp } from '../../helpers/app';
import { REDIS_URL } from '../../helpers/env';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { TcpProxy } from '../../helpers/tcp-proxy';

const redis = describeWithService('Redis', 'REDIS_URL', REDIS_URL, 6379);

function recorder(): Replier & { readonly answers: string[] } {
  const answers: string[] = [];
  return {
    answers,
    async answer(events) {
      for await (const event of events) if (event.type === 'done') answers.push(event.reply.text);
    },
    async tellSender() {},
  };
}

let counter = 0;
const mention = (text: string, extra: { mentioned?: boolean } = {}) => ({
  scope: { ...scopeA, channel: `C-outage-${process.pid}-${++counter}` },
  user: { id: 'U_MEMBER', isBot: false },
  text,
  messageId: `m-${Date.now()}-${counter}`,
  mentioned: extra.mentioned ?? true,
  isDirect: false,
});

redis.describe('chat while the store is unreachable', () => {
  let fake: FakeOpenAI;
  let proxy: TcpProxy;
  let store: DocumentStore;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    const front = await TcpProxy.inFrontOf(redis.url, 6379);
    proxy = front.proxy;
    store = await createRedisStore(front.url, silentLogger, { operationTimeoutMs: 1000 });
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store?.close();
    await proxy?.close();
    await fake?.close();
  });

  async function appWith(outage: 'refuse' | 'answer'): Promise<TestApp> {
    const base = testConfig();
    const app = await makeTestApp({
      store,
      config: { ...base, storage: { ...base.storage, outage } },
      model: new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 }),
    });
    apps.push(app);
    return app;
  }

  it('refuses a mention with one sentence by default, and nothing reaches the model', async () => {
    const app = await appWith('refuse');
    const replier = recorder();
    const message = mention('what is new?');
    await app.profiles.setPersona(message.scope, admin, 'You are a pirate.');
    const asked = fake.requestsTo('chat').length;
    proxy.cut();
    expect(await app.messages(app.commands(testPermissions)).handle(message, replier)).toBe('error');
    expect(replier.answers).toEqual([STORE_UNAVAILABLE_SENTENCE]);
    // A message only the store could say is for the bot (trigger, thread memory) gets no sentence.
    expect(await app.messages(app.commands(testPermissions)).handle(mention('just chatting', { mentioned: false }), replier)).toBe('ignored');
    expect(replier.answers).toHaveLength(1);
    expect(fake.requestsTo('chat')).toHaveLength(asked);
  });

  it('answers on the config defaults with storage.outage answer, saying so', async () => {
    const app = await appWith('answer');
    const replier = recorder();
    const message = mention('what is new?');
    await app.profiles.setPersona(message.scope, admin, 'You are a pirate.');
    fake.enqueue('chat', { text: 'Nothing much.' });
    proxy.cut();
    expect(await app.messages(app.commands(testPermissions)).handle(message, replier)).toBe('ok');
    expect(replier.answers).toEqual([`Nothing much.\n\n${DEFAULTS_NOTE}`]);
    const sent = fake.chatBodies().at(-1)!;
    expect(sent.messages[0]).toEqual({ role: 'system', content: app.config.defaults.persona });
  });
});
