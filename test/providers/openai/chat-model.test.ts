import net from 'node:net';
import { ErrorCode, UserError } from '../../../src/core/errors';
import type { ChatRequest, ChatStreamEvent } from '../../../src/core/ports';
import { OpenAIChatModel, isReasoningModel, type OpenAIChatModelOptions } from '../../../src/providers/openai/chat-model';
import { FakeOpenAI, fakeErrors } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start({ cacheMinTokens: 0, cacheStepTokens: 1 });
});
afterEach(() => {
  fake.assertNoViolations();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

function chatModel(overrides: Partial<OpenAIChatModelOptions> = {}): OpenAIChatModel {
  return new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 2000, maxRetries: 2, logger: silentLogger, ...overrides });
}

const request: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0.3,
  maxTokens: 256,
};

interface Outcome {
  readonly events: ChatStreamEvent[];
  readonly text: string;
  readonly error?: unknown;
}

async function run(model: OpenAIChatModel, req: ChatRequest = request): Promise<Outcome> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const event of model.stream(req)) events.push(event);
  } catch (error) {
    return { events, text: joinDeltas(events), error };
  }
  return { events, text: joinDeltas(events) };
}

function joinDeltas(events: readonly ChatStreamEvent[]): string {
  return events.map((event) => (event.type === 'delta' ? event.text : '')).join('');
}

function expectUserError(error: unknown, code: ErrorCode, message?: string): UserError {
  expect(error).toBeInstanceOf(UserError);
  const userError = error as UserError;
  expect(userError.code).toBe(code);
  if (message !== undefined) expect(userError.message).toBe(message);
  return userError;
}

describe('streaming a reply', () => {
  it('yields the deltas in order, joining to the reply, then done with usage', async () => {
    fake.enqueue('chat', { deltas: ['The ', 'capital ', 'is ', 'Paris', '.'], usage: { promptTokens: 40, cachedTokens: 32, completionTokens: 5 } });

    const { events, error } = await run(chatModel());

    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', text: 'The ' },
      { type: 'delta', text: 'capital ' },
      { type: 'delta', text: 'is ' },
      { type: 'delta', text: 'Paris' },
      { type: 'delta', text: '.' },
      { type: 'done', usage: { promptTokens: 40, cachedTokens: 32, completionTokens: 5 }, finishReason: 'stop' },
    ]);
  });

  it("joins to the fake's default reply text", async () => {
    const { text } = await run(chatModel());

    expect(text).toBe('You said: What is the capital of France?');
  });

  it('reports cached prompt tokens when the same prefix is sent again', async () => {
    const model = chatModel();
    await run(model);
    const second = await run(model, {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: 'Paris.' }, { role: 'user', content: 'And Italy?' }],
    });

    const done = second.events.at(-1);
    expect(done?.type).toBe('done');
    expect(done?.type === 'done' && done.usage?.cachedTokens).toBeGreaterThan(0);
  });

  it('passes the finish reason through when the reply was cut by the token limit', async () => {
    fake.enqueue('chat', { text: 'A long answer', finishReason: 'length' });

    const { events } = await run(chatModel());

    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });
});

describe('the request sent', () => {
  it('carries model, messages, streaming with usage, temperature and max_tokens (validated by the fake)', async () => {
    await run(chatModel());

    expect(fake.chatBodies()).toEqual([
      {
        model: 'gpt-4o-mini',
        messages: request.messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.3,
        max_tokens: 256,
      },
    ]);
  });

  it('sends the API key as a bearer token, and a placeholder when there is none (local servers)', async () => {
    await run(chatModel({ apiKey: 'sk-channelwise' }));
    await run(chatModel());

    const [withKey, withoutKey] = fake.requestsTo('chat');
    expect(withKey?.headers['authorization']).toBe('Bearer sk-channelwise');
    expect(withoutKey?.headers['authorization']).toMatch(/^Bearer \S+/);
  });

  it('asks reasoning models for max_completion_tokens and leaves out the temperature they refuse', async () => {
    await run(chatModel(), { ...request, model: 'o4-mini' });

    const [body] = fake.chatBodies();
    expect(body?.max_completion_tokens).toBe(256);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('temperature');
  });

  it.each([
    ['gpt-4o-mini', false],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', false],
    ['llama3.1:8b', false],
    ['gpt-5-chat-latest', false],
    ['o3-mini', true],
    ['gpt-5-mini', true],
  ])('treats %s as a reasoning model: %s', (model, expected) => {
    expect(isReasoningModel(model)).toBe(expected);
  });
});

describe('retries', () => {
  it('retries a 429 after its Retry-After and then streams the reply', async () => {
    fake.enqueue('chat', { error: fakeErrors.rateLimited(1) });

    const { text, error } = await run(chatModel());

    expect(error).toBeUndefined();
    expect(text).toBe('You said: What is the capital of France?');
    expect(fake.requestsTo('chat')).toHaveLength(2);
  });

  it('gives up after maxRetries on a persistent 429 with the rate-limit sentence', async () => {
    fake.enqueue('chat', ...Array.from({ length: 5 }, () => ({ error: fakeErrors.rateLimited(0) })));

    const { error } = await run(chatModel({ maxRetries: 2 }));

    expectUserError(error, ErrorCode.ModelRateLimited, 'The model is rate limited right now; please try again in a minute.');
    expect(fake.requestsTo('chat')).toHaveLength(3);
  });

  it('does not sit out a Retry-After far longer than a user would wait', async () => {
    fake.enqueue('chat', { error: fakeErrors.rateLimited(3600) });

    const { error } = await run(chatModel({ maxRetries: 2 }));

    expectUserError(error, ErrorCode.ModelRateLimited);
    expect(fake.requestsTo('chat')).toHaveLength(1);
  });

  it('reports the model unavailable after a 500 on every bounded attempt', async () => {
    fake.enqueue('chat', ...Array.from({ length: 4 }, () => ({ error: fakeErrors.serverError(500) })));

    const { error, events } = await run(chatModel({ maxRetries: 2 }));

    const userError = expectUserError(error, ErrorCode.ModelUnavailable, 'The model is unavailable right now; please try again in a moment.');
    expect(userError.context).toMatchObject({ status: 500, providerMessage: expect.stringContaining('The server had an error') });
    expect(events).toEqual([]);
    expect(fake.requestsTo('chat')).toHaveLength(3);
  });

  it('recovers from a 503 followed by success', async () => {
    fake.enqueue('chat', { error: { ...fakeErrors.serverError(503), retryAfterSeconds: 0 } });

    const { text } = await run(chatModel());

    expect(text).toBe('You said: What is the capital of France?');
  });
});

describe('failures', () => {
  it('times out when the server never answers, after the bounded retries', async () => {
    fake.enqueue('chat', { hang: 'before-headers' }, { hang: 'before-headers' });

    const { error } = await run(chatModel({ timeoutMs: 300, maxRetries: 1 }));

    expectUserError(error, ErrorCode.ModelTimeout, 'The model took too long to answer; please try again.');
    expect(fake.requestsTo('chat')).toHaveLength(2);
  });

  it('times out when a started stream goes silent, keeping what already arrived', async () => {
    fake.enqueue('chat', { text: 'First words and then silence', hang: 'after-first-delta' });

    const { error, text } = await run(chatModel({ timeoutMs: 300 }));

    expectUserError(error, ErrorCode.ModelTimeout);
    expect(text).toBe('First');
  });

  it('reports the model unavailable when the connection drops mid-stream', async () => {
    fake.enqueue('chat', { text: 'one two three four', dropAfterDeltas: 2 });

    const { error, text } = await run(chatModel());

    expectUserError(error, ErrorCode.ModelUnavailable);
    expect(text).toBe('one two');
    expect(fake.requestsTo('chat')).toHaveLength(1); // a started stream is never replayed
  });

  it('reports the model unavailable when nothing listens at the base URL', async () => {
    const port = await unusedPort();

    const { error } = await run(chatModel({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 }));

    expectUserError(error, ErrorCode.ModelUnavailable);
  });

  it('says the message is too long when the context length is exceeded, keeping details for the logs', async () => {
    fake.enqueue('chat', { error: fakeErrors.contextLengthExceeded() });

    const { error } = await run(chatModel());

    const userError = expectUserError(error, ErrorCode.ModelRejected, 'That message is too long for the model.');
    expect(userError.context).toMatchObject({
      status: 400,
      providerCode: 'context_length_exceeded',
      providerMessage: expect.stringContaining('maximum context length'),
    });
    expect(fake.requestsTo('chat')).toHaveLength(1);
  });

  it('names the model when the provider does not know it', async () => {
    fake.enqueue('chat', { error: fakeErrors.modelNotFound('gpt-nope') });

    const { error } = await run(chatModel(), { ...request, model: 'gpt-nope' });

    expectUserError(error, ErrorCode.ModelRejected, 'The model provider does not know the model "gpt-nope"; an admin can choose another with /model set.');
  });

  it('says the API key was rejected on a 401', async () => {
    fake.enqueue('chat', { error: fakeErrors.invalidApiKey() });

    const { error } = await run(chatModel());

    expectUserError(error, ErrorCode.ModelRejected, 'The model provider rejected the configured API key.');
  });
});

describe('aborting', () => {
  it('stops the stream with an AbortError when the signal fires mid-reply', async () => {
    fake.enqueue('chat', { text: 'a b c d e f g h i j k l m n o p', tokenDelayMs: 20 });
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];

    const consume = async () => {
      for await (const event of chatModel().stream({ ...request, signal: controller.signal })) {
        events.push(event);
        controller.abort();
      }
    };

    await expect(consume()).rejects.toMatchObject({ name: 'AbortError' });
    expect(events).toEqual([{ type: 'delta', text: 'a' }]);
  });

  it('sends nothing when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();

    const { error } = await run(chatModel(), { ...request, signal: controller.signal });

    expect(error).toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(0);
  });
});

/** A port nobody listens on: bound once by us, then released. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('usage and the prompt cache key', () => {
  it('sends the cache key as prompt_cache_key only when told to (config models.promptCacheKey)', async () => {
    await run(chatModel({ promptCacheKey: true }), { ...request, cacheKey: 'cw-abc' });
    await run(chatModel(), { ...request, cacheKey: 'cw-abc' });
    const [withKey, without] = fake.chatBodies();
    expect(withKey?.['prompt_cache_key']).toBe('cw-abc');
    expect(without).not.toHaveProperty('prompt_cache_key');
  });

  it('passes the cached tokens through and ends without usage when the server sends none', async () => {
    fake.enqueue('chat', { text: 'Paris.', usage: { promptTokens: 300, cachedTokens: 256, completionTokens: 2 } }, { text: 'Paris.', omitUsage: true });
    const first = (await run(chatModel())).events.at(-1);
    expect(first).toEqual({ type: 'done', usage: { promptTokens: 300, cachedTokens: 256, completionTokens: 2 }, finishReason: 'stop' });
    const second = await run(chatModel());
    expect(second.text).toBe('Paris.');
    expect(second.events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
  });
});
