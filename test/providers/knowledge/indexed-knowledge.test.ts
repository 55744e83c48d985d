/**
 * The knowledge base as a user drives it: /kb add (text, URL, files), list, search, remove, and
 * what the RAG route then retrieves, on the real SQLite-backed index.
 */
import type { CommandRunner } from '../../../src/core/commands/registry';
import type { Attachment } from '../../../src/core/types';
import { admin, makeTestApp, member, scopeA, testConfig, testPermissions, type TestApp } from '../../helpers/app';
import { makeDocx, makePdf } from '../../helpers/fixtures';
import { startLocalServer, type LocalServer } from '../../helpers/local-server';

const KB = `${scopeA.platform}:${scopeA.workspace}:${scopeA.channel}`;

function file(name: string, content: string | Buffer, contentType?: string): Attachment & { downloads: number } {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const attachment = {
    name,
    size: bytes.length,
    downloads: 0,
    ...(contentType ? { contentType } : {}),
    download: async () => {
      attachment.downloads += 1;
      return new Uint8Array(bytes);
    },
  };
  return attachment;
}

describe('knowledge base commands', () => {
  let app: TestApp;
  let runner: CommandRunner;
  const kb = (text: string, attachments: Attachment[] = [], user: { id: string; name?: string } = admin) =>
    runner.run({ scope: scopeA, user, name: 'kb', text, attachments });

  beforeEach(async () => {
    app = await makeTestApp();
    runner = app.commands(testPermissions);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('adds pasted text, confirms it is searchable, lists it and finds it', async () => {
    const added = await kb('add Holiday policy\n\nEveryone gets 25 days of paid holiday per year.');
    expect(added.text).toBe('Added "Holiday policy" as d1 (1 passage); it is searchable now.');
    expect((await kb('list', [], member)).text).toMatch(
      /^Documents in this channel's knowledge base \(1\):\n• d1 — Holiday policy \(1 passage, added by alice, .* UTC\)$/,
    );
    const search = await kb('search how many holiday days', [], member);
    expect(search.text).toMatch(/^Top passages for "how many holiday days":\n1\. \[0\.\d{3}\] Holiday policy\n {3}Holiday policy Everyone gets 25 days/);
  });

  it('replaces a source added again instead of duplicating it', async () => {
    await kb('add Holiday policy\n\nEveryone gets 25 days.');
    const again = await kb('add Holiday policy\n\nEveryone gets 30 days.');
    expect(again.text).toBe('Updated "Holiday policy" as d1 (1 passage); it is searchable now.');
    expect(await app.knowledge.list(KB)).toHaveLength(1);
    const passages = await app.knowledge.search([KB], 'holiday days', 5);
    expect(passages.map((p) => p.text)).toEqual(['Holiday policy\n\nEveryone gets 30 days.']);
  });

  it('removes a document from search and list', async () => {
    await kb('add VPN guide\n\nConnect through the Berlin gateway.');
    expect((await kb('remove d1')).text).toBe("Removed d1 from this channel's knowledge base.");
    expect(await app.knowledge.search([KB], 'Berlin gateway', 5)).toEqual([]);
    expect((await kb('remove d1')).text).toBe('There is no document d1 here; /kb list shows the document ids.');
  });

  it('reads every supported file type attached to /kb add, and skips a bad one with its reason', async () => {
    const files = [
      file('notes.txt', 'Printer notes\n\nThe colour printer is on floor 2.'),
      file('guide.md', '# Guide\n\n## Parking\n\nVisitors park in bay C.'),
      file('page.html', '<html><head><title>Cafeteria</title></head><body><h1>Cafeteria</h1><p>Lunch is served from noon.</p></body></html>', 'text/html'),
      file('security.pdf', makePdf([['Security', 'Badges must be worn at all times.']], 'Security')),
      file('onboarding.docx', makeDocx([{ heading: 'Onboarding' }, { paragraph: 'Laptops are handed out on day one.' }])),
      file('photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'),
    ];
    const reply = await kb('add', files);
    expect(reply.text.split('\n')).toEqual([
      'Added "Printer notes" as d1 (1 passage); it is searchable now.',
      'Added "Guide" as d2 (1 passage); it is searchable now.',
      'Added "Cafeteria" as d3 (1 passage); it is searchable now.',
      'Added "Security" as d4 (1 passage); it is searchable now.',
      'Added "Onboarding" as d5 (1 passage); it is searchable now.',
      'Skipped photo.png: photo.png is not a format I can read; send text, Markdown, HTML, PDF or DOCX.',
    ]);
    const find = async (q: string) => (await app.knowledge.search([KB], q, 1))[0];
    expect(await find('where do visitors park')).toMatchObject({ title: 'Guide', location: 'Guide › Parking' });
    expect(await find('badges')).toMatchObject({ title: 'Security', location: 'page 1' });
    expect(await find('laptops day one')).toMatchObject({ title: 'Onboarding', location: 'Onboarding' });
    expect(await find('lunch noon')).toMatchObject({ title: 'Cafeteria' });
  });

  it('refuses a file over the size limit without downloading it', async () => {
    const big = { ...file('big.txt', 'x'), size: app.config.knowledge.fileBytes + 1 };
    const reply = await kb('add', [big]);
    expect(reply.text).toBe('Skipped big.txt: big.txt is larger than the file limit of 20 MB.');
    expect(big.downloads).toBe(0);
    expect(await app.knowledge.list(KB)).toEqual([]);
  });

  it('refuses a file that turns out bigger than the limit once downloaded, naming both sizes', async () => {
    const small = await makeTestApp({ config: { ...app.config, knowledge: { ...app.config.knowledge, fileBytes: 1_000_000 } } });
    try {
      // The platform declared 10 bytes; what arrives is what counts.
      const liar = { ...file('big.txt', 'x'.repeat(2_500_000)), size: 10 };
      const reply = await small.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'kb', text: 'add', attachments: [liar] });
      expect(reply.text).toBe('Skipped big.txt: big.txt is 2.5 MB; the file limit is 1 MB.');
      expect(await small.knowledge.list(KB)).toEqual([]);
    } finally {
      await small.dispose();
    }
  });

  it('refuses a document whose text is past limits.documentChars, naming the limit', async () => {
    const small = await makeTestApp({ config: { ...app.config, limits: { ...app.config.limits, documentChars: 100 } } });
    try {
      const reply = await small.commands(testPermissions).run({
        scope: scopeA,
        user: admin,
        name: 'kb',
        text: 'add',
        attachments: [file('long.txt', 'word '.repeat(60))],
      });
      expect(reply.text).toMatch(/^Skipped long\.txt: The text of long\.txt is \d{3} characters; the limit is 100\.$/);
      expect(await small.knowledge.list(KB)).toEqual([]);
    } finally {
      await small.dispose();
    }
  });

  it('a workspace knowledge base is searched by the channels that attach it', async () => {
    const shared = await kb('add --workspace Travel policy\n\nBook flights through the travel portal.');
    expect(shared.text).toBe('Added "Travel policy" as d1 (1 passage); it is searchable now.');
    expect((await kb('list --workspace', [], member)).text).toMatch(/^Documents in the workspace's knowledge base \(1\):\n• d1 — Travel policy/);
    expect((await kb('list', [], member)).text).toBe('The knowledge base is empty; add text, a URL or a file with /kb add.');
    const search = () => kb('search travel portal flights', [], member);
    expect((await search()).text).toBe('No passages match that query.');

    expect((await kb('attach')).text).toBe("This channel now also searches the workspace's knowledge base.");
    expect((await search()).text).toMatch(/^Top passages for "travel portal flights":\n1\. \[0\.\d{3}\] Travel policy/);
    expect((await kb('detach')).text).toBe("This channel no longer searches the workspace's knowledge base.");
    expect((await search()).text).toBe('No passages match that query.');
    expect((await kb('attach', [], member)).text).toBe("Only admins can change this channel's setup; nothing was changed.");
  });

  it('asks for something to add when /kb add has no text, URL or file', async () => {
    expect((await kb('add')).text).toBe('Nothing to add: give /kb add a URL or some text, or attach a file.');
  });

  it('keeps the index across a restart', async () => {
    await kb('add Wifi\n\nThe guest wifi password is on the fridge.');
    await app.close();
    const reopened = await makeTestApp({ dir: app.dir });
    try {
      expect((await reopened.knowledge.search([KB], 'guest wifi password', 3))[0]?.title).toBe('Wifi');
      expect(await reopened.knowledge.list(KB)).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  it('scores relevance from 0 to 1: an unrelated question scores nothing', async () => {
    await kb('add Library hours\n\nThe library opens at nine and closes at six.');
    const [hit] = await app.knowledge.search([KB], 'When does the library open?', 3);
    expect(hit!.score).toBeGreaterThan(app.config.retrieval.minScore);
    expect(hit!.score).toBeLessThanOrEqual(1);
    expect(await app.knowledge.search([KB], 'capital of Mongolia', 3)).toEqual([]);
  });

  describe('URLs', () => {
    let server: LocalServer;
    let base: string;
    beforeAll(async () => {
      server = await startLocalServer((req, res) => {
        if (req.url === '/handbook.html') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html><head><title>Handbook</title></head><body><h2>Expenses</h2><p>Submit receipts within 30 days.</p></body></html>');
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      base = server.base;
    });
    afterAll(async () => {
      await server.close();
    });

    it('refuses a loopback URL by default and adds nothing', async () => {
      const reply = await kb(`add ${base}/handbook.html`);
      expect(reply.text).toBe("I won't fetch 127.0.0.1: it points to a private, loopback or link-local address.");
      expect(await app.knowledge.list(KB)).toEqual([]);
    });

    it('adds it when config allows private URLs, with the URL kept for citations', async () => {
      const base0 = testConfig();
      const allowing = await makeTestApp({ config: { ...base0, knowledge: { ...base0.knowledge, allowPrivateUrls: true } } });
      try {
        const reply = await allowing.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'kb', text: `add ${base}/handbook.html` });
        expect(reply.text).toBe('Added "Handbook" as d1 (1 passage); it is searchable now.');
        const [hit] = await allowing.knowledge.search([KB], 'receipts', 1);
        expect(hit).toMatchObject({ title: 'Handbook', url: `${base}/handbook.html`, location: 'Expenses' });
      } finally {
        await allowing.dispose();
      }
    });
  });
});
