/**
 * 👍 / 👎 on Discord answers (SPEC §8 "Feedback"): two buttons below the final part of every
 * recorded answer (custom ids naming the vote and the answer), the optional one-field reason modal
 * a 👎 opens, and ⭐ reactions. Building and parsing are pure; `DiscordFeedback` runs the
 * interactions (each answered within Discord's 3 s: the vote is a store write) and reactions.
 */
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIModalInteractionResponseCallbackData,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { FinalReply } from '../../core/assistant';
import { UserError } from '../../core/errors';
import { REASON_MAX_CHARS, type Feedback, type VoteValue } from '../../core/feedback/feedback';
import type { Logger, Permissions } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';
import { toggled } from '../shared/vote-toggle';

/** Components below a message (action rows of buttons). */
export type MessageComponents = readonly APIActionRowComponent<APIButtonComponentWithCustomId>[];

const BUTTON_PREFIX = 'channelwise:feedback:';
const REASON_PREFIX = 'channelwise:feedback-reason:';
export const REASON_FIELD = 'reason';
export const STAR_EMOJI = '⭐';
export const THANKS = 'Thanks for the feedback.';
export const APPROVED_SENTENCE = 'Thanks — this question and answer were added to the training set.';
export const TAKEN_BACK = 'Your vote on this answer was taken back.';
export const REASON_THANKS = 'Thanks — your reason was recorded with your 👎.';

/** The buttons below an answer's final part, or none for an unrecorded answer (failures, offline). */
export function feedbackComponents(reply: FinalReply | undefined): MessageComponents {
  const id = reply?.answerId;
  if (!id) return [];
  const button = (value: VoteValue, emoji: string): APIButtonComponentWithCustomId => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    emoji: { name: emoji },
    custom_id: `${BUTTON_PREFIX}${value}:${id}`,
  });
  return [{ type: ComponentType.ActionRow, components: [button('up', '👍'), button('down', '👎')] }];
}

/** A button's custom id → the vote and the answer; undefined when it is not a feedback button. */
export function parseFeedbackButton(customId: string): { readonly value: VoteValue; readonly answerId: string } | undefined {
  if (!customId.startsWith(BUTTON_PREFIX)) return undefined;
  const match = /^(up|down):(.+)$/.exec(customId.slice(BUTTON_PREFIX.length));
  return match ? { value: match[1] as VoteValue, answerId: match[2]! } : undefined;
}

export function isFeedbackModal(customId: string): boolean {
  return customId.startsWith(REASON_PREFIX);
}

/** The 👎 reason form: one optional paragraph. */
export function reasonModal(answerId: string): APIModalInteractionResponseCallbackData {
  return {
    custom_id: `${REASON_PREFIX}${answerId}`,
    title: 'What went wrong?',
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: REASON_FIELD,
            label: 'Reason (optional)',
            style: TextInputStyle.Paragraph,
            required: false,
            max_length: REASON_MAX_CHARS,
            placeholder: 'The answer was wrong because…',
          },
        ],
      },
    ],
  };
}

export interface DiscordFeedbackDeps {
  readonly feedback: Feedback;
  /** The Discord admin rule with ADMIN_USER_IDS on top (`app.admins(...)`). */
  readonly permissions: Permissions;
  readonly logger: Logger;
}

export class DiscordFeedback {
  constructor(private readonly deps: DiscordFeedbackDeps) {}

  /**
   * A 👍 / 👎 click. A 👎 answers with the reason modal (a modal must be the first response, so the
   * vote is written first: the store is fast, well within the 3 s); a 👍 with an ephemeral thanks.
   */
  async button(interaction: ButtonInteraction, scope: ChannelScope, user: UserRef): Promise<boolean> {
    const parsed = parseFeedbackButton(interaction.customId);
    if (!parsed) return false;
    const result = await this.vote(scope, user, parsed.answerId, parsed.value, undefined, true);
    if (typeof result === 'string') {
      await interaction.reply({ content: result, flags: MessageFlags.Ephemeral });
      return true;
    }
    if (result.value === 'down') await interaction.showModal(reasonModal(parsed.answerId));
    else
      await interaction.reply({ content: result.value === 'none' ? TAKEN_BACK : result.approved ? APPROVED_SENTENCE : THANKS, flags: MessageFlags.Ephemeral });
    return true;
  }

  /** The reason modal's submission: the same 👎 again, with its reason. */
  async reason(interaction: ModalSubmitInteraction, scope: ChannelScope, user: UserRef, reason: string): Promise<void> {
    const answerId = interaction.customId.slice(REASON_PREFIX.length);
    const result = await this.vote(scope, user, answerId, 'down', reason);
    await interaction.reply({ content: typeof result === 'string' ? result : REASON_THANKS, flags: MessageFlags.Ephemeral });
  }

  /** ⭐ on one of an answer's messages: an admin's adds the exchange to the training set; anyone else's nothing. */
  async reaction(scope: ChannelScope, messageId: string, user: UserRef, emoji: string | null): Promise<boolean> {
    if (emoji !== STAR_EMOJI) return false;
    const answerId = await this.deps.feedback.answerIdOfMessage(scope, messageId);
    if (!answerId) return false;
    if (!(await this.deps.permissions.isAdmin(user, scope))) return false;
    try {
      return await this.deps.feedback.star(scope, answerId, user, true);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.deps.logger.info({ answerId }, err.message);
      return false;
    }
  }

  /** The vote's result, or the sentence saying why it was refused (nothing changed). */
  private async vote(scope: ChannelScope, user: UserRef, answerId: string, clicked: VoteValue, reason?: string, toggle = false) {
    try {
      const isAdmin = await this.deps.permissions.isAdmin(user, scope);
      const value = toggle ? await toggled(this.deps.feedback, scope, user, answerId, clicked) : clicked;
      return await this.deps.feedback.vote({ scope, user, answerId, value, ...(reason !== undefined ? { reason } : {}), isAdmin });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return err.message;
    }
  }
}
