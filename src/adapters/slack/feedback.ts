/**
 * 👍 / 👎 on Slack answers (SPEC §8 "Feedback"): the `context_actions` block with
 * `feedback_buttons` that ends the final message of every recorded answer
 * (docs.slack.dev/reference/block-kit/blocks/context-actions-block), the optional reason form a
 * 👎 opens, and reading both back. Building and parsing are pure; the adapter wires them to Bolt.
 */
import type { types, webApi } from '@slack/bolt';
import type { FinalReply } from '../../core/assistant';
import { UserError, asCodedError } from '../../core/errors';
import { REASON_MAX_CHARS, type Feedback, type VoteResult, type VoteValue } from '../../core/feedback/feedback';
import type { Logger, Permissions } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';
import { toggled } from '../shared/vote-toggle';
import { slackScope } from './inbound';

type WebClient = webApi.WebClient;

/** action_id of the feedback buttons (a `block_actions` interaction names it). */
export const FEEDBACK_ACTION = 'answer_feedback';
/** callback_id of the 👎 reason modal. */
export const REASON_MODAL = 'feedback_reason';
/** The reaction that asks for an exchange to join the training set (`:star:`). */
export const STAR_REACTION = 'star';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** The blocks that end an answer's final message: the feedback buttons, or none for an unrecorded answer. */
export function feedbackBlocks(reply: FinalReply | undefined): types.ContextActionsBlock[] {
  const id = reply?.answerId;
  if (!id) return [];
  return [
    {
      type: 'context_actions',
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION,
          // The value names the vote and the answer: the click needs nothing else to be recorded.
          positive_button: { text: plain('👍'), accessibility_label: 'Mark this answer as helpful', value: `up:${id}` },
          negative_button: { text: plain('👎'), accessibility_label: 'Mark this answer as not helpful', value: `down:${id}` },
        },
      ],
    },
  ];
}

/** A button's value → the vote and the answer it names; undefined for anything else. */
export function parseFeedbackValue(value: unknown): { readonly value: VoteValue; readonly answerId: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(up|down):(.+)$/.exec(value);
  return match ? { value: match[1] as VoteValue, answerId: match[2]! } : undefined;
}

/** The optional one-field form a 👎 opens; the metadata says which answer and channel it is for. */
export function reasonModal(scope: ChannelScope, answerId: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: REASON_MODAL,
    private_metadata: JSON.stringify({ team: scope.workspace, channel: scope.channel, answerId }),
    title: plain('What went wrong?'),
    submit: plain('Send'),
    close: plain('Skip'),
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: plain('Reason (optional)'),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: REASON_MAX_CHARS,
          placeholder: plain('The answer was wrong because…'),
        },
      },
    ],
  };
}

/** A submitted reason modal → its channel, answer and reason; undefined when malformed. */
export function parseReason(view: {
  readonly private_metadata?: string;
  readonly state?: { readonly values?: Record<string, Record<string, { readonly value?: string | null }>> };
}): { readonly scope: ChannelScope; readonly answerId: string; readonly reason: string } | undefined {
  let meta: { team?: unknown; channel?: unknown; answerId?: unknown };
  try {
    meta = JSON.parse(view.private_metadata ?? '') as typeof meta;
  } catch {
    return undefined;
  }
  if (typeof meta.team !== 'string' || typeof meta.channel !== 'string' || typeof meta.answerId !== 'string') return undefined;
  return { scope: slackScope(meta.team, meta.channel), answerId: meta.answerId, reason: view.state?.values?.['reason']?.['value']?.value ?? '' };
}

export interface SlackFeedbackOptions {
  readonly feedback: Feedback;
  /** The Slack admin rule with ADMIN_USER_IDS on top (`app.admins(...)`). */
  readonly permissions: Permissions;
  readonly logger: Logger;
}

/** Who clicked, where, and on what: the fields of a `block_actions` payload that matter here. */
export interface FeedbackClick {
  readonly team: string;
  readonly channel: string;
  readonly user: UserRef;
  readonly value: unknown;
  readonly triggerId: string;
}

/** The 3 s acknowledgement is the adapter's (Bolt `ack()` first); these run after it. */
export class SlackFeedback {
  constructor(private readonly options: SlackFeedbackOptions) {}

  /** A 👍 / 👎 click: the user's vote (an admin's 👍 approves); a 👎 also opens the reason form. */
  async click(click: FeedbackClick, client: WebClient): Promise<void> {
    const parsed = parseFeedbackValue(click.value);
    if (!parsed) {
      this.options.logger.warn({ value: click.value }, 'feedback click with an unknown value ignored');
      return;
    }
    const scope = slackScope(click.team, click.channel);
    const result = await this.vote(client, scope, click.user, { ...parsed, toggle: true });
    if (!result) return;
    if (result.value === 'down') {
      try {
        await client.views.open({ trigger_id: click.triggerId, view: reasonModal(scope, parsed.answerId) });
      } catch (err) {
        // The 👎 stands; only the optional reason is lost.
        this.options.logger.warn({ err }, 'could not open the feedback reason form');
      }
    }
    if (result.approved) await this.tell(client, scope, click.user, APPROVED_SENTENCE);
  }

  /** The reason form's submission: the same 👎 again, now with its reason. */
  async reason(view: Parameters<typeof parseReason>[0], user: UserRef, client: WebClient): Promise<void> {
    const parsed = parseReason(view);
    if (!parsed) {
      this.options.logger.warn({}, 'malformed feedback reason submission ignored');
      return;
    }
    const result = await this.vote(client, parsed.scope, user, { value: 'down', answerId: parsed.answerId, reason: parsed.reason });
    if (result) await this.tell(client, parsed.scope, user, 'Thanks — your reason was recorded with your 👎.');
  }

  /** A `reaction_added` event: ⭐ on an answer's message from an admin adds the exchange to the training set. */
  async reaction(
    event: {
      readonly reaction?: unknown;
      readonly user?: unknown;
      readonly item?: { readonly type?: unknown; readonly channel?: unknown; readonly ts?: unknown };
    },
    team: string,
    client: WebClient,
  ): Promise<void> {
    const { item } = event;
    if (
      event.reaction !== STAR_REACTION ||
      typeof event.user !== 'string' ||
      item?.type !== 'message' ||
      typeof item.channel !== 'string' ||
      typeof item.ts !== 'string'
    )
      return;
    const scope = slackScope(team, item.channel);
    const answerId = await this.options.feedback.answerIdOfMessage(scope, item.ts);
    if (!answerId) return; // a star on any other message means nothing to the bot
    const user = { id: event.user };
    const isAdmin = await this.options.permissions.isAdmin(user, scope);
    if (!isAdmin) return; // a member's ⭐ is just a reaction
    try {
      if (await this.options.feedback.star(scope, answerId, user, true)) await this.tell(client, scope, user, APPROVED_SENTENCE);
    } catch (err) {
      this.options.logger.warn({ err: asCodedError(err) }, 'could not approve a starred answer');
    }
  }

  private async vote(
    client: WebClient,
    scope: ChannelScope,
    user: UserRef,
    vote: { readonly value: VoteValue; readonly answerId: string; readonly reason?: string; readonly toggle?: boolean },
  ): Promise<VoteResult | undefined> {
    try {
      const isAdmin = await this.options.permissions.isAdmin(user, scope);
      const value = vote.toggle ? await toggled(this.options.feedback, scope, user, vote.answerId, vote.value) : vote.value;
      return await this.options.feedback.vote({
        scope,
        user,
        answerId: vote.answerId,
        value,
        ...(vote.reason !== undefined ? { reason: vote.reason } : {}),
        isAdmin,
      });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      await this.tell(client, scope, user, err.message);
      return undefined;
    }
  }

  private async tell(client: WebClient, scope: ChannelScope, user: UserRef, text: string): Promise<void> {
    try {
      await client.chat.postEphemeral({ channel: scope.channel, user: user.id, text });
    } catch (err) {
      this.options.logger.warn({ err }, 'could not tell the user about their feedback');
    }
  }
}

export const APPROVED_SENTENCE = 'Thanks — this question and answer were added to the training set.';
