/** What a command answers: text for the caller, and optionally a channel announcement, a file or a form. */

export type FormRequest =
  | { readonly kind: 'persona-edit'; readonly initial: string }
  | { readonly kind: 'fewshot-add'; readonly initialInput?: string; readonly initialOutput?: string }
  | { readonly kind: 'eval-add' };

export type FormSubmission =
  | { readonly kind: 'persona-edit'; readonly text: string }
  | { readonly kind: 'fewshot-add'; readonly input: string; readonly output: string }
  | { readonly kind: 'eval-add'; readonly input: string; readonly expected: string };

/** A picture that goes with a reply (the /usage and /eval charts), platform-neutral: Slack uploads it, Discord attaches it. */
export interface ReplyImage {
  readonly bytes: Uint8Array;
  /** File name, e.g. `usage-7d.png`. */
  readonly name: string;
  readonly mimeType: 'image/png';
  /** Alt text: what the picture shows, for screen readers and where images are off. */
  readonly alt: string;
}

export interface CommandReply {
  /** Shown only to the caller (Slack ephemeral, Discord ephemeral, console). */
  readonly text: string;
  /** Posted in the channel for everyone (persona and route changes, SPEC §7). */
  readonly announce?: string;
  readonly file?: { readonly name: string; readonly content: string; readonly mimeType: string };
  /** Open a form (Slack modal / Discord modal) instead of answering. */
  readonly form?: FormRequest;
  readonly image?: ReplyImage;
  /** The same chart drawn in text (monospace), for the console, which shows no pictures. */
  readonly textChart?: string;
}

export const reply = (text: string, extra: Omit<CommandReply, 'text'> = {}): CommandReply => ({ text, ...extra });
