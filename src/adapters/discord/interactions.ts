/**
 * Slash commands, autocomplete, modal submissions and the message context-menu commands. Each
 * interaction is acknowledged within Discord's 3 s: deferred (ephemeral) at once and answered with
 * follow-ups once the core is done — except the subcommands that may open a modal, which must be
 * the first response and are answered directly (their work is a profile read). Answers go to the
 * caller only; persona and route changes are announced in the channel (SPEC §7). A long command's
 * progress edits the deferred reply and its answer follows below (progress.ts); past the
 * interaction token's 15 minutes, the answer is posted in the channel instead.
 */
import {
  DiscordAPIError,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { App } from '../../app';
import type { CommandReply } from '../../core/commands/reply';
import type { CommandRunner } from '../../core/commands/registry';
import { optionsToText } from '../../core/commands/table';
import type { CommandFamily } from '../../core/commands/types';
import { UserError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { channelKnowledgeBase } from '../../core/profiles/resolve';
import type { ChannelScope, UserRef } from '../../core/types';
import { splitMessage } from '../shared/split-message';
import { AUTOCOMPLETE, EVAL_MENU, FEWSHOT_MENU, KB_MENU } from './commands';
import { REASON_FIELD, isFeedbackModal, type DiscordFeedback } from './feedback';
import { discordAttachments, type FileDownloadOptions } from './files';
import type { ConversationHistory } from './history';
import { discordScope, stripBotMention } from './inbound';
import { buildModal, readSubmission, type ModalLimits } from './modals';
import { grantsAdmin, type DiscordPermissions } from './permissions';
import { InteractionProgress } from './progress';
import { DISCORD_PART_LIMIT, type ChannelLimiter, type DiscordWriter } from './reply';

const ALLOWED = { parse: [], repliedUser: false } as const;
const AUTOCOMPLETE_MAX = 25;
/** Discord's answers to a webhook call with a token that is no longer valid. */
const EXPIRED_TOKEN_CODES: ReadonlySet<number | string> = new Set([50027, 10015]);
/** A file sent with a reply: a command's file or its chart. */
interface DiscordFile {
  readonly attachment: Buffer;
  readonly name: string;
  readonly description?: string;
}

export const WENT_WRONG = 'Something went wrong running that command; nothing was changed.';

export interface InteractionDeps {
  readonly app: App;
  readonly commands: CommandRunner;
  readonly permissions: DiscordPermissions;
  readonly writer: DiscordWriter;
  readonly limiter: ChannelLimiter;
  readonly history: ConversationHistory;
  readonly botId: string;
  readonly files: FileDownloadOptions;
  readonly limits: ModalLimits;
  readonly logger: Logger;
  /** 👍 / 👎 buttons and the reason modal. */
  readonly feedback: DiscordFeedback;
  /** At most one edit of a progress reply per interval (SPEC §7). */
  readonly editIntervalMs: number;
  /** The clock an interaction token's 15 minutes are read on. */
  readonly now: () => number;
}

type Answerable = RepliableInteraction;

/** Where an interaction was used, and by whom (noting what it says about their permissions). */
function callerOf(interaction: Interaction, permissions: DiscordPermissions): { scope: ChannelScope; user: UserRef } {
  const channel = interaction.channel;
  const parent = channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
  const scope = discordScope(interaction.guildId, interaction.channelId ?? '', parent);
  if (interaction.guildId) {
    const owner = interaction.guild?.ownerId === interaction.user.id;
    permissions.note(interaction.guildId, interaction.user.id, owner || grantsAdmin(interaction.memberPermissions?.bitfield ?? 0n));
  }
  return { scope, user: { id: interaction.user.id, name: interaction.user.username } };
}

/** The caller-only text of a reply in parts Discord accepts; a file travels with the last part. */
function callerParts(reply: CommandReply): string[] {
  return splitMessage(reply.text || '✓', DISCORD_PART_LIMIT);
}

export class DiscordInteractions {
  constructor(private readonly deps: InteractionDeps) {}

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) return await this.slashCommand(interaction);
      if (interaction.isAutocomplete()) return await this.autocomplete(interaction);
      if (interaction.isButton()) return await this.button(interaction);
      if (interaction.isModalSubmit()) return await this.modalSubmit(interaction);
      if (interaction.isMessageContextMenuCommand()) return await this.messageCommand(interaction);
    } catch (err) {
      this.deps.logger.error({ err, type: interaction.type }, 'Discord interaction failed');
      if (interaction.isRepliable()) await this.tell(interaction, WENT_WRONG).catch(() => undefined);
    }
  }

  private async slashCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const { scope, user } = callerOf(interaction, this.deps.permissions);
    const family = interaction.commandName as CommandFamily;
    const subcommand = interaction.options.getSubcommand(false) ?? undefined;
    const values: Record<string, string | number | boolean> = {};
    const options = subcommand ? (interaction.options.data[0]?.options ?? []) : interaction.options.data;
    for (const option of options) {
      if (option.attachment) values[option.name] = option.attachment.name;
      else if (option.value !== undefined && option.value !== null) values[option.name] = option.value;
    }
    // Only these may open a modal, which must be the first response: everything else is deferred now.
    const mayOpenForm =
      (family === 'persona' && subcommand === 'edit') ||
      ((family === 'fewshot' || family === 'eval') && subcommand === 'add' && Object.keys(values).length === 0);
    if (!mayOpenForm) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const progress = mayOpenForm
      ? undefined
      : new InteractionProgress({
          createdAt: interaction.createdTimestamp,
          now: this.deps.now,
          editIntervalMs: this.deps.editIntervalMs,
          edit: async (content) => {
            await interaction.editReply({ content, allowedMentions: ALLOWED });
          },
          logger: this.deps.logger,
        });

    let text: string;
    try {
      text = optionsToText(family, subcommand, values);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      await this.tell(interaction, err.message);
      return;
    }
    const attachments = options.flatMap((o) => (o.attachment ? [o.attachment] : []));
    const reply = await this.deps.commands.run(
      {
        scope,
        user,
        name: family,
        text,
        ...(attachments.length
          ? {
              attachments: discordAttachments(
                attachments.map((a) => ({ name: a.name, url: a.url, size: a.size, contentType: a.contentType })),
                this.deps.files,
              ),
            }
          : {}),
      },
      progress ? { progress: progress.sink } : {},
    );
    if (reply.form && mayOpenForm) {
      const built = buildModal(reply.form, this.deps.limits);
      if ('refusal' in built) await this.tell(interaction, built.refusal);
      else await interaction.showModal(built.modal);
      return;
    }
    if (progress?.used) await this.answerAfterProgress(interaction, scope, user, reply, progress);
    else await this.answer(interaction, scope, reply);
  }

  /**
   * The answer of a command that showed progress: a follow-up below the progress, while the
   * interaction's token lasts; after that (or when Discord says it expired), in the channel.
   */
  private async answerAfterProgress(
    interaction: ChatInputCommandInteraction,
    scope: ChannelScope,
    user: UserRef,
    reply: CommandReply,
    progress: InteractionProgress,
  ): Promise<void> {
    await progress.settle();
    if (progress.tokenValid()) {
      try {
        await this.answer(interaction, scope, reply, { followUp: true });
        return;
      } catch (err) {
        if (!(err instanceof DiscordAPIError && EXPIRED_TOKEN_CODES.has(err.code))) throw err;
      }
    }
    const channelId = interaction.channelId;
    const asked = `/${interaction.commandName} ${interaction.options.getSubcommand(false) ?? ''}`.trim();
    const parts = splitMessage(
      `${user.name ?? user.id}'s ${asked} took longer than the 15 minutes Discord allows a private reply, so here it is:\n${reply.text}`,
      DISCORD_PART_LIMIT,
    );
    // The chart goes with the last part, as it would have with the private reply.
    const image = reply.image ? [{ name: reply.image.name, data: reply.image.bytes, description: reply.image.alt.slice(0, 1024) }] : [];
    for (const [index, part] of parts.entries()) {
      const files = index === parts.length - 1 ? image : [];
      await this.deps.limiter.run(channelId, () => this.deps.writer.post(channelId, part, undefined, undefined, files));
    }
  }

  private async button(interaction: ButtonInteraction): Promise<void> {
    const { scope, user } = callerOf(interaction, this.deps.permissions);
    if (await this.deps.feedback.button(interaction, scope, user)) return;
    await this.tell(interaction, 'That button is not one I know.');
  }

  private async modalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
    if (isFeedbackModal(interaction.customId)) {
      const { scope, user } = callerOf(interaction, this.deps.permissions);
      let reason = '';
      try {
        reason = interaction.fields.getTextInputValue(REASON_FIELD);
      } catch {
        // An optional field left empty may be left out of the submission.
      }
      await this.deps.feedback.reason(interaction, scope, user, reason);
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { scope, user } = callerOf(interaction, this.deps.permissions);
    const form = readSubmission(interaction.customId, (id) => {
      try {
        return interaction.fields.getTextInputValue(id);
      } catch {
        return undefined;
      }
    });
    if (!form) {
      this.deps.logger.warn({ customId: interaction.customId }, 'malformed modal submission ignored');
      await this.tell(interaction, 'That form is not one I know; nothing was changed.');
      return;
    }
    await this.answer(interaction, scope, await this.deps.commands.submitForm(scope, user, form));
  }

  private async messageCommand(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { scope, user } = callerOf(interaction, this.deps.permissions);
    const target = interaction.targetMessage;
    if (interaction.commandName === FEWSHOT_MENU) {
      if (target.author.id !== this.deps.botId) {
        await this.tell(interaction, 'This works on my own replies only: pick one of my answers.');
        return;
      }
      const chain = target.reference?.messageId ? await this.deps.history.replyChain(target.channelId, target.reference.messageId).catch(() => []) : [];
      const question = chain.filter((m) => m.role === 'user').at(-1)?.content;
      if (!question) {
        await this.tell(interaction, 'I could not find the question this reply answered, so nothing was added.');
        return;
      }
      const reply = await this.deps.commands.submitForm(scope, user, { kind: 'fewshot-add', input: question, output: target.content.trim() });
      await this.answer(interaction, scope, reply);
      return;
    }
    if (interaction.commandName === EVAL_MENU) {
      if (target.author.id !== this.deps.botId) {
        await this.tell(interaction, 'This works on my own replies only: pick one of my answers.');
        return;
      }
      await this.answer(interaction, scope, await this.deps.commands.addEvalCaseFromMessage(scope, user, target.id));
      return;
    }
    if (interaction.commandName === KB_MENU) {
      const text = stripBotMention(target.content, this.deps.botId);
      const files = [...target.attachments.values()].map((a) => ({ name: a.name, url: a.url, size: a.size, contentType: a.contentType }));
      if (!text && files.length === 0) {
        await this.tell(interaction, 'This message has no text or files to add.');
        return;
      }
      const replies: CommandReply[] = [];
      // One command per source, each with its own admin check and answer (the grammar takes one at a time).
      if (text) replies.push(await this.deps.commands.run({ scope, user, name: 'kb', text: `add ${text}` }));
      if (files.length)
        replies.push(await this.deps.commands.run({ scope, user, name: 'kb', text: 'add', attachments: discordAttachments(files, this.deps.files) }));
      const unique = [...new Set(replies.map((r) => r.text))];
      await this.answer(interaction, scope, { text: unique.join('\n') });
      return;
    }
    await this.tell(interaction, 'That command is not one I know.');
  }

  /** Up to 25 choices that contain what was typed: saved personas and presets, models, documents. */
  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const { scope } = callerOf(interaction, this.deps.permissions);
    const focused = interaction.options.getFocused(true);
    const subcommand = interaction.options.getSubcommand(false);
    const source = AUTOCOMPLETE[[interaction.commandName, subcommand, focused.name].filter(Boolean).join(' ')];
    const typed = String(focused.value).toLowerCase();
    let names: string[] = [];
    const { app } = this.deps;
    if (source === 'personas') {
      const { saved, presets } = await app.profiles.listPersonas(scope);
      names = [...saved.map((p) => p.name), ...presets.map((p) => p.name)];
    } else if (source === 'models') {
      const profile = await app.profiles.resolve(scope);
      names = [
        profile.model.value,
        profile.fineTunedModel.value ?? '',
        app.config.models.chat,
        ...Object.keys(app.config.prices).filter((m) => m !== 'default'),
      ];
    } else if (source === 'documents') {
      names = (await app.knowledge.list(channelKnowledgeBase(scope))).map((d) => d.id);
    }
    const choices = [...new Set(names.filter((n) => n !== '' && n.toLowerCase().includes(typed)))]
      .slice(0, AUTOCOMPLETE_MAX)
      .map((name) => ({ name: name.slice(0, 100), value: name.slice(0, 100) }));
    await interaction.respond(choices);
  }

  /** The reply to the caller (ephemeral; `followUp`: every part below what was shown), then the announcement in the channel. */
  private async answer(interaction: Answerable, scope: ChannelScope, reply: CommandReply, how: { readonly followUp?: boolean } = {}): Promise<void> {
    const parts = callerParts(reply);
    const file: DiscordFile[] = [
      ...(reply.file ? [{ attachment: Buffer.from(reply.file.content, 'utf8'), name: reply.file.name }] : []),
      // The /usage chart; its alt text becomes the attachment's description.
      ...(reply.image ? [{ attachment: Buffer.from(reply.image.bytes), name: reply.image.name, description: reply.image.alt.slice(0, 1024) }] : []),
    ];
    for (const [index, part] of parts.entries()) {
      const files = index === parts.length - 1 ? file : [];
      if (index === 0 && !how.followUp) await this.tell(interaction, part, files);
      else await interaction.followUp({ content: part, flags: MessageFlags.Ephemeral, allowedMentions: ALLOWED, files });
    }
    if (reply.announce && interaction.channelId) {
      const channelId = interaction.channelId;
      const announce = reply.announce;
      try {
        await this.deps.limiter.run(channelId, () => this.deps.writer.post(channelId, announce));
      } catch (err) {
        // e.g. no permission to post there: the change stands; only the announcement is missing.
        this.deps.logger.warn({ err, channel: channelId, scope: scope.channel }, 'could not announce a change in the channel');
      }
    }
  }

  /** The first answer to the caller: the deferred reply's edit, or the reply itself. */
  private async tell(interaction: Answerable, content: string, files: DiscordFile[] = []): Promise<void> {
    if (interaction.deferred || interaction.replied) await interaction.editReply({ content, allowedMentions: ALLOWED, files });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: ALLOWED, files });
  }
}
