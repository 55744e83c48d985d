/**
 * Plain text and Markdown: blank-line paragraphs; in Markdown, ATX headings (`#`…`######`) set the
 * heading path and fenced code blocks stay whole (fences read by CommonMark's rules, src/core/markdown.ts).
 */
import { isClosingFence, openingFence, type Fence } from '../../core/markdown';
import { normaliseText, type Block, type ExtractedDocument } from './document';

export function extractMarkdown(source: string, fallbackTitle: string, markdown = true): ExtractedDocument {
  const blocks: Block[] = [];
  const headings: string[] = [];
  let paragraph: string[] = [];
  let fence: Fence | undefined;
  let code: string[] = [];
  let title: string | undefined;

  const flush = () => {
    const text = normaliseText(paragraph.join('\n'));
    if (text) blocks.push({ text, headings: [...headings] });
    paragraph = [];
  };

  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    if (markdown && fence !== undefined) {
      if (isClosingFence(fence, line)) {
        blocks.push({ text: [...code, line.trim()].join('\n'), headings: [...headings], preformatted: true });
        fence = undefined;
        code = [];
      } else {
        code.push(line);
      }
      continue;
    }
    const opened = markdown ? openingFence(line) : undefined;
    if (opened) {
      flush();
      fence = opened;
      code = [line.trim()];
      continue;
    }
    const heading = markdown ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (heading) {
      flush();
      const level = heading[1]!.length;
      const text = heading[2]!.trim();
      headings.splice(level - 1);
      while (headings.length < level - 1) headings.push('');
      headings.push(text);
      title ??= level === 1 ? text : undefined;
      continue;
    }
    if (line.trim() === '') flush();
    else paragraph.push(line);
  }
  flush();
  if (fence !== undefined && code.length) blocks.push({ text: code.join('\n'), headings: [...headings], preformatted: true });
  const cleaned = blocks.map((b) => ({ ...b, headings: b.headings.filter(Boolean) }));
  return { title: title ?? firstLineTitle(source) ?? fallbackTitle, blocks: cleaned };
}

function firstLineTitle(source: string): string | undefined {
  const line = source
    .trim()
    .split('\n')[0]
    ?.replace(/^#+\s*/, '')
    .trim();
  if (!line) return undefined;
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
