/**
 * Token counts from a real BPE tokenizer (js-tiktoken), so budgets match what the model bills.
 * Counts are memoised by text: personas, examples and history repeat from message to message.
 */
import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite' with { 'resolution-mode': 'import' };

// js-tiktoken ships CJS builds but ESM-only typings; load the CJS build and borrow the types.
const { Tiktoken: TiktokenClass } = require('js-tiktoken/lite') as { Tiktoken: typeof Tiktoken };
import type { Tokenizer } from '../core/ports';

export type EncodingName = 'o200k_base' | 'cl100k_base';

function loadRanks(name: EncodingName): TiktokenBPE {
  // Only the chosen rank table is loaded (each is several MB); the CJS builds export it as the module.
  return name === 'o200k_base' ? (require('js-tiktoken/ranks/o200k_base') as TiktokenBPE) : (require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE);
}

export class TiktokenTokenizer implements Tokenizer {
  private readonly encoder: Tiktoken;
  private readonly cache = new Map<string, number>();

  constructor(
    encoding: EncodingName = 'o200k_base',
    private readonly maxCacheEntries = 20_000,
  ) {
    this.encoder = new TiktokenClass(loadRanks(encoding));
  }

  count(text: string): number {
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const n = this.encoder.encode(text).length;
    // Simple bounded cache: drop the oldest entry (Map keeps insertion order).
    if (this.cache.size >= this.maxCacheEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(text, n);
    return n;
  }
}
