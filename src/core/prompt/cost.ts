/** Cost estimates from the price table in config/prices.json (USD per 1M tokens). */
import type { TokenUsage } from '../types';

export interface ModelPrice {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * The price of `model`: an exact entry, else the base of a fine-tuned id (`ft:gpt-4o-mini:org::id`
 * → `gpt-4o-mini`), else the longest entry that prefixes it (dated snapshots), else `default`.
 */
export function priceOf(prices: PriceTable, model: string): ModelPrice {
  const exact = prices[model];
  if (exact) return exact;
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  if (prices[base]) return prices[base];
  const prefix = Object.keys(prices)
    .filter((name) => base.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return (prefix && prices[prefix]) || prices['default'] || { input: 0, cachedInput: 0, output: 0 };
}

export function estimateCost(prices: PriceTable, model: string, usage: TokenUsage): number {
  const price = priceOf(prices, model);
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens);
  return (uncached * price.input + usage.cachedTokens * price.cachedInput + usage.completionTokens * price.output) / 1_000_000;
}

export function formatUsd(amount: number): string {
  if (amount === 0) return '$0';
  if (amount < 0.01) return `$${amount.toPrecision(2)}`;
  return `$${amount.toFixed(amount < 1 ? 4 : 2)}`;
}
