/**
 * Every model call the core makes goes through here — chat answers now, evaluation and judge calls
 * as they land — so each is checked against the channel's budget *before* it is sent and counted
 * after it ends, failures included. (The message pipeline only sees chat messages; an evaluation
 * run is a command, so a check there would miss it.)
 */
import { randomUUID } from 'node:crypto';
import type { ChatModel, ChatRequest, Clock, Logger, Tokenizer } from '../ports';
import { estimateCost, priceOf, type PriceTable } from '../prompt/cost';
import type { ChannelScope, TokenUsage } from '../types';
import { isStoreUnavailable } from '../errors';
import type { Budgets, EffectiveBudget } from './budget';
import type { AnswerRoute, CallKind, ModelCall, RecordResult, UsageLog } from './usage-log';

export interface MeteredCall {
  readonly scope: ChannelScope;
  readonly kind: Exclude<CallKind, 'embedding'>;
  readonly route?: AnswerRoute;
  readonly request: ChatRequest;
  /**
   * The prompt's tokens by the tokenizer: the estimate when the server reports none, and the
   * budget's hold. Asked for only then, so a call with neither tokenizes nothing more.
   */
  readonly promptTokens: () => number;
  readonly prefix?: ModelCall['prefix'];
  readonly signals?: ModelCall['signals'];
}

export type MeteredEvent =
  | { readonly type: 'delta'; readonly text: string }
  | {
      readonly type: 'done';
      readonly usage: TokenUsage;
      readonly costUsd: number;
      readonly latencyMs: number;
      readonly finishReason?: string;
      /** This call crossed the channel's warning level (reported once a month). */
      readonly warning?: RecordResult['warning'];
    };

export interface MeteredModelDeps {
  readonly model: ChatModel;
  /** A route served elsewhere (the fine-tuned model on the fine-tuning provider): its calls go there, metered the same. */
  readonly routeModels?: Partial<Record<AnswerRoute, ChatModel>>;
  readonly usage: UsageLog;
  readonly budgets: Budgets;
  readonly prices: PriceTable;
  readonly tokenizer: Tokenizer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a budget hold outlives a call that never reports back (a crashed process). */
  readonly holdMs: number;
  /** `storage.outage: answer`: with the store unreachable, call the model without the budget check (it cannot be read). */
  readonly answerDuringStoreOutage?: boolean;
}

export class MeteredModel {
  constructor(private readonly deps: MeteredModelDeps) {}

  /**
   * Streams the call. At the channel's cap it throws the budget's `UserError` and sends nothing;
   * a failing call is counted (as an error) and its error rethrown.
   */
  async *stream(call: MeteredCall): AsyncGenerator<MeteredEvent> {
    const { request } = call;
    const { budget, reservation } = await this.admit(call);
    const started = this.deps.clock.now().getTime();
    const options = { ...(reservation ? { reservation } : {}), ...(budget ? { budget } : {}) };
    let text = '';
    let reported: TokenUsage | undefined;
    let finishReason: string | undefined;
    try {
      for await (const event of ((call.route && this.deps.routeModels?.[call.route]) || this.deps.model).stream(request)) {
        if (event.type === 'delta') {
          text += event.text;
          yield event;
        } else {
          reported = event.usage;
          finishReason = event.finishReason;
        }
      }
    } catch (err) {
      // Nothing was reported for a failed call: it is counted as an error with no tokens.
      const usage: TokenUsage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
      await this.count(call, { usage, costUsd: 0, latencyMs: this.deps.clock.now().getTime() - started, error: true }, options);
      throw err;
    }
    const usage: TokenUsage = reported ?? {
      promptTokens: call.promptTokens(),
      cachedTokens: 0,
      completionTokens: this.deps.tokenizer.count(text),
      estimated: true,
    };
    const costUsd = estimateCost(this.deps.prices, request.model, usage);
    const latencyMs = this.deps.clock.now().getTime() - started;
    const result = await this.count(call, { usage, costUsd, latencyMs, error: false }, options);
    yield {
      type: 'done',
      usage,
      costUsd,
      latencyMs,
      ...(finishReason !== undefined ? { finishReason } : {}),
      ...(result.warning ? { warning: result.warning } : {}),
    };
  }

  /** The budget check: the channel's cap and this call's hold on it (none without a cap). */
  private async admit(call: MeteredCall): Promise<{ budget?: EffectiveBudget; reservation?: string }> {
    const { scope, request } = call;
    try {
      const budget = await this.deps.budgets.of(scope);
      if (!budget) return {};
      const reservation = randomUUID();
      // The most this call can cost: its whole prompt uncached and a reply of the full length.
      const price = priceOf(this.deps.prices, request.model);
      const holdUsd = (call.promptTokens() * price.input + (request.maxTokens ?? 0) * price.output) / 1_000_000;
      await this.deps.usage.reserve(scope, reservation, holdUsd, budget, this.deps.holdMs);
      return { budget, reservation };
    } catch (err) {
      if (!this.deps.answerDuringStoreOutage || !isStoreUnavailable(err)) throw err;
      this.deps.logger.warn({ err }, 'store unreachable: calling the model without the budget check (storage.outage is answer)');
      return {};
    }
  }

  private async count(
    call: MeteredCall,
    measured: Pick<ModelCall, 'usage' | 'costUsd' | 'latencyMs' | 'error'>,
    options: Parameters<UsageLog['record']>[2],
  ): Promise<RecordResult> {
    try {
      return await this.deps.usage.record(
        call.scope,
        {
          kind: call.kind,
          ...(call.route ? { route: call.route } : {}),
          model: call.request.model,
          ...measured,
          ...(call.prefix ? { prefix: call.prefix } : {}),
          ...(call.signals ? { signals: call.signals } : {}),
        },
        options,
      );
    } catch (err) {
      // The answer matters more than its count; a lost count is logged (its hold expires on its own).
      this.deps.logger.warn({ err }, 'could not record usage');
      return {};
    }
  }
}
