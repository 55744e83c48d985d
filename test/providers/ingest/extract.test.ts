import { ErrorCode, UserError } from '../../../src/core/errors';
import { detectFormat, extractDocument } from '../../../src/providers/ingest/extract';
import { makeDocx, makePdf, makeZip } from '../../helpers/fixtures';

const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('extractDocument', () => {
  it('plain text: paragraphs, title from the first line', async () => {
    const doc = await extractDocument({ bytes: utf8('Holiday policy\n\nEveryone gets 25 days.\n\nAsk HR for more.'), name: 'policy.txt' });
    expect(doc.format).toBe('text');
    expect(doc.title).toBe('Holiday policy');
    expect(doc.blocks.map((b) => b.text)).toEqual(['Holiday policy', 'Everyone gets 25 days.', 'Ask HR for more.']);
  });

  it('markdown: headings become the path of the blocks under them; code blocks stay whole', async () => {
    const md = '# Handbook\n\nIntro.\n\n## VPN\n\nUse the Berlin gateway.\n\n```sh\nvpn connect berlin\n\nvpn status\n```\n\n## Printers\n\nFloor 2.';
    const doc = await extractDocument({ bytes: utf8(md), name: 'handbook.md' });
    expect(doc.title).toBe('Handbook');
    expect(doc.blocks).toEqual([
      { text: 'Intro.', headings: ['Handbook'] },
      { text: 'Use the Berlin gateway.', headings: ['Handbook', 'VPN'] },
      { text: '```sh\nvpn connect berlin\n\nvpn status\n```', headings: ['Handbook', 'VPN'], preformatted: true },
      { text: 'Floor 2.', headings: ['Handbook', 'Printers'] },
    ]);
  });

  it('html: title, heading structure, lists; scripts, styles and navigation dropped', async () => {
    const html = `<!doctype html><html><head><title>Wiki: Travel</title><style>p{}</style></head><body>
      <nav>Home | About</nav><h1>Travel</h1><p>Book through the portal.</p>
      <h2>Expenses</h2><ul><li>Keep receipts</li><li>Submit within 30 days</li></ul>
      <script>alert('x')</script><pre>code  line\n  indented</pre></body></html>`;
    const doc = await extractDocument({ bytes: utf8(html), name: 'travel', contentType: 'text/html; charset=utf-8' });
    expect(doc.format).toBe('html');
    expect(doc.title).toBe('Wiki: Travel');
    expect(doc.blocks).toEqual([
      { text: 'Book through the portal.', headings: ['Travel'] },
      { text: '• Keep receipts', headings: ['Travel', 'Expenses'] },
      { text: '• Submit within 30 days', headings: ['Travel', 'Expenses'] },
      { text: 'code  line\n  indented', headings: ['Travel', 'Expenses'], preformatted: true },
    ]);
  });

  it('pdf: text per page, located by page number, title from the metadata', async () => {
    const pdf = makePdf([['Security policy', 'Rotate keys yearly.'], ['Report incidents within one hour.']], 'Security');
    const doc = await extractDocument({ bytes: pdf, name: 'security.pdf' });
    expect(doc.format).toBe('pdf');
    expect(doc.title).toBe('Security');
    expect(doc.blocks.map((b) => [b.page, b.text])).toEqual([
      [1, 'Security policy\nRotate keys yearly.'],
      [2, 'Report incidents within one hour.'],
    ]);
  });

  it('docx: headings and paragraphs through mammoth', async () => {
    const docx = makeDocx([
      { heading: 'Onboarding' },
      { paragraph: 'Welcome aboard & good luck.' },
      { heading: 'Laptops', level: 2 },
      { paragraph: 'IT hands them out on day one.' },
    ]);
    const doc = await extractDocument({ bytes: docx, name: 'onboarding.docx' });
    expect(doc.format).toBe('docx');
    expect(doc.blocks).toEqual([
      { text: 'Welcome aboard & good luck.', headings: ['Onboarding'] },
      { text: 'IT hands them out on day one.', headings: ['Onboarding', 'Laptops'] },
    ]);
  });

  it.each([
    [{ bytes: Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80]), name: 'notes.txt' }, 'notes.txt is not UTF-8 text, so it cannot be read.'],
    [{ bytes: utf8('hello'), name: 'report.pdf' }, 'report.pdf is not a format I can read; send text, Markdown, HTML, PDF or DOCX.'],
    [{ bytes: Buffer.from('%PDF-1.4\ngarbage'), name: 'broken.pdf' }, 'broken.pdf could not be read as PDF; it may be damaged.'],
    [{ bytes: makeZip({ 'a.txt': 'x' }), name: 'archive.docx' }, 'archive.docx could not be read as DOCX; it may be damaged.'],
    [{ bytes: makeZip({ 'a.txt': 'x' }), name: 'archive.zip' }, 'archive.zip is not a format I can read; send text, Markdown, HTML, PDF or DOCX.'],
    [
      { bytes: Buffer.from([1, 2, 3]), name: 'image.png', contentType: 'image/png' },
      'image.png is not a format I can read; send text, Markdown, HTML, PDF or DOCX.',
    ],
    [{ bytes: utf8('   \n\n  '), name: 'empty.txt' }, 'empty.txt has no text I can index.'],
  ])('refuses a bad file with one clear sentence (%#)', async (raw, message) => {
    const err = await extractDocument(raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(message);
    expect((err as UserError).code).toBe(ErrorCode.UnreadableFile);
  });

  it('trusts the bytes over the name: a PDF called .txt is read as a PDF', () => {
    expect(detectFormat({ bytes: makePdf([['x']]), name: 'notes.txt' })).toBe('pdf');
  });
});
