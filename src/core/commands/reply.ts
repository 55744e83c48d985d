/** What a command answers: text for the caller, and optionally a channel announcement, a file or a form. */

export type FormRequest =
  | { readonly kind: 'persona-edit'; readonly initial: string }
  | { readonly kind: 'fewshot-add'; readonly initialInput?: string; readonly initialOutput?: string };

export type FormSubmission =
  | { readonly kind: 'persona-edit'; readonly text: string }
  | { readonly kind: 'fewshot-add'; readonly input: string; readonly output: string };

export interface CommandReply {
  /** Shown only to the caller (Slack ephemeral, Discord ephemeral, console). */
  readonly text: string;
  /** Posted in the channel for everyone (persona and route changes, SPEC §7). */
  readonly announce?: string;
  readonly file?: { readonly name: string; readonly content: string; readonly mimeType: string };
  /** Open a form (Slack modal / Discord modal) instead of answering. */
  readonly form?: FormRequest;
}

export const reply = (text: string, extra: Omit<CommandReply, 'text'> = {}): CommandReply => ({ text, ...extra });
