/** What every extractor produces: a title and the document's blocks, each under its heading path. */

export interface Block {
  readonly text: string;
  /** Headings above this block, outermost first. */
  readonly headings: readonly string[];
  /** 1-based page, for paged formats (PDF). */
  readonly page?: number;
  /** Code and preformatted text are never re-flowed or cut mid-line when avoidable. */
  readonly preformatted?: boolean;
}

export interface ExtractedDocument {
  readonly title: string;
  readonly blocks: readonly Block[];
}

export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf' | 'docx';

/** Collapse runs of spaces and tabs inside a paragraph; keep single newlines meaningful. */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}
