/**
 * Hybrid retrieval: BM25 and embedding vectors fused with reciprocal-rank fusion, when an
 * embedding model is configured. The embedder here is a scripted stand-in for the `Embedder`
 * port (so the test controls which texts are "close"); one test drives the real OpenAI client
 * against the fake server to show the embeddings requests are valid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Embedder, KnowledgeIndex } from '../../../src/core/ports';
import { systemClock } from '../../../src/core/ports';
import { createKnowledge, type KnowledgeHandle } from '../../../src/providers/knowledge/create-knowledge';
import { OpenAIEmbedder } from '../../../src/providers/openai/embedder';
import { createSqliteStore } from '../../../src/providers/store/sqlite-store';
import type { DocumentStore } from '../../../src/core/ports';
import { testConfig, testKnowledgeOptions, testTokenizer } from '../../helpers/app';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { recordingLogger, silentLogger } from '../../helpers/logger';

/** Texts mentioning a concept get that concept's axis; everything else a neutral axis. */
class ConceptEmbedder implements Embedder {
  readonly calls: string[][] = [];
  failing = false;
  private readonly concepts: RegExp[] = [/\b(cat|cats|feline|kitten)\b/i, /\b(car|cars|automobile|vehicle)\b/i];
  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls.push([...texts]);
    if (this.failing) throw new Error('embedding server down');
    return texts.map((text) => {
      const vector = this.concepts.map((re) => (re.test(text) ? 1 : 0));
      return [...vector, vector.some(Boolean) ? 0 : 1];
    });
  }
}

describe('hybrid retrieval', () => {
  let dir: string;
  let store: DocumentStore;
  let handle: KnowledgeHandle;
  let knowledge: KnowledgeIndex;
  const embedder = new ConceptEmbedder();
  const logger = recordingLogger();

  beforeEach(async () => {
    embedder.calls.length = 0;
    dir = mkdtempSync(path.join(tmpdir(), 'channelwise-hybrid-'));
    store = await createSqliteStore(path.join(dir, 'store.sqlite'), silentLogger);
    embedder.failing = false;
    handle = await createKnowledge(testKnowledgeOptions(), {
      store,
      tokenizer: testTokenizer(),
      logger,
      clock: systemClock,
      location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') },
      embedder,
    });
    knowledge = handle.knowledge;
  });
  afterEach(async () => {
    await handle.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a passage that shares no word with the question through its embedding', async () => {
    await knowledge.add('kb', { kind: 'text', text: 'Pets\n\nCats sleep most of the day.' }, 'alice');
    await knowledge.add('kb', { kind: 'text', text: 'Parking\n\nEvery car needs a permit.' }, 'alice');
    const [hit, ...rest] = await knowledge.search(['kb'], 'how long does a feline nap', 3);
    expect(hit).toMatchObject({ title: 'Pets' });
    expect(hit!.score).toBeCloseTo(1, 5);
    expect(rest.map((p) => p.title)).not.toContain('Pets');
  });

  it('fuses both rankings: a passage found by words and by meaning comes first', async () => {
    await knowledge.add('kb', { kind: 'text', text: 'Vehicles\n\nThe automobile pool is in the basement.' }, 'alice');
    await knowledge.add('kb', { kind: 'text', text: 'Basement\n\nThe basement also stores old furniture.' }, 'alice');
    const hits = await knowledge.search(['kb'], 'where is the car pool in the basement', 2);
    expect(hits.map((h) => h.title)).toEqual(['Vehicles', 'Basement']);
  });

  it('keeps working on keywords alone when the embedding model fails, and says so in the log', async () => {
    embedder.failing = true;
    const added = await knowledge.add('kb', { kind: 'text', text: 'Cats\n\nCats sleep most of the day.' }, 'alice');
    expect(added.chunks).toBe(1);
    expect((await knowledge.search(['kb'], 'cats sleep', 3))[0]?.title).toBe('Cats');
    const warning = logger.entries.find((e) => e.level === 'warn' && /embedding failed/.test(e.msg ?? ''));
    expect(warning).toBeDefined();
    // The error itself is logged, not just its message, so the log keeps its stack.
    expect(warning?.obj['err']).toBeInstanceOf(Error);
    expect((warning?.obj['err'] as Error | undefined)?.stack).toEqual(expect.any(String));
    // Until the pause ends, no message pays for another failing call.
    const callsAfterFailure = embedder.calls.length;
    await knowledge.search(['kb'], 'cats', 3);
    await knowledge.add('kb', { kind: 'text', text: 'Dogs\n\nDogs bark.' }, 'alice');
    expect(embedder.calls.length).toBe(callsAfterFailure);
  });

  it('removes a document from the vector side too', async () => {
    const doc = await knowledge.add('kb', { kind: 'text', text: 'Pets\n\nCats sleep most of the day.' }, 'alice');
    await knowledge.remove('kb', doc.id);
    expect(await knowledge.search(['kb'], 'feline', 3)).toEqual([]);
  });
});

describe('hybrid retrieval through the OpenAI embeddings API', () => {
  it('sends valid /embeddings requests for chunks and queries', async () => {
    const fake = await FakeOpenAI.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-hybrid-api-'));
    const store = await createSqliteStore(path.join(dir, 'store.sqlite'), silentLogger);
    const config = testConfig();
    const handle = await createKnowledge(testKnowledgeOptions(config), {
      store,
      tokenizer: testTokenizer(),
      logger: silentLogger,
      clock: systemClock,
      location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') },
      embedder: new OpenAIEmbedder({ baseUrl: fake.baseUrl, model: config.models.embedding, timeoutMs: 5000, maxRetries: 0, logger: silentLogger }),
    });
    try {
      await handle.knowledge.add('kb', { kind: 'text', text: 'Holidays\n\nEveryone gets 25 days.' }, 'alice');
      const [hit] = await handle.knowledge.search(['kb'], 'how many holiday days', 3);
      expect(hit?.title).toBe('Holidays');
      const bodies = fake.requestsTo('embeddings').map((r) => r.body as { model: string; input: string[] });
      expect(bodies.map((b) => b.model)).toEqual([config.models.embedding, config.models.embedding]);
      expect(bodies[0]?.input).toEqual(['Holidays\n\nEveryone gets 25 days.']);
      expect(bodies[1]?.input).toEqual(['how many holiday days']);
      fake.assertNoViolations();
    } finally {
      await handle.close();
      await store.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
