/**
 * Split a long reply into platform-sized parts (SPEC §7 "Lengths"): on paragraph boundaries when
 * possible, else line boundaries, else hard cuts; a code block cut across parts is closed at the
 * end of one part and reopened (same fence and language) at the start of the next, so no part
 * leaves a code block open. Fences are read by CommonMark's rules (src/core/markdown.ts).
 */
import { closingFenceFor, longestClosingFence, openFenceAtEnd, type Fence } from '../../core/markdown';

interface Piece {
  readonly text: string;
  /** The code block this piece ends inside, if any. */
  readonly openFence?: Fence;
}

export function splitMessage(text: string, limit: number): string[] {
  if (limit < 40) throw new RangeError('limit too small to split safely');
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let reopen: Fence | undefined; // the code block the next part reopens
  let rest = text;
  while (rest.length > 0) {
    const prefix = reopen ? `${reopen.line}\n` : '';
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    // Room for the prefix and a closing fence we may have to add (as long as any fence ahead).
    const room = limit - prefix.length - 1 - longestClosingFence(rest.slice(0, limit), reopen);
    const cut = chooseCut(rest, room);
    const head = rest.slice(0, cut).replace(/\s+$/, '');
    rest = rest.slice(cut).replace(/^\n+/, '');
    const piece = closeOpenFence(prefix + head);
    parts.push(piece.text);
    reopen = piece.openFence;
  }
  return parts.filter((part) => part.trim().length > 0);
}

/** Where to cut `text` so the head is at most `room` characters: paragraph, line, space, or hard. */
function chooseCut(text: string, room: number): number {
  const window = text.slice(0, room + 1);
  const minimum = Math.floor(room / 3); // don't make tiny parts just to hit a boundary
  for (const boundary of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(boundary);
    if (at >= minimum) return at + (boundary === ' ' ? 1 : 0);
  }
  // Never split a surrogate pair.
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

function closeOpenFence(text: string): Piece {
  const open = openFenceAtEnd(text);
  return open ? { text: `${text}\n${closingFenceFor(open)}`, openFence: open } : { text };
}
