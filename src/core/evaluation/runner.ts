/**
 * `/eval run` (SPEC §8 "Evaluation"): every case through each lever, side by side. Each lever's
 * request is planned by the SAME responder the live route uses, on the channel's profile with only
 * what the lever varies changed — `prompt`: no examples; `fewshot`: the examples (`auto K` as the
 * channel has it); `rag`: the knowledge base (with the examples, as the live RAG route); `finetune`:
 * the fine-tuned model — so the requests are what the live route would send. Cases are never sent
 * as examples: their inputs are left out of every prompt of the run; with no cases, one in five
 * examples (stable by id) is held out as the run's cases and left out of its prompts. Model calls
 * go through the metered model (kind `eval`, `judge`): the budget holds and the usage is counted.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, UserError } from '../errors';
import type { Clock, DocumentStore, Embedder, KnowledgeIndex, Lease, Tokenizer } from '../ports';
import { withLease } from '../finetune/leases';
import { estimateCost, type PriceTable } from '../prompt/cost';
import type { ProfileService } from '../profiles/profile-service';
import type { EffectiveProfile } from '../profiles/resolve';
import type { Responders, RoutePlan } from '../routes';
import { EVAL_LEVERS, type EvalLever } from '../commands/types';
import { channelKey, type ChannelScope, type FewshotExample, type TokenUsage } from '../types';
import type { MeteredModel } from '../usage/metered-model';
import type { EvalCases } from './cases';
import {
  JUDGE_SYSTEM,
  PAIRWISE_SYSTEM,
  bootstrapInterval,
  citationsValid,
  exactMatch,
  isShortAnswer,
  judgePrompt,
  median,
  overlaps,
  pairwisePrompt,
  pairwiseWinner,
  parseJudgeScore,
  seededRandom,
  similarity,
  type Interval,
} from './scoring';

/** Below this many cases a result is not conclusive (SPEC §8). */
export const CONCLUSIVE_CASES = 10;
/** Replies of the judge are a number or a letter. */
const JUDGE_MAX_TOKENS = 8;

export interface EvalSettings {
  readonly concurrency: number;
  readonly bootstrapSamples: number;
  readonly maxReplyTokens: number;
  readonly progressEvery: number;
}

export interface EvalRunnerDeps {
  readonly profiles: ProfileService;
  readonly responders: Responders;
  readonly knowledge: KnowledgeIndex;
  readonly cases: EvalCases;
  /** Absent: offline mode. */
  readonly model?: MeteredModel;
  /** Absent: long expected answers cannot be scored (the report says so). */
  readonly embedder?: Embedder;
  readonly tokenizer: Tokenizer;
  readonly prices: PriceTable;
  readonly store: DocumentStore;
  /** One run per channel at a time, across every process on the store. */
  readonly lease: Lease;
  readonly clock: Clock;
  readonly settings: EvalSettings;
}

/** How long a run's lease lasts unrenewed: a crashed process's run stops blocking the channel after this. */
const RUN_LEASE_MS = 60_000;

export const RUN_IN_PROGRESS_SENTENCE = 'An evaluation is already running in this channel; its report comes when it is done, and /eval report shows it after.';

export interface LeverRow {
  readonly lever: EvalLever;
  readonly cases: number;
  /** Cases that could be scored (exact match, or similarity with an embedder). */
  readonly scored: number;
  readonly score: Interval;
  readonly judge?: Interval;
  readonly costPerAnswer: number;
  readonly p50LatencyMs: number;
  /** RAG: answers citing a passage that was not sent. */
  readonly invalidCitations: number;
}

export interface PairwiseResult {
  readonly first: EvalLever;
  readonly second: EvalLever;
  readonly firstWins: number;
  readonly secondWins: number;
  readonly ties: number;
  /** Cases where the second lever's answer was shown first (A). */
  readonly swapped: number;
}

export interface EvalReport {
  readonly at: string;
  readonly seed: number;
  readonly cases: number;
  /** No cases: examples held out for this run (one in five). */
  readonly heldOut?: number;
  readonly scoring: 'exact' | 'similarity' | 'mixed';
  /** Long expected answers could not be scored: no embedder. */
  readonly unscoredLong: number;
  readonly rows: readonly LeverRow[];
  readonly best?: EvalLever;
  readonly conclusive: boolean;
  readonly notConclusiveWhy?: string;
  readonly pairwise?: PairwiseResult;
  readonly estimatedCostUsd: number;
  readonly costUsd: number;
}

export interface RunOptions {
  readonly levers?: readonly EvalLever[];
  readonly judge: boolean;
  readonly seed?: number;
  /** Called once the run is checked and costed, before the first answer is asked for. */
  readonly onStart?: (estimate: RunEstimate) => void | Promise<void>;
  /** Called every `progressEvery` answers on long runs. */
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** What a run will cost at most, over how many cases and levers. */
export interface RunEstimate {
  readonly usd: number;
  readonly cases: number;
  readonly levers: readonly EvalLever[];
}

export interface OfflinePreview {
  readonly cases: readonly { readonly input: string; readonly expected: string }[];
  readonly heldOut?: number;
  readonly promptTokens: Readonly<Partial<Record<EvalLever, number>>>;
}

interface RunCase {
  readonly input: string;
  readonly expected: string;
}

interface PlannedJob {
  readonly lever: EvalLever;
  /** The case's position in the run. */
  readonly index: number;
  readonly c: RunCase;
  readonly plan: RoutePlan;
}

interface Answer {
  readonly text: string;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly sources: number;
}

function stableRank(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}

/** One in five examples, chosen by a hash of their ids: the same ones every run. */
export function heldOutExamples(examples: readonly FewshotExample[]): ReadonlySet<string> {
  const count = Math.ceil(examples.length / 5);
  return new Set(
    [...examples]
      .sort((a, b) => stableRank(a.id).localeCompare(stableRank(b.id)))
      .slice(0, count)
      .map((e) => e.id),
  );
}

/** Runs `work` over `items`, at most `limit` at once, results in order; the first failure stops new work. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (failed === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed !== undefined) throw failed;
  return results;
}

export class EvalRunner {
  constructor(private readonly deps: EvalRunnerDeps) {}

  private reportKey(scope: ChannelScope): string {
    return `eval-report:${channelKey(scope)}`;
  }

  lastReport(scope: ChannelScope): Promise<EvalReport | undefined> {
    return this.deps.store.get<EvalReport>(this.reportKey(scope));
  }

  /** The run's cases, and the profile its prompts are planned on (cases and held-out examples left out). */
  private async setup(scope: ChannelScope): Promise<{ cases: RunCase[]; heldOut?: number; profile: EffectiveProfile }> {
    const [profile, stored] = await Promise.all([this.deps.profiles.resolve(scope), this.deps.cases.list(scope)]);
    if (stored.length > 0) {
      const inputs = new Set(stored.map((c) => c.input.trim()));
      const examples = profile.fewshot.value.filter((e) => !inputs.has(e.input.trim()));
      return { cases: stored.map((c) => ({ input: c.input, expected: c.expected })), profile: withExamples(profile, examples) };
    }
    const held = heldOutExamples(profile.fewshot.value);
    const cases = profile.fewshot.value.filter((e) => held.has(e.id)).map((e) => ({ input: e.input, expected: e.output }));
    return {
      cases,
      heldOut: cases.length,
      profile: withExamples(
        profile,
        profile.fewshot.value.filter((e) => !held.has(e.id)),
      ),
    };
  }

  /** The levers this channel can use; named ones it cannot are refused in one sentence. */
  private async levers(profile: EffectiveProfile, named?: readonly EvalLever[]): Promise<EvalLever[]> {
    const why: Partial<Record<EvalLever, string>> = {};
    if (profile.fewshot.value.length === 0) why.fewshot = 'fewshot needs few-shot examples besides the cases (add some with /fewshot add)';
    const docs = await Promise.all(profile.knowledgeBases.value.map((kb) => this.deps.knowledge.list(kb)));
    if (docs.every((list) => list.length === 0)) why.rag = 'rag needs a knowledge base (add documents with /kb add)';
    if (!profile.fineTunedModel.value) why.finetune = 'finetune needs a fine-tuned model (/route finetune <model-id>)';
    if (named) {
      const refused = named.find((lever) => why[lever]);
      if (refused) throw new UserError(ErrorCode.InvalidState, `This channel cannot evaluate ${why[refused]}.`);
      return [...named];
    }
    return EVAL_LEVERS.filter((lever) => !why[lever]);
  }

  private plan(lever: EvalLever, profile: EffectiveProfile, message: string): Promise<RoutePlan> {
    const request = { profile: lever === 'prompt' ? withExamples(profile, []) : profile, message, history: [] };
    if (lever === 'rag') return this.deps.responders.rag.plan(request);
    if (lever === 'finetune') return this.deps.responders.finetune.plan(request);
    return this.deps.responders.prompt.plan(request);
  }

  /**
   * Every case through every lever, planned once, in order: the estimate and the answers share the
   * plans (a RAG plan embeds its question, a request counted for the channel).
   */
  private planAll(levers: readonly EvalLever[], profile: EffectiveProfile, cases: readonly RunCase[]): Promise<PlannedJob[]> {
    const jobs = levers.flatMap((lever) => cases.map((c, index) => ({ lever, c, index })));
    return pool(jobs, this.deps.settings.concurrency, async (job) => ({ ...job, plan: await this.plan(job.lever, profile, job.c.input) }));
  }

  /** What the planned jobs cost at most: the prompts plus answers as long as the expected ones. */
  private costOf(jobs: readonly PlannedJob[]): number {
    return jobs.reduce((usd, { plan, c }) => {
      const usage: TokenUsage = { promptTokens: plan.prompt.tokens, cachedTokens: 0, completionTokens: this.deps.tokenizer.count(c.expected) };
      return usd + estimateCost(this.deps.prices, plan.model, usage);
    }, 0);
  }

  /** Offline: the cases and the prompt tokens each lever would send. */
  async preview(scope: ChannelScope, levers?: readonly EvalLever[]): Promise<OfflinePreview> {
    const { cases, heldOut, profile } = await this.setup(scope);
    const chosen = await this.levers(profile, levers);
    const promptTokens: Partial<Record<EvalLever, number>> = {};
    for (const lever of chosen) promptTokens[lever] = 0;
    for (const { lever, plan } of await this.planAll(chosen, profile, cases)) promptTokens[lever] = (promptTokens[lever] ?? 0) + plan.prompt.tokens;
    return { cases, ...(heldOut !== undefined ? { heldOut } : {}), promptTokens };
  }

  /** What the run will cost at most as planned: the prompts plus answers as long as the expected ones. */
  async estimate(scope: ChannelScope, levers?: readonly EvalLever[]): Promise<RunEstimate> {
    const { cases, profile } = await this.setup(scope);
    const chosen = await this.levers(profile, levers);
    return { usd: this.costOf(await this.planAll(chosen, profile, cases)), cases: cases.length, levers: chosen };
  }

  private runs = 0;

  /** Evaluation runs under way in this process (for /healthz). */
  get running(): number {
    return this.runs;
  }

  /** Runs the evaluation unless one is already running in the channel (in any process): then a clear refusal. */
  async run(scope: ChannelScope, options: RunOptions): Promise<EvalReport> {
    const held = await withLease(this.deps.lease, `eval-run:${channelKey(scope)}`, RUN_LEASE_MS, async () => {
      this.runs += 1;
      try {
        return await this.runHeld(scope, options);
      } finally {
        this.runs -= 1;
      }
    });
    if (!held) throw new UserError(ErrorCode.InvalidState, RUN_IN_PROGRESS_SENTENCE);
    return held.value;
  }

  private async runHeld(scope: ChannelScope, options: RunOptions): Promise<EvalReport> {
    const model = this.deps.model;
    if (!model) throw new UserError(ErrorCode.NotConfigured, 'Evaluation needs a model, and none is configured (offline mode).');
    const { cases, heldOut, profile } = await this.setup(scope);
    if (cases.length === 0)
      throw new UserError(
        ErrorCode.InvalidState,
        'This channel has no evaluation cases and no few-shot examples to hold out; add cases with /eval add <input> => <expected>.',
      );
    const levers = await this.levers(profile, options.levers);
    const jobs = await this.planAll(levers, profile, cases);
    const estimatedCostUsd = this.costOf(jobs);
    await options.onStart?.({ usd: estimatedCostUsd, cases: cases.length, levers });
    const seed = options.seed ?? Math.floor(this.deps.clock.now().getTime() % 2 ** 31);
    const total = levers.length * cases.length;
    let done = 0;
    let spent = 0;

    const answers = new Map<string, Answer>();
    try {
      await pool(jobs, this.deps.settings.concurrency, async ({ lever, plan, index }) => {
        const answer = await this.answer(scope, plan);
        answers.set(`${lever}:${index}`, answer);
        spent += answer.costUsd;
        done += 1;
        if (options.onProgress && done % this.deps.settings.progressEvery === 0 && done < total) await options.onProgress(done, total);
      });
    } catch (err) {
      if (err instanceof UserError && err.code === ErrorCode.BudgetReached) {
        throw new UserError(ErrorCode.BudgetReached, `The evaluation stopped after ${done} of ${total} answers: ${err.message}`);
      }
      throw err;
    }

    const long = cases.map((c) => !isShortAnswer(c.expected));
    const expectedVectors = await this.embed(
      scope,
      cases.filter((_, i) => long[i]).map((c) => c.expected),
    );
    const rows: LeverRow[] = [];
    const judgeScores = new Map<EvalLever, number[]>();
    for (const lever of levers) {
      const scores: number[] = [];
      let invalid = 0;
      const leverAnswers = cases.map((_, i) => answers.get(`${lever}:${i}`) as Answer);
      const answerVectors = await this.embed(
        scope,
        leverAnswers.filter((_, i) => long[i]).map((a) => a.text),
      );
      let longIndex = 0;
      for (const [i, c] of cases.entries()) {
        const answer = leverAnswers[i] as Answer;
        let score: number | undefined;
        if (!long[i]) score = exactMatch(answer.text, c.expected);
        else {
          const a = answerVectors?.[longIndex];
          const e = expectedVectors?.[longIndex];
          longIndex += 1;
          if (a && e) score = similarity(a, e);
        }
        if (lever === 'rag' && !citationsValid(answer.text, answer.sources)) {
          invalid += 1;
          score = 0; // a citation of a passage never sent is a made-up source
        }
        if (score !== undefined) scores.push(score);
      }
      if (options.judge) {
        judgeScores.set(
          lever,
          await pool(
            cases.map((c, i) => ({ c, answer: leverAnswers[i] as Answer })),
            this.deps.settings.concurrency,
            async ({ c, answer }) => {
              const reply = await this.call(scope, 'judge', profile.model.value, JUDGE_SYSTEM, judgePrompt(c.input, c.expected, answer.text));
              spent += reply.costUsd;
              return parseJudgeScore(reply.text) ?? 0;
            },
          ),
        );
      }
      const judged = judgeScores.get(lever);
      rows.push({
        lever,
        cases: cases.length,
        scored: scores.length,
        score: bootstrapInterval(scores, this.deps.settings.bootstrapSamples, seed),
        ...(judged ? { judge: bootstrapInterval(judged, this.deps.settings.bootstrapSamples, seed) } : {}),
        costPerAnswer: leverAnswers.reduce((s, a) => s + a.costUsd, 0) / cases.length,
        p50LatencyMs: median(leverAnswers.map((a) => a.latencyMs)),
        invalidCitations: invalid,
      });
    }

    const ranked = rankRows(rows);
    const best = ranked[0];
    const runnerUp = ranked[1];
    let notConclusiveWhy: string | undefined;
    if (cases.length < CONCLUSIVE_CASES) notConclusiveWhy = `fewer than ${CONCLUSIVE_CASES} cases`;
    else if (best && runnerUp && overlaps(leverScore(best), leverScore(runnerUp)))
      notConclusiveWhy = `the intervals of ${best.lever} and ${runnerUp.lever} overlap`;

    let pairwise: PairwiseResult | undefined;
    if (options.judge && best && runnerUp) {
      const random = seededRandom(seed ^ 0x5bd1e995);
      const tally = { firstWins: 0, secondWins: 0, ties: 0, swapped: 0 };
      const prompts = cases.map((c, i) => ({
        c,
        ...pairwisePrompt(
          c.input,
          c.expected,
          (answers.get(`${best.lever}:${i}`) as Answer).text,
          (answers.get(`${runnerUp.lever}:${i}`) as Answer).text,
          random,
        ),
      }));
      await pool(prompts, this.deps.settings.concurrency, async ({ prompt, swapped }) => {
        const reply = await this.call(scope, 'judge', profile.model.value, PAIRWISE_SYSTEM, prompt);
        spent += reply.costUsd;
        const winner = pairwiseWinner(reply.text, swapped);
        if (swapped) tally.swapped += 1;
        if (winner === 'first') tally.firstWins += 1;
        else if (winner === 'second') tally.secondWins += 1;
        else tally.ties += 1;
      });
      pairwise = { first: best.lever, second: runnerUp.lever, ...tally };
    }

    const longCount = long.filter(Boolean).length;
    const report: EvalReport = {
      at: this.deps.clock.now().toISOString(),
      seed,
      cases: cases.length,
      ...(heldOut !== undefined ? { heldOut } : {}),
      scoring: longCount === 0 ? 'exact' : longCount === cases.length ? 'similarity' : 'mixed',
      unscoredLong: this.deps.embedder ? 0 : longCount,
      rows,
      ...(best ? { best: best.lever } : {}),
      conclusive: notConclusiveWhy === undefined,
      ...(notConclusiveWhy ? { notConclusiveWhy } : {}),
      ...(pairwise ? { pairwise } : {}),
      estimatedCostUsd,
      costUsd: spent,
    };
    await this.deps.store.set(this.reportKey(scope), report);
    return report;
  }

  private async embed(scope: ChannelScope, texts: readonly string[]): Promise<number[][] | undefined> {
    if (texts.length === 0 || !this.deps.embedder) return undefined;
    return this.deps.embedder.embed(texts, scope);
  }

  private async answer(scope: ChannelScope, plan: RoutePlan): Promise<Answer> {
    if (plan.noSourceAnswer) return { text: plan.noSourceAnswer, costUsd: 0, latencyMs: 0, sources: 0 };
    const reply = await this.stream(
      scope,
      plan.route,
      plan.model,
      plan.prompt.messages,
      plan.prompt.tokens,
      plan.temperature,
      this.deps.settings.maxReplyTokens,
      'eval',
    );
    return { ...reply, sources: plan.sources.length };
  }

  private call(scope: ChannelScope, kind: 'judge', model: string, system: string, user: string): Promise<{ text: string; costUsd: number; latencyMs: number }> {
    const messages = [
      { role: 'system' as const, content: system },
      { role: 'user' as const, content: user },
    ];
    const tokens = this.deps.tokenizer.count(system) + this.deps.tokenizer.count(user);
    return this.stream(scope, undefined, model, messages, tokens, 0, JUDGE_MAX_TOKENS, kind);
  }

  private async stream(
    scope: ChannelScope,
    route: RoutePlan['route'] | undefined,
    model: string,
    messages: RoutePlan['prompt']['messages'],
    promptTokens: number,
    temperature: number,
    maxTokens: number,
    kind: 'eval' | 'judge',
  ): Promise<{ text: string; costUsd: number; latencyMs: number }> {
    let text = '';
    let costUsd = 0;
    let latencyMs = 0;
    const metered = this.deps.model as MeteredModel;
    for await (const event of metered.stream({
      scope,
      kind,
      ...(route ? { route } : {}),
      promptTokens: () => promptTokens,
      request: { model, messages, temperature, maxTokens },
    })) {
      if (event.type === 'delta') text += event.text;
      else {
        costUsd = event.costUsd;
        latencyMs = event.latencyMs;
      }
    }
    return { text, costUsd, latencyMs };
  }
}

function withExamples(profile: EffectiveProfile, examples: readonly FewshotExample[]): EffectiveProfile {
  return { ...profile, fewshot: { ...profile.fewshot, value: examples } };
}

/** The interval a lever is ranked by: the judge's when the run was judged (only then has a row one), else the score. */
export function leverScore(row: LeverRow): Interval {
  return row.judge ?? row.score;
}

/** Best first: the higher score, then (a tie) the cheaper answer. */
export function rankRows(rows: readonly LeverRow[]): LeverRow[] {
  return [...rows].sort((a, b) => leverScore(b).mean - leverScore(a).mean || a.costPerAnswer - b.costPerAnswer);
}
