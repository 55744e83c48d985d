/**
 * Text that is streamed cannot be taken back, so a native Slack stream needs its safety decided
 * on the fly, delta by delta:
 * - `MentionGuard` holds back an unfinished `<…` so that a control sequence split across deltas
 *   (`<!chan` + `nel>`) is neutralised whole before anything is sent.
 * - `StreamingSplitter` decides where one reply part ends and the next begins while the text is
 *   still arriving: parts stay within the limit, end on line boundaries, and a code block open at
 *   a cut is closed there and reopened at the start of the next part (SPEC §7 "Lengths"), the same
 *   guarantees `splitMessage` gives for text that is complete, by the same fence rules (src/core/markdown.ts).
 */
import { closingFenceFor, fenceAfter, type Fence } from '../../core/markdown';
import { neutraliseMentions } from './slack-text';

/** Longest control sequence worth waiting for; beyond this a `<` is just a character. */
const MAX_HELD = 200;

export class MentionGuard {
  private held = '';

  /** Neutralised text that is safe to send now. */
  push(delta: string): string {
    const text = this.held + delta;
    const open = text.lastIndexOf('<');
    if (open >= 0 && !text.includes('>', open) && text.length - open <= MAX_HELD) {
      this.held = text.slice(open);
      return neutraliseMentions(text.slice(0, open));
    }
    this.held = '';
    return neutraliseMentions(text);
  }

  /** Whatever is still held, at the end of the answer. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return neutraliseMentions(rest);
  }
}

export type SplitChunk = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'break' };

/** Near the limit, partial lines wait for their end so the cut can fall on a line boundary. */
const PARTIAL_LINE_MARGIN = 400;

export class StreamingSplitter {
  private partLength = 0;
  /** The current line: `sent` characters of it already emitted, the rest pending. */
  private line = '';
  private sent = 0;
  private openFence: Fence | undefined;
  private lastChar = '';

  constructor(private readonly limit: number) {
    if (limit < PARTIAL_LINE_MARGIN + 100) throw new RangeError('limit too small to stream safely');
  }

  push(text: string): SplitChunk[] {
    const out: SplitChunk[] = [];
    const pieces = text.split('\n');
    pieces.forEach((piece, index) => {
      this.line += piece;
      if (index < pieces.length - 1) this.completeLine(out);
    });
    // Stream the unfinished line too while we are far from the limit.
    const pending = this.line.length - this.sent;
    if (pending > 0 && this.partLength + this.line.length + this.closingRoom() + PARTIAL_LINE_MARGIN <= this.limit) {
      this.emit(out, this.line.slice(this.sent));
      this.sent = this.line.length;
    }
    return out;
  }

  end(): SplitChunk[] {
    const out: SplitChunk[] = [];
    if (this.line.length > this.sent) this.emitLine(out, this.line.slice(this.sent));
    // The last line may be the closing fence itself (no newline after it).
    this.openFence = fenceAfter(this.openFence, this.line);
    this.line = '';
    this.sent = 0;
    if (this.openFence) this.emit(out, `${this.lastChar === '\n' ? '' : '\n'}${this.fenceMarker()}`);
    return out;
  }

  private fenceMarker(): string {
    return this.openFence ? closingFenceFor(this.openFence) : '';
  }

  /** Characters a closing fence would need at a cut. */
  private closingRoom(): number {
    return this.openFence ? this.fenceMarker().length + 1 : 0;
  }

  private completeLine(out: SplitChunk[]): void {
    const line = this.line;
    this.emitLine(out, `${line.slice(this.sent)}\n`);
    // Fence state changes only once the whole line is known.
    this.openFence = fenceAfter(this.openFence, line);
    this.line = '';
    this.sent = 0;
  }

  /** Emit the rest of a line, cutting to a new part first (or mid-line, for a line too long for any part). */
  private emitLine(out: SplitChunk[], rest: string): void {
    let remaining = rest;
    while (this.partLength + remaining.length + this.closingRoom() > this.limit) {
      if (this.sent === 0 && this.partLength > this.reopenLength()) {
        this.cut(out); // the whole line moves to the next part
        continue;
      }
      // The line does not fit even in a fresh part (or has begun here): hard cut, no surrogate split.
      let room = this.limit - this.partLength - this.closingRoom() - 1;
      const code = remaining.charCodeAt(room - 1);
      if (code >= 0xd800 && code <= 0xdbff) room -= 1;
      if (room > 0) {
        this.emit(out, remaining.slice(0, room));
        remaining = remaining.slice(room);
      }
      this.emit(out, '\n');
      this.cut(out);
      this.sent = 0; // what is left of the line starts the new part
    }
    if (remaining) this.emit(out, remaining);
  }

  private reopenLength(): number {
    return this.openFence ? this.openFence.line.length + 1 : 0;
  }

  private cut(out: SplitChunk[]): void {
    if (this.openFence) this.emit(out, this.fenceMarker());
    out.push({ kind: 'break' });
    this.partLength = 0;
    if (this.openFence) this.emit(out, `${this.openFence.line}\n`);
  }

  private emit(out: SplitChunk[], text: string): void {
    if (!text) return;
    this.partLength += text.length;
    this.lastChar = text[text.length - 1] ?? '';
    const last = out[out.length - 1];
    if (last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + text };
    else out.push({ kind: 'text', text });
  }
}
