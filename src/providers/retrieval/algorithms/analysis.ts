/**
 * Text analysis shared by indexing and querying: the same function must turn both into terms, or
 * nothing matches. Steps: Unicode NFKC, lowercase, Latin diacritics folded (café → cafe), words of
 * letters/digits (apostrophes inside words kept so "don't" meets the stop list), English possessive
 * `'s` dropped, stopwords removed, Porter2 stemming of plain a–z words, and CJK runs (which are
 * written without spaces) split into overlapping character bigrams as Lucene's CJK analyzer does.
 */
import stem = require('wink-porter2-stemmer');
import { ENGLISH_STOPWORDS } from './stopwords';

export interface AnalyzerOptions {
  /** Words dropped before stemming (compared lowercased, apostrophes as `'`). */
  readonly stopwords?: ReadonlySet<string>;
  /** Porter2 stemming of English words; on by default. */
  readonly stem?: boolean;
}

export type Analyzer = (text: string) => string[];

/** Longer "words" are hashes, base64 or URLs run together: never useful as search terms. */
const MAX_TOKEN_LENGTH = 64;
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;
const COMBINING_DIACRITICS = /[\u0300-\u036f]/g;
const CJK_CHAR = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]/u;
const CJK_RUNS = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]+|[^\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]+/gu;
const ENGLISH_WORD = /^[a-z]+$/;

/** Stemming dominates indexing time and vocabularies repeat, so results are memoised (bounded). */
const STEM_CACHE_LIMIT = 200_000;

export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const stopwords = options.stopwords ?? ENGLISH_STOPWORDS;
  const stemming = options.stem ?? true;
  const stemCache = new Map<string, string>();

  const stemWord = (word: string): string => {
    if (!stemming || !ENGLISH_WORD.test(word)) return word;
    let stemmed = stemCache.get(word);
    if (stemmed === undefined) {
      if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
      stemmed = stem(word);
      stemCache.set(word, stemmed);
    }
    return stemmed;
  };

  const pushWord = (terms: string[], raw: string): void => {
    let word = raw.replace(/’/g, "'");
    if (stopwords.has(word)) return;
    if (word.endsWith("'s")) word = word.slice(0, -2);
    if (word.includes("'")) word = word.replace(/'/g, '');
    if (word.length === 0 || word.length > MAX_TOKEN_LENGTH || stopwords.has(word)) return;
    terms.push(stemWord(word));
  };

  const pushCjkBigrams = (terms: string[], run: string): void => {
    const chars = Array.from(run);
    if (chars.length === 1) {
      terms.push(run);
      return;
    }
    for (let i = 0; i + 1 < chars.length; i += 1) terms.push(chars[i]! + chars[i + 1]!);
  };

  return (text: string): string[] => {
    const normalised = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(COMBINING_DIACRITICS, '').normalize('NFC');
    const terms: string[] = [];
    for (const match of normalised.matchAll(WORD)) {
      const word = match[0];
      if (!CJK_CHAR.test(word)) {
        pushWord(terms, word);
        continue;
      }
      for (const part of word.matchAll(CJK_RUNS)) {
        if (CJK_CHAR.test(part[0])) pushCjkBigrams(terms, part[0]);
        else pushWord(terms, part[0]);
      }
    }
    return terms;
  };
}

/** The analyzer with default settings (Snowball English stopwords, Porter2). */
export const defaultAnalyzer: Analyzer = createAnalyzer();
