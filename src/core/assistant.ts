/**
 * Answers one question of a channel: the channel's route plans the answer, then it streams from
 * the model — or, offline, shows what would be sent — and the usage is counted. Which messages are
 * answered, and only once, is the `MessagePipeline`'s decision (conversation/pipeline.ts).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, UserError, asCodedError, isStoreUnavailable, userMessage } from './errors';
import { lazyChild } from './lazy-logger';
import type { Clock, Logger, Passage, Tokenizer } from './ports';
import { messageTokens } from './prompt/assemble';
import { estimateCost, formatUsd, type PriceTable } from './prompt/cost';
import type { ProfileService } from './profiles/profile-service';
import type { EffectiveProfile } from './profiles/resolve';
import { isKnowledgeQuestion } from './routes/auto-route';
import type { Responders, RoutePlan } from './routes';
import type { MeteredEvent, MeteredModel } from './usage/metered-model';
import type { AnswerSignals, RecordResult, UsageLog } from './usage/usage-log';
import { channelKey, type Question, type Route, type TokenUsage } from './types';

export interface FinalReply {
  /** The whole answer as Markdown, sources list included. */
  readonly text: string;
  readonly route?: Exclude<Route, 'auto'>;
  readonly model?: string;
  readonly offline: boolean;
  readonly sources: readonly Passage[];
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly latencyMs: number;
  /** The answer carries the once-a-month note that the channel's spend crossed its warning level. */
  readonly budgetWarning?: boolean;
  /** The persona version it was answered with (recorded with feedback). */
  readonly profileVersion?: number;
  /** Set by the pipeline once the answer is recorded: what the feedback controls name. */
  readonly answerId?: string;
  /** Set when the answer is a failure sentence (or was cut short by one). */
  readonly error?: { readonly code: string; readonly message: string };
}

export type ReplyEvent = { readonly type: 'delta'; readonly text: string } | { readonly type: 'done'; readonly reply: FinalReply };

export interface AssistantDeps {
  readonly profiles: ProfileService;
  readonly responders: Responders;
  /** The model behind the budget check and the usage count; absent: offline mode (SPEC §5). */
  readonly model?: MeteredModel;
  readonly prices: PriceTable;
  readonly tokenizer: Tokenizer;
  readonly maxReplyTokens: number;
  readonly messageChars: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where offline answers and the RAG signs are counted (model calls count themselves, in `model`). */
  readonly usage?: UsageLog;
  /** `storage.outage: answer`: with the store unreachable, answer on the config defaults (prompt route), saying so. */
  readonly answerDuringStoreOutage?: boolean;
}

/** Appended to an answer given on the config defaults because the store could not be read. */
export const DEFAULTS_NOTE = "_I can't reach my storage right now, so this answer uses the default settings, not this channel's._";

/**
 * The prompt cache key: the channel and a digest of the prefix (persona + examples + route rules),
 * so it changes with the profile's version and requests that can share a cached prefix carry the
 * same key. Hashed: the provider needs no channel ids.
 */
export function promptCacheKey(plan: RoutePlan, scopeKey: string): string {
  const hash = createHash('sha256').update(scopeKey).update('\u0000').update(plan.model);
  for (const message of plan.prompt.messages.slice(0, plan.prompt.prefixMessages))
    hash.update('\u0000').update(message.role).update('\u0000').update(message.content);
  return `cw-${hash.digest('base64url').slice(0, 32)}`;
}

/** What an answer shows about the channel's need for RAG (SPEC §8), for /advise. */
export function answerSignals(profile: EffectiveProfile, plan: RoutePlan, message: string): AnswerSignals {
  const question = isKnowledgeQuestion(message);
  const kbMiss = plan.route === 'rag' ? plan.sources.length === 0 : profile.route.value === 'auto' && question && plan.route === 'prompt';
  return {
    question,
    unsourced: question && plan.sources.length === 0,
    kbMiss,
    autoFallback: profile.route.value === 'auto' && question && plan.route === 'prompt',
  };
}

/** The note appended to the answer that took the month's spend over the warning level (once a month). */
export function budgetWarning(warning: NonNullable<RecordResult['warning']>): string {
  const { budget, spentUsd } = warning;
  return (
    `_Budget: this channel has spent ${formatUsd(spentUsd)} this month, over ${budget.warnPct}% of its ${formatUsd(budget.usd)} monthly cap; ` +
    'at the cap I stop calling the model. Admins can check with /budget or raise it with /budget set._'
  );
}

export function renderSources(sources: readonly Passage[]): string {
  if (sources.length === 0) return '';
  const lines = sources.map((p, i) => {
    const parts = [p.title, p.location, p.url].filter((part): part is string => Boolean(part));
    return `[${i + 1}] ${parts.join(' — ')}`;
  });
  return `\n\n**Sources**\n${lines.join('\n')}`;
}

export function renderOfflineAnswer(plan: RoutePlan, prices: PriceTable): string {
  const usage: TokenUsage = { promptTokens: plan.prompt.tokens, cachedTokens: 0, completionTokens: 0 };
  const cost = formatUsd(estimateCost(prices, plan.model, usage));
  const header =
    `_Offline mode: no model is configured, so nothing was sent. This is what would be sent._\n` +
    `Route: ${plan.route} (${plan.reason}) · model: ${plan.model} · prompt tokens: ${plan.prompt.tokens} · ` +
    `estimated cost: ${cost} before the reply` +
    (plan.prompt.historyDropped ? ` · ${plan.prompt.historyDropped} older message(s) left out to fit the token budget` : '');
  if (plan.noSourceAnswer) return `${header}\n\n${plan.noSourceAnswer}`;
  const messages = plan.prompt.messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
  return `${header}\n\n${messages}${renderSources(plan.sources)}`;
}

export class Assistant {
  constructor(private readonly deps: AssistantDeps) {}

  /** Answer one message: deltas as the model streams, then one `done` with the whole reply. */
  respond(message: Question): AsyncGenerator<ReplyEvent> {
    return this.answer(message);
  }

  /** Counting never stops an answer: a failure to count is logged. */
  private async count(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.logger.warn({ err: asCodedError(err) }, 'could not record usage');
    }
  }

  private async *answer(message: Question): AsyncGenerator<ReplyEvent> {
    const started = this.deps.clock.now().getTime();
    const elapsed = () => this.deps.clock.now().getTime() - started;
    const log = lazyChild(this.deps.logger, { scope: channelKey(message.scope), messageId: message.messageId });

    let plan: RoutePlan;
    let profile: EffectiveProfile;
    let degraded = false;
    try {
      if (message.text.length > this.deps.messageChars) {
        throw new UserError(
          ErrorCode.TooLarge,
          `That message is ${message.text.length.toLocaleString('en-US')} characters; the limit is ${this.deps.messageChars.toLocaleString('en-US')}.`,
        );
      }
      const resolved = await this.profileOf(message.scope, log);
      profile = resolved.profile;
      degraded = resolved.degraded;
      const responder = this.deps.responders[degraded ? 'prompt' : profile.route.value];
      plan = await responder.plan({ profile, message: message.text, history: message.history });
    } catch (err) {
      yield { type: 'done', reply: this.failure(err, log, elapsed(), '') };
      return;
    }
    const usageLog = this.deps.usage;
    const signals = answerSignals(profile, plan, message.text);
    const prefix = this.prefixOf(plan);

    if (!this.deps.model) {
      const text = renderOfflineAnswer(plan, this.deps.prices);
      if (usageLog && !plan.noSourceAnswer) {
        // SPEC §8 / issue 9: offline, /usage and /advise count what the answer would have cost.
        const usage: TokenUsage = { promptTokens: plan.prompt.tokens, cachedTokens: 0, completionTokens: 0, estimated: true };
        const costUsd = estimateCost(this.deps.prices, plan.model, usage);
        await this.count(async () => {
          await usageLog.record(message.scope, {
            kind: 'chat',
            route: plan.route,
            model: plan.model,
            usage,
            costUsd,
            latencyMs: elapsed(),
            error: false,
            offline: true,
            prefix,
            signals,
          });
        });
      } else if (usageLog) {
        await this.count(() => usageLog.signal(message.scope, signals));
      }
      yield { type: 'done', reply: { text, route: plan.route, model: plan.model, offline: true, sources: plan.sources, latencyMs: elapsed() } };
      return;
    }
    if (plan.noSourceAnswer) {
      if (usageLog) await this.count(() => usageLog.signal(message.scope, signals));
      yield { type: 'done', reply: { text: plan.noSourceAnswer, route: plan.route, model: plan.model, offline: false, sources: [], latencyMs: elapsed() } };
      return;
    }

    let text = '';
    let done: Extract<MeteredEvent, { type: 'done' }> | undefined;
    try {
      for await (const event of this.deps.model.stream({
        scope: message.scope,
        kind: 'chat',
        route: plan.route,
        promptTokens: () => plan.prompt.tokens,
        prefix,
        signals,
        request: {
          model: plan.model,
          messages: plan.prompt.messages,
          temperature: plan.temperature,
          maxTokens: this.deps.maxReplyTokens,
          cacheKey: promptCacheKey(plan, channelKey(message.scope)),
        },
      })) {
        if (event.type === 'delta') {
          text += event.text;
          yield { type: 'delta', text: event.text };
        } else {
          done = event;
        }
      }
    } catch (err) {
      yield { type: 'done', reply: { ...this.failure(err, log, elapsed(), text), route: plan.route, model: plan.model } };
      return;
    }
    if (!text.trim()) {
      log.warn({ model: plan.model }, 'model returned an empty answer');
      text = 'The model returned an empty answer; please try rephrasing.';
    }
    this.deps.logger.info(
      { scope: channelKey(message.scope), messageId: message.messageId, route: plan.route, model: plan.model, usage: done?.usage, latencyMs: elapsed() },
      'answered',
    );
    const notice = (done?.warning ? `\n\n${budgetWarning(done.warning)}` : '') + (degraded ? `\n\n${DEFAULTS_NOTE}` : '');
    yield {
      type: 'done',
      reply: {
        text: text + (plan.route === 'rag' ? renderSources(plan.sources) : '') + notice,
        route: plan.route,
        model: plan.model,
        offline: false,
        sources: plan.sources,
        ...(done ? { usage: done.usage, costUsd: done.costUsd } : {}),
        ...(done?.warning ? { budgetWarning: true } : {}),
        ...(profile.persona.version !== undefined ? { profileVersion: profile.persona.version } : {}),
        latencyMs: elapsed(),
      },
    };
  }

  /** The channel's profile; with the store unreachable and `answerDuringStoreOutage`, the config defaults. */
  private async profileOf(scope: Question['scope'], log: Logger): Promise<{ profile: EffectiveProfile; degraded: boolean }> {
    try {
      return { profile: await this.deps.profiles.resolve(scope), degraded: false };
    } catch (err) {
      if (!this.deps.answerDuringStoreOutage || !isStoreUnavailable(err)) throw err;
      log.warn({ err: asCodedError(err) }, 'store unreachable: answering on the config defaults (storage.outage is answer)');
      return { profile: this.deps.profiles.defaultsFor(scope), degraded: true };
    }
  }

  /** The cacheable prefix (system + examples) of the plan, and the examples' share of it. */
  private prefixOf(plan: RoutePlan): { tokens: number; examplesTokens: number } {
    const system = plan.prompt.messages[0];
    const systemTokens = system ? messageTokens(this.deps.tokenizer, system) : 0;
    return { tokens: plan.prompt.prefixTokens, examplesTokens: Math.max(0, plan.prompt.prefixTokens - systemTokens) };
  }

  /** One sentence for the user; the detail goes to the log. A partial answer is kept and marked. */
  private failure(err: unknown, log: Logger, latencyMs: number, partial: string): FinalReply {
    const coded = asCodedError(err);
    const sentence = userMessage(err);
    if (err instanceof UserError) log.warn({ err, code: coded.code, context: err.context }, err.message);
    else log.error({ err: coded, code: coded.code }, 'answer failed');
    const text = partial.trim() ? `${partial}\n\n_(The answer was cut short: ${sentence})_` : sentence;
    return { text, offline: !this.deps.model, sources: [], latencyMs, error: { code: coded.code, message: sentence } };
  }
}
