/**
 * Split a long reply into platform-sized parts (SPEC §7 "Lengths"): on paragraph boundaries when
 * possible, else line boundaries, else hard cuts; a code block cut across parts is closed at the
 * end of one part and reopened (same fence and language) at the start of the next, so no part
 * leaves a code block open.
 */

const FENCE = /^\s*(```+|~~~+)(.*)$/;

interface Piece {
  readonly text: string;
  /** The fence line that opens the code block this piece ends inside, if any. */
  readonly openFence?: string;
}

/** Lines with, for each, the code fence open after it (to know where a cut leaves a block open). */
function fenceStates(lines: readonly string[]): (string | undefined)[] {
  const states: (string | undefined)[] = [];
  let open: string | undefined;
  for (const line of lines) {
    const match = FENCE.exec(line);
    if (match) {
      const marker = match[1]!;
      if (!open) open = line.trim();
      else if (line.trim().startsWith(open.slice(0, marker.length)) && match[2]!.trim() === '') open = undefined;
    }
    states.push(open);
  }
  return states;
}

export function splitMessage(text: string, limit: number): string[] {
  if (limit < 40) throw new RangeError('limit too small to split safely');
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let reopen = ''; // fence line to prepend to the next part
  let rest = text;
  while (rest.length > 0) {
    const prefix = reopen ? `${reopen}\n` : '';
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    // Room for the prefix and a closing fence we may have to add.
    const room = limit - prefix.length - 4;
    const cut = chooseCut(rest, room);
    const head = rest.slice(0, cut).replace(/\s+$/, '');
    rest = rest.slice(cut).replace(/^\n+/, '');
    const piece = closeOpenFence(prefix + head);
    parts.push(piece.text);
    reopen = piece.openFence ?? '';
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
  const lines = text.split('\n');
  const open = fenceStates(lines).at(-1);
  if (!open) return { text };
  const marker = FENCE.exec(open)?.[1] ?? '```';
  return { text: `${text}\n${marker}`, openFence: open };
}
