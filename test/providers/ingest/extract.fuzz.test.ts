/**
 * Every uploaded file is untrusted (SPEC §6): random bytes under every declared type — and behind
 * every real file signature — are either read or refused in one clear sentence naming the file,
 * never a crash, a hang or a stack trace.
 */
import fc from 'fast-check';
import { UserError } from '../../../src/core/errors';
import { extractDocument } from '../../../src/providers/ingest/extract';

const TYPES: readonly { readonly name: string; readonly contentType?: string }[] = [
  { name: 'notes.txt', contentType: 'text/plain' },
  { name: 'guide.md', contentType: 'text/markdown' },
  { name: 'page.html', contentType: 'text/html' },
  { name: 'report.pdf', contentType: 'application/pdf' },
  { name: 'letter.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  { name: 'image.png', contentType: 'image/png' },
  { name: 'untyped' },
  { name: 'odd %E0%A4%A name.txt' },
  { name: '../../etc/passwd' },
];

/** Random bytes, or random bytes behind a real signature, so the PDF and DOCX readers get garbage too. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc
    .tuple(fc.constantFrom('%PDF-1.7\n', 'PK\u0003\u0004', '<!doctype html>', '\ufeff# Title\n'), fc.uint8Array({ maxLength: 4096 }))
    .map(([head, tail]) => new Uint8Array([...Buffer.from(head, 'utf8'), ...tail])),
  fc.string({ maxLength: 2000 }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
);

function isOneSentence(message: string): boolean {
  return message === message.trim() && !/[\n\r]/.test(message) && /\.$/.test(message) && message.length < 400 && !/\n\s+at /.test(message);
}

describe('file ingestion on random bytes (fast-check, seeded)', () => {
  it.each(TYPES)(
    '$name: read, or refused in one sentence',
    async (type) => {
      await fc.assert(
        fc.asyncProperty(bytes, async (content) => {
          let doc: Awaited<ReturnType<typeof extractDocument>>;
          try {
            doc = await extractDocument({ bytes: content, name: type.name, ...(type.contentType ? { contentType: type.contentType } : {}) });
          } catch (err) {
            if (!(err instanceof UserError)) throw new Error(`not a UserError: ${String(err)}`);
            if (!isOneSentence(err.message)) throw new Error(`not one sentence: ${JSON.stringify(err.message)}`);
            return;
          }
          // Read: a titled document whose blocks all hold text.
          if (!doc.title.trim() || doc.blocks.length === 0 || doc.blocks.some((b) => !b.text.trim())) {
            throw new Error(`odd document: ${JSON.stringify(doc).slice(0, 200)}`);
          }
        }),
        { seed: 0x5eed + TYPES.indexOf(type), numRuns: 60 },
      );
    },
    120_000,
  );
});
