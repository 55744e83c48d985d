/**
 * Embeddings through `/embeddings` (SPEC §7), batched; the vector size is whatever the server
 * returns, so any OpenAI-compatible embedding model works without configuring its dimension.
 */
import type OpenAI from 'openai';
import { InternalError, ErrorCode } from '../../core/errors';
import type { Embedder, Logger, Tokenizer } from '../../core/ports';
import type { ChannelScope } from '../../core/types';
import type { EmbeddingUsageSink } from '../../core/usage/embedding-usage';
import { createOpenAIClient, type OpenAIClientOptions } from './client';
import { toModelError, type ModelCallContext } from './errors';

export interface OpenAIEmbedderOptions extends OpenAIClientOptions {
  readonly model: string;
  /** Inputs per request; OpenAI accepts up to 2,048. Default 128. */
  readonly batchSize?: number;
  /**
   * Characters per request. OpenAI also caps the tokens of one request (300,000 summed over its
   * inputs); about four characters a token keeps a batch well under that. Default 600,000.
   */
  readonly batchChars?: number;
  /**
   * Where each request's usage is reported (the server's `usage.prompt_tokens`; counted with the
   * tokenizer, and marked estimated, when the server sends none).
   */
  readonly usage?: { readonly sink: EmbeddingUsageSink; readonly tokenizer: Tokenizer };
}

const DEFAULT_BATCH_SIZE = 128;
const DEFAULT_BATCH_CHARS = 600_000;

/** Consecutive groups of texts, each within both limits (a single oversized text goes alone). */
export function batchTexts(texts: readonly string[], maxItems: number, maxChars: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const text of texts) {
    if (current.length > 0 && (current.length >= maxItems || chars + text.length > maxChars)) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export class OpenAIEmbedder implements Embedder {
  private readonly client: OpenAI;
  private readonly logger: Logger;
  private readonly model: string;
  private readonly batchSize: number;
  private readonly batchChars: number;
  private readonly usage: OpenAIEmbedderOptions['usage'];

  constructor(options: OpenAIEmbedderOptions) {
    this.client = createOpenAIClient(options);
    this.logger = options.logger.child({ component: 'openai-embeddings' });
    this.model = options.model;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
    this.usage = options.usage;
  }

  async embed(texts: readonly string[], caller?: ChannelScope): Promise<number[][]> {
    const vectors: number[][] = [];
    // One batch at a time: parallel batches would only meet the rate limit sooner.
    for (const batch of batchTexts(texts, this.batchSize, this.batchChars)) {
      vectors.push(...(await this.embedBatch(batch, caller)));
    }
    const size = vectors[0]?.length;
    if (vectors.some((vector) => vector.length !== size)) {
      throw new InternalError(ErrorCode.Internal, `embedding model ${this.model} returned vectors of different sizes`);
    }
    return vectors;
  }

  private async embedBatch(batch: readonly string[], caller: ChannelScope | undefined): Promise<number[][]> {
    const call: ModelCallContext = { operation: 'embeddings', model: this.model };
    let response: OpenAI.CreateEmbeddingResponse;
    const started = Date.now();
    try {
      response = await this.client.embeddings.create({
        model: this.model,
        // The API refuses empty strings; a blank text still needs its (meaningless) vector.
        input: batch.map((text) => (text.trim() ? text : ' ')),
        // Plain floats: the SDK's default (base64) is not what every compatible server speaks.
        encoding_format: 'float',
      });
    } catch (err) {
      const translated = toModelError(err, call);
      this.logger.debug({ code: translated.code, ...translated.context }, 'embedding request failed');
      await this.usage?.sink({
        model: this.model,
        promptTokens: 0,
        estimated: false,
        latencyMs: Date.now() - started,
        error: true,
        ...(caller ? { caller } : {}),
      });
      throw translated;
    }
    if (this.usage) {
      // Some compatible servers leave `usage` out: then the tokenizer counts, and says so.
      const reported = (response.usage as OpenAI.CreateEmbeddingResponse['usage'] | undefined)?.prompt_tokens;
      const tokenizer = this.usage.tokenizer;
      await this.usage.sink({
        model: this.model,
        promptTokens: reported ?? batch.reduce((sum, text) => sum + tokenizer.count(text), 0),
        estimated: reported === undefined,
        latencyMs: Date.now() - started,
        error: false,
        ...(caller ? { caller } : {}),
      });
    }
    const data = [...response.data].sort((a, b) => a.index - b.index);
    if (data.length !== batch.length) {
      throw new InternalError(ErrorCode.Internal, `embedding model ${this.model} returned ${data.length} vectors for ${batch.length} texts`);
    }
    return data.map((item) => item.embedding);
  }
}
