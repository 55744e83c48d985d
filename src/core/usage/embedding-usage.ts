/**
 * Embedding calls counted as usage (kind `embedding`), for the channel whose document or question
 * caused them: the knowledge index hands its caller down to the embedder (`KnowledgeIndex.add` /
 * `search`), which reports each request here.
 */
import type { Logger } from '../ports';
import { estimateCost, type PriceTable } from '../prompt/cost';
import type { ChannelScope } from '../types';
import type { UsageLog } from './usage-log';

export interface EmbeddingUsage {
  readonly model: string;
  readonly promptTokens: number;
  /** Counted with the tokenizer: the server reported no usage. */
  readonly estimated: boolean;
  readonly latencyMs: number;
  readonly error: boolean;
  /** The channel the call is for; absent (no channel behind it): logged, not counted. */
  readonly caller?: ChannelScope;
}

export type EmbeddingUsageSink = (usage: EmbeddingUsage) => Promise<void>;

export function embeddingUsageSink(usage: UsageLog, prices: PriceTable, logger: Logger): EmbeddingUsageSink {
  return async (call) => {
    const scope = call.caller;
    if (!scope) {
      logger.warn({ model: call.model, promptTokens: call.promptTokens }, 'embedding call outside any channel; not counted');
      return;
    }
    const tokens = { promptTokens: call.promptTokens, cachedTokens: 0, completionTokens: 0, ...(call.estimated ? { estimated: true } : {}) };
    try {
      await usage.record(scope, {
        kind: 'embedding',
        model: call.model,
        usage: tokens,
        costUsd: estimateCost(prices, call.model, tokens),
        latencyMs: call.latencyMs,
        error: call.error,
      });
    } catch (err) {
      logger.warn({ err }, 'could not record embedding usage');
    }
  };
}
