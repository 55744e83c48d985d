/**
 * Discord modals for `/persona edit` (prefilled with the current persona), `/fewshot add` and
 * `/eval add` with no options (SPEC §3, §7): paragraph inputs within Discord's 4,000-character field limit (and the
 * configured limits). Building a modal and reading a submission are pure; the core's `submitForm`
 * applies the same admin rule and validation as the typed commands.
 */
import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord.js';
import type { AppConfig } from '../../config';
import type { FormRequest, FormSubmission } from '../../core/commands/reply';

export const PERSONA_MODAL = 'channelwise:persona-edit';
export const FEWSHOT_MODAL = 'channelwise:fewshot-add';
export const EVAL_MODAL = 'channelwise:eval-add';
/** Discord's ceiling for a text input's `max_length` and `value`. */
export const DISCORD_INPUT_MAX = 4000;

/** The configured limits a form's fields are held to (config `limits`). */
export type ModalLimits = Pick<AppConfig['limits'], 'personaChars' | 'exampleChars'>;

function paragraph(customId: string, label: string, maxLength: number, value: string | undefined, placeholder: string) {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.TextInput,
        custom_id: customId,
        label,
        style: TextInputStyle.Paragraph,
        max_length: maxLength,
        required: true,
        placeholder,
        ...(value ? { value } : {}),
      },
    ],
  };
}

/** The modal for a form request, or one sentence saying why it cannot be one. */
export function buildModal(form: FormRequest, limits: ModalLimits): { readonly modal: APIModalInteractionResponseCallbackData } | { readonly refusal: string } {
  if (form.kind === 'persona-edit') {
    const max = Math.min(DISCORD_INPUT_MAX, limits.personaChars);
    if (form.initial.length > max) {
      return {
        refusal: `The current persona is ${form.initial.length.toLocaleString('en-US')} characters, more than a Discord form field holds (${max.toLocaleString('en-US')}); use /persona set text:<persona> instead.`,
      };
    }
    return {
      modal: {
        custom_id: PERSONA_MODAL,
        title: 'Edit the channel persona',
        components: [paragraph('persona', 'Persona (system prompt)', max, form.initial, 'You are …')],
      } as APIModalInteractionResponseCallbackData,
    };
  }
  const max = Math.min(DISCORD_INPUT_MAX, limits.exampleChars);
  if (form.kind === 'eval-add') {
    return {
      modal: {
        custom_id: EVAL_MODAL,
        title: 'Add an evaluation case',
        components: [
          paragraph('input', 'What a user writes', max, undefined, 'Which floor is the canteen on?'),
          paragraph('expected', 'The answer a good bot gives', max, undefined, 'The third floor.'),
        ],
      } as APIModalInteractionResponseCallbackData,
    };
  }
  return {
    modal: {
      custom_id: FEWSHOT_MODAL,
      title: 'Add a few-shot example',
      components: [
        paragraph('input', 'What a user writes', max, form.initialInput, 'How do I reset my password?'),
        paragraph('output', 'The answer the bot should give', max, form.initialOutput, 'Go to Settings → Security → Reset password.'),
      ],
    } as APIModalInteractionResponseCallbackData,
  };
}

/** A submitted modal → the form, or undefined when it is not one of ours (or is missing a field). */
export function readSubmission(customId: string, field: (id: string) => string | undefined): FormSubmission | undefined {
  if (customId === PERSONA_MODAL) {
    const text = field('persona');
    return text === undefined ? undefined : { kind: 'persona-edit', text };
  }
  if (customId === FEWSHOT_MODAL) {
    const input = field('input');
    const output = field('output');
    return input === undefined || output === undefined ? undefined : { kind: 'fewshot-add', input, output };
  }
  if (customId === EVAL_MODAL) {
    const input = field('input');
    const expected = field('expected');
    return input === undefined || expected === undefined ? undefined : { kind: 'eval-add', input, expected };
  }
  return undefined;
}
