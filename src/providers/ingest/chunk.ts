/**
 * Structure-following chunking: a chunk never spans two sections (heading path or page), packs
 * whole paragraphs while they fit the token bound, splits an oversized paragraph at sentence (or,
 * for code, line) boundaries, and repeats the last paragraphs of a chunk at the start of the next
 * (overlap) so an answer that straddles the cut is still found. Each chunk starts with its heading
 * path, which both the ranking and the model benefit from. A code block split across chunks is
 * fenced again in each, so no chunk leaves a code block open.
 */
import { closingFenceFor, isClosingFence, openingFence } from '../../core/markdown';
import type { Tokenizer } from '../../core/ports';
import type { Block, ExtractedDocument } from './document';

export interface ChunkingOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
}

export interface Chunk {
  readonly text: string;
  /** Heading path and/or page, for citations. */
  readonly location?: string;
}

interface Unit {
  readonly text: string;
  readonly tokens: number;
  /** A fenced code block (or a piece of one, fenced again): carried whole or not at all. */
  readonly code?: boolean;
}

function sectionKey(block: Block): string {
  return `${block.page ?? ''}\u0000${block.headings.join('\u0000')}`;
}

function locationOf(block: Block): string | undefined {
  const parts = [block.headings.join(' › '), block.page ? `page ${block.page}` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** Split text that is too long for one chunk: sentences (prose) or lines (code), then words. */
function splitLong(text: string, preformatted: boolean, max: number, tokenizer: Tokenizer): Unit[] {
  const pieces = preformatted ? text.split('\n') : text.split(/(?<=[.!?。！？])\s+/);
  const units: Unit[] = [];
  let current = '';
  const push = (piece: string) => {
    if (piece) units.push({ text: piece, tokens: tokenizer.count(piece) });
  };
  for (const piece of pieces) {
    const candidate = current ? `${current}${preformatted ? '\n' : ' '}${piece}` : piece;
    if (tokenizer.count(candidate) <= max) {
      current = candidate;
      continue;
    }
    push(current);
    current = '';
    if (tokenizer.count(piece) <= max) {
      current = piece;
      continue;
    }
    // A single sentence or line longer than a chunk: cut between words.
    let run = '';
    for (const word of piece.split(/(\s+)/)) {
      if (run && tokenizer.count(run + word) > max) {
        push(run.trim());
        run = '';
      }
      run += word;
    }
    current = run.trim();
  }
  push(current);
  return units;
}

/**
 * A fenced code block too long for one chunk: its lines split as any code, each piece fenced as the
 * block was (opening line, and its own closing fence or the one an unclosed block lacked).
 */
function splitFenced(text: string, max: number, tokenizer: Tokenizer): Unit[] {
  const lines = text.split('\n');
  const open = openingFence(lines[0] ?? '');
  if (!open) return splitLong(text, true, max, tokenizer);
  const closed = lines.length > 1 && isClosingFence(open, lines.at(-1)!);
  const closing = closed ? lines.at(-1)! : closingFenceFor(open);
  const wrap = (code: string) => `${lines[0]}\n${code}\n${closing}`;
  // A little slack: tokens may merge differently across the added newlines.
  const room = Math.max(1, max - tokenizer.count(wrap('')) - 2);
  return splitLong(lines.slice(1, closed ? -1 : undefined).join('\n'), true, room, tokenizer).map((unit) => {
    const fenced = wrap(unit.text);
    return { text: fenced, tokens: tokenizer.count(fenced), code: true };
  });
}

/** The longest run of closing sentences of `text` that fits in `max` tokens. */
function tailSentences(text: string, max: number, tokenizer: Tokenizer): Unit | undefined {
  if (max <= 0) return undefined;
  const sentences = text.split(/(?<=[.!?。！？])\s+/);
  let tail = '';
  for (let i = sentences.length - 1; i > 0; i--) {
    const candidate = tail ? `${sentences[i]} ${tail}` : sentences[i]!;
    if (tokenizer.count(candidate) > max) break;
    tail = candidate;
  }
  return tail ? { text: tail, tokens: tokenizer.count(tail) } : undefined;
}

export function chunkDocument(doc: ExtractedDocument, tokenizer: Tokenizer, options: ChunkingOptions): Chunk[] {
  const chunks: Chunk[] = [];
  let index = 0;
  while (index < doc.blocks.length) {
    const first = doc.blocks[index]!;
    const key = sectionKey(first);
    const section: Block[] = [];
    while (index < doc.blocks.length && sectionKey(doc.blocks[index]!) === key) section.push(doc.blocks[index++]!);

    const heading = first.headings.length ? `${first.headings.join(' › ')}\n` : '';
    const budget = Math.max(16, options.maxTokens - tokenizer.count(heading));
    const units: Unit[] = section.flatMap((block) => {
      // NUL never means anything in a document (PDFs carry some) and PostgreSQL cannot store it.
      const text = block.text.replace(/\u0000/g, '');
      if (!text.trim()) return [];
      const tokens = tokenizer.count(text);
      if (tokens <= budget) return [{ text, tokens, ...(block.preformatted ? { code: true } : {}) }];
      return block.preformatted ? splitFenced(text, budget, tokenizer) : splitLong(text, false, budget, tokenizer);
    });

    let packed: Unit[] = [];
    let used = 0;
    const emit = () => {
      chunks.push({ text: heading + packed.map((u) => u.text).join('\n\n'), ...(locationOf(first) ? { location: locationOf(first)! } : {}) });
    };
    for (const unit of units) {
      if (packed.length && used + unit.tokens + 1 > budget) {
        emit();
        // Overlap: carry the trailing units that fit in the overlap budget.
        const carried: Unit[] = [];
        let carriedTokens = 0;
        for (let i = packed.length - 1; i >= 0; i--) {
          const u = packed[i]!;
          if (carriedTokens + u.tokens > options.overlapTokens || carriedTokens + u.tokens + unit.tokens + 1 > budget) break;
          carried.unshift(u);
          carriedTokens += u.tokens + 1;
        }
        const last = packed[packed.length - 1]!;
        if (carried.length === 0 && options.overlapTokens > 0 && !last.code) {
          // The last paragraph is longer than the overlap: carry its closing sentences instead
          // (not of code: a tail of a code block would leave its closing fence without an opening).
          const tail = tailSentences(last.text, Math.min(options.overlapTokens, budget - unit.tokens - 1), tokenizer);
          if (tail) {
            carried.push(tail);
            carriedTokens = tail.tokens + 1;
          }
        }
        packed = carried;
        used = carriedTokens;
      }
      packed.push(unit);
      used += unit.tokens + 1;
    }
    if (packed.length) emit();
  }
  return chunks;
}
