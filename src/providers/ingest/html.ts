/**
 * HTML (and DOCX, which mammoth turns into HTML): headings h1–h6 set the heading path; paragraphs,
 * list items, table rows and preformatted blocks become blocks; scripts, styles, navigation and
 * other page chrome are dropped.
 */
import { parse, type HTMLElement, NodeType, type Node } from 'node-html-parser';
import { normaliseText, type Block, type ExtractedDocument } from './document';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'nav', 'footer', 'header', 'aside', 'form', 'svg', 'iframe', 'button']);
const BLOCK = new Set(['p', 'li', 'tr', 'blockquote', 'dd', 'dt', 'figcaption', 'caption', 'td', 'th']);

export function extractHtml(html: string, fallbackTitle: string): ExtractedDocument {
  const root = parse(html, { blockTextElements: { script: false, style: false, noscript: false, pre: true, code: true } });
  const blocks: Block[] = [];
  const headings: string[] = [];
  let loose: string[] = [];

  const flushLoose = () => {
    const text = normaliseText(loose.join(' '));
    if (text) blocks.push({ text, headings: [...headings] });
    loose = [];
  };

  const walk = (node: Node): void => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      const text = node.text;
      if (text.trim()) loose.push(text);
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const element = node as HTMLElement;
    const tag = element.rawTagName?.toLowerCase() ?? '';
    if (SKIP.has(tag)) return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      flushLoose();
      const level = Number(heading[1]);
      headings.splice(level - 1);
      while (headings.length < level - 1) headings.push('');
      headings.push(normaliseText(element.text));
      return;
    }
    if (tag === 'pre') {
      flushLoose();
      const text = element.text.replace(/\r\n?/g, '\n').replace(/^\n+|\s+$/g, '');
      if (text) blocks.push({ text, headings: [...headings], preformatted: true });
      return;
    }
    if (BLOCK.has(tag) && !element.querySelector('p, li, tr, pre, h1, h2, h3, h4, h5, h6, table, ul, ol')) {
      flushLoose();
      const text = normaliseText(element.structuredText);
      if (text) blocks.push({ text: tag === 'li' ? `• ${text}` : text, headings: [...headings] });
      return;
    }
    for (const child of element.childNodes) walk(child);
    if (tag === 'div' || tag === 'section' || tag === 'article' || tag === 'br' || tag === 'table' || tag === 'ul' || tag === 'ol') flushLoose();
  };

  const body = root.querySelector('body') ?? root;
  walk(body);
  flushLoose();
  const title = normaliseText(root.querySelector('title')?.text ?? '') || normaliseText(root.querySelector('h1')?.text ?? '') || fallbackTitle;
  return { title, blocks: blocks.map((b) => ({ ...b, headings: b.headings.filter(Boolean) })) };
}
