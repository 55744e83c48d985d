/**
 * Files into the knowledge base on Slack, where slash commands cannot carry files: the "Add to
 * knowledge base" message shortcut and a "@bot kb add" mention with files attached, through Bolt
 * over HTTP, the real core and a local server standing in for Slack's file storage (it answers
 * only requests with the bot token, as Slack does, and records every request).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KB_FILES_SHORTCUT } from '../../../src/adapters/slack/shortcuts';
import { NO_FILES_SENTENCE } from '../../../src/adapters/slack/interactions';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { makeTestApp, testConfig } from '../../helpers/app';
import { shownText } from '../../helpers/fake-slack';
import { makePdf } from '../../helpers/fixtures';
import { ADMIN, CHANNEL, MEMBER, useSlackHarness } from '../../helpers/slack-harness';
import { appMentionEvent, envelope, messageEvent, messageShortcutPayload, postEvent, postInteraction } from '../../helpers/slack-requests';

interface ServedFile {
  readonly body: Buffer;
  readonly type: string;
  /** Send bytes until the client hangs up (a file far bigger than it claims). */
  readonly endless?: boolean;
}

/** Slack's file storage, in small: `url_private_download` answers the bot token only. */
class FileHost {
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  /** Resolves when the client hangs up on an endless download (never, if it reads on forever). */
  readonly hungUp: Promise<void>;
  private markHungUp: () => void = () => undefined;
  private readonly files = new Map<string, ServedFile>();
  private counter = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly token: string,
  ) {
    this.hungUp = new Promise((resolve) => (this.markHungUp = resolve));
  }

  static async start(token: string): Promise<FileHost> {
    let host: FileHost | undefined;
    const server = http.createServer((req, res) => host!.handle(req, res));
    host = new FileHost(server, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return host;
  }

  /** A Slack file object for `name`, served here; `declaredSize` is what Slack would claim. */
  add(name: string, file: ServedFile, declaredSize = file.body.length): Record<string, unknown> {
    this.counter += 1;
    const id = `F0FILE${String(this.counter).padStart(4, '0')}`;
    const path = `/files-pri/T0TEAM001-${id}/download/${encodeURIComponent(name)}`;
    this.files.set(path, file);
    const port = (this.server.address() as AddressInfo).port;
    return {
      id,
      name,
      title: name,
      mimetype: file.type,
      filetype: name.split('.').pop() ?? '',
      size: declaredSize,
      mode: 'hosted',
      is_external: false,
      url_private: `http://127.0.0.1:${port}${path.replace('/download', '')}`,
      url_private_download: `http://127.0.0.1:${port}${path}`,
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ path, authorization: req.headers.authorization });
    const file = this.files.get(path);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      // What Slack does for a request without a usable token: its sign-in page, status 200.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Sign in to Slack</body></html>');
      return;
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
      return;
    }
    if (!file.endless) {
      res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.body.length) }).end(file.body);
      return;
    }
    // No content-length and no end: only a client that counts while reading, and hangs up at its
    // limit, ever finishes this download.
    res.writeHead(200, { 'content-type': file.type });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      while (!res.destroyed) {
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => {
      this.markHungUp();
      res.removeAllListeners('drain');
    });
    pump();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('Slack: files into the knowledge base', () => {
  const ctx = useSlackHarness();
  let files: FileHost;

  beforeEach(async () => {
    files = await FileHost.start(ctx.h.slack.botToken);
  });
  afterEach(async () => {
    await files.close();
  });

  const ephemeral = () =>
    ctx.h.slack.callsTo('chat.postEphemeral').map((c) => ({ user: String(c.params['user']), channel: String(c.params['channel']), text: shownText(c.params) }));

  /** A person's message sharing `shared`, as the shortcut payload carries it. */
  function sharedMessage(shared: Record<string, unknown>[], text = 'Here are the docs'): Record<string, unknown> {
    return { type: 'message', subtype: 'file_share', user: ADMIN.id, ts: ctx.h.slack.nextTs(), text, files: shared, upload: true };
  }

  async function shortcut(user: { id: string; name: string }, message: Record<string, unknown>) {
    const responseUrl = ctx.h.slack.newResponseUrl();
    const result = await postInteraction(
      ctx.h.url,
      messageShortcutPayload({
        team: ctx.h.slack.team,
        channel: CHANNEL,
        user: user.id,
        userName: user.name,
        callbackId: KB_FILES_SHORTCUT,
        message,
        responseUrl,
      }),
    );
    await ctx.h.idle();
    return result.status;
  }

  const markdown = () =>
    files.add('handbook.md', { type: 'text/markdown', body: Buffer.from('# Staff handbook\n\nThe quarterly offsite is held in Lisbon every April.\n') });
  const pdf = () =>
    files.add('rules.pdf', {
      type: 'application/pdf',
      body: makePdf([['Parking rules', 'Visitors park in the zebra garage on level minus two.']], 'Parking rules'),
    });

  describe('the "Add to knowledge base" shortcut', () => {
    it('adds an admin’s Markdown and PDF files, fetched with the bot token, and they become searchable', async () => {
      expect(await shortcut(ADMIN, sharedMessage([markdown(), pdf()]))).toBe(200);

      expect(files.requests.map((r) => r.path)).toEqual([expect.stringMatching(/\/download\/handbook\.md$/), expect.stringMatching(/\/download\/rules\.pdf$/)]);
      for (const request of files.requests) expect(request.authorization).toBe(`Bearer ${ctx.h.slack.botToken}`);

      const told = ephemeral();
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ user: ADMIN.id, channel: CHANNEL });
      expect(told[0]!.text).toMatch(/^Added "Staff handbook" as d1 .*searchable now\.\nAdded "Parking rules" as d2 .*searchable now\.$/);
      expect(ctx.h.slack.callsTo('chat.postEphemeral')[0]!.params['blocks']).toEqual([{ type: 'markdown', text: told[0]!.text }]);

      expect((await ctx.h.run('/kb', 'search offsite Lisbon')).told).toMatch(/1\. \[[\d.]+\] Staff handbook[\s\S]*Lisbon every April/);
      expect((await ctx.h.run('/kb', 'search zebra garage')).told).toMatch(/1\. \[[\d.]+\] Parking rules[\s\S]*zebra garage/);
    });

    it('refuses a member in one ephemeral sentence, downloads nothing and adds nothing', async () => {
      await shortcut(MEMBER, sharedMessage([markdown()]));
      expect(ephemeral()).toEqual([{ user: MEMBER.id, channel: CHANNEL, text: NOT_ADMIN_SENTENCE }]);
      expect(files.requests).toEqual([]);
      expect((await ctx.h.run('/kb', 'list')).told).toMatch(/knowledge base is empty/);
    });

    it('says so when the message has no files', async () => {
      await shortcut(ADMIN, { type: 'message', user: ADMIN.id, ts: ctx.h.slack.nextTs(), text: 'no attachments here' });
      expect(ephemeral().map((e) => e.text)).toEqual([NO_FILES_SENTENCE]);
      expect((await ctx.h.run('/kb', 'list')).told).toMatch(/knowledge base is empty/);
    });

    it('skips an unsupported file with its reason and still adds the others', async () => {
      const png = files.add('diagram.png', { type: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) });
      await shortcut(ADMIN, sharedMessage([png, markdown()]));
      const [told] = ephemeral().map((e) => e.text);
      expect(told).toMatch(
        /^Skipped diagram\.png: diagram\.png is not a format I can read; send text, Markdown, HTML, PDF or DOCX\.\nAdded "Staff handbook" as d1/,
      );
      const list = (await ctx.h.run('/kb', 'list')).told;
      expect(list).toMatch(/Staff handbook/);
      expect(list).not.toMatch(/diagram/);
    });

    it('refuses a file that streams past the limit although Slack declared it small, naming the limit', async () => {
      // A harness whose file limit is 0.1 MB, so "past the limit" is quick to send.
      const base = testConfig();
      const app = await makeTestApp({ config: testConfig({}, { knowledge: { ...base.knowledge, fileBytes: 100_000 } }) });
      try {
        await ctx.restart({ app });
        const liar = files.add('huge.txt', { type: 'text/plain', body: Buffer.alloc(0), endless: true }, 1_200);
        await shortcut(ADMIN, sharedMessage([liar, markdown()]));
        const [told] = ephemeral().map((e) => e.text);
        expect(told).toMatch(/^Skipped huge\.txt: huge\.txt is larger than the file limit of 0\.1 MB\.\nAdded "Staff handbook" as d1/);
        await files.hungUp;
        const list = (await ctx.h.run('/kb', 'list')).told;
        expect(list).toMatch(/Documents in this channel's knowledge base \(1\)/);
        expect(list).not.toMatch(/huge/);
      } finally {
        await ctx.h.stop();
        await app.dispose();
      }
    });

    it('does not send the bot token to a download link outside Slack', async () => {
      const elsewhere = { ...markdown(), url_private_download: 'http://localhost:9/evil/handbook.md', url_private: 'http://localhost:9/evil' };
      await shortcut(ADMIN, sharedMessage([elsewhere]));
      expect(ephemeral().map((e) => e.text)).toEqual(['Skipped handbook.md: its download link does not point to Slack, so I did not fetch it.']);
      expect(files.requests).toEqual([]);
    });
  });

  describe('"@channelwise kb add" with files attached', () => {
    /** The message arrives twice, as Slack sends a mention: `app_mention` and `message` (file_share). */
    async function mentionWithFiles(user: { id: string }, text: string, shared: Record<string, unknown>[]) {
      const fields = { channel: CHANNEL, user: user.id, team: ctx.h.slack.team, ts: ctx.h.slack.nextTs(), text: `<@${ctx.h.slack.botUserId}> ${text}` };
      const events = [
        { ...appMentionEvent(fields), files: shared },
        { ...messageEvent({ ...fields, subtype: 'file_share' }), files: shared, upload: true },
      ];
      for (const event of events) {
        expect((await postEvent(ctx.h.url, envelope(event, { team: ctx.h.slack.team, botUserId: ctx.h.slack.botUserId }))).status).toBe(200);
      }
      await ctx.h.idle();
    }

    it('adds the files once, answers the admin privately and does not chat', async () => {
      await mentionWithFiles(ADMIN, 'kb add', [markdown()]);
      expect(ephemeral()).toEqual([{ user: ADMIN.id, channel: CHANNEL, text: expect.stringMatching(/^Added "Staff handbook" as d1/) }]);
      const [sent] = ctx.h.slack.callsTo('chat.postEphemeral');
      expect(sent!.params).toMatchObject({
        text: expect.stringMatching(/^Added "Staff handbook" as d1/),
        blocks: [{ type: 'markdown', text: ephemeral()[0]!.text }],
      });
      expect(files.requests).toHaveLength(1);
      expect(ctx.h.slack.botMessages(CHANNEL)).toEqual([]);
      expect(ctx.openai.requests).toEqual([]);
      expect((await ctx.h.run('/kb', 'search offsite Lisbon')).told).toMatch(/Staff handbook/);
    });

    it('refuses a member and adds nothing', async () => {
      await mentionWithFiles(MEMBER, 'kb add', [markdown()]);
      expect(ephemeral()).toEqual([{ user: MEMBER.id, channel: CHANNEL, text: NOT_ADMIN_SENTENCE }]);
      expect(files.requests).toEqual([]);
      expect((await ctx.h.run('/kb', 'list')).told).toMatch(/knowledge base is empty/);
    });
  });
});
