import { chunkDocument } from '../../../src/providers/ingest/chunk';
import type { ExtractedDocument } from '../../../src/providers/ingest/document';
import { extractMarkdown } from '../../../src/providers/ingest/markdown';
import { openFenceAtEnd } from '../../../src/core/markdown';
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
    const chunks = chunkDocument(
      {
        title: 'x',
        blocks: [
          { text: 'a\u0000b', headings: [] },
          { text: '\u0000', headings: [] },
        ],
      },
      tokenizer,
      { maxTokens: 100, overlapTokens: 0 },
    );
    expect(chunks).toEqual([{ text: 'ab' }]);
  });

  it('locates PDF chunks by page', () => {
    const chunks = chunkDocument(
      {
        title: 'x',
        blocks: [
          { text: 'one', headings: [], page: 1 },
          { text: 'two', headings: [], page: 2 },
        ],
      },
      tokenizer,
      { maxTokens: 100, overlapTokens: 10 },
    );
    expect(chunks).toEqual([
      { text: 'one', location: 'page 1' },
      { text: 'two', location: 'page 2' },
    ]);
  });

  describe('fenced code (CommonMark fence rules)', () => {
    it('a "```js" line inside a ``` block is code, not the end of the block: the code stays together', () => {
      const md = '# Setup\n\n```\nnpm install\n```js\nconst x = require("x");\n```\n\nThen run it.';
      const doc = extractMarkdown(md, 'setup.md');
      expect(doc.blocks).toEqual([
        { text: '```\nnpm install\n```js\nconst x = require("x");\n```', headings: ['Setup'], preformatted: true },
        { text: 'Then run it.', headings: ['Setup'] },
      ]);
      const chunks = chunkDocument(doc, tokenizer, { maxTokens: 200, overlapTokens: 20 });
      expect(chunks.map((c) => c.text)).toEqual(['Setup\n```\nnpm install\n```js\nconst x = require("x");\n```\n\nThen run it.']);
      for (const chunk of chunks) expect(openFenceAtEnd(chunk.text)).toBeUndefined();
    });

    it('a ```` block holding ``` lines is one block', () => {
      const doc = extractMarkdown('````md\n```\nnot the end\n```\n````\nAfter.', 'x.md');
      expect(doc.blocks.map((b) => [b.text, Boolean(b.preformatted)])).toEqual([
        ['````md\n```\nnot the end\n```\n````', true],
        ['After.', false],
      ]);
    });

    it('a code block longer than a chunk is fenced again in every chunk, no line lost, none left open', () => {
      const code = Array.from({ length: 60 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
      const doc = extractMarkdown(`# Code\n\n~~~~ts\n${code}\n~~~~~\n\nThe end.`, 'code.md');
      const chunks = chunkDocument(doc, tokenizer, { maxTokens: 120, overlapTokens: 30 });
      expect(chunks.length).toBeGreaterThan(2);
      for (const chunk of chunks) {
        expect(tokenizer.count(chunk.text)).toBeLessThanOrEqual(120);
        expect(openFenceAtEnd(chunk.text)).toBeUndefined();
      }
      const codeChunks = chunks.filter((c) => c.text.includes('const value'));
      for (const chunk of codeChunks) expect(chunk.text).toMatch(/^Code\n~~~~ts\n[\s\S]*\n~~~~~(\n\nThe end\.)?$/);
      const lines = new Set(codeChunks.flatMap((c) => c.text.split('\n')));
      for (const line of code.split('\n')) expect(lines.has(line)).toBe(true);
    });
  });
});
