/**
 * Usage accounting end to end, against the real openai SDK and the fake OpenAI server: what /usage
 * prints equals, token for token, what the server reported — on every route and for embeddings,
 * across a restart — with the cost at the cached rate, the prompt cache key both ways, estimated
 * figures marked, offline answers counted as estimates, and the chart a real PNG of the period.
 */
import { estimateCost } from '../../../src/core/prompt/cost';
import { createResponders } from '../../../src/core/routes';
import type { ChannelScope } from '../../../src/core/types';
import type { EmbeddingUsageSink } from '../../../src/core/usage/embedding-usage';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { OpenAIEmbedder } from '../../../src/providers/openai/embedder';
import { usageChartSpec, VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { makeTestApp, testConfig, testTokenizer } from '../../helpers/app';
import { FakeOpenAI, type ReportedUsage } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { ask, command, parseUsage } from '../../helpers/usage';

const FT_MODEL = 'ft:gpt-4o-mini-2024-07-18:acme::usage1';
let fake: FakeOpenAI;
let strict: FakeOpenAI;

beforeAll(async () => {
  [fake, strict] = await Promise.all([FakeOpenAI.start({ embeddingDimensions: 32 }), FakeOpenAI.start({ strict: true })]);
});
afterAll(async () => {
  await Promise.all([fake.close(), strict.close()]);
});
beforeEach(() => {
  fake.reset();
  strict.reset();
});
afterEach(() => {
  fake.assertNoViolations();
  strict.assertNoViolations();
});

const chatModel = (server: FakeOpenAI, promptCacheKey = true) =>
  new OpenAIChatModel({ baseUrl: server.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, promptCacheKey });

const embedderFor = (server: FakeOpenAI) => (sink: EmbeddingUsageSink) =>
  new OpenAIEmbedder({
    baseUrl: server.baseUrl,
    timeoutMs: 5000,
    maxRetries: 0,
    logger: silentLogger,
    model: 'text-embedding-3-small',
    usage: { sink, tokenizer: testTokenizer() },
  });

let channelCounter = 0;
const newScope = (): ChannelScope => ({ platform: 'console', workspace: 'W-usage', channel: `C${process.pid}-${++channelCounter}` });

function sums(reported: readonly ReportedUsage[]) {
  return {
    requests: reported.length,
    promptTokens: reported.reduce((s, u) => s + u.promptTokens, 0),
    cachedTokens: reported.reduce((s, u) => s + u.cachedTokens, 0),
    completionTokens: reported.reduce((s, u) => s + u.completionTokens, 0),
  };
}

describe('/usage equals what the server reported', () => {
  it('on every route and for embeddings, token for token, across a restart', async () => {
    const scope = newScope();
    const first = await makeTestApp({ model: chatModel(fake), embedder: embedderFor(fake) });
    const routeOf: string[] = [];
    try {
      await command(first, scope, '/persona set You are the library assistant. Answer in one sentence.');
      await command(first, scope, '/fewshot add When do you open? => We open at nine.');
      await command(first, scope, '/kb add Opening hours\n\nThe library opens at nine in the morning and closes at six in the evening.');
      routeOf.push(...fake.reportedUsage.map(() => 'embedding'));
      expect(fake.reportedUsage.length).toBeGreaterThan(0); // the document's chunks were embedded, for this channel

      expect((await ask(first, scope, 'hello there')).route).toBe('prompt');
      await command(first, scope, '/route rag');
      expect((await ask(first, scope, 'When does the library open?')).route).toBe('rag');
      await command(first, scope, `/route finetune ${FT_MODEL}`);
      expect((await ask(first, scope, 'hi again')).route).toBe('finetune');
    } finally {
      await first.close();
    }
    // Restart: a new app on the same store file.
    const second = await makeTestApp({ dir: first.dir, model: chatModel(fake), embedder: embedderFor(fake) });
    try {
      await command(second, scope, '/route prompt');
      await ask(second, scope, 'one more after the restart');

      const lines = parseUsage((await command(second, scope, '/usage 7d')).text);
      const reported = fake.reportedUsage;
      const chat = reported.filter((u) => u.endpoint === 'chat');
      const embeddings = reported.filter((u) => u.endpoint === 'embeddings');
      expect(chat).toHaveLength(4);
      expect(embeddings.length).toBeGreaterThanOrEqual(2); // indexing, and the RAG question's query
      const byModel = (model: string) => chat.filter((u) => u.model === model);
      expect(lines['embedding']).toMatchObject(sums(embeddings));
      expect(lines['finetune']).toMatchObject(sums(byModel(FT_MODEL)));
      expect(lines['prompt']?.requests).toBe(2);
      expect(lines['rag']?.requests).toBe(1);
      const promptAndRag = sums(byModel('gpt-4o-mini'));
      expect((lines['prompt']?.promptTokens ?? 0) + (lines['rag']?.promptTokens ?? 0)).toBe(promptAndRag.promptTokens);
      expect((lines['prompt']?.completionTokens ?? 0) + (lines['rag']?.completionTokens ?? 0)).toBe(promptAndRag.completionTokens);
      expect(lines['total']).toMatchObject(sums(reported));
      const prices = second.config.prices;
      const cost = reported.reduce((s, u) => s + estimateCost(prices, u.model, u), 0);
      expect(lines['total']?.cost).toBe(formatted(cost));
    } finally {
      await second.dispose();
    }
  });

  it('prices cached prompt tokens at the cached rate, and shows the hit rate', async () => {
    const app = await makeTestApp({ model: chatModel(fake) });
    try {
      const scope = newScope();
      fake.enqueue('chat', { text: 'Cached.', usage: { promptTokens: 2000, cachedTokens: 1536, completionTokens: 10 } });
      await ask(app, scope, 'hello');
      const text = (await command(app, scope, '/usage')).text;
      const total = parseUsage(text)['total'];
      const price = app.config.prices['gpt-4o-mini']!;
      expect(price.cachedInput).toBeLessThan(price.input);
      const atCachedRate = (464 * price.input + 1536 * price.cachedInput + 10 * price.output) / 1_000_000;
      expect(total).toMatchObject({ requests: 1, promptTokens: 2000, cachedTokens: 1536, completionTokens: 10, cost: formatted(atCachedRate) });
      expect(total?.cost).not.toBe(formatted((2000 * price.input + 10 * price.output) / 1_000_000));
      expect(text).toContain('cache hit rate 76.8%');
      expect(text).toMatch(/latency: prompt p50 \d[\d,]* ms · p95 \d[\d,]* ms/);
    } finally {
      await app.dispose();
    }
  });

  it('marks figures estimated when the server sends no usage, counting with the tokenizer', async () => {
    const app = await makeTestApp({ model: chatModel(fake) });
    try {
      const scope = newScope();
      fake.enqueue('chat', { text: 'No usage from me.', omitUsage: true });
      await ask(app, scope, 'hello');
      expect(fake.reportedUsage).toHaveLength(0);
      const text = (await command(app, scope, '/usage')).text;
      const total = parseUsage(text)['total'];
      expect(total?.requests).toBe(1);
      expect(total?.completionTokens).toBe(testTokenizer().count('No usage from me.'));
      expect(total?.promptTokens).toBeGreaterThan(0);
      expect(text).toContain('1 request is estimated: the server reported no usage, so the tokenizer counted.');
      expect((await command(app, scope, '/advise')).text).toContain('requests per day: 1 (estimated)');
    } finally {
      await app.dispose();
    }
  });

  it('offline: counts what the answers would have cost, marked estimated', async () => {
    const app = await makeTestApp();
    try {
      const scope = newScope();
      const reply = await ask(app, scope, 'what would this cost?');
      const shown = Number(/prompt tokens: (\d+)/.exec(reply.text)?.[1]);
      const text = (await command(app, scope, '/usage')).text;
      expect(parseUsage(text)['total']).toMatchObject({ requests: 1, promptTokens: shown, cachedTokens: 0, completionTokens: 0 });
      expect(text).toContain('1 request is offline: the tokens and cost are estimated');
      expect((await command(app, scope, '/budget')).text).toMatch(/^This channel has no monthly cap; \$0 spent this month/);
    } finally {
      await app.dispose();
    }
  });
});

describe('prompt caching', () => {
  const persona = `You are the archive assistant. ${'Always cite the shelf mark of every record you mention. '.repeat(90)}`;

  it('sends one prompt_cache_key per channel and profile version; the repeated prefix is reported cached, in 128-token steps', async () => {
    const app = await makeTestApp({ model: chatModel(fake) });
    try {
      const [a, b] = [newScope(), newScope()];
      for (const scope of [a, b]) await command(app, scope, `/persona set ${persona}`);
      await ask(app, a, 'first question');
      await ask(app, a, 'second question');
      await ask(app, b, 'first question');
      const keys = fake.chatBodies().map((body) => body['prompt_cache_key']);
      expect(typeof keys[0]).toBe('string');
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
      const cached = fake.reportedUsage.map((u) => u.cachedTokens);
      expect(cached[0]).toBe(0);
      expect(cached[1]).toBeGreaterThanOrEqual(1024);
      expect((cached[1] ?? 0) % 128).toBe(0);
      expect(cached[2]).toBe(0); // another channel's key: another cache

      await command(app, a, '/persona set A new persona makes a new key.');
      await ask(app, a, 'third question');
      expect(fake.chatBodies()[3]?.['prompt_cache_key']).not.toBe(keys[0]);

      const text = (await command(app, a, '/usage')).text;
      expect(parseUsage(text)['total']?.cachedTokens).toBe(cached[1]);
      const total = parseUsage(text)['total']!;
      expect(text).toContain(`cache hit rate ${((total.cachedTokens / total.promptTokens) * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`);
    } finally {
      await app.dispose();
    }
  });

  it('a strict server refuses prompt_cache_key; with the switch off (models.promptCacheKey false) it answers', async () => {
    expect(testConfig().models.promptCacheKey).toBe(true); // on by default
    const scope = newScope();
    const on = await makeTestApp({ model: chatModel(strict, true) });
    try {
      const reply = await ask(on, scope, 'hello');
      expect(reply.error).toBeDefined();
      const violations = strict.takeViolations();
      expect(violations[0]?.problems).toContain('Unrecognized request argument supplied: prompt_cache_key');
    } finally {
      await on.dispose();
    }
    const off = await makeTestApp({ model: chatModel(strict, false) });
    try {
      const reply = await ask(off, scope, 'hello');
      expect(reply.error).toBeUndefined();
      expect(reply.text).toBe('You said: hello');
      expect(strict.chatBodies().at(-1)).not.toHaveProperty('prompt_cache_key');
    } finally {
      await off.dispose();
    }
  });
});

describe('the /usage chart', () => {
  const charts = new VegaChartRenderer(silentLogger);
  afterAll(() => charts.close());

  it.each([
    ['7d', 7],
    ['30d', 30],
  ])('/usage %s attaches a PNG of requests and cost per day over %d days', async (period, days) => {
    const app = await makeTestApp({ model: chatModel(fake), charts });
    try {
      const scope = newScope();
      await ask(app, scope, 'hello');
      await ask(app, scope, 'hello again');
      const reply = await command(app, scope, `/usage ${period}`);
      const image = reply.image!;
      expect(image.mimeType).toBe('image/png');
      expect(image.name).toBe(`usage-${days}d.png`);
      const bytes = Buffer.from(image.bytes);
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
      const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      expect(width).toBeGreaterThanOrEqual(500);
      expect(height).toBeGreaterThanOrEqual(300);
      expect(image.alt).toContain(`last ${days} days`);

      // What is drawn is what was measured: every day of the period on the axis, today's two requests.
      const report = await app.usage.report(scope, days);
      const spec = usageChartSpec(report, 'x') as {
        data: { values: { day: string; requests: number }[] };
        vconcat: { encoding: { x: { scale: { domain: string[] } } } }[];
      };
      expect(spec.vconcat[0]?.encoding.x.scale.domain).toHaveLength(days);
      expect(spec.data.values).toEqual([expect.objectContaining({ day: report.series.at(-1)?.day.slice(5), requests: 2 })]);
      expect(reply.textChart?.split('\n')).toHaveLength(days + 1);
    } finally {
      await app.dispose();
    }
  });
});

function formatted(usd: number): string {
  // The same rounding /usage applies (SPEC §7 allows it); checked against a figure computed here.
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

describe('/advise from what was measured', () => {
  it('reports the recorded figures, labelled, and points a channel whose questions miss the knowledge base to rag', async () => {
    const config = testConfig();
    const app = await makeTestApp({ model: chatModel(fake), config: { ...config, advice: { ...config.advice, minRequests: 6 } } });
    try {
      const scope = newScope();
      await command(app, scope, '/persona set You answer questions about the museum.');
      await command(app, scope, '/fewshot add Where is the cafe? => On the ground floor, next to the shop.');
      await command(app, scope, '/kb add Tickets\n\nTickets cost twelve euros; children enter free.');
      await command(app, scope, '/route auto');
      const profile = await app.profiles.resolve(scope);
      // The prefix each answer sent, planned the way the assistant plans it.
      const responders = createResponders({
        tokenizer: testTokenizer(),
        promptBudget: config.tokens.promptBudget,
        knowledge: app.knowledge,
        retrieval: config.retrieval,
      });
      const prefixes: number[] = [];
      for (const question of [
        'What are the opening hours?',
        'Where can I park?',
        'Is there a cloakroom?',
        'How much do tickets cost?',
        'thanks!',
        'Who built the museum?',
      ]) {
        prefixes.push((await responders.auto.plan({ profile, message: question, history: [] })).prompt.prefixTokens);
        await ask(app, scope, question);
      }
      const prefix = prefixes.reduce((a, b) => a + b, 0) / prefixes.length;
      const text = (await command(app, scope, '/advise')).text;
      const chat = fake.reportedUsage.filter((u) => u.endpoint === 'chat');
      const n = chat.length;
      expect(n).toBe(6);
      const completion = chat.reduce((s, u) => s + u.completionTokens, 0) / n;
      expect(new Set(prefixes).size).toBe(2); // the RAG answer's system message carries the RAG rules
      expect(text).toContain(`• prefix tokens per request (persona + examples): ${prefix.toLocaleString('en-US', { maximumFractionDigits: 0 })} (measured)`);
      expect(text).toContain(`• completion tokens per request: ${completion.toLocaleString('en-US', { maximumFractionDigits: 0 })} (measured)`);
      expect(text).toContain('• requests per day: 6 (measured)');
      // Four of the five questions found nothing in the knowledge base, so auto answered them with the prompt route.
      expect(text).toContain('• knowledge questions answered with no source: 4 of 5 (measured)');
      expect(text).toContain('• auto falling back to prompt on questions: 4 (measured)');
      expect(text).toMatch(/• monthly prefix cost: \$[\d.]+ \(estimated\)/);
      expect(text).toContain('Recommendation: rag');
      expect(text).not.toContain('Recommendation: fine-tune');
    } finally {
      await app.dispose();
    }
  });
});
