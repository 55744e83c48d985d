/**
 * Downloading a Slack message's files for /kb add, against a local server: what goes wrong becomes
 * the one-sentence reason the core reports for that file (the end-to-end cases are in kb-files.test.ts).
 */
import type http from 'node:http';
import { slackAttachments, type FileDownloadOptions, type SlackFile } from '../../../src/adapters/slack/files';
import { ErrorCode, UserError } from '../../../src/core/errors';
import { startLocalServer, type LocalServer } from '../../helpers/local-server';

const TOKEN = 'xoxb-files-test';

describe('slackAttachments', () => {
  let server: LocalServer;
  let base: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let seen: string[];

  beforeAll(async () => {
    server = await startLocalServer((req, res) => handler(req, res));
    base = server.base;
    seen = server.requests;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const options = (extra: Partial<FileDownloadOptions> = {}): FileDownloadOptions => ({
    botToken: TOKEN,
    maxBytes: 1_000,
    timeoutMs: 5_000,
    extraHosts: ['127.0.0.1'],
    ...extra,
  });

  async function failure(file: SlackFile, extra: Partial<FileDownloadOptions> = {}): Promise<UserError> {
    const [attachment] = slackAttachments([file], options(extra));
    const err = await attachment!.download().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }

  async function reason(file: SlackFile, extra: Partial<FileDownloadOptions> = {}): Promise<string> {
    return (await failure(file, extra)).message;
  }

  it('describes each file as the core needs it and fetches it with the bot token', async () => {
    handler = (req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`token=${req.headers.authorization}`);
    const [attachment] = slackAttachments(
      [{ id: 'F1', name: 'notes.txt', mimetype: 'text/plain', size: 42, url_private_download: `${base}/f/notes.txt` }],
      options(),
    );
    expect(attachment).toMatchObject({ name: 'notes.txt', contentType: 'text/plain', size: 42 });
    expect(Buffer.from(await attachment!.download()).toString()).toBe(`token=Bearer ${TOKEN}`);
  });

  it('falls back to url_private and to the title when there is no download link or name', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    const [attachment] = slackAttachments([{ id: 'F2', title: 'Untitled note', url_private: `${base}/f/plain` }], options());
    expect(attachment!.name).toBe('Untitled note');
    expect(Buffer.from(await attachment!.download()).toString()).toBe('hello');
    expect(seen).toEqual(['/f/plain']);
  });

  it('cuts off a download that stalls, naming the time limit', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).write('partial'); // never ends
    expect(await failure({ name: 'slow.txt', url_private_download: `${base}/f/slow` }, { timeoutMs: 300 })).toMatchObject({
      code: ErrorCode.Timeout,
      message: 'it took longer than 0.3 seconds to download from Slack.',
    });
  });

  it('refuses before reading when the response announces more than the limit', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end(Buffer.alloc(5000));
    expect(await failure({ name: 'big.txt', size: 10, url_private_download: `${base}/f/big` })).toMatchObject({
      code: ErrorCode.TooLarge,
      message: 'big.txt is larger than the file limit of 0.001 MB.',
    });
  });

  it('recognises Slack’s sign-in page (token without files:read) instead of indexing it', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>Sign in</html>');
    expect(await reason({ name: 'report.pdf', mimetype: 'application/pdf', url_private_download: `${base}/f/report.pdf` })).toMatch(
      /sign-in page .* needs the files:read scope/,
    );
  });

  it('reports a refused download with its status', async () => {
    handler = (_req, res) => res.writeHead(403, { 'content-type': 'text/plain' }).end('no');
    expect(await failure({ name: 'secret.md', url_private_download: `${base}/f/secret.md` })).toMatchObject({
      code: ErrorCode.HttpStatus,
      message: 'Slack refused to hand it over (HTTP 403).',
    });
  });

  it('reports a connection that fails as a failed download, keeping the cause for the logs', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await failure({ name: 'down.md', url_private_download: 'http://127.0.0.1:1/f/down.md' });
    expect(err).toMatchObject({ code: ErrorCode.FetchFailed, message: 'it could not be downloaded from Slack.' });
    expect(err.cause).toMatchObject({ message: expect.any(String), stack: expect.any(String) });
  });

  it('never fetches deleted, plan-hidden, external or off-Slack files, nor sends them the token', async () => {
    handler = (_req, res) => res.writeHead(200).end('x');
    expect(await failure({ name: 'gone.md', mode: 'tombstone', url_private: `${base}/f/gone` })).toMatchObject({
      code: ErrorCode.NotFound,
      message: 'it has been deleted from Slack.',
    });
    expect(await reason({ name: 'old.md', mode: 'hidden_by_limit', url_private: `${base}/f/old` })).toMatch(/plan limits/);
    expect(await reason({ name: 'drive.doc', is_external: true, url_private: `${base}/f/drive` })).toMatch(
      /stored outside Slack; add its link with \/kb add <url>/,
    );
    expect(await failure({ name: 'a.md', url_private: `${base}/f/a` }, { extraHosts: [] })).toMatchObject({
      code: ErrorCode.AddressRefused,
      message: 'its download link does not point to Slack, so I did not fetch it.',
    });
    expect(await reason({ name: 'b.md', url_private: 'http://files.slack.com/b.md' }, { extraHosts: [] })).toMatch(/does not point to Slack/); // token only over https
    expect(await failure({ name: 'c.md' })).toMatchObject({ code: ErrorCode.FetchFailed, message: 'Slack gave no download link for it.' });
    expect(seen).toEqual([]);
  });
});
