/**
 * Slack modals for the commands whose text is best edited in a form (SPEC §3): `/persona edit`
 * (prefilled with the current persona), `/fewshot add` and `/eval add` without text. Building a view and reading
 * a submission are pure; the adapter opens them (views.open) and hands submissions to the core's
 * `submitForm`, which applies the same admin rule and validation as the typed commands.
 */
import type { types } from '@slack/bolt';
import type { FormRequest, FormSubmission } from '../../core/commands/reply';
import type { ChannelScope } from '../../core/types';
import { slackScope } from './inbound';

export const PERSONA_MODAL = 'persona_edit';
export const FEWSHOT_MODAL = 'fewshot_add';
export const EVAL_MODAL = 'eval_add';
/** Slack's ceiling for a plain_text_input (`max_length` may not exceed it). */
export const SLACK_INPUT_MAX = 3000;

export interface ModalLimits {
  readonly personaChars: number;
  readonly exampleChars: number;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function textInput(blockId: string, label: string, initial: string | undefined, maxLength: number, placeholder: string): types.InputBlock {
  return {
    type: 'input' as const,
    block_id: blockId,
    label: plain(label),
    element: {
      type: 'plain_text_input' as const,
      action_id: 'value',
      multiline: true,
      max_length: maxLength,
      placeholder: plain(placeholder),
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

/** The view to open for a form request, or a sentence saying why it cannot be a form. */
export function buildModal(form: FormRequest, scope: ChannelScope, limits: ModalLimits): { readonly view: types.ModalView } | { readonly refusal: string } {
  const metadata = JSON.stringify({ team: scope.workspace, channel: scope.channel });
  if (form.kind === 'persona-edit') {
    const max = Math.min(SLACK_INPUT_MAX, limits.personaChars);
    if (form.initial.length > max) {
      return {
        refusal: `The current persona is ${form.initial.length.toLocaleString('en-US')} characters, more than a Slack form holds (${max.toLocaleString('en-US')}); use /persona set <text> instead.`,
      };
    }
    return {
      view: {
        type: 'modal',
        callback_id: PERSONA_MODAL,
        private_metadata: metadata,
        title: plain('Edit persona'),
        submit: plain('Save'),
        close: plain('Cancel'),
        blocks: [textInput('persona', 'Persona (system prompt) for this channel', form.initial, max, 'You are…')],
      },
    };
  }
  const max = Math.min(SLACK_INPUT_MAX, limits.exampleChars);
  if (form.kind === 'eval-add') {
    return {
      view: {
        type: 'modal',
        callback_id: EVAL_MODAL,
        private_metadata: metadata,
        title: plain('Add evaluation case'),
        submit: plain('Add'),
        close: plain('Cancel'),
        blocks: [
          textInput('input', 'Input (what someone asks)', undefined, max, 'Which floor is the canteen on?'),
          textInput('expected', 'Expected answer (what a good answer says)', undefined, max, 'The third floor.'),
        ],
      },
    };
  }
  return {
    view: {
      type: 'modal',
      callback_id: FEWSHOT_MODAL,
      private_metadata: metadata,
      title: plain('Add few-shot example'),
      submit: plain('Add'),
      close: plain('Cancel'),
      blocks: [
        textInput('input', 'Input (what someone asks)', form.initialInput, max, 'How do I reset my password?'),
        textInput('output', 'Output (how the bot should answer)', form.initialOutput, max, 'Go to …'),
      ],
    },
  };
}

/** The fields of a view_submission payload's view that matter here. */
export interface SubmittedView {
  readonly callback_id: string;
  readonly private_metadata?: string;
  readonly state?: { readonly values?: Record<string, Record<string, { readonly value?: string | null }>> };
}

function fieldValue(view: SubmittedView, blockId: string): string {
  return view.state?.values?.[blockId]?.['value']?.value ?? '';
}

/** A submitted modal → the channel it is for and the core's form submission; undefined when malformed. */
export function parseSubmission(view: SubmittedView): { scope: ChannelScope; form: FormSubmission } | undefined {
  let meta: { team?: unknown; channel?: unknown };
  try {
    meta = JSON.parse(view.private_metadata ?? '') as typeof meta;
  } catch {
    return undefined;
  }
  if (typeof meta.team !== 'string' || typeof meta.channel !== 'string') return undefined;
  const scope = slackScope(meta.team, meta.channel);
  if (view.callback_id === PERSONA_MODAL) return { scope, form: { kind: 'persona-edit', text: fieldValue(view, 'persona') } };
  if (view.callback_id === FEWSHOT_MODAL) {
    return { scope, form: { kind: 'fewshot-add', input: fieldValue(view, 'input'), output: fieldValue(view, 'output') } };
  }
  if (view.callback_id === EVAL_MODAL) {
    return { scope, form: { kind: 'eval-add', input: fieldValue(view, 'input'), expected: fieldValue(view, 'expected') } };
  }
  return undefined;
}
