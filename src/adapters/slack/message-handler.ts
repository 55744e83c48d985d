/**
 * Chat messages: an `app_mention` or `message` event → decide (SPEC §2) → answer once → stream the
 * reply into the right place (SPEC §7 "Where replies go").
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { App } from '../../app';
import type { CommandRunner } from '../../core/commands/registry';
import type { Logger } from '../../core/ports';
import type { Metrics } from '../../http/metrics';
import { messageFiles, slackAttachments, type FileDownloadOptions } from './files';
import {
  isDirectChannel,
  isFromPerson,
  isThreadReply,
  mentions,
  messageKey,
  replyThread,
  slackScope,
  stripBotMention,
  toInboundMessage,
  type BotIdentity,
  type SlackMessageEvent,
} from './inbound';
import { markdownMessage, neutraliseMentions } from './slack-text';
import { PLACEHOLDER, SLACK_PART_LIMIT, deliverReply } from './reply-stream';
import { splitMessage } from '../shared/split-message';
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
  /** "@bot kb add" with files attached runs `/kb add` on them (slash commands cannot carry files). */
  readonly kbFiles?: { readonly commands: CommandRunner; readonly files: FileDownloadOptions };
}

/** The whole text of a mention that adds its files: `kb add`, optionally `--workspace`. */
const KB_ADD_TEXT = /^\/?kb\s+(add(?:\s+(?:--|—|–)workspace)?)$/i;

export class MessageHandler {
  private readonly streamingRefusedUntil = new Map<string, number>();

  constructor(private readonly options: MessageHandlerOptions) {}

  async handle(event: SlackMessageEvent, team: string, bot: BotIdentity, client: WebClient): Promise<void> {
    const { app, threads } = this.options;
    if (!isFromPerson(event, bot) || !event.text?.trim()) return;

    if (await this.addFiles(event, team, bot, client)) return;

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

  /** A mention saying `kb add` with files: the core's `/kb add` on them, answered to the sender only. */
  private async addFiles(event: SlackMessageEvent, team: string, bot: BotIdentity, client: WebClient): Promise<boolean> {
    const kb = this.options.kbFiles;
    const files = messageFiles(event.files);
    const text = event.text ?? '';
    const command = KB_ADD_TEXT.exec(stripBotMention(text, bot.userId))?.[1];
    if (!kb || files.length === 0 || !command || !(event.type === 'app_mention' || mentions(text, bot.userId))) return false;
    // The same message also arrives as the other event type (and maybe redelivered): add once.
    if (!(await this.options.app.deduper.claim(messageKey(team, event)))) return true;
    const user = event.user ?? '';
    const reply = await kb.commands.run({
      scope: slackScope(team, event.channel),
      user: { id: user },
      name: 'kb',
      text: command,
      attachments: slackAttachments(files, kb.files),
    });
    for (const part of splitMessage(neutraliseMentions(reply.text), SLACK_PART_LIMIT)) {
      try {
        await client.chat.postEphemeral({ channel: event.channel, user, ...markdownMessage(part), ...(event.thread_ts ? { thread_ts: event.thread_ts } : {}) });
      } catch (err) {
        this.options.logger.warn({ err: err instanceof Error ? err.message : String(err), channel: event.channel }, 'could not tell the user the result of kb add');
      }
    }
    return true;
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
