/**
 * Slash commands, modal submissions and the message shortcuts ("Add as few-shot example", "Add as
 * evaluation case", "Add to knowledge base"). Slack is acknowledged first (within its 3 s), then the
 * core runs; answers go to the caller only (`response_url` / ephemeral), announcements to the
 * channel (SPEC §7 "Command replies"). A long command's progress notes reach the caller as it runs,
 * a few of them (`spacedProgress`), so that they and the reply fit the response_url's 5 uses.
 */
import type { RespondFn } from '@slack/bolt';
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import { spacedProgress } from '../../core/commands/progress';
import type { CommandReply } from '../../core/commands/reply';
import type { CommandRunner } from '../../core/commands/registry';
import type { Logger } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';
import { messageFiles, slackAttachments, type FileDownloadOptions } from './files';
import { isFromPerson, slackScope, stripBotMention, toInboundCommand, type BotIdentity, type SlackHistoryMessage, type SlackSlashCommand } from './inbound';
import { buildModal, parseSubmission, type ModalLimits, type SubmittedView } from './modals';
import { CallerReplies, SLACK_PROGRESS_NOTES, type Said } from './response-url';
import { markdownMessages, type MarkdownMessage } from './slack-text';

export interface InteractionOptions {
  readonly commands: CommandRunner;
  readonly logger: Logger;
  readonly limits: ModalLimits;
  /** How message files are fetched for `/kb add` (bot token, size limit, timeout). */
  readonly files: FileDownloadOptions;
}

/** The fields of a message shortcut payload that matter here. */
export interface MessageShortcutPayload<M> {
  readonly message: M;
  readonly channel: { readonly id: string };
  readonly team: { readonly id: string } | null;
  readonly user: { readonly id: string; readonly name?: string; readonly username?: string; readonly team_id?: string };
}

export const NOT_MY_REPLY_SENTENCE = 'This works on my own replies only: pick one of my answers.';
export const NO_FILES_SENTENCE = 'This message has no files; share a file in a message, then use this shortcut on that message.';

/** The caller-only text of a reply, in parts Slack accepts (a file goes up separately, with files.uploadV2). */
function callerParts(reply: CommandReply): MarkdownMessage[] {
  return markdownMessages(reply.text);
}

export class Interactions {
  constructor(private readonly options: InteractionOptions) {}

  /** After `ack()`: run the command and answer through `respond` (the command's response_url). */
  async slashCommand(body: SlackSlashCommand & { trigger_id: string }, respond: RespondFn, client: WebClient): Promise<void> {
    const inbound = toInboundCommand(body);
    if (!inbound) {
      await respond({ response_type: 'ephemeral', text: 'That command arrived incomplete from Slack; please run it again.' });
      return;
    }
    const caller = new CallerReplies(respond, client, inbound, this.options.logger);
    const progress = spacedProgress(async (note) => {
      for (const part of markdownMessages(note.text)) await caller.say(part);
    }, SLACK_PROGRESS_NOTES);
    const reply = await this.options.commands.run(inbound, { progress });
    if (reply.form) {
      const modal = buildModal(reply.form, inbound.scope, this.options.limits);
      if ('refusal' in modal) {
        await caller.say({ text: modal.refusal });
        return;
      }
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: modal.view });
      } catch (err) {
        this.options.logger.warn({ err }, 'views.open failed');
        await caller.say({ text: 'The form could not be opened in time; please run the command again.' });
      }
      return;
    }
    for (const part of callerParts(reply)) await caller.say(part);
    await this.announce(client, inbound.scope.channel, reply);
    const asked = `/${inbound.name} ${inbound.text}`.trim();
    if (reply.image) {
      await this.upload(
        client,
        inbound.scope.channel,
        { file: Buffer.from(reply.image.bytes), filename: reply.image.name, title: reply.image.alt, initial_comment: `Chart for ${asked}` },
        caller,
        'The chart',
      );
    }
    if (reply.file) {
      await this.upload(
        client,
        inbound.scope.channel,
        { file: Buffer.from(reply.file.content, 'utf8'), filename: reply.file.name, title: reply.file.name, initial_comment: `File for ${asked}` },
        caller,
        'The file',
      );
    }
  }

  /**
   * The reply's picture (the /usage chart) or file (the /finetune export) goes to the channel with
   * files.uploadV2: Slack has no ephemeral files. A picture's description is the file title,
   * because the SDK sends alt text as `alt_text` while Slack's files.getUploadURLExternal reference
   * names the argument `alt_txt`.
   */
  private async upload(
    client: WebClient,
    channel: string,
    file: { file: Buffer; filename: string; title: string; initial_comment: string },
    caller: CallerReplies,
    what: string,
  ): Promise<void> {
    try {
      await client.filesUploadV2({ channel_id: channel, ...file });
    } catch (err) {
      this.options.logger.warn({ err, channel }, 'could not upload the file');
      await caller.say({ text: `${what} could not be posted in this channel (invite me to it, or check my files:write permission).` });
    }
  }

  /** After `ack()` closed the modal: apply it, tell the submitter (ephemeral), announce changes. */
  async viewSubmission(view: SubmittedView, user: UserRef, client: WebClient): Promise<void> {
    const parsed = parseSubmission(view);
    if (!parsed) {
      this.options.logger.warn({ callbackId: view.callback_id }, 'malformed modal submission ignored');
      return;
    }
    const reply = await this.options.commands.submitForm(parsed.scope, user, parsed.form);
    await this.tellPrivately(client, parsed.scope, user, reply);
    await this.announce(client, parsed.scope.channel, reply);
  }

  /**
   * The message shortcut on one of the bot's replies: the question it answered (the person's message
   * before it in the thread) and the reply become a few-shot example. Admins only, as `/fewshot add`.
   */
  async fewshotShortcut(
    payload: MessageShortcutPayload<SlackHistoryMessage & { readonly thread_ts?: string }>,
    bot: BotIdentity,
    respond: RespondFn,
    client: WebClient,
  ): Promise<void> {
    const { scope, user } = shortcutCaller(payload);
    const { message } = payload;
    if (!isFromBot(message, bot) || !message.ts) {
      await respond({ response_type: 'ephemeral', text: NOT_MY_REPLY_SENTENCE });
      return;
    }
    let question: string | undefined;
    try {
      question = await this.questionBefore(client, payload.channel.id, message.ts, message.thread_ts, bot);
    } catch (err) {
      this.options.logger.warn({ err }, 'could not read the conversation for the shortcut');
    }
    if (!question) {
      await respond({ response_type: 'ephemeral', text: 'I could not find the question this reply answered, so nothing was added.' });
      return;
    }
    const reply = await this.options.commands.submitForm(scope, user, { kind: 'fewshot-add', input: question, output: replyMarkdown(message) });
    for (const part of callerParts(reply)) await respond({ response_type: 'ephemeral', ...part });
    await this.announce(client, scope.channel, reply);
  }

  /**
   * The "Add as evaluation case" message shortcut on one of the bot's answers: the core finds the
   * answer the message shows and decides (admin? approved with a 👍?); the result goes to the caller.
   */
  async evalShortcut(payload: MessageShortcutPayload<SlackHistoryMessage>, bot: BotIdentity, respond: RespondFn): Promise<void> {
    const { scope, user } = shortcutCaller(payload);
    const { message } = payload;
    if (!isFromBot(message, bot) || !message.ts) {
      await respond({ response_type: 'ephemeral', text: NOT_MY_REPLY_SENTENCE });
      return;
    }
    const reply = await this.options.commands.addEvalCaseFromMessage(scope, user, message.ts);
    for (const part of callerParts(reply)) await respond({ response_type: 'ephemeral', ...part });
  }

  /**
   * The "Add to knowledge base" message shortcut: the message's files go through the core's
   * `/kb add` (its admin rule, limits and per-file replies), because slash commands cannot carry
   * files on Slack. The result goes to the caller only.
   */
  async kbFilesShortcut(
    payload: MessageShortcutPayload<{ readonly ts?: string; readonly files?: unknown }>,
    respond: RespondFn,
    client: WebClient,
  ): Promise<void> {
    const { scope, user } = shortcutCaller(payload);
    const files = messageFiles(payload.message.files);
    if (files.length === 0) {
      await this.tellCaller(client, scope, user, respond, { text: NO_FILES_SENTENCE });
      return;
    }
    const reply = await this.options.commands.run({ scope, user, name: 'kb', text: 'add', attachments: slackAttachments(files, this.options.files) });
    for (const part of callerParts(reply)) await this.tellCaller(client, scope, user, respond, part);
    await this.announce(client, scope.channel, reply);
  }

  /** Ephemeral in the channel; where the bot may not post (not a member), through response_url. */
  private async tellCaller(client: WebClient, scope: ChannelScope, user: UserRef, respond: RespondFn, said: Said): Promise<void> {
    try {
      await client.chat.postEphemeral({ channel: scope.channel, user: user.id, ...said });
    } catch (err) {
      this.options.logger.warn({ err, channel: scope.channel }, 'chat.postEphemeral failed; answering through response_url');
      await respond({ response_type: 'ephemeral', ...said });
    }
  }

  private async questionBefore(client: WebClient, channel: string, ts: string, threadTs: string | undefined, bot: BotIdentity): Promise<string | undefined> {
    const result = threadTs
      ? await client.conversations.replies({ channel, ts: threadTs, limit: 200 })
      : await client.conversations.history({ channel, latest: ts, inclusive: false, limit: 20 });
    const messages = ((result.messages ?? []) as (SlackHistoryMessage & { type?: string })[])
      .filter((m) => m.ts !== undefined && Number(m.ts) < Number(ts) && isFromPerson(m, bot))
      .sort((a, b) => Number(a.ts) - Number(b.ts));
    const question = messages.at(-1);
    return question ? stripBotMention(question.text ?? '', bot.userId) || undefined : undefined;
  }

  private async tellPrivately(client: WebClient, scope: ChannelScope, user: UserRef, reply: CommandReply): Promise<void> {
    for (const part of callerParts(reply)) {
      try {
        await client.chat.postEphemeral({ channel: scope.channel, user: user.id, ...part });
      } catch (err) {
        this.options.logger.warn({ err, channel: scope.channel }, 'could not tell the user the result of a form');
      }
    }
  }

  private async announce(client: WebClient, channel: string, reply: CommandReply): Promise<void> {
    if (!reply.announce) return;
    try {
      for (const part of markdownMessages(reply.announce)) await client.chat.postMessage({ channel, ...part });
    } catch (err) {
      // e.g. not_in_channel: the change stands; only the announcement is missing.
      this.options.logger.warn({ err, channel }, 'could not announce a change in the channel');
    }
  }
}

function isFromBot(message: SlackHistoryMessage, bot: BotIdentity): boolean {
  return message.user === bot.userId || (bot.botId !== undefined && message.bot_id === bot.botId);
}

/** Who used a message shortcut, and in which channel. */
function shortcutCaller(payload: MessageShortcutPayload<unknown>): { scope: ChannelScope; user: UserRef } {
  const team = payload.team?.id ?? payload.user.team_id ?? '';
  const name = payload.user.username ?? payload.user.name;
  return { scope: slackScope(team, payload.channel.id), user: { id: payload.user.id, ...(name ? { name } : {}) } };
}

/** A bot message as Slack stores it → the Markdown-ish text worth keeping as an example output. */
export function fromMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

/**
 * The Markdown of one of the bot's replies: its `markdown` block where the message still carries
 * one (Slack may store it translated into other blocks), else its text.
 */
function replyMarkdown(message: SlackHistoryMessage & { readonly blocks?: unknown }): string {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as { type?: unknown; text?: unknown }[]) : [];
  const markdown = blocks.filter((b) => b.type === 'markdown' && typeof b.text === 'string').map((b) => String(b.text));
  return markdown.length ? markdown.join('\n').trim() : fromMrkdwn(message.text ?? '');
}
