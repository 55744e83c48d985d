/**
 * Embedding calls counted as usage (kind `embedding`), for the channel whose knowledge base or
 * query caused them (see attribution.ts). The embedder reports each request here.
 */
import type { Logger } from '../ports';
import { estimateCost, type PriceTable } from '../prompt/cost';
import { currentChannel } from './attribution';
import type { UsageLog } from './usage-log';

export interface EmbeddingUsage {
  readonly model: string;
  readonly promptTokens: number;
  /** Counted with the tokenizer: the server reported no usage. */
  readonly estimated: boolean;
  readonly latencyMs: number;
  readonly error: boolean;
}

export type EmbeddingUsageSink = (usage: EmbeddingUsage) => Promise<void>;

export function embeddingUsageSink(usage: UsageLog, prices: PriceTable, logger: Logger): EmbeddingUsageSink {
  return async (call) => {
    const scope = currentChannel();
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
