/**
 * The one reading of Markdown code fences, shared by message splitting, streaming and ingestion
 * (CommonMark 0.31 §4.5 "Fenced code blocks"), line by line:
 * - an opening fence is up to 3 spaces of indentation, then 3 or more backticks or 3 or more
 *   tildes, then an optional info string (for backtick fences, one without any backtick: "``` a ```"
 *   is inline code, not a fence);
 * - a closing fence uses the same character, at least as many of it, up to 3 spaces of indentation
 *   and nothing after it but spaces or tabs; anything else inside a block ("```js", a shorter run,
 *   the other character) is content;
 * - a block never closed runs to the end of the text.
 * Container blocks (block quotes, list items) are not tracked: a reply is split and a document is
 * chunked by lines, and a fence inside a quote is as rare in model output as it is harmless here.
 */

export interface Fence {
  readonly char: '`' | '~';
  /** How many fence characters opened the block; a closing fence needs at least as many. */
  readonly length: number;
  /** The info string (e.g. the language), trimmed; '' when there is none. */
  readonly info: string;
  /** The opening line as written (trailing whitespace dropped), to reopen the block elsewhere. */
  readonly line: string;
}

const OPENING = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const CLOSING = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/** The fence `line` opens when read outside a code block, if it is one. */
export function openingFence(line: string): Fence | undefined {
  const match = OPENING.exec(line);
  if (!match) return undefined;
  const run = match[1]!;
  const info = match[2]!;
  const char = run[0] === '`' ? '`' : '~';
  if (char === '`' && info.includes('`')) return undefined;
  return { char, length: run.length, info: info.trim(), line: line.trimEnd() };
}

/** Whether `line` closes the block `open` opened. */
export function isClosingFence(open: Fence, line: string): boolean {
  const run = CLOSING.exec(line)?.[1];
  return run !== undefined && run[0] === open.char && run.length >= open.length;
}

/** The code block open after `line`, given the one open before it (undefined: none). */
export function fenceAfter(open: Fence | undefined, line: string): Fence | undefined {
  if (open) return isClosingFence(open, line) ? undefined : open;
  return openingFence(line);
}

/** For each line, the code block open after it. */
export function fenceStates(lines: readonly string[]): (Fence | undefined)[] {
  const states: (Fence | undefined)[] = [];
  let open: Fence | undefined;
  for (const line of lines) {
    open = fenceAfter(open, line);
    states.push(open);
  }
  return states;
}

/** The code block left open at the end of `text`, if any. */
export function openFenceAtEnd(text: string): Fence | undefined {
  return fenceStates(text.split('\n')).at(-1);
}

/** The shortest line that closes `open`. */
export function closingFenceFor(open: Fence): string {
  return open.char.repeat(open.length);
}

/** The longest closing fence any block opened in `text` (or `open`, already open) would need; at least 3. */
export function longestClosingFence(text: string, open?: Fence): number {
  let longest = Math.max(3, open?.length ?? 0);
  for (const line of text.split('\n')) longest = Math.max(longest, openingFence(line)?.length ?? 0);
  return longest;
}

/** A backtick fence no line of `content` can close: longer than any backtick fence run in it. */
export function fenceAround(content: string): string {
  let longest = 2;
  for (const line of content.split('\n')) {
    const run = /^ {0,3}(`{3,})/.exec(line)?.[1];
    if (run) longest = Math.max(longest, run.length);
  }
  return '`'.repeat(longest + 1);
}

/** CommonMark's backslash escapes: a backslash before ASCII punctuation stands for that character. */
const ESCAPED = /\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])/g;
/** Parked escaped characters, so that emphasis rules do not see them. */
const PARK = '\u0000';

/** Inline Markdown of one line (outside code) as plain text: code spans verbatim, markers dropped. */
function plainInline(line: string): string {
  const parked: string[] = [];
  const park = (text: string) => {
    parked.push(text);
    return `${PARK}${parked.length - 1}${PARK}`;
  };
  let out = line.replace(ESCAPED, (_m, char: string) => park(char));
  out = out.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => park(code.replace(/^ (.*) $/, '$1')));
  out = out
    .replace(/!\[([^\]\n]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, '$1')
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) => (label === url ? url : `${label} (${url})`))
    .replace(/\*\*\*(?=\S)(.+?)\*\*\*|___(?=\S)(.+?)___/g, (_m, a?: string, b?: string) => a ?? b ?? '')
    .replace(/\*\*(?=\S)(.+?)\*\*|__(?=\S)(.+?)__/g, (_m, a?: string, b?: string) => a ?? b ?? '')
    .replace(/(^|[^\w*])\*(?=\S)([^*]+?)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w_])_(?=\S)([^_]+?)_(?![\w_])/g, '$1$2')
    .replace(/~~(?=\S)(.+?)~~/g, '$1');
  return out.replace(new RegExp(`${PARK}(\\d+)${PARK}`, 'g'), (_m, index: string) => parked[Number(index)] ?? '');
}

function plainLine(line: string): string {
  const heading = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
  if (heading) return plainInline(heading[1] ?? '');
  if (/^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/.test(line)) return '──────────';
  const quote = /^ {0,3}>[ ]?(.*)$/.exec(line);
  if (quote) return `> ${plainLine(quote[1] ?? '')}`;
  const bullet = /^(\s*)[-*+][ \t]+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${plainInline(bullet[2] ?? '')}`;
  return plainInline(line);
}

/**
 * Markdown as plain text, for places that show text without rendering it (e.g. notifications):
 * code blocks keep their content and lose their fences, inline markers and escapes are dropped,
 * links keep their address after the label.
 */
export function markdownToPlainText(markdown: string): string {
  const out: string[] = [];
  let open: Fence | undefined;
  for (const line of markdown.split('\n')) {
    const next = fenceAfter(open, line);
    const isFence = next !== open;
    if (!isFence) out.push(open ? line : plainLine(line));
    open = next;
  }
  return out.join('\n');
}
