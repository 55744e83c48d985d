/**
 * The /advise rules, table-driven: each row is a channel's measurements and the lever the decision
 * tree should pick (the scenarios of issue 9). Figures are checked for their labels and against the
 * measurements they come from.
 */
import { advise, LONG_PREFIX_TOKENS, PAYBACK_MONTHS, renderAdvice, type AdviceInput, type EvaluationInput, type Lever } from '../../../src/core/advice/advise';
import type { LeverRow } from '../../../src/core/evaluation/runner';
import { testConfig } from '../../helpers/app';

const config = testConfig();
const mini = config.prices['gpt-4o-mini']!;
const miniFacts = config.modelInfo['gpt-4o-mini']!;

/** A busy, well-served channel: 200 requests a day for 30 days, a long prefix, a fine-tunable model. */
function channel(change: (input: MutableInput) => void = () => undefined): AdviceInput {
  const requests = 6000;
  const input: MutableInput = {
    measured: {
      days: 30,
      requests,
      estimatedRequests: 0,
      promptTokens: requests * 1700,
      cachedTokens: requests * 1024,
      completionTokens: requests * 80,
      prefixTokens: requests * 1500,
      examplesTokens: requests * 1000,
      p50ByRoute: { prompt: 900 },
    },
    signals: { questions: 100, unsourced: 5, kbMisses: 0, autoFallbacks: 0 },
    channel: { model: 'gpt-4o-mini', examples: 20, hasKnowledge: false, route: 'prompt', evaluationCases: 0 },
    trainingSet: { examples: 20, tokens: 20_000 },
    pricing: {
      current: mini,
      ...(miniFacts.fineTuned ? { fineTuned: miniFacts.fineTuned } : {}),
      ...(miniFacts.training !== undefined ? { training: miniFacts.training } : {}),
    },
    fineTuning: { fineTunable: true, source: 'config/models.json' },
    today: '2026-12-01',
    settings: config.advice,
  };
  change(input);
  return input;
}

type MutableInput = {
  -readonly [K in keyof AdviceInput]: AdviceInput[K] extends object ? { -readonly [P in keyof AdviceInput[K]]: AdviceInput[K][P] } : AdviceInput[K];
};

/** Scale the request count (and every per-request sum with it) to `requests` over `days`. */
function volume(input: MutableInput, requests: number, days = 30): void {
  const m = input.measured;
  const per = (total: number) => (total / m.requests) * requests;
  input.measured = {
    ...m,
    days,
    requests,
    promptTokens: per(m.promptTokens),
    cachedTokens: per(m.cachedTokens),
    completionTokens: per(m.completionTokens),
    prefixTokens: per(m.prefixTokens),
    examplesTokens: per(m.examplesTokens),
  };
}

const ROWS: ReadonlyArray<readonly [string, Lever, AdviceInput, RegExp]> = [
  [
    'a new channel with a few requests',
    'prompt',
    channel((c) => volume(c, 4, 1)),
    new RegExp(`has 4 requests so far; advice from measurements needs ${config.advice.minRequests - 4} more`),
  ],
  [
    'answers get 👎 and there are no examples',
    'few-shot',
    channel((c) => {
      volume(c, 300);
      c.measured = { ...c.measured, prefixTokens: 300 * 200, examplesTokens: 0, promptTokens: 300 * 400, cachedTokens: 0 };
      c.channel = { ...c.channel, examples: 0 };
      c.trainingSet = { examples: 0, tokens: 0 };
      c.feedback = { up: 4, down: 6, downOnQuestions: 0, downUnsourced: 0, byRoute: { prompt: { up: 4, down: 6 } } };
    }),
    /60% of the votes on this channel's answers are 👎, and it has no few-shot examples yet/,
  ],
  [
    'questions miss the knowledge base (even with a long prefix at volume: never fine-tune)',
    'rag',
    channel((c) => {
      c.signals = { questions: 100, unsourced: 45, kbMisses: 45, autoFallbacks: 40 };
      c.channel = { ...c.channel, hasKnowledge: true };
    }),
    /45% of this channel's 100 knowledge questions got no source \(45 knowledge-base misses\).*not facts/s,
  ],
  ['a long prefix at high volume with a fine-tunable model', 'fine-tune', channel(), /above the break-even of [\d,]+ requests a month/],
  [
    'the same with a model that can no longer be fine-tuned',
    'keep',
    channel((c) => {
      c.channel = { ...c.channel, model: 'gpt-3.5-turbo-0613' };
      c.fineTuning = { fineTunable: false, shutdownDate: '2024-09-13', source: 'config/models.json' };
    }),
    /gpt-3\.5-turbo-0613 can no longer be fine-tuned \(its shutdown date is 2024-09-13, per config\/models\.json\), so fine-tuning is not an option/,
  ],
  [
    'a fine-tunable model past its shutdown date',
    'keep',
    channel((c) => (c.fineTuning = { fineTunable: true, shutdownDate: '2026-06-30', source: 'GET /models' })),
    /can no longer be fine-tuned \(its shutdown date is 2026-06-30, per GET \/models\)/,
  ],
  ['low volume with a long prefix', 'keep', channel((c) => volume(c, 300)), /below the fine-tune's break-even of [\d,]+ requests a month/],
];

/** The advice picks `lever`, says `why` in two or three sentences, and labels every figure. */
function expectAdvice(input: AdviceInput, lever: Lever, why: RegExp): string {
  const advice = advise(input);
  expect(advice.recommendation).toBe(lever);
  expect(advice.why.join(' ')).toMatch(why);
  expect(advice.why.length).toBeGreaterThanOrEqual(2);
  expect(advice.why.length).toBeLessThanOrEqual(3);
  const text = renderAdvice(advice);
  expect(text.split('\n').filter((line) => line.startsWith('Recommendation:'))).toEqual([`Recommendation: ${lever}`]);
  for (const line of text.split('\n').filter((l) => l.startsWith('• '))) expect(line).toMatch(/\((measured|estimated)\)$/);
  return text;
}

describe('advise', () => {
  it.each(ROWS)('%s → %s', (_name, lever, input, why) => {
    expectAdvice(input, lever, why);
    if (lever !== 'fine-tune' && input.measured.prefixTokens / input.measured.requests >= LONG_PREFIX_TOKENS)
      expect(advise(input).recommendation).not.toBe('fine-tune');
  });

  it('the fine-tune row states the training cost and a break-even the measured volume reaches, and the low-volume row does not reach', () => {
    const busy = advise(channel());
    const quiet = advise(channel((c) => volume(c, 300)));
    const breakEven = busy.breakEvenPerMonth!;
    expect(breakEven).toBeGreaterThan(300);
    expect(breakEven).toBeLessThanOrEqual(6000);
    expect(quiet.breakEvenPerMonth).toBe(breakEven); // the same per-request saving: only the volume differs
    const text = renderAdvice(busy);
    const training = (20_000 * config.advice.epochs * miniFacts.training!) / 1_000_000;
    expect(text).toContain(`• one-time training cost (× ${config.advice.epochs} epochs): $${training.toFixed(4)} (estimated)`);
    expect(text).toContain(
      `• break-even volume (training repaid in ${PAYBACK_MONTHS} months): ${breakEven.toLocaleString('en-US')} requests/month, against 6,000 now (estimated)`,
    );
    // The break-even is where the saving over PAYBACK_MONTHS equals the training cost.
    const hit = 1024 / 1700;
    const ft = miniFacts.fineTuned!;
    const now = (1700 * (hit * mini.cachedInput + (1 - hit) * mini.input) + 80 * mini.output) / 1e6;
    const tuned = ((config.advice.fineTunedPromptTokens + 200) * ft.input + 80 * ft.output) / 1e6;
    expect(breakEven).toBe(Math.ceil(training / (PAYBACK_MONTHS * (now - tuned))));
  });

  it('labels figures from measured calls measured, projections estimated, and everything estimated once an estimated call is in', () => {
    const measured = renderAdvice(advise(channel()));
    expect(measured).toContain('• requests per day: 200 (measured)');
    expect(measured).toContain('• prefix tokens per request (persona + examples): 1,500 (measured)');
    expect(measured).toContain('• share of the prefix taken by few-shot examples: 66.7% (measured)');
    expect(measured).toContain(`• cache hit rate: ${((1024 / 1700) * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}% (measured)`);
    expect(measured).toContain('• completion tokens per request: 80 (measured)');
    expect(measured).toContain('• p50 latency, prompt: 900 ms (measured)');
    expect(measured).toMatch(/• monthly prefix cost: \$[\d.]+ \(estimated\)/);
    expect(measured).toContain('• knowledge questions answered with no source: 5 of 100 (measured)');

    const estimated = renderAdvice(advise(channel((c) => (c.measured = { ...c.measured, estimatedRequests: 1 }))));
    expect(estimated).toContain('• requests per day: 200 (estimated)');
    expect(estimated).toContain('• cache hit rate: 60.2% (estimated)');
  });

  it('the monthly prefix cost is the measured prefix at the measured volume and hit rate', () => {
    const advice = advise(channel());
    const hit = 1024 / 1700;
    const expected = 200 * config.advice.daysPerMonth * ((1500 * (hit * mini.cachedInput + (1 - hit) * mini.input)) / 1e6);
    expect(advice.figures.find((f) => f.label === 'monthly prefix cost')?.value).toBe(`$${expected.toFixed(expected < 1 ? 4 : 2)}`);
  });
});

type Scores = readonly [LeverRow['lever'], number, number, number, (readonly [number, number, number])?];

/** A last evaluation of 24 cases with these levers' scores (mean, low, high; a judge's when given), best first. */
function evaluated(rows: readonly Scores[], conclusive = true, notConclusiveWhy?: string): EvaluationInput {
  const interval = (mean: number, low: number, high: number) => ({ mean, low, high });
  return {
    at: '2026-11-30T09:00:00.000Z',
    cases: 24,
    rows: rows.map(([lever, mean, low, high, judge]) => ({
      lever,
      cases: 24,
      scored: 24,
      score: interval(mean, low, high),
      ...(judge ? { judge: interval(...judge) } : {}),
      costPerAnswer: 0.0001,
      p50LatencyMs: 300,
      invalidCitations: 0,
    })),
    best: rows[0]![0],
    conclusive,
    ...(notConclusiveWhy ? { notConclusiveWhy } : {}),
  };
}

/** Too few requests: the tree alone says `prompt`. */
const young = (change: (input: MutableInput) => void) =>
  channel((c) => {
    volume(c, 4, 1);
    change(c);
  });
/** A quiet channel answering with its examples: the tree says `keep` (the current lever is `fewshot`). */
const quiet = (change: (input: MutableInput) => void) =>
  channel((c) => {
    volume(c, 300);
    change(c);
  });

const EVALUATION_ROWS: ReadonlyArray<readonly [string, Lever, AdviceInput, RegExp]> = [
  [
    'a conclusive evaluation with a lever clear above the tree’s next one recommends it, with both scores',
    'few-shot',
    young(
      (c) =>
        (c.evaluation = evaluated([
          ['fewshot', 0.82, 0.74, 0.9],
          ['prompt', 0.41, 0.3, 0.52],
        ])),
    ),
    /^The last evaluation measured the levers: fewshot scored 0\.82 \[0\.74–0\.90\] vs prompt 0\.41 \[0\.30–0\.52\] on 24 cases \(measured\), intervals apart, so fewshot is recommended over prompt, where the usage figures alone pointed\. .*\/fewshot add.* has 4 requests so far/,
  ],
  [
    'against `keep`, the lever the channel answers with now is what the evaluation must beat',
    'rag',
    quiet(
      (c) =>
        (c.evaluation = evaluated([
          ['rag', 0.9, 0.8, 1],
          ['fewshot', 0.4, 0.3, 0.5],
          ['prompt', 0.1, 0, 0.2],
        ])),
    ),
    /rag scored 0\.90 \[0\.80–1\.00\] vs fewshot 0\.40 \[0\.30–0\.50\] on 24 cases \(measured\).*\/route rag/,
  ],
  [
    'a judged run is read by its judge scores',
    'few-shot',
    young(
      (c) =>
        (c.evaluation = evaluated([
          ['fewshot', 0.6, 0.4, 0.8, [0.9, 0.8, 1]],
          ['prompt', 0.5, 0.3, 0.7, [0.2, 0.1, 0.3]],
        ])),
    ),
    /fewshot scored 0\.90 \[0\.80–1\.00\] vs prompt 0\.20 \[0\.10–0\.30\]/,
  ],
  [
    'a conclusive evaluation that agrees with the tree says so',
    'fine-tune',
    channel(
      (c) =>
        (c.evaluation = evaluated([
          ['finetune', 0.9, 0.85, 0.95],
          ['fewshot', 0.6, 0.5, 0.7],
        ])),
    ),
    /above the break-even .* The last evaluation agrees: finetune scored 0\.90 \[0\.85–0\.95\] vs fewshot 0\.60 \[0\.50–0\.70\] on 24 cases \(measured\)\.$/,
  ],
  [
    'a best lever whose interval overlaps the tree’s lever does not change the recommendation',
    'keep',
    quiet(
      (c) =>
        (c.evaluation = evaluated([
          ['rag', 0.8, 0.7, 0.9],
          ['finetune', 0.5, 0.4, 0.6],
          ['fewshot', 0.45, 0.1, 0.75],
        ])),
    ),
    /In the last evaluation rag did not score clearly above fewshot: rag scored 0\.80 \[0\.70–0\.90\] vs fewshot 0\.45 \[0\.10–0\.75\] on 24 cases \(measured\), so the usual order stands\./,
  ],
  [
    'a not conclusive evaluation keeps the tree’s order and says why',
    'prompt',
    young(
      (c) =>
        (c.evaluation = evaluated(
          [
            ['fewshot', 0.82, 0.74, 0.9],
            ['prompt', 0.41, 0.3, 0.52],
          ],
          false,
          'fewer than 10 cases',
        )),
    ),
    /The last evaluation \(24 cases\) was not conclusive \(fewer than 10 cases\), so the usual order prompt → few-shot → RAG → fine-tune stands\./,
  ],
  [
    'no evaluation yet with 10 cases or more: suggests /eval run',
    'fine-tune',
    channel((c) => (c.channel = { ...c.channel, evaluationCases: 12 })),
    /This channel has 12 evaluation cases: \/eval run scores the levers side by side on them/,
  ],
  [
    '👎 on knowledge questions answered without a source point to rag',
    'rag',
    channel((c) => (c.feedback = { up: 10, down: 10, downOnQuestions: 8, downUnsourced: 6, byRoute: { prompt: { up: 10, down: 10 } } })),
    /30% of the votes on this channel's answers are 👎 on knowledge questions answered without a source.*not facts/,
  ],
  [
    '👎 on answers that cited sources are no sign for rag',
    'fine-tune',
    channel((c) => (c.feedback = { up: 10, down: 10, downOnQuestions: 8, downUnsourced: 1, byRoute: { rag: { up: 10, down: 10 } } })),
    /above the break-even/,
  ],
];

describe('advise with the last evaluation and the votes', () => {
  it.each(EVALUATION_ROWS)('%s → %s', (_name, lever, input, why) => {
    expectAdvice(input, lever, why);
  });

  it('shows the evaluation and the votes by route as measured figures', () => {
    const text = renderAdvice(
      advise(
        channel((c) => {
          c.evaluation = evaluated([
            ['fewshot', 0.82, 0.74, 0.9],
            ['prompt', 0.41, 0.3, 0.52],
          ]);
          c.feedback = { up: 3, down: 2, downOnQuestions: 1, downUnsourced: 1, byRoute: { prompt: { up: 2, down: 2 }, rag: { up: 1, down: 0 } } };
        }),
      ),
    );
    expect(text).toContain('• last evaluation (24 cases, 2026-11-30): fewshot 0.82 [0.74–0.90] · prompt 0.41 [0.30–0.52]; best fewshot (measured)');
    expect(text).toContain('• votes by route: prompt 👍 2 · 👎 2, rag 👍 1 · 👎 0 (measured)');
    expect(text).toContain('• 👎 on answers to knowledge questions: 1, 1 of them with no source (measured)');
  });

  it('with no evaluation and fewer than 10 cases, says how many a conclusive run needs and adds no sentence', () => {
    const advice = advise(channel((c) => (c.channel = { ...c.channel, evaluationCases: 4 })));
    expect(renderAdvice(advice)).toContain('• last evaluation: none run; 4 cases (a conclusive run needs 10) (measured)');
    expect(advice.why).toEqual(advise(channel()).why);
    expect(advice.why.join(' ')).not.toContain('/eval');
  });
});
