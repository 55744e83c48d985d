/**
 * `/advise`: the decision tree of SPEC §8 applied to what a channel measured. One pure function,
 * `advise`, takes every number it needs (gathered by `gather.ts`) and returns the figures, each
 * labelled measured or estimated, the recommended lever and why. The rules, in the order they are
 * tried — the first that applies decides:
 *
 * 1. **Too little data** (fewer than `minRequests` requests in the window): `prompt` — work on the
 *    persona first — and say how many more requests measured advice needs.
 * 2. **Facts are missing** (at least `RAG_MIN_QUESTIONS` knowledge questions and at least
 *    `RAG_SHARE` of them answered with no source, or at least that share of knowledge-base
 *    misses, or 👎 on answers to questions): `rag`. Never fine-tuning: a fine-tune teaches style
 *    and format, not facts.
 * 3. **Zero-shot falls short** (at least `FEEDBACK_MIN_VOTES` votes and `FEEDBACK_DOWN_SHARE` of
 *    them 👎) with no examples yet: `few-shot`.
 * 4. **A long prefix at volume** (prefix of at least `LONG_PREFIX_TOKENS` tokens per request):
 *    - and the model can be fine-tuned and the measured volume reaches the break-even volume:
 *      `fine-tune`, with the one-time training cost and the break-even figure;
 *    - and the model cannot be fine-tuned (not in the table, or past its shutdown date): `keep`,
 *      saying why, and that `/fewshot mode auto <k>` trims the prefix;
 *    - with fewer than `MIN_TRAINING_EXAMPLES` in the training set: `keep`, until there are;
 *    - below the break-even volume: `keep` (the prefix costs less than a fine-tune would).
 *    The break-even volume is the requests per month at which what a fine-tuned model with a short
 *    prompt saves per request (at the measured cache hit rate, history and completion length)
 *    repays the one-time training cost (training-set tokens × epochs × training price) within
 *    `PAYBACK_MONTHS`.
 * 5. 👎 with examples already: `few-shot` (better or more examples), else `keep`.
 *
 * Then the last evaluation (`/eval run`) is read against the tree's lever (for `keep`, the lever the
 * channel uses now): when it is conclusive and another lever scored above that one with intervals
 * that do not overlap, that lever is recommended instead — measured beats inferred — and the
 * sentences quote both scores. A conclusive evaluation that agrees, one that is not conclusive (the
 * tree's order stands) and a channel with enough cases but no run yet each add one sentence.
 *
 * Feedback votes and the evaluation are optional inputs; absent they count as no signal. The
 * training set is the few-shot examples for now.
 */
import type { EvalLever } from '../commands/types';
import { formatInterval } from '../evaluation/report';
import { CONCLUSIVE_CASES, leverScore, type EvalReport, type LeverRow } from '../evaluation/runner';
import { overlaps } from '../evaluation/scoring';
import type { FeedbackCounts } from '../feedback/feedback';
import { formatUsd, type ModelPrice } from '../prompt/cost';
import type { Route } from '../types';

export type Lever = 'prompt' | 'few-shot' | 'rag' | 'fine-tune' | 'keep';
export type Basis = 'measured' | 'estimated';

export interface AdviceSettings {
  readonly minRequests: number;
  readonly epochs: number;
  /** Prompt tokens per request left for a fine-tuned model with a short prompt. */
  readonly fineTunedPromptTokens: number;
  readonly daysPerMonth: number;
}

export interface AdviceInput {
  /** Measured over the window (the last 30 days, or fewer when the channel is newer). */
  readonly measured: {
    /** Days from the channel's first recorded request in the window to today, at least 1. */
    readonly days: number;
    readonly requests: number;
    /** Requests whose figures were estimated (no usage from the server, or offline). */
    readonly estimatedRequests: number;
    readonly promptTokens: number;
    readonly cachedTokens: number;
    readonly completionTokens: number;
    /** Summed over requests: the system + examples prefix and the examples' part of it. */
    readonly prefixTokens: number;
    readonly examplesTokens: number;
    /** Median latency by route, ms. */
    readonly p50ByRoute: Readonly<Record<string, number>>;
  };
  readonly signals: { readonly questions: number; readonly unsourced: number; readonly kbMisses: number; readonly autoFallbacks: number };
  /** 👍 / 👎 on the channel's answers over the window; absent: not collected. */
  readonly feedback?: FeedbackCounts;
  /** The channel's last `/eval run` report; absent: none run. */
  readonly evaluation?: EvaluationInput;
  readonly channel: {
    readonly model: string;
    readonly examples: number;
    readonly hasKnowledge: boolean;
    readonly route: Route;
    /** Cases an `/eval run` would have (its cases, else the held-out examples). */
    readonly evaluationCases: number;
  };
  /** The training set (the few-shot examples for now): how many and their tokens (chat format). */
  readonly trainingSet: { readonly examples: number; readonly tokens: number };
  readonly pricing: {
    /** The configured model's price. */
    readonly current: ModelPrice;
    /** What a fine-tuned model of it costs to use; absent: as `current`. */
    readonly fineTuned?: ModelPrice;
    /** USD per 1M training tokens; absent: not fine-tunable. */
    readonly training?: number;
  };
  readonly fineTuning: { readonly fineTunable: boolean; readonly shutdownDate?: string; readonly source: string };
  /** YYYY-MM-DD: compared with the shutdown date. */
  readonly today: string;
  readonly settings: AdviceSettings;
}

export type EvaluationInput = Pick<EvalReport, 'at' | 'cases' | 'rows' | 'best' | 'conclusive' | 'notConclusiveWhy'>;

export interface Figure {
  readonly label: string;
  readonly value: string;
  readonly basis: Basis;
}

export interface Advice {
  readonly figures: readonly Figure[];
  readonly recommendation: Lever;
  /** Two or three sentences. */
  readonly why: readonly string[];
  /** Set when the data is too thin: requests still needed. */
  readonly needMoreRequests?: number;
  /** Requests per month at which a fine-tune pays for itself (when one is possible). */
  readonly breakEvenPerMonth?: number;
}

export const RAG_MIN_QUESTIONS = 5;
export const RAG_SHARE = 0.3;
export const FEEDBACK_MIN_VOTES = 5;
export const FEEDBACK_DOWN_SHARE = 0.25;
export const LONG_PREFIX_TOKENS = 1000;
/** Months a fine-tune's one-time training cost is spread over in the break-even. */
export const PAYBACK_MONTHS = 3;
/** The smallest training set OpenAI's fine-tuning accepts. */
export const MIN_TRAINING_EXAMPLES = 10;

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const pct = (share: number) => `${n(share * 100, 1)}%`;

/** USD per request of `tokens` prompt tokens, a share `hitRate` of them cached, at `price`. */
function promptCost(tokens: number, hitRate: number, price: ModelPrice): number {
  return (tokens * (hitRate * price.cachedInput + (1 - hitRate) * price.input)) / 1_000_000;
}

/** The advice: the decision tree's, then read against the last evaluation. */
export function advise(input: AdviceInput): Advice {
  return withEvaluation(input, treeAdvice(input));
}

function treeAdvice(input: AdviceInput): Advice {
  const { measured: m, signals: s, settings } = input;
  // Any estimated call makes the figures drawn from it estimates too.
  const observed: Basis = m.estimatedRequests > 0 ? 'estimated' : 'measured';
  const requests = Math.max(m.requests, 0);
  const perDay = requests / Math.max(m.days, 1);
  const perMonth = perDay * settings.daysPerMonth;
  const prefix = requests ? m.prefixTokens / requests : 0;
  const examplesShare = m.prefixTokens ? m.examplesTokens / m.prefixTokens : 0;
  const hitRate = m.promptTokens ? Math.min(1, m.cachedTokens / m.promptTokens) : 0;
  const completion = requests ? m.completionTokens / requests : 0;
  const restPrompt = requests ? Math.max(0, m.promptTokens / requests - prefix) : 0;
  const prefixMonthly = perMonth * promptCost(prefix, hitRate, input.pricing.current);

  const figures: Figure[] = [
    { label: 'requests per day', value: n(perDay, 1), basis: observed },
    { label: 'prefix tokens per request (persona + examples)', value: n(prefix), basis: observed },
    { label: 'share of the prefix taken by few-shot examples', value: pct(examplesShare), basis: observed },
    { label: 'monthly prefix cost', value: formatUsd(prefixMonthly), basis: 'estimated' },
    { label: 'cache hit rate', value: pct(hitRate), basis: observed },
    { label: 'completion tokens per request', value: n(completion), basis: observed },
  ];
  for (const [route, ms] of Object.entries(m.p50ByRoute)) figures.push({ label: `p50 latency, ${route}`, value: `${n(ms)} ms`, basis: 'measured' });
  figures.push(
    { label: 'knowledge questions answered with no source', value: `${n(s.unsourced)} of ${n(s.questions)}`, basis: 'measured' },
    { label: 'knowledge-base misses', value: n(s.kbMisses), basis: 'measured' },
    { label: 'auto falling back to prompt on questions', value: n(s.autoFallbacks), basis: 'measured' },
  );
  if (input.feedback) figures.push(...feedbackFigures(input.feedback));

  // A shutdown ahead is shown, so the admin can plan (the channel is also warned 30 and 7 days before).
  if (input.fineTuning.shutdownDate !== undefined && input.fineTuning.shutdownDate > input.today) {
    figures.push({
      label: 'model shutdown date',
      value: `${input.fineTuning.shutdownDate} (per ${input.fineTuning.source})`,
      basis: input.fineTuning.source === 'GET /models' ? 'measured' : 'estimated',
    });
  }

  // The one-time training cost and the break-even volume, when the model can be fine-tuned.
  const shutDown = input.fineTuning.shutdownDate !== undefined && input.fineTuning.shutdownDate <= input.today;
  const canFineTune = input.fineTuning.fineTunable && !shutDown && input.pricing.training !== undefined;
  let breakEvenPerMonth: number | undefined;
  const setTooSmall = input.trainingSet.examples < MIN_TRAINING_EXAMPLES;
  if (canFineTune && setTooSmall) {
    figures.push({
      label: 'training set',
      value: `${n(input.trainingSet.examples)} example${input.trainingSet.examples === 1 ? '' : 's'} (fine-tuning needs at least ${MIN_TRAINING_EXAMPLES})`,
      basis: 'measured',
    });
  } else if (canFineTune && input.pricing.training !== undefined) {
    const trainingCost = (input.trainingSet.tokens * settings.epochs * input.pricing.training) / 1_000_000;
    const ft = input.pricing.fineTuned ?? input.pricing.current;
    const nowPerRequest = promptCost(prefix + restPrompt, hitRate, input.pricing.current) + (completion * input.pricing.current.output) / 1_000_000;
    const ftPerRequest = promptCost(settings.fineTunedPromptTokens + restPrompt, 0, ft) + (completion * ft.output) / 1_000_000;
    const saving = nowPerRequest - ftPerRequest;
    figures.push(
      { label: `training set (${n(input.trainingSet.examples)} examples)`, value: `${n(input.trainingSet.tokens)} tokens`, basis: 'measured' },
      { label: `one-time training cost (× ${settings.epochs} epochs)`, value: formatUsd(trainingCost), basis: 'estimated' },
    );
    if (saving > 0) {
      breakEvenPerMonth = Math.ceil(trainingCost / (PAYBACK_MONTHS * saving));
      figures.push({
        label: `break-even volume (training repaid in ${PAYBACK_MONTHS} months)`,
        value: `${n(breakEvenPerMonth)} requests/month, against ${n(perMonth)} now`,
        basis: 'estimated',
      });
    } else {
      figures.push({ label: 'break-even volume', value: 'never: a fine-tuned model would cost more per request', basis: 'estimated' });
    }
  }
  const done = (recommendation: Lever, why: string[], extra: Partial<Advice> = {}): Advice => ({
    figures,
    recommendation,
    why,
    ...(breakEvenPerMonth !== undefined ? { breakEvenPerMonth } : {}),
    ...extra,
  });

  // 1. Too little data.
  if (requests < settings.minRequests) {
    const more = settings.minRequests - requests;
    return done(
      'prompt',
      [
        `This channel has ${n(requests)} request${requests === 1 ? '' : 's'} so far; advice from measurements needs ${n(more)} more.`,
        'Until then the cheapest lever is the prompt: make the persona say who the bot is for, what it answers and how (/persona set).',
      ],
      { needMoreRequests: more },
    );
  }

  // 2. Facts missing: RAG, never a fine-tune.
  const unsourcedShare = share(s.unsourced, s.questions);
  const missShare = share(s.kbMisses, s.questions);
  const votes = input.feedback ? input.feedback.up + input.feedback.down : 0;
  const downOnFacts = input.feedback ? share(input.feedback.downUnsourced, votes) : 0;
  const sourcesMissing = unsourcedShare >= RAG_SHARE || missShare >= RAG_SHARE;
  if (s.questions >= RAG_MIN_QUESTIONS && (sourcesMissing || downOnFacts >= FEEDBACK_DOWN_SHARE)) {
    return done('rag', [
      sourcesMissing
        ? `${pct(Math.max(unsourcedShare, missShare))} of this channel's ${n(s.questions)} knowledge questions got no source${s.kbMisses ? ` (${n(s.kbMisses)} knowledge-base misses)` : ''}: the answers need facts the model does not have.`
        : `${pct(downOnFacts)} of the votes on this channel's answers are 👎 on knowledge questions answered without a source: the answers need facts the model does not have.`,
      input.channel.hasKnowledge
        ? 'Add the documents those questions are about with /kb add, and check what retrieval finds with /kb search.'
        : 'Give the channel a knowledge base with /kb add and answer questions from it with /route auto (or /route rag).',
      'Fine-tuning would not help here: it teaches style and format, not facts.',
    ]);
  }

  // 3. Zero-shot falls short.
  const fb = input.feedback;
  const downShare = fb ? share(fb.down, fb.up + fb.down) : 0;
  const unhappy = fb !== undefined && fb.up + fb.down >= FEEDBACK_MIN_VOTES && downShare >= FEEDBACK_DOWN_SHARE;
  if (unhappy && input.channel.examples === 0) {
    return done('few-shot', [
      `${pct(downShare)} of the votes on this channel's answers are 👎, and it has no few-shot examples yet.`,
      'Show the model a few good exchanges with /fewshot add <input> => <output> (or "Add as few-shot example" on a good answer): examples fix tone and format cheaply.',
    ]);
  }

  // 4. A long prefix: fine-tune at volume, when the model still can be.
  if (prefix >= LONG_PREFIX_TOKENS) {
    if (!canFineTune) {
      const why = shutDown
        ? `${input.channel.model} can no longer be fine-tuned (its shutdown date is ${input.fineTuning.shutdownDate}, per ${input.fineTuning.source})`
        : `${input.channel.model} cannot be fine-tuned (per ${input.fineTuning.source})`;
      return done('keep', [
        `The prefix is long (${n(prefix)} tokens per request, ${formatUsd(prefixMonthly)} a month) but ${why}, so fine-tuning is not an option.`,
        `Keep the current setup; to pay less, let the cache work (hit rate ${pct(hitRate)}) and send only the most relevant examples with /fewshot mode auto <k>.`,
      ]);
    }
    if (setTooSmall) {
      return done('keep', [
        `The prefix is long (${n(prefix)} tokens per request, ${formatUsd(prefixMonthly)} a month), but the training set has ${n(input.trainingSet.examples)} examples and a fine-tune needs at least ${MIN_TRAINING_EXAMPLES}.`,
        'Keep the current setup and collect good exchanges as examples; /advise will work out the fine-tune once there are enough.',
      ]);
    }
    if (breakEvenPerMonth !== undefined && perMonth >= breakEvenPerMonth) {
      return done('fine-tune', [
        `The prefix is ${n(prefix)} tokens per request at ${n(perMonth)} requests a month (${formatUsd(prefixMonthly)} a month), above the break-even of ${n(breakEvenPerMonth)} requests a month.`,
        `A fine-tuned ${input.channel.model} with a short prompt bakes the persona and the ${n(input.trainingSet.examples)} examples in and repays its training within ${PAYBACK_MONTHS} months.`,
        'Start it with /finetune start once /finetune status shows the training set is ready.',
      ]);
    }
    return done('keep', [
      `The prefix is long (${n(prefix)} tokens per request) but at ${n(perMonth)} requests a month it costs ${formatUsd(prefixMonthly)} a month, ${breakEvenPerMonth !== undefined ? `below the fine-tune's break-even of ${n(breakEvenPerMonth)} requests a month` : 'and a fine-tuned model would cost more per request'}.`,
      'Keep prompting with examples; /fewshot mode auto <k> trims the prefix if it grows.',
    ]);
  }

  // 5. Unhappy with examples already: better examples; otherwise nothing to change.
  if (unhappy) {
    return done('few-shot', [
      `${pct(downShare)} of the votes are 👎 although the channel has ${n(input.channel.examples)} examples.`,
      'Replace weak examples with answers people liked (/fewshot list, /fewshot remove, /fewshot add) before reaching for a costlier lever.',
    ]);
  }
  return done('keep', [
    `Nothing measured points to another lever: the prefix is ${n(prefix)} tokens per request, ${pct(unsourcedShare)} of questions went without a source, and the cache hit rate is ${pct(hitRate)}.`,
    'Keep the current setup and look again as usage grows.',
  ]);
}

/** The votes, and by route: 👍 and 👎 per route that answered. */
function feedbackFigures(feedback: FeedbackCounts): Figure[] {
  const votes = feedback.up + feedback.down;
  const routes = Object.entries(feedback.byRoute).filter(([, c]) => c.up + c.down > 0);
  return [
    { label: '👎 share of votes', value: `${pct(share(feedback.down, votes))} of ${n(votes)}`, basis: 'measured' },
    ...(routes.length > 0
      ? [{ label: 'votes by route', value: routes.map(([route, c]) => `${route} 👍 ${n(c.up)} · 👎 ${n(c.down)}`).join(', '), basis: 'measured' as const }]
      : []),
    {
      label: '👎 on answers to knowledge questions',
      value: `${n(feedback.downOnQuestions)}, ${n(feedback.downUnsourced)} of them with no source`,
      basis: 'measured',
    },
  ];
}

/** The advice's lever as the evaluation names it; `keep`: the lever the channel answers with now. */
function evaluatedLever(lever: Lever, channel: AdviceInput['channel']): EvalLever {
  if (lever === 'few-shot') return 'fewshot';
  if (lever === 'fine-tune') return 'finetune';
  if (lever === 'prompt' || lever === 'rag') return lever;
  if (channel.route === 'finetune') return 'finetune';
  if (channel.route === 'rag' || (channel.route === 'auto' && channel.hasKnowledge)) return 'rag';
  return channel.examples > 0 ? 'fewshot' : 'prompt';
}

const ADVICE_LEVER: Readonly<Record<EvalLever, Lever>> = { prompt: 'prompt', fewshot: 'few-shot', rag: 'rag', finetune: 'fine-tune' };

/** What to do to answer with a lever the evaluation measured as better. */
const NEXT_STEP: Readonly<Record<EvalLever, string>> = {
  prompt: 'The examples are not helping these cases: review them (/fewshot list, /fewshot remove) and put the rules in the persona instead (/persona set).',
  fewshot: 'Keep answering with the few-shot examples (/route prompt sends them) and add more like the cases that failed (/fewshot add).',
  rag: 'Answer from the knowledge base with /route rag (or /route auto for questions only).',
  finetune: 'Answer with the fine-tuned model: /route finetune.',
};

/** `fewshot scored 0.82 [0.74–0.90] vs prompt 0.41 [0.30–0.52] on 24 cases (measured)`. */
function scored(best: LeverRow, other: LeverRow | undefined, cases: number): string {
  return `${best.lever} scored ${formatInterval(leverScore(best))}${other ? ` vs ${other.lever} ${formatInterval(leverScore(other))}` : ''} on ${n(cases)} cases (measured)`;
}

/**
 * The tree's advice read against the last evaluation. One sentence about it replaces the tree's
 * third, so the why stays two or three sentences.
 */
function withEvaluation(input: AdviceInput, tree: Advice): Advice {
  const report = input.evaluation;
  const cases = input.channel.evaluationCases;
  const figures = [...tree.figures];
  const add = (sentence: string, change: Partial<Advice> = {}): Advice => ({ ...tree, figures, why: [...tree.why.slice(0, 2), sentence], ...change });
  if (!report) {
    figures.push({
      label: 'last evaluation',
      value: `none run; ${n(cases)} case${cases === 1 ? '' : 's'}${cases < CONCLUSIVE_CASES ? ` (a conclusive run needs ${CONCLUSIVE_CASES})` : ''}`,
      basis: 'measured',
    });
    if (cases < CONCLUSIVE_CASES) return { ...tree, figures };
    return add(`This channel has ${n(cases)} evaluation cases: /eval run scores the levers side by side on them, and /advise then reads the result.`);
  }
  const ranked = [...report.rows].sort((a, b) => leverScore(b).mean - leverScore(a).mean);
  const best = report.rows.find((row) => row.lever === report.best) ?? ranked[0];
  figures.push({
    label: `last evaluation (${n(report.cases)} cases, ${report.at.slice(0, 10)})`,
    value: `${ranked.map((row) => `${row.lever} ${formatInterval(leverScore(row))}`).join(' · ')}; best ${report.best ?? 'none'}${report.conclusive ? '' : ' (not conclusive)'}`,
    basis: 'measured',
  });
  if (!best) return { ...tree, figures };
  if (!report.conclusive) {
    return add(
      `The last evaluation (${n(report.cases)} cases) was not conclusive (${report.notConclusiveWhy ?? 'the intervals overlap'}), so the usual order prompt → few-shot → RAG → fine-tune stands.`,
    );
  }
  const treeLever = evaluatedLever(tree.recommendation, input.channel);
  const treeRow = report.rows.find((row) => row.lever === treeLever);
  if (best.lever === treeLever) {
    const runnerUp = ranked.find((row) => row !== best);
    return add(`The last evaluation agrees: ${scored(best, runnerUp, report.cases)}.`);
  }
  if (!treeRow) return { ...tree, figures };
  if (overlaps(leverScore(best), leverScore(treeRow)) || leverScore(best).mean <= leverScore(treeRow).mean) {
    return add(
      `In the last evaluation ${best.lever} did not score clearly above ${treeLever}: ${scored(best, treeRow, report.cases)}, so the usual order stands.`,
    );
  }
  return {
    ...tree,
    figures,
    recommendation: ADVICE_LEVER[best.lever],
    why: [
      `The last evaluation measured the levers: ${scored(best, treeRow, report.cases)}, intervals apart, so ${best.lever} is recommended over ${treeLever}, where the usage figures alone pointed.`,
      NEXT_STEP[best.lever],
      tree.why[0] ?? '',
    ].filter((sentence) => sentence !== ''),
  };
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** The /advise text: one figure a line, labelled, then the recommendation and why. */
export function renderAdvice(advice: Advice): string {
  const lines = advice.figures.map((f) => `• ${f.label}: ${f.value} (${f.basis})`);
  return [...lines, '', `Recommendation: ${advice.recommendation}`, advice.why.join(' ')].join('\n');
}
