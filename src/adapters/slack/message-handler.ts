/**
 * Chat messages: an `app_mention` or `message` event → the core's `InboundMessage` → the core's
 * message pipeline, which decides and answers once; this file only says how Slack reads a thread
 * and where the reply goes (SPEC §7 "Where replies go").
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { MessagePipeline, Replier } from '../../core/conversation/pipeline';
import type { Feedback } from '../../core/feedback/feedback';
import { lazyChild } from '../../core/lazy-logger';
import type { Logger } from '../../core/ports';
import { messageFiles, slackAttachments, type FileDownloadOptions } from './files';
import { isThreadReply, readMessageEvent, replyThread, slackScope, toInboundMessage, type BotIdentity, type SlackMessageEvent } from './inbound';
import { markdownMessage, neutraliseMentions } from './slack-text';
import { PLACEHOLDER, SLACK_PART_LIMIT, deliverReply } from './reply-stream';
import { splitMessage } from '../shared/split-message';
import { threadHistory } from './threads';

/** After Slack refuses a native stream, a workspace gets the placeholder path for this long. */
export const STREAMING_RETRY_MS = 10 * 60 * 1000;

export interface MessageHandlerOptions {
  readonly pipeline: MessagePipeline;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly shortAnswerMs: number;
  readonly partLimit?: number;
  /** Native streaming in threads (SPEC §2); off: always the placeholder path. */
  readonly nativeStreaming: boolean;
  /** How files shared with a message are fetched, should the core ask for them (`@bot kb add`). */
  readonly files: FileDownloadOptions;
  /** Where each answer's messages are linked to it, so a ⭐ reaction can name the answer. */
  readonly feedback?: Feedback;
}

export class MessageHandler {
  private readonly streamingRefusedUntil = new Map<string, number>();

  constructor(private readonly options: MessageHandlerOptions) {}

  /** `payload` is the event as Slack sent it: read field by field, nothing about its shape assumed. */
  async handle(payload: unknown, team: string, bot: BotIdentity, client: WebClient): Promise<void> {
    const event = readMessageEvent(payload);
    if (!event) return; // no channel or timestamp: nothing anyone could be answered in
    const threadTs = event.thread_ts;
    const files = messageFiles(event.files);
    const message = toInboundMessage(event, {
      team,
      bot,
      ...(threadTs && isThreadReply(event) ? { loadHistory: () => threadHistory(client, event.channel, threadTs, event.ts, bot, PLACEHOLDER) } : {}),
      ...(files.length > 0 ? { attachments: slackAttachments(files, this.options.files) } : {}),
    });
    await this.options.pipeline.handle(message, this.replier(event, team, client));
  }

  private replier(event: SlackMessageEvent, team: string, client: WebClient): Replier {
    const log = lazyChild(this.options.logger, { team, channel: event.channel, ts: event.ts });
    const threadTs = replyThread(event);
    const user = event.user ?? '';
    return {
      answer: async (events) => {
        const refusedUntil = this.streamingRefusedUntil.get(team) ?? 0;
        const delivered = await deliverReply(
          events,
          { channel: event.channel, ...(threadTs ? { threadTs } : {}), team, user },
          {
            client,
            logger: log,
            editIntervalMs: this.options.editIntervalMs,
            shortAnswerMs: this.options.shortAnswerMs,
            ...(this.options.partLimit ? { partLimit: this.options.partLimit } : {}),
            nativeStreaming: this.options.nativeStreaming && refusedUntil <= Date.now(),
            onStreamingRefused: (err) => {
              log.warn({ err }, 'Slack refused native streaming; using chat.update');
              this.streamingRefusedUntil.set(team, Date.now() + STREAMING_RETRY_MS);
            },
          },
        );
        const answerId = delivered.reply?.answerId;
        const feedback = this.options.feedback;
        if (!answerId || !feedback) return;
        const scope = slackScope(team, event.channel);
        try {
          await Promise.all(delivered.messages.map((ts) => feedback.linkMessage(scope, ts, answerId)));
        } catch (err) {
          // The answer is shown and its buttons work; only ⭐ on it will not be recognised.
          log.warn({ err }, 'could not link the answer messages for reactions');
        }
      },
      // Told to the sender only, in the thread the message was written in.
      tellSender: async (reply) => {
        for (const part of splitMessage(neutraliseMentions(reply.text), SLACK_PART_LIMIT)) {
          try {
            await client.chat.postEphemeral({
              channel: event.channel,
              user,
              ...markdownMessage(part),
              ...(event.thread_ts ? { thread_ts: event.thread_ts } : {}),
            });
          } catch (err) {
            log.warn({ err }, 'could not tell the user the result of their command');
          }
        }
      },
    };
  }
}
