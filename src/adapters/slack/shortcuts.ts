/**
 * The message shortcuts (a message's "More actions" menu), each defined once: the adapter listens
 * on their callback_ids and `npm run slack:manifest` writes them into config/slack-manifest.json.
 */

/** "Add as few-shot example" on one of the bot's replies. */
export const FEWSHOT_SHORTCUT = 'add_fewshot_example';
/** "Add as evaluation case" on one of the bot's answers that has a 👍. */
export const EVAL_SHORTCUT = 'add_eval_case';
/** "Add to knowledge base" on a message with files. */
export const KB_FILES_SHORTCUT = 'kb_add_files';

export interface MessageShortcut {
  readonly callback_id: string;
  /** Slack's limit: 24 characters. */
  readonly name: string;
  /** Slack's limit: 150 characters. */
  readonly description: string;
}

export const MESSAGE_SHORTCUTS: readonly MessageShortcut[] = [
  {
    callback_id: FEWSHOT_SHORTCUT,
    name: 'Add as few-shot example',
    description: 'Save this reply and the question it answered as an example for the channel (admins)',
  },
  {
    callback_id: EVAL_SHORTCUT,
    name: 'Add as evaluation case',
    description: 'Save this 👍-approved answer and the question it answered as an evaluation case for /eval (admins)',
  },
  {
    callback_id: KB_FILES_SHORTCUT,
    name: 'Add to knowledge base',
    description: "Add this message's files (text, Markdown, HTML, PDF, DOCX) to the channel's knowledge base (admins)",
  },
];
