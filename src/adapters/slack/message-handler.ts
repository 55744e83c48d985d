/**
 * Chat messages: an `app_mention` or `message` event → decide (SPEC §2) → answer once → stream the
 * reply into the right place (SPEC §7 "Where replies go").
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { App } from '../../app';
import type { Logger } from '../../core/ports';
import type { Metrics } from '../../http/metrics';
import {
  isDirectChannel,
  isFromPerson,
  isThreadReply,
  messageKey,
  replyThread,
  toInboundMessage,
  type BotIdentity,
  type SlackMessageEvent,
} from './inbound';
import { PLACEHOLDER, deliverReply } from './reply-stream';
import { BotThreads, threadHistory } from './threads';

/** After Slack refuses a native stream, a workspace gets the placeholder path for this long. */
export const STREAMING_RETRY_MS = 10 * 60 * 1000;

export interface MessageHandlerOptions {
  readonly app: App;
  readonly threads: BotThreads;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly partLimit?: number;
  readonly metrics?: Metrics;
  /** Native streaming in threads (SPEC §2); off: always the placeholder path. */
  readonly nativeStreaming: boolean;
}

export class MessageHandler {
  private readonly streamingRefusedUntil = new Map<string, number>();

  constructor(private readonly options: MessageHandlerOptions) {}

  async handle(event: SlackMessageEvent, team: string, bot: BotIdentity, client: WebClient): Promise<void> {
    const { app, threads } = this.options;
    if (!isFromPerson(event, bot) || !event.text?.trim()) return;

    const followUp = isThreadReply(event);
    const inBotThread = followUp && event.thread_ts ? await threads.has(team, event.channel, event.thread_ts) : false;
    const message = toInboundMessage(event, { team, bot, inBotThread, history: [] });
    if (!(await app.assistant.wants(message))) return;
    // A mention arrives as `app_mention` and as `message`; whichever comes first answers.
    if (!(await app.deduper.claim(messageKey(team, event)))) return;

    const log = this.options.logger.child({ team, channel: event.channel, ts: event.ts });
    const threadTs = replyThread(event);
    if (threadTs && !isDirectChannel(event)) await threads.remember(team, event.channel, threadTs);

    let history = message.history;
    if (followUp && event.thread_ts) {
      try {
        history = await threadHistory(client, event.channel, event.thread_ts, event.ts, bot, PLACEHOLDER);
      } catch (err) {
        // Better an answer without context than none.
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the thread history');
      }
    }

    const refusedUntil = this.streamingRefusedUntil.get(team) ?? 0;
    const result = await deliverReply(
      app.assistant.respond({ ...message, history }),
      { channel: event.channel, ...(threadTs ? { threadTs } : {}), team, user: event.user ?? '' },
      {
        client,
        logger: log,
        editIntervalMs: this.options.editIntervalMs,
        ...(this.options.partLimit ? { partLimit: this.options.partLimit } : {}),
        nativeStreaming: this.options.nativeStreaming && refusedUntil <= Date.now(),
        onStreamingRefused: (err) => {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Slack refused native streaming; using chat.update');
          this.streamingRefusedUntil.set(team, Date.now() + STREAMING_RETRY_MS);
        },
      },
    );
    this.count(result.reply);
  }

  private count(reply: Awaited<ReturnType<typeof deliverReply>>['reply']): void {
    const metrics = this.options.metrics;
    if (!metrics || !reply) return;
    metrics.inc('channelwise_messages_total', { platform: 'slack', route: reply.route ?? 'none', outcome: reply.error ? 'error' : reply.offline ? 'offline' : 'ok' });
    metrics.inc('channelwise_answer_seconds_sum', {}, reply.latencyMs / 1000);
    if (reply.usage) {
      metrics.inc('channelwise_tokens_total', { kind: 'prompt' }, reply.usage.promptTokens);
      metrics.inc('channelwise_tokens_total', { kind: 'cached' }, reply.usage.cachedTokens);
      metrics.inc('channelwise_tokens_total', { kind: 'completion' }, reply.usage.completionTokens);
    }
  }
}
