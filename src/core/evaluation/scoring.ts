/**
 * How an evaluation scores answers (SPEC §8): normalised exact match for short expected answers,
 * embedding similarity for longer ones, a model judge on request; a bootstrap interval over cases.
 * Pure functions, each tested on its own; randomness comes from a seeded generator so a run can be
 * repeated and its judge order recorded.
 */

/** Expected answers this short are scored by exact match (one line, at most 80 characters). */
export const SHORT_ANSWER_CHARS = 80;

export function isShortAnswer(expected: string): boolean {
  const text = expected.trim();
  return !text.includes('\n') && text.length <= SHORT_ANSWER_CHARS;
}

/**
 * Lower case, citations (`[1]`), punctuation, articles and extra spaces removed: "The answer is
 * Paris." and "paris" differ, "Paris." and "paris" do not.
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\[\d+\]/g, ' ')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function exactMatch(answer: string, expected: string): number {
  return normalise(answer) === normalise(expected) ? 1 : 0;
}

/** Cosine similarity clamped to 0–1 (opposite vectors score 0, not −1). */
export function similarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(0, Math.min(1, dot / Math.sqrt(na * nb)));
}

/** Every `[n]` of a RAG answer names a passage that was sent (1 to `sent`). */
export function citationsValid(answer: string, sent: number): boolean {
  return [...answer.matchAll(/\[(\d+)\]/g)].every((m) => {
    const n = Number(m[1]);
    return n >= 1 && n <= sent;
  });
}

/** mulberry32: small, fast and seedable; enough for resampling and coin flips. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** Percentile bootstrap of the mean: `samples` resamples of the cases with replacement, 2.5th and 97.5th percentiles. */
export function bootstrapInterval(scores: readonly number[], samples: number, seed: number): Interval {
  if (scores.length === 0) return { mean: 0, low: 0, high: 0 };
  const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
  const random = seededRandom(seed);
  const means: number[] = [];
  for (let b = 0; b < samples; b += 1) {
    let sum = 0;
    for (let i = 0; i < scores.length; i += 1) sum += scores[Math.floor(random() * scores.length)] ?? 0;
    means.push(sum / scores.length);
  }
  means.sort((x, y) => x - y);
  const at = (q: number) => means[Math.min(means.length - 1, Math.max(0, Math.floor(q * means.length)))] ?? mean;
  return { mean, low: at(0.025), high: at(0.975) };
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.low <= b.high && b.low <= a.high;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The judge's instructions: it grades, it does not answer. */
export const JUDGE_SYSTEM =
  'You grade a chat assistant. Compare the answer with the expected answer for the same question and reply with only a score from 0 (wrong) to 10 (as good as expected).';
export const PAIRWISE_SYSTEM =
  'You compare two answers of a chat assistant with the expected answer for the same question. Reply with only A, B or TIE: the answer closer to the expected one.';

export function judgePrompt(question: string, expected: string, answer: string): string {
  return `Question:\n${question}\n\nExpected answer:\n${expected}\n\nAnswer:\n${answer}`;
}

/** A reply of the judge as a 0–1 score; undefined when it gave no number. */
export function parseJudgeScore(reply: string): number | undefined {
  const match = /\d+(?:\.\d+)?/.exec(reply);
  if (!match) return undefined;
  return Math.max(0, Math.min(10, Number(match[0]))) / 10;
}

/**
 * Pairwise: the two answers in an order drawn from `random` (recorded, so a position bias of the
 * judge cancels out over the cases rather than favouring one lever).
 */
export function pairwisePrompt(
  question: string,
  expected: string,
  first: string,
  second: string,
  random: () => number,
): { readonly prompt: string; readonly swapped: boolean } {
  const swapped = random() < 0.5;
  const [a, b] = swapped ? [second, first] : [first, second];
  return { prompt: `Question:\n${question}\n\nExpected answer:\n${expected}\n\nAnswer A:\n${a}\n\nAnswer B:\n${b}`, swapped };
}

/** Which of the two (in the caller's order) the judge preferred, undoing the swap. */
export function pairwiseWinner(reply: string, swapped: boolean): 'first' | 'second' | 'tie' {
  const word = /\b(A|B|TIE)\b/i.exec(reply)?.[1]?.toUpperCase();
  if (word === 'A') return swapped ? 'second' : 'first';
  if (word === 'B') return swapped ? 'first' : 'second';
  return 'tie';
}
