/**
 * The chat model over the Chat Completions API, the form every OpenAI-compatible server speaks
 * (SPEC §7). Streams deltas, then one `done` event with usage (incl. cached prompt tokens).
 */
import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ChatModel, ChatRequest, ChatStreamEvent, Logger } from '../../core/ports';
import type { TokenUsage } from '../../core/types';
import { createOpenAIClient, type OpenAIClientOptions } from './client';
import { modelTimeout, modelUnavailable, toModelError, type ModelCallContext } from './errors';

export interface OpenAIChatModelOptions extends OpenAIClientOptions {
  /**
   * Send the request's cache key as `prompt_cache_key` (config `models.promptCacheKey`, on by
   * default). Off for servers that refuse fields they do not know.
   */
  readonly promptCacheKey?: boolean;
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5…) refuse `max_tokens` and any temperature but
 * the default; every other server and model takes both.
 */
export function isReasoningModel(model: string): boolean {
  return /^(ft:)?(o\d|gpt-5)(?![\w.-]*chat)/.test(model);
}

/**
 * The request body. The reply limit goes as `max_tokens`: deprecated by OpenAI but still accepted
 * for its chat models, and the one vLLM, Ollama, llama.cpp and older servers all know, while
 * `max_completion_tokens` is not universal yet. Reasoning models get `max_completion_tokens`.
 */
export function buildChatBody(request: ChatRequest, options: { promptCacheKey?: boolean } = {}): ChatCompletionCreateParamsStreaming {
  const reasoning = isReasoningModel(request.model);
  return {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    stream: true,
    stream_options: { include_usage: true },
    ...(request.temperature !== undefined && !reasoning ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? (reasoning ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens }) : {}),
    ...(options.promptCacheKey && request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
  };
}

function toUsage(usage: ChatCompletionChunk['usage']): TokenUsage | undefined {
  if (!usage) return undefined;
  return {
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens,
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export class OpenAIChatModel implements ChatModel {
  private readonly client: OpenAI;
  private readonly logger: Logger;
  /** Longest silence allowed between two chunks of a started stream (the SDK's timeout ends at the headers). */
  private readonly idleTimeoutMs: number;
  private readonly promptCacheKey: boolean;

  constructor(options: OpenAIChatModelOptions) {
    this.client = createOpenAIClient(options);
    this.logger = options.logger.child({ component: 'openai-chat' });
    this.idleTimeoutMs = options.timeoutMs;
    this.promptCacheKey = options.promptCacheKey ?? false;
  }

  /**
   * Aborting through `request.signal` ends the stream by throwing the signal's reason (an
   * AbortError by default), not a UserError: nobody is waiting for a sentence then.
   */
  async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const call: ModelCallContext = { operation: 'chat', model: request.model };
    const { signal } = request;
    if (signal?.aborted) throw abortReason(signal);

    const idle = new AbortController();
    const combined = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await this.client.chat.completions.create(buildChatBody(request, { promptCacheKey: this.promptCacheKey }), { signal: combined });
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw this.fail(err, call);
    }

    // One timer for the whole stream, not one per chunk: it checks, when it fires, how long ago the
    // last chunk came, and waits out the rest of the allowance.
    // Time spent by whoever consumes the deltas is not the server's silence.
    let lastChunkAt = Date.now();
    let consuming = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const watch = (ms: number) => {
      idleTimer = setTimeout(() => {
        const quiet = Date.now() - lastChunkAt;
        if (consuming) watch(this.idleTimeoutMs);
        else if (quiet >= this.idleTimeoutMs) idle.abort();
        else watch(this.idleTimeoutMs - quiet);
      }, ms);
    };
    let finishReason: string | undefined;
    let usage: TokenUsage | undefined;
    try {
      watch(this.idleTimeoutMs);
      // The SDK ends the iteration quietly on abort, so the flags after the loop tell why it ended.
      for await (const chunk of stream) {
        consuming = true;
        usage = toUsage(chunk.usage) ?? usage;
        // Some compatible servers leave out `choices` or `delta` on usage-only chunks.
        for (const choice of chunk.choices ?? []) {
          if (choice.index !== 0) continue;
          finishReason = choice.finish_reason ?? finishReason;
          // A refusal is the model's answer too: the user should read it.
          const text = choice.delta?.content ?? choice.delta?.refusal ?? '';
          if (text) yield { type: 'delta', text };
        }
        consuming = false;
        lastChunkAt = Date.now();
      }
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw this.fail(err, call);
    } finally {
      clearTimeout(idleTimer);
    }

    if (signal?.aborted) throw abortReason(signal);
    if (idle.signal.aborted) {
      throw this.fail(modelTimeout(call, { reason: `no chunk for ${this.idleTimeoutMs} ms mid-stream` }), call);
    }
    if (finishReason === undefined) {
      // The stream ended without saying why: the answer was cut off, not finished.
      throw this.fail(modelUnavailable(call, { reason: 'stream ended without a finish_reason' }), call);
    }
    yield { type: 'done', ...(usage ? { usage } : {}), finishReason };
  }

  private fail(err: unknown, call: ModelCallContext): Error {
    const translated = toModelError(err, call);
    this.logger.debug({ code: translated.code, ...translated.context }, 'chat completion failed');
    return translated;
  }
}
