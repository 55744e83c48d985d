import { ErrorCode, UserError } from '../../../src/core/errors';
import { OpenAIEmbedder, batchTexts, type OpenAIEmbedderOptions } from '../../../src/providers/openai/embedder';
import { FakeOpenAI, fakeEmbedding, fakeErrors } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import type { EmbeddingUsage } from '../../../src/core/usage/embedding-usage';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start({ embeddingDimensions: 48 });
});
afterEach(() => {
  fake.assertNoViolations();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

function embedder(overrides: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({
    baseUrl: fake.baseUrl,
    model: 'text-embedding-3-small',
    timeoutMs: 2000,
    maxRetries: 2,
    logger: silentLogger,
    ...overrides,
  });
}

function embeddingInputs(): unknown[] {
  return fake.requestsTo('embeddings').map((request) => (request.body as { input: unknown }).input);
}

describe('OpenAIEmbedder', () => {
  it('returns one vector per text, in order, sized as the server answers', async () => {
    const texts = ['refund policy', 'office hours', 'refund policy'];

    const vectors = await embedder().embed(texts);

    expect(vectors).toHaveLength(3);
    expect(vectors.every((vector) => vector.length === 48)).toBe(true);
    expect(vectors[0]).toEqual(fakeEmbedding('refund policy', 48));
    expect(vectors[1]).toEqual(fakeEmbedding('office hours', 48));
    expect(vectors[2]).toEqual(vectors[0]);
  });

  it('sends the model, the texts and float encoding (validated by the fake)', async () => {
    await embedder().embed(['hello world']);

    const [request] = fake.requestsTo('embeddings');
    expect(request?.body).toEqual({ model: 'text-embedding-3-small', input: ['hello world'], encoding_format: 'float' });
  });

  it('splits many texts into batches and keeps the order across them', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `document number ${i}`);

    const vectors = await embedder({ batchSize: 128 }).embed(texts);

    expect(embeddingInputs().map((input) => (input as string[]).length)).toEqual([128, 128, 44]);
    expect(vectors).toHaveLength(300);
    expect(vectors[299]).toEqual(fakeEmbedding('document number 299', 48));
    expect(vectors[128]).toEqual(fakeEmbedding('document number 128', 48));
  });

  it('sends nothing for an empty list', async () => {
    expect(await embedder().embed([])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('still embeds a blank text instead of sending the empty string the API refuses', async () => {
    const vectors = await embedder().embed(['', 'something']);

    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(48);
  });

  it('retries a 429 and then succeeds', async () => {
    fake.enqueue('embeddings', { error: fakeErrors.rateLimited(0) });

    const vectors = await embedder().embed(['retry me']);

    expect(vectors).toHaveLength(1);
    expect(fake.requestsTo('embeddings')).toHaveLength(2);
  });

  it('reports the model unavailable after persistent 500s', async () => {
    fake.enqueue('embeddings', ...Array.from({ length: 3 }, () => ({ error: { ...fakeErrors.serverError(500), retryAfterSeconds: 0 } })));

    await expect(embedder({ maxRetries: 2 }).embed(['x'])).rejects.toMatchObject({ code: ErrorCode.ModelUnavailable });
    expect(fake.requestsTo('embeddings')).toHaveLength(3);
  });

  it('names the embedding model when the provider does not know it', async () => {
    fake.enqueue('embeddings', { error: fakeErrors.modelNotFound('text-embedding-nope') });

    const error = await embedder({ model: 'text-embedding-nope' })
      .embed(['x'])
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe(ErrorCode.ModelRejected);
    expect((error as UserError).message).toContain('"text-embedding-nope"');
  });
});

describe('OpenAIEmbedder usage', () => {
  const tokenizer = { count: (text: string) => text.split(/\s+/).filter(Boolean).length };

  it('reports each request with the tokens the server counted, or the tokenizer count marked estimated', async () => {
    const seen: EmbeddingUsage[] = [];
    const metered = embedder({ batchSize: 2, usage: { sink: async (u) => void seen.push(u), tokenizer } });
    fake.enqueue('embeddings', {}, { omitUsage: true });
    await metered.embed(['refund policy here', 'office hours', 'one more text']);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ model: 'text-embedding-3-small', promptTokens: fake.reportedUsage[0]?.promptTokens, estimated: false, error: false });
    expect(seen[1]).toMatchObject({ promptTokens: 3, estimated: true, error: false });
  });

  it('reports a failed request as an error with no tokens', async () => {
    const seen: EmbeddingUsage[] = [];
    fake.enqueue('embeddings', { error: fakeErrors.serverError(500) });
    await expect(embedder({ maxRetries: 0, usage: { sink: async (u) => void seen.push(u), tokenizer } }).embed(['x'])).rejects.toBeInstanceOf(UserError);
    expect(seen).toEqual([expect.objectContaining({ promptTokens: 0, error: true })]);
  });
});

describe('batchTexts', () => {
  it('starts a new batch at the item limit or before the character budget would be exceeded', () => {
    expect(batchTexts(['a', 'b', 'c'], 2, 100)).toEqual([['a', 'b'], ['c']]);
    expect(batchTexts(['aaaa', 'bbbb', 'cc'], 10, 8)).toEqual([['aaaa', 'bbbb'], ['cc']]);
  });

  it('gives a text longer than the budget a batch of its own rather than dropping it', () => {
    expect(batchTexts(['short', 'x'.repeat(50), 'tail'], 10, 20)).toEqual([['short'], ['x'.repeat(50)], ['tail']]);
  });
});
