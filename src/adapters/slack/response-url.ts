/**
 * Answering the caller of a slash command through its `response_url`, within Slack's limits: a
 * response_url may be used at most 5 times, within 30 minutes of the command
 * (docs.slack.dev/interactivity/handling-user-interaction, "Message responses"). A long command
 * (`/eval run`: its start, its progress, its report) could need more, or take longer; what goes
 * past either limit, or what the response_url refuses, is posted ephemerally with
 * chat.postEphemeral instead, which reaches the caller as long as the bot is in the channel.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';
import type { MarkdownMessage } from './slack-text';

export const RESPONSE_URL_USES = 5;
/** 30 minutes, less a minute for the time the command took to reach us and clocks to differ. */
export const RESPONSE_URL_MS = 29 * 60_000;
/** Progress messages of one command: with its start note and its reply, within the 5 uses. */
export const SLACK_PROGRESS_NOTES = 3;

/** What the bot says: Markdown parts as `markdown` blocks, or a fixed sentence as plain text. */
export type Said = MarkdownMessage | { readonly text: string };

export class CallerReplies {
  private uses = 0;
  /** Messages go out one after another, so the caller reads them in the order they were said. */
  private queue: Promise<void> = Promise.resolve();
  private readonly expiresAt: number;

  constructor(
    private readonly respond: RespondFn,
    private readonly client: webApi.WebClient,
    private readonly caller: { readonly scope: ChannelScope; readonly user: UserRef },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.expiresAt = now() + RESPONSE_URL_MS;
  }

  /** One ephemeral message to the caller, through the response_url while it lasts; resolves once it is sent. */
  say(said: Said): Promise<void> {
    const sent = this.queue.then(() => this.send(said));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  private async send(said: Said): Promise<void> {
    if (this.uses < RESPONSE_URL_USES && this.now() < this.expiresAt) {
      this.uses += 1;
      try {
        await this.respond({ response_type: 'ephemeral', ...said });
        return;
      } catch (err) {
        this.logger.warn({ err }, 'response_url refused; answering with chat.postEphemeral');
      }
    }
    const { scope, user } = this.caller;
    await this.client.chat.postEphemeral({ channel: scope.channel, user: user.id, ...said });
  }
}
