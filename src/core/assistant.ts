/**
 * Answers one question of a channel: the channel's route plans the answer, then it streams from
 * the model — or, offline, shows what would be sent — and the usage is counted. Which messages are
 * answered, and only once, is the `MessagePipeline`'s decision (conversation/pipeline.ts).
 */
import { ErrorCode, UserError, asCodedError, userMessage } from './errors';
import { lazyChild } from './lazy-logger';
import type { ChatModel, Clock, Logger, Passage } from './ports';
import { estimateCost, formatUsd, type PriceTable } from './prompt/cost';
import type { ProfileService } from './profiles/profile-service';
import type { Responders, RoutePlan } from './routes';
import type { UsageLog } from './usage/usage-log';
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
  /** Set when the answer is a failure sentence (or was cut short by one). */
  readonly error?: { readonly code: string; readonly message: string };
}

export type ReplyEvent = { readonly type: 'delta'; readonly text: string } | { readonly type: 'done'; readonly reply: FinalReply };

export interface AssistantDeps {
  readonly profiles: ProfileService;
  readonly responders: Responders;
  /** Absent: offline mode (SPEC §5). */
  readonly model?: ChatModel;
  readonly prices: PriceTable;
  readonly maxReplyTokens: number;
  readonly messageChars: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where answered messages are counted (for /usage, /advise and App Home). */
  readonly usage?: UsageLog;
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
  async *respond(message: Question): AsyncGenerator<ReplyEvent> {
    for await (const event of this.answer(message)) {
      if (event.type === 'done') await this.count(message, event.reply);
      yield event;
    }
  }

  /** Usage is counted for model answers and failures; offline previews cost nothing. */
  private async count(message: Question, reply: FinalReply): Promise<void> {
    if (!this.deps.usage || reply.offline) return;
    try {
      await this.deps.usage.record(message.scope, {
        ...(reply.route ? { route: reply.route } : {}),
        ...(reply.usage ? { usage: reply.usage } : {}),
        ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
        latencyMs: reply.latencyMs,
        error: Boolean(reply.error),
      });
    } catch (err) {
      this.deps.logger.warn({ err: asCodedError(err) }, 'could not record usage');
    }
  }

  private async *answer(message: Question): AsyncGenerator<ReplyEvent> {
    const started = this.deps.clock.now().getTime();
    const elapsed = () => this.deps.clock.now().getTime() - started;
    const log = lazyChild(this.deps.logger, { scope: channelKey(message.scope), messageId: message.messageId });

    let plan: RoutePlan;
    try {
      if (message.text.length > this.deps.messageChars) {
        throw new UserError(
          ErrorCode.TooLarge,
          `That message is ${message.text.length.toLocaleString('en-US')} characters; the limit is ${this.deps.messageChars.toLocaleString('en-US')}.`,
        );
      }
      const profile = await this.deps.profiles.resolve(message.scope);
      const responder = this.deps.responders[profile.route.value];
      plan = await responder.plan({ profile, message: message.text, history: message.history });
    } catch (err) {
      yield { type: 'done', reply: this.failure(err, log, elapsed(), '') };
      return;
    }

    if (!this.deps.model) {
      const text = renderOfflineAnswer(plan, this.deps.prices);
      yield { type: 'done', reply: { text, route: plan.route, model: plan.model, offline: true, sources: plan.sources, latencyMs: elapsed() } };
      return;
    }
    if (plan.noSourceAnswer) {
      yield { type: 'done', reply: { text: plan.noSourceAnswer, route: plan.route, model: plan.model, offline: false, sources: [], latencyMs: elapsed() } };
      return;
    }

    let text = '';
    let usage: TokenUsage | undefined;
    try {
      for await (const event of this.deps.model.stream({
        model: plan.model,
        messages: plan.prompt.messages,
        temperature: plan.temperature,
        maxTokens: this.deps.maxReplyTokens,
      })) {
        if (event.type === 'delta') {
          text += event.text;
          yield { type: 'delta', text: event.text };
        } else if (event.usage) {
          usage = event.usage;
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
    const costUsd = usage ? estimateCost(this.deps.prices, plan.model, usage) : undefined;
    this.deps.logger.info({ scope: channelKey(message.scope), messageId: message.messageId, route: plan.route, model: plan.model, usage, latencyMs: elapsed() }, 'answered');
    yield {
      type: 'done',
      reply: {
        text: text + (plan.route === 'rag' ? renderSources(plan.sources) : ''),
        route: plan.route,
        model: plan.model,
        offline: false,
        sources: plan.sources,
        ...(usage ? { usage } : {}),
        ...(costUsd !== undefined ? { costUsd } : {}),
        latencyMs: elapsed(),
      },
    };
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
