/**
 * Collects what `advise` needs for one channel: the last 30 days of usage, the RAG signs, the
 * profile, the knowledge base, the training set (the few-shot examples, for now) and the model's
 * fine-tuning facts from config. Everything impure is here; the rules stay pure in advise.ts.
 */
import type { AdviceDeps } from '../commands/context';
import type { KnowledgeIndex } from '../ports';
import { messageTokens, REPLY_PRIMING_TOKENS } from '../prompt/assemble';
import { priceOf } from '../prompt/cost';
import type { EffectiveProfile } from '../profiles/resolve';
import { percentileMs, type UsageReport } from '../usage/usage-log';
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

export async function gatherAdvice(
  deps: AdviceDeps,
  report: UsageReport,
  profile: EffectiveProfile,
  knowledge: KnowledgeIndex,
  today: string,
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
    channel: { model, examples: profile.fewshot.value.length, hasKnowledge: documents.length > 0 },
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
