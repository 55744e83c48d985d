/**
 * Model output → what Slack shows. Two pure steps:
 * - `neutraliseMentions`: Slack control sequences the model wrote (`<!channel>`, `<!here>`,
 *   `<!everyone>`, `<!subteam^…>`, `<@U…>`) become plain text that pings nobody (SPEC §7). A word
 *   joiner after the `@` of crowd words keeps even a bare "@here" from ever being linked.
 * - `markdownToMrkdwn`: the model writes Markdown; `chat.postMessage`/`chat.update` text is Slack
 *   mrkdwn (bold `*x*`, links `<url|text>`, no headings, `&`, `<`, `>` escaped). Native streams
 *   take Markdown as it is (`markdown_text`, rendered by Slack), so only the first step applies.
 */

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

/** Slack requires exactly these three to be escaped in message text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const FENCE = /^\s*(```+|~~~+)(.*)$/;

/** Inline Markdown of one line (outside code) → mrkdwn; inline code spans are kept verbatim. */
function convertInline(line: string): string {
  return line
    .split(/(`[^`\n]+`)/)
    .map((segment, index) => {
      if (index % 2 === 1) return escapeMrkdwn(segment); // inline code
      let out = escapeMrkdwn(segment);
      // Links and images: [text](url) → <url|text>. The url was escaped above (&amp; is fine in mrkdwn).
      out = out.replace(/!?\[([^\]\n]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) =>
        label ? `<${url}|${label.replace(/\|/g, '¦')}>` : `<${url}>`,
      );
      // Bold first, parked in a placeholder so the italic rule does not see it again.
      out = out.replace(/\*\*(?=\S)([^*\n]+?)\*\*|__(?=\S)([^_\n]+?)__/g, (_m, a?: string, b?: string) => `\u0001${a ?? b}\u0001`);
      out = out.replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)\*(?!\w)/g, (_m, pre: string, body: string) => `${pre}_${body}_`);
      out = out.replace(/~~(?=\S)([^~\n]+?)~~/g, '~$1~');
      return out.replace(/\u0001/g, '*');
    })
    .join('');
}

function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${convertInline(heading[1] ?? '').replace(/\*/g, '')}*`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────────';
  const quote = /^(\s*)>\s?(.*)$/.exec(line);
  if (quote) return `${quote[1] ?? ''}>${convertLine(quote[2] ?? '')}`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${convertInline(bullet[2] ?? '')}`;
  return convertInline(line);
}

/** Markdown → Slack mrkdwn, line by line; code blocks keep their content (escaped) and lose the language tag. */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const match = FENCE.exec(line);
    if (match) {
      const marker = match[1]!;
      if (!fence) {
        fence = marker;
        out.push('```');
        continue;
      }
      if (marker.startsWith(fence) && match[2]!.trim() === '') {
        fence = undefined;
        out.push('```');
        continue;
      }
    }
    out.push(fence ? escapeMrkdwn(line) : convertLine(line));
  }
  return out.join('\n');
}

/** What a `chat.postMessage` / `chat.update` text should be for a Markdown answer. */
export function renderForSlack(markdown: string): string {
  return markdownToMrkdwn(neutraliseMentions(markdown));
}
