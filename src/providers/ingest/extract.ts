/**
 * From bytes to an `ExtractedDocument`: the format is taken from the file name, the content type
 * and the bytes themselves (a `.txt` that is really a PDF is read as a PDF). Every failure is a
 * `UserError` naming the file; a bad file never takes the bot down.
 */
import mammoth from 'mammoth';
import { ErrorCode, UserError } from '../../core/errors';
import type { DocumentFormat, ExtractedDocument } from './document';
import { extractHtml } from './html';
import { extractMarkdown } from './markdown';
import { extractPdf } from './pdf';

export interface RawDocument {
  readonly bytes: Uint8Array;
  /** File name or URL path; used for the format and the fallback title. */
  readonly name: string;
  readonly contentType?: string;
}

export function detectFormat(doc: RawDocument): DocumentFormat | undefined {
  const head = Buffer.from(doc.bytes.subarray(0, 8)).toString('latin1');
  if (head.startsWith('%PDF-')) return 'pdf';
  const ext = /\.([a-z0-9]+)$/i.exec(doc.name.split(/[?#]/)[0] ?? '')?.[1]?.toLowerCase();
  const type = doc.contentType?.split(';')[0]?.trim().toLowerCase();
  if (head.startsWith('PK\u0003\u0004')) return ext === 'docx' || type?.includes('wordprocessingml') ? 'docx' : undefined;
  if (ext === 'pdf' || type === 'application/pdf') return undefined; // says PDF, isn't one
  if (ext === 'docx') return undefined; // says DOCX, isn't a zip
  if (ext === 'md' || ext === 'markdown' || type === 'text/markdown') return 'markdown';
  if (ext === 'html' || ext === 'htm' || type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (ext === 'txt' || ext === 'text' || type === 'text/plain' || ext === undefined || type?.startsWith('text/')) {
    // Untyped text that looks like a web page is read as one.
    const sample = Buffer.from(doc.bytes.subarray(0, 512)).toString('utf8').trimStart().toLowerCase();
    if (sample.startsWith('<!doctype html') || sample.startsWith('<html')) return 'html';
    return 'text';
  }
  return undefined;
}

function decodeText(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
  } catch {
    throw new UserError(ErrorCode.UnreadableFile, `${name} is not UTF-8 text, so it cannot be read.`);
  }
}

function baseName(name: string): string {
  const clean = name.split(/[?#]/)[0] ?? name;
  const last = clean.split('/').filter(Boolean).pop() ?? clean;
  return decodeLenient(last) || 'Untitled';
}

/** URL-decoded when it is valid percent-encoding; a file named `50% off.txt` keeps its name. */
function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function extractDocument(doc: RawDocument): Promise<ExtractedDocument & { format: DocumentFormat }> {
  const format = detectFormat(doc);
  const label = baseName(doc.name);
  if (!format) {
    throw new UserError(ErrorCode.UnreadableFile, `${label} is not a format I can read; send text, Markdown, HTML, PDF or DOCX.`, {
      name: doc.name,
      contentType: doc.contentType,
    });
  }
  const fallbackTitle = label.replace(/\.[a-z0-9]+$/i, '');
  try {
    let extracted: ExtractedDocument;
    switch (format) {
      case 'text':
        extracted = extractMarkdown(decodeText(doc.bytes, label), fallbackTitle, false);
        break;
      case 'markdown':
        extracted = extractMarkdown(decodeText(doc.bytes, label), fallbackTitle, true);
        break;
      case 'html':
        extracted = extractHtml(decodeText(doc.bytes, label), fallbackTitle);
        break;
      case 'pdf':
        extracted = await extractPdf(doc.bytes, fallbackTitle);
        break;
      case 'docx': {
        const html = await mammoth.convertToHtml({ buffer: Buffer.from(doc.bytes) });
        extracted = extractHtml(html.value, fallbackTitle);
        break;
      }
    }
    if (extracted.blocks.length === 0) {
      throw new UserError(ErrorCode.UnreadableFile, `${label} has no text I can index.`);
    }
    return { ...extracted, format };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(ErrorCode.UnreadableFile, `${label} could not be read as ${format.toUpperCase()}; it may be damaged.`, {}, { cause: err });
  }
}
