/**
 * Collects what `advise` needs for one channel: the last 30 days of usage, the RAG signs, the
 * votes on its answers, its last evaluation report, the profile, the knowledge base, the training
 * set (the few-shot examples, for now) and the model's fine-tuning facts from config. Everything
 * impure is here; the rules stay pure in advise.ts.
 */
import type { Evaluation } from '../evaluation/evaluation';
import type { AdviceDeps } from './deps';
import { heldOutExamples } from '../evaluation/runner';
import type { Feedback } from '../feedback/feedback';
import type { KnowledgeIndex } from '../ports';
import { messageTokens, REPLY_PRIMING_TOKENS } from '../prompt/assemble';
import { priceOf } from '../prompt/cost';
import type { EffectiveProfile } from '../profiles/resolve';
import { percentileMs, type UsageReport } from '../usage/usage-log';
import type { ChannelScope } from '../types';
import type { AdviceInput } from './advise';

export const ADVICE_WINDOW_DAYS = 30;

/** The model's entry in config/models.json: exact id, else the longest entry it starts with (dated snapshots). */
export function factsOf(deps: Pick<AdviceDeps, 'models'>, model: string) {
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  const exact = deps.models[model] ?? deps.models[base];
  if (exact) return exact;
  const prefix = Object.keys(deps.models)
    .filter((name) => base.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? deps.models[prefix] : undefined;
}

/** Training tokens of the set in chat format: each example is one {system, user, assistant} line. */
export function trainingTokens(deps: Pick<AdviceDeps, 'tokenizer'>, persona: string, examples: EffectiveProfile['fewshot']['value']): number {
  const system = messageTokens(deps.tokenizer, { role: 'system', content: persona });
  return examples.reduce(
    (sum, e) =>
      sum +
      system +
      messageTokens(deps.tokenizer, { role: 'user', content: e.input }) +
      messageTokens(deps.tokenizer, { role: 'assistant', content: e.output }) +
      REPLY_PRIMING_TOKENS,
    0,
  );
}

/** Where the votes and the last evaluation of the channel come from; absent ones count as no signal. */
export interface AdviceSources {
  readonly scope: ChannelScope;
  readonly feedback?: Feedback;
  readonly evaluation?: Evaluation;
}

/** The votes of the window, the last report, and how many cases a run would have (its cases, else the held-out examples). */
async function evaluationAndVotes(
  sources: AdviceSources | undefined,
  profile: EffectiveProfile,
): Promise<Pick<AdviceInput, 'feedback' | 'evaluation'> & { cases: number }> {
  const { scope, feedback, evaluation } = sources ?? {};
  if (!scope) return { cases: 0 };
  const [votes, report, cases] = await Promise.all([
    feedback?.counts(scope, ADVICE_WINDOW_DAYS),
    evaluation?.runner.lastReport(scope),
    evaluation?.cases.list(scope),
  ]);
  const count = cases?.length ? cases.length : evaluation ? heldOutExamples(profile.fewshot.value).size : 0;
  return { ...(votes ? { feedback: votes } : {}), ...(report ? { evaluation: report } : {}), cases: count };
}

export async function gatherAdvice(
  deps: AdviceDeps,
  report: UsageReport,
  profile: EffectiveProfile,
  knowledge: KnowledgeIndex,
  today: string,
  sources?: AdviceSources,
): Promise<AdviceInput> {
  const firstActive = report.series.findIndex((day) => Object.keys(day.lines).length > 0);
  const days = firstActive < 0 ? 1 : report.series.length - firstActive;
  const chat = report.lines.filter(({ line }) => line === 'prompt' || line === 'rag' || line === 'finetune');
  const sum = (pick: (t: (typeof chat)[number]['totals']) => number) => chat.reduce((total, { totals }) => total + pick(totals), 0);
  const p50ByRoute: Record<string, number> = {};
  for (const { line, totals } of chat) {
    const p50 = percentileMs(totals.latency, 50);
    if (p50 !== undefined) p50ByRoute[line] = p50;
  }
  const documents = (await Promise.all(profile.knowledgeBases.value.map((kb) => knowledge.list(kb)))).flat();
  const model = profile.model.value;
  const facts = factsOf(deps, model);
  const reported = await deps.catalog?.shutdownDate(model);
  const shutdownDate = typeof reported === 'string' ? reported : reported === null ? undefined : facts?.shutdownDate;
  const { cases, ...measuredElsewhere } = await evaluationAndVotes(sources, profile);
  return {
    measured: {
      days,
      requests: sum((t) => t.requests),
      estimatedRequests: sum((t) => t.estimated),
      promptTokens: sum((t) => t.promptTokens),
      cachedTokens: sum((t) => t.cachedTokens),
      completionTokens: sum((t) => t.completionTokens),
      prefixTokens: sum((t) => t.prefixTokens),
      examplesTokens: sum((t) => t.examplesTokens),
      p50ByRoute,
    },
    signals: report.signals,
    ...measuredElsewhere,
    channel: { model, examples: profile.fewshot.value.length, hasKnowledge: documents.length > 0, route: profile.route.value, evaluationCases: cases },
    trainingSet: { examples: profile.fewshot.value.length, tokens: trainingTokens(deps, profile.persona.value, profile.fewshot.value) },
    pricing: {
      current: priceOf(deps.prices, model),
      ...(facts?.fineTuned ? { fineTuned: facts.fineTuned } : {}),
      ...(facts?.fineTunable && facts.training !== undefined ? { training: facts.training } : {}),
    },
    fineTuning: {
      fineTunable: facts?.fineTunable ?? false,
      ...(shutdownDate ? { shutdownDate } : {}),
      source: typeof reported === 'string' ? 'GET /models' : facts ? 'config/models.json' : 'config/models.json, which does not list it',
    },
    today,
    settings: deps.settings,
  };
}
