/** The evaluation's scoring pieces on their own: normalisation, similarity, judge order, the interval. */
import {
  bootstrapInterval,
  citationsValid,
  exactMatch,
  isShortAnswer,
  normalise,
  pairwisePrompt,
  pairwiseWinner,
  parseJudgeScore,
  seededRandom,
  similarity,
} from '../../../src/core/evaluation/scoring';
import { rankRows, type LeverRow } from '../../../src/core/evaluation/runner';
import { fakeEmbedding } from '../../helpers/fake-openai';

describe('evaluation scoring', () => {
  it('matches exactly after normalising case, punctuation, articles, citations and spaces', () => {
    expect(normalise('  The  Third floor! [1]')).toBe('third floor');
    expect(exactMatch('Paris.', 'paris')).toBe(1);
    expect(exactMatch('It is Paris.', 'Paris')).toBe(0);
    expect(exactMatch('Ahoy, matey', 'Ahoy matey')).toBe(1);
  });

  it('uses exact match only for one-line expected answers of at most 80 characters', () => {
    expect(isShortAnswer('x'.repeat(80))).toBe(true);
    expect(isShortAnswer('x'.repeat(81))).toBe(false);
    expect(isShortAnswer('two\nlines')).toBe(false);
  });

  it('scores similar texts higher than unrelated ones by embedding similarity', () => {
    const e = (t: string) => fakeEmbedding(t, 256);
    const expected = e('Reset your password from the account page, then sign in again with the new one.');
    const close = similarity(e('Go to the account page to reset your password, then sign in again.'), expected);
    const far = similarity(e('The canteen opens at noon on weekdays.'), expected);
    expect(close).toBeGreaterThan(0.5);
    expect(far).toBeLessThan(close / 2);
    expect(similarity(expected, expected)).toBeCloseTo(1, 10);
    expect(similarity([1, 0], [-1, 0])).toBe(0);
  });

  it('checks that every citation names a passage that was sent', () => {
    expect(citationsValid('Yes [1][2].', 2)).toBe(true);
    expect(citationsValid('Yes [3].', 2)).toBe(false);
    expect(citationsValid('Yes [0].', 2)).toBe(false);
    expect(citationsValid('No citations.', 0)).toBe(true);
  });

  it('reads the judge score and the pairwise winner, undoing the random order', () => {
    expect(parseJudgeScore('8')).toBe(0.8);
    expect(parseJudgeScore('Score: 12')).toBe(1);
    expect(parseJudgeScore('no idea')).toBeUndefined();
    expect(pairwiseWinner('A', false)).toBe('first');
    expect(pairwiseWinner('A', true)).toBe('second');
    expect(pairwiseWinner('b', true)).toBe('first');
    expect(pairwiseWinner('TIE', false)).toBe('tie');
  });

  it('shows the two answers in a seeded random order: about half swapped, the same for the same seed', () => {
    const order = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 200 }, () => pairwisePrompt('q', 'e', 'FIRST', 'SECOND', random));
    };
    const runs = order(7);
    expect(runs.map((r) => r.swapped)).toEqual(order(7).map((r) => r.swapped));
    const swapped = runs.filter((r) => r.swapped);
    expect(swapped.length).toBeGreaterThan(80);
    expect(swapped.length).toBeLessThan(120);
    for (const r of runs) {
      const a = r.prompt.indexOf('Answer A:\nFIRST') >= 0;
      expect(a).toBe(!r.swapped);
    }
  });

  it('gives the right 95% bootstrap interval on a known sample', () => {
    // 100 cases, half right: the mean's standard error is 0.05, so the interval is about 0.40–0.60.
    const scores = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const interval = bootstrapInterval(scores, 4000, 1);
    expect(interval.mean).toBe(0.5);
    expect(interval.low).toBeGreaterThan(0.38);
    expect(interval.low).toBeLessThan(0.42);
    expect(interval.high).toBeGreaterThan(0.58);
    expect(interval.high).toBeLessThan(0.62);
    expect(bootstrapInterval([1, 1, 1], 500, 3)).toEqual({ mean: 1, low: 1, high: 1 });
  });

  it('ranks by score, breaking ties by cost per answer', () => {
    const row = (lever: LeverRow['lever'], mean: number, cost: number): LeverRow => ({
      lever,
      cases: 10,
      scored: 10,
      score: { mean, low: mean, high: mean },
      costPerAnswer: cost,
      p50LatencyMs: 1,
      invalidCitations: 0,
    });
    expect(rankRows([row('rag', 0.9, 0.02), row('finetune', 0.9, 0.01), row('prompt', 0.95, 0.5)]).map((r) => r.lever)).toEqual(['prompt', 'finetune', 'rag']);
  });
});
