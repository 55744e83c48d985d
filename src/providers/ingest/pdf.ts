/**
 * PDF through Mozilla's pdf.js (the legacy CommonJS build of pdfjs-dist 3, which runs in Node 20
 * without a bundler). Each page becomes blocks located by page number; lines are rebuilt from the
 * text items' end-of-line markers.
 */
import path from 'node:path';
import type { Block, ExtractedDocument } from './document';
import { normaliseText } from './document';

interface TextItem {
  readonly str: string;
  readonly hasEOL?: boolean;
}

interface PdfJs {
  getDocument(params: Record<string, unknown>): { promise: Promise<PdfDocument> };
}
interface PdfDocument {
  readonly numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }> }>;
  getMetadata(): Promise<{ info?: { Title?: unknown } }>;
  destroy(): Promise<void>;
}

let pdfjs: PdfJs | undefined;
function loadPdfJs(): PdfJs {
  if (pdfjs) return pdfjs;
  // Loaded on first use: it is large, and most deployments never see a PDF. On load it warns
  // (with console.log) that it cannot polyfill canvas drawing, which text extraction never uses.
  const log = console.log;
  console.log = () => {};
  try {
    pdfjs = require('pdfjs-dist/legacy/build/pdf.js') as PdfJs;
  } finally {
    console.log = log;
  }
  return pdfjs;
}

export async function extractPdf(bytes: Uint8Array, fallbackTitle: string): Promise<ExtractedDocument> {
  const lib = loadPdfJs();
  const standardFontDataUrl = `${path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;
  const document = await lib.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    standardFontDataUrl,
    verbosity: 0,
  }).promise;
  try {
    const blocks: Block[] = [];
    for (let page = 1; page <= document.numPages; page++) {
      const content = await (await document.getPage(page)).getTextContent();
      let text = '';
      for (const raw of content.items) {
        const item = raw as TextItem;
        if (typeof item.str !== 'string') continue;
        text += item.str + (item.hasEOL ? '\n' : '');
      }
      for (const paragraph of text.split(/\n\s*\n/)) {
        const clean = normaliseText(paragraph);
        if (clean) blocks.push({ text: clean, headings: [], page });
      }
    }
    const metadata: { info?: { Title?: unknown } } = await document.getMetadata().catch(() => ({}));
    const metadataTitle = metadata.info?.Title;
    const title = typeof metadataTitle === 'string' && metadataTitle.trim() ? metadataTitle.trim() : fallbackTitle;
    return { title, blocks };
  } finally {
    await document.destroy();
  }
}
