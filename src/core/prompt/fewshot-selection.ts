/**
 * Which few-shot examples go into the prompt: all of them, or (`auto K`) the K whose input is most
 * like the message. The chosen examples keep their list order, so the same selection always yields
 * the same bytes (provider prompt caching).
 */
import type { FewshotExample, FewshotMode } from '../types';
import { similarity, terms } from './lexical';

/** Term sets of example inputs, memoised by id and text (examples repeat on every message). */
const termCache = new Map<string, Set<string>>();
const TERM_CACHE_LIMIT = 50_000;

function exampleTerms(example: FewshotExample): Set<string> {
  const key = `${example.id}\u0000${example.input}`;
  let cached = termCache.get(key);
  if (!cached) {
    if (termCache.size >= TERM_CACHE_LIMIT) termCache.clear();
    cached = terms(example.input);
    termCache.set(key, cached);
  }
  return cached;
}

export function selectExamples(examples: readonly FewshotExample[], mode: FewshotMode, message: string): readonly FewshotExample[] {
  if (mode.kind === 'all' || examples.length <= mode.k) return examples;
  const messageTerms = terms(message);
  const scored = examples.map((example, index) => ({ index, score: similarity(messageTerms, exampleTerms(example)) }));
  // Highest score first; ties keep list order so the choice is deterministic.
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen = scored
    .slice(0, mode.k)
    .map((s) => s.index)
    .sort((a, b) => a - b);
  return chosen.map((index) => examples[index]!);
}
