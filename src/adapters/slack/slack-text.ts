/**
 * The bot's Markdown → what Slack gets. Slack renders standard Markdown itself in a `markdown`
 * block (docs.slack.dev/reference/block-kit/blocks/markdown-block) and in native streams
 * (`markdown_text`), so nothing is converted to mrkdwn by hand; what stays ours:
 * - `neutraliseMentions`: Slack control sequences the model wrote (`<!channel>`, `<!here>`,
 *   `<!everyone>`, `<!subteam^…>`, `<@U…>`) become plain text that pings nobody (SPEC §7). A word
 *   joiner after the `@` of crowd words keeps even a bare "@here" from ever being linked.
 * - `markdownMessage`: one reply part as a message payload: the Markdown in a `markdown` block,
 *   and `text`, the notification fallback, as plain text (Slack shows `text` where blocks are not
 *   rendered: notifications, screen readers).
 */
import type { types } from '@slack/bolt';
import { markdownToPlainText } from '../../core/markdown';
import { splitMessage } from '../shared/split-message';

/** SPEC §7: Slack reply parts are at most 3,900 characters (one `markdown` block holds 12,000). */
export const SLACK_PART_LIMIT = 3900;
/** Slack's guideline for a message's `text`; the fallback of a part stays within it. */
const FALLBACK_LIMIT = 4000;

const WORD_JOINER = '\u2060';
const CROWD_WORDS = /@(channel|here|everyone)\b/gi;
/** `<!…>`, `<@…>` and `<#…>` sequences; autolinks such as `<https://…>` are left alone. */
const CONTROL_SEQUENCE = /<([!@#])([^<>\s|][^<>|]*)(?:\|([^<>]*))?>/g;

function labelOf(sigil: string, id: string, label: string | undefined): string {
  if (sigil === '#') return `#${label?.replace(/^#/, '') || id}`;
  if (sigil === '@') return `@${label?.replace(/^@/, '') || id}`;
  // `<!subteam^S123|@team>`, `<!here>`, `<!date^…|fallback>`
  const [word = id] = id.split('^');
  if (label) return word === 'subteam' ? `@${label.replace(/^@/, '')}` : label;
  return word === 'subteam' ? '@group' : `@${word}`;
}

export function neutraliseMentions(text: string): string {
  return text
    .replace(CONTROL_SEQUENCE, (_match, sigil: string, id: string, label: string | undefined) => labelOf(sigil, id, label))
    .replace(CROWD_WORDS, (_match, word: string) => `@${WORD_JOINER}${word}`);
}

/** Slack requires exactly these three to be escaped in `text` fields (mrkdwn and the fallback alike). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface MarkdownMessage {
  readonly text: string;
  readonly blocks: [types.MarkdownBlock];
}

/** `text` cut to the fallback limit, never inside an escape or a surrogate pair. */
function fallback(text: string): string {
  if (text.length <= FALLBACK_LIMIT) return text;
  let cut = FALLBACK_LIMIT - 1;
  const entity = text.lastIndexOf('&', cut);
  if (entity >= 0 && entity > cut - 5 && !text.slice(entity, cut).includes(';')) cut = entity;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** One part of the bot's Markdown (mentions already neutralised) as a message payload. */
export function markdownMessage(part: string): MarkdownMessage {
  const plain = markdownToPlainText(part);
  return { text: fallback(escapeMrkdwn(plain.trim() ? plain : part)), blocks: [{ type: 'markdown', text: part }] };
}

/** The bot's Markdown as message payloads: mentions neutralised, split into Slack-sized parts. */
export function markdownMessages(markdown: string): MarkdownMessage[] {
  return splitMessage(neutraliseMentions(markdown), SLACK_PART_LIMIT).map(markdownMessage);
}
