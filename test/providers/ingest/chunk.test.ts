import { chunkDocument } from '../../../src/providers/ingest/chunk';
import type { ExtractedDocument } from '../../../src/providers/ingest/document';
import { testTokenizer } from '../../helpers/app';

const tokenizer = testTokenizer();

function sentences(n: number, topic: string): string {
  return Array.from({ length: n }, (_, i) => `Sentence ${i} about ${topic} with a few more words.`).join(' ');
}

describe('chunkDocument', () => {
  it('keeps sections apart and starts each chunk with its heading path', () => {
    const doc: ExtractedDocument = {
      title: 'Handbook',
      blocks: [
        { text: 'Use the Berlin gateway.', headings: ['Handbook', 'VPN'] },
        { text: 'Floor 2 has the colour printer.', headings: ['Handbook', 'Printers'] },
      ],
    };
    expect(chunkDocument(doc, tokenizer, { maxTokens: 200, overlapTokens: 20 })).toEqual([
      { text: 'Handbook › VPN\nUse the Berlin gateway.', location: 'Handbook › VPN' },
      { text: 'Handbook › Printers\nFloor 2 has the colour printer.', location: 'Handbook › Printers' },
    ]);
  });

  it('packs paragraphs within the token bound, with overlap between consecutive chunks', () => {
    const blocks = Array.from({ length: 12 }, (_, i) => ({ text: `Paragraph ${i}. ${sentences(3, `topic ${i}`)}`, headings: ['Guide'] }));
    const chunks = chunkDocument({ title: 'Guide', blocks }, tokenizer, { maxTokens: 120, overlapTokens: 40 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(tokenizer.count(chunk.text)).toBeLessThanOrEqual(120);
    // Every paragraph is somewhere, and consecutive chunks share a paragraph (the overlap).
    for (const block of blocks) expect(chunks.some((c) => c.text.includes(block.text))).toBe(true);
    // The last sentence of each chunk opens the next one (overlap).
    for (let i = 1; i < chunks.length; i++) {
      const lastSentence = chunks[i - 1]!.text.split(/(?<=\.)\s+/).pop()!;
      expect(chunks[i]!.text.startsWith(`Guide\n`)).toBe(true);
      expect(chunks[i]!.text.slice('Guide\n'.length, 'Guide\n'.length + 200)).toContain(lastSentence);
    }
  });

  it('splits an oversized paragraph at sentence boundaries, and a giant word run between words', () => {
    const long = sentences(60, 'expenses');
    const chunks = chunkDocument({ title: 'x', blocks: [{ text: long, headings: [] }] }, tokenizer, { maxTokens: 100, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(tokenizer.count(chunk.text)).toBeLessThanOrEqual(100);
      expect(chunk.text).toMatch(/\.$/);
    }
    const wall = 'word '.repeat(1000).trim();
    const pieces = chunkDocument({ title: 'x', blocks: [{ text: wall, headings: [] }] }, tokenizer, { maxTokens: 100, overlapTokens: 0 });
    for (const piece of pieces) expect(tokenizer.count(piece.text)).toBeLessThanOrEqual(100);
    expect(pieces.map((p) => p.text).join(' ')).toBe(wall);
  });

  it('drops NUL characters (PDF text carries some; PostgreSQL cannot store them)', () => {
    const chunks = chunkDocument({ title: 'x', blocks: [{ text: 'a\u0000b', headings: [] }, { text: '\u0000', headings: [] }] }, tokenizer, { maxTokens: 100, overlapTokens: 0 });
    expect(chunks).toEqual([{ text: 'ab' }]);
  });

  it('locates PDF chunks by page', () => {
    const chunks = chunkDocument(
      { title: 'x', blocks: [{ text: 'one', headings: [], page: 1 }, { text: 'two', headings: [], page: 2 }] },
      tokenizer,
      { maxTokens: 100, overlapTokens: 10 },
    );
    expect(chunks).toEqual([
      { text: 'one', location: 'page 1' },
      { text: 'two', location: 'page 2' },
    ]);
  });
});
