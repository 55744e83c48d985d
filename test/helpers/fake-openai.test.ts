/**
 * The fake OpenAI server is only worth something if it is honest both ways: it refuses what the
 * real API would refuse, and what it answers matches the real API's response schemas.
 */
import { FakeOpenAI, fakeErrors } from './fake-openai';
import { checkOpenAISchema } from './openai-schema';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start({ embeddingDimensions: 32 });
});
afterEach(() => {
  fake.assertNoViolations();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

const validChat = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'hello there' },
  ],
};

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Response bodies are checked against the spec schemas, so `any` here is only for reading fields.
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field by each test
const json = (response: Response): Promise<any> => response.json();

/** The `data:` payloads of an SSE body, in order. */
async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((event) => event.trim())
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

describe('chat completions, streaming', () => {
  it('streams chunks that each match the spec, then a usage chunk and [DONE]', async () => {
    fake.enqueue('chat', { text: 'Hi there, friend.', usage: { cachedTokens: 7 } });
    const response = await post('/chat/completions', { ...validChat, stream: true, stream_options: { include_usage: true } });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await sseData(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    for (const chunk of chunks) expect(checkOpenAISchema('CreateChatCompletionStreamResponse', chunk).errors).toEqual([]);

    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hi there, friend.');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 7 } });
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
    // every other chunk carries usage: null, as the real API does with include_usage
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('sends no usage at all when include_usage was not asked for', async () => {
    const data = await sseData(await post('/chat/completions', { ...validChat, stream: true }));
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('You said: hello there');
  });

  it('reports cached tokens when a long prompt prefix is sent again', async () => {
    const persona = 'Always answer as a pirate would. '.repeat(200); // well over 1024 fake tokens
    const first = {
      ...validChat,
      messages: [
        { role: 'system', content: persona },
        { role: 'user', content: 'one' },
      ],
    };
    const second = {
      ...validChat,
      messages: [
        { role: 'system', content: persona },
        { role: 'user', content: 'two' },
      ],
    };
    const usageOf = async (body: object) => {
      const data = await sseData(await post('/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } }));
      return JSON.parse(data.at(-2) ?? '{}').usage.prompt_tokens_details.cached_tokens as number;
    };

    expect(await usageOf(first)).toBe(0);
    expect(await usageOf(second)).toBeGreaterThan(1024);
  });

  it('caches per prompt_cache_key, and reports cached tokens in 128-token steps', async () => {
    const persona = 'Always answer as a pirate would. '.repeat(200);
    const ask = async (user: string, key?: string) => {
      const body = {
        ...validChat,
        messages: [
          { role: 'system', content: persona },
          { role: 'user', content: user },
        ],
        ...(key ? { prompt_cache_key: key } : {}),
      };
      const data = await sseData(await post('/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } }));
      return JSON.parse(data.at(-2) ?? '{}').usage.prompt_tokens_details.cached_tokens as number;
    };
    expect(await ask('one', 'channel-a')).toBe(0);
    const cached = await ask('two', 'channel-a');
    expect(cached).toBeGreaterThan(1024);
    expect(cached % 128).toBe(0);
    expect(await ask('three', 'channel-b')).toBe(0); // another key: another cache
    expect(fake.reportedUsage.map((u) => u.cachedTokens)).toEqual([0, cached, 0]);
  });

  it('sends no usage when told to, even with include_usage', async () => {
    fake.enqueue('chat', { text: 'Hi.', omitUsage: true });
    const data = await sseData(await post('/chat/completions', { ...validChat, stream: true, stream_options: { include_usage: true } }));
    expect(
      data
        .slice(0, -1)
        .map((line) => JSON.parse(line))
        .some((chunk) => 'usage' in chunk),
    ).toBe(false);
    expect(fake.reportedUsage).toEqual([]);
  });
});

describe('strict mode', () => {
  it('refuses request fields outside the core set with 400, even ones the spec has, and keeps the violation', async () => {
    const strict = await FakeOpenAI.start({ strict: true });
    try {
      const refused = await fetch(`${strict.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...validChat, prompt_cache_key: 'k' }),
      });
      expect(refused.status).toBe(400);
      expect((await json(refused)).error.message).toContain('Unrecognized request argument supplied: prompt_cache_key');
      expect(strict.takeViolations()).toHaveLength(1);
      const accepted = await fetch(`${strict.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(validChat),
      });
      expect(accepted.status).toBe(200);
      strict.assertNoViolations();
    } finally {
      await strict.close();
    }
  });
});

describe('chat completions, not streaming', () => {
  it('answers with a completion that matches the spec', async () => {
    const response = await post('/chat/completions', validChat);
    const body = await json(response);

    expect(checkOpenAISchema('CreateChatCompletionResponse', body).errors).toEqual([]);
    expect(body.choices[0].message.content).toBe('You said: hello there');
  });
});

describe('the schema check itself', () => {
  it('rejects a chunk the real API would never send', () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'done' }] };
    expect(checkOpenAISchema('CreateChatCompletionStreamResponse', chunk).valid).toBe(false);
    expect(checkOpenAISchema('CreateEmbeddingResponse', { object: 'list', data: [] }).valid).toBe(false);
  });
});

describe('request validation', () => {
  it('refuses a message with an invalid role, records the violation, and fails assertNoViolations', async () => {
    const response = await post('/chat/completions', { ...validChat, messages: [{ role: 'wizard', content: 'hi' }] });
    const body = await json(response);

    expect(response.status).toBe(400);
    expect(checkOpenAISchema('ErrorResponse', body).errors).toEqual([]);
    expect(body.error.type).toBe('invalid_request_error');
    expect(() => fake.assertNoViolations()).toThrow(/messages\/0\/role/);
    const violations = fake.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]?.path).toBe('/v1/chat/completions');
  });

  it.each([
    ['an argument the API does not know', { ...validChat, max_token: 10 }, /unevaluated/],
    ['a missing model', { messages: validChat.messages }, /model/],
    ['an empty message list', { ...validChat, messages: [] }, /messages/],
    ['a temperature out of range', { ...validChat, temperature: 3 }, /temperature/],
    ['stream_options without stream', { ...validChat, stream_options: { include_usage: true } }, /stream_options/],
  ])('refuses %s', async (_label, body, problem) => {
    const response = await post('/chat/completions', body);

    expect(response.status).toBe(400);
    const violations = fake.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]?.problems.join('\n')).toMatch(problem);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await post('/chat/completions', '{"model": ');

    expect(response.status).toBe(400);
    expect(fake.takeViolations()[0]?.problems).toContain('body is not valid JSON');
  });

  it('refuses an embedding request with an empty string, as the real API does', async () => {
    const response = await post('/embeddings', { model: 'text-embedding-3-small', input: ['a', ''] });

    expect(response.status).toBe(400);
    expect(fake.takeViolations()).toHaveLength(1);
  });

  it('answers 404 for an endpoint it does not serve and records it', async () => {
    const response = await post('/completions', { model: 'x', prompt: 'y' });

    expect(response.status).toBe(404);
    expect(fake.takeViolations()[0]?.path).toBe('/v1/completions');
  });
});

describe('recording', () => {
  it('keeps method, path, headers and parsed body of every request', async () => {
    await post('/chat/completions', validChat, { 'x-custom': 'yes' });

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', body: validChat });
    expect(request?.headers['authorization']).toBe('Bearer sk-test');
    expect(request?.headers['x-custom']).toBe('yes');
    expect(fake.chatBodies()[0]?.messages).toEqual(validChat.messages);
  });
});

describe('scripted behaviour', () => {
  it('answers a queued 429 with Retry-After and an OpenAI error body, then the default again', async () => {
    fake.enqueue('chat', { error: fakeErrors.rateLimited(1) });

    const limited = await post('/chat/completions', validChat);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const body = await json(limited);
    expect(checkOpenAISchema('ErrorResponse', body).errors).toEqual([]);
    expect(body.error.code).toBe('rate_limit_exceeded');

    expect((await post('/chat/completions', validChat)).status).toBe(200);
  });

  it('uses chatReply to answer as a function of the request (reset restores the echo)', async () => {
    fake.chatReply = (body) => `${body.messages.length} messages`;
    const scripted = await json(await post('/chat/completions', validChat));
    expect(scripted.choices[0].message.content).toBe('2 messages');

    fake.reset();
    const echoed = await json(await post('/chat/completions', validChat));
    expect(echoed.choices[0].message.content).toBe('You said: hello there');
  });

  it('drops the connection mid-stream when told to', async () => {
    fake.enqueue('chat', { text: 'one two three four', dropAfterDeltas: 2 });
    const response = await post('/chat/completions', { ...validChat, stream: true });

    await expect(response.text()).rejects.toThrow();
  });

  it('refuses unknown models and bad keys when configured to', async () => {
    const strict = await FakeOpenAI.start({ knownModels: ['gpt-4o-mini'], apiKey: 'sk-right' });
    try {
      const call = (model: string, key: string) =>
        fetch(`${strict.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ ...validChat, model }),
        });
      const unknown = await call('gpt-9', 'sk-right');
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.code).toBe('model_not_found');
      expect((await call('gpt-4o-mini', 'sk-wrong')).status).toBe(401);
      expect((await call('gpt-4o-mini', 'sk-right')).status).toBe(200);
      strict.assertNoViolations();
    } finally {
      await strict.close();
    }
  });
});

describe('embeddings and models', () => {
  it('answers embeddings that match the spec, deterministic and of the configured size', async () => {
    const input = ['the cat sat on the mat', 'a cat on a mat', 'quarterly revenue report'];
    const response = await post('/embeddings', { model: 'text-embedding-3-small', input, encoding_format: 'float' });
    const body = await json(response);

    expect(checkOpenAISchema('CreateEmbeddingResponse', body).errors).toEqual([]);
    const vectors: number[][] = body.data.map((item: { embedding: number[] }) => item.embedding);
    expect(vectors.map((vector) => vector.length)).toEqual([32, 32, 32]);
    const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
    const [cat, cat2, revenue] = vectors as [number[], number[], number[]];
    expect(cosine(cat, cat2)).toBeGreaterThan(cosine(cat, revenue));

    const again = await json(await post('/embeddings', { model: 'text-embedding-3-small', input: input[0] }));
    expect(again.data[0].embedding).toEqual(cat);
  });

  it('honours requested dimensions and base64 encoding', async () => {
    const floats = await json(await post('/embeddings', { model: 'm', input: 'hello world', dimensions: 8 }));
    const base64 = await json(await post('/embeddings', { model: 'm', input: 'hello world', dimensions: 8, encoding_format: 'base64' }));

    expect(floats.data[0].embedding).toHaveLength(8);
    const bytes = new Uint8Array(Buffer.from(base64.data[0].embedding, 'base64')); // own buffer, aligned
    const decoded = Array.from(new Float32Array(bytes.buffer));
    decoded.forEach((value, i) => expect(value).toBeCloseTo(floats.data[0].embedding[i], 6));
  });

  it('lists models in the spec shape', async () => {
    const response = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: 'Bearer sk-test' } });
    const body = await json(response);

    expect(checkOpenAISchema('ListModelsResponse', body).errors).toEqual([]);
    expect(body.data.map((model: { id: string }) => model.id)).toContain('gpt-4o-mini');
  });
});
