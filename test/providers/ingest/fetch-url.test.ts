import { ErrorCode, UserError } from '../../../src/core/errors';
import { fetchUrl, isPublicAddress, type FetchLimits } from '../../../src/providers/ingest/fetch-url';
import { startLocalServer, type LocalServer } from '../../helpers/local-server';

const limits: FetchLimits = { timeoutMs: 2000, maxBytes: 100_000, maxRedirects: 3, allowPrivate: false };
const allowed: FetchLimits = { ...limits, allowPrivate: true };

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('%s is public', (ip) => expect(isPublicAddress(ip)).toBe(true));
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
    '255.255.255.255',
    'not-an-ip',
  ])('%s is not', (ip) => expect(isPublicAddress(ip)).toBe(false));
});

describe('fetchUrl against a local server', () => {
  let server: LocalServer;
  let base: string;
  let hits: string[];
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      switch (req.url) {
        case '/doc.md':
          res.writeHead(200, { 'content-type': 'text/markdown' });
          res.end('# Title\n\nBody');
          return;
        case '/moved':
          res.writeHead(302, { location: '/doc.md' });
          res.end();
          return;
        case '/loop':
          res.writeHead(301, { location: '/loop' });
          res.end();
          return;
        case '/big-declared':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '200000' });
          res.end('x'.repeat(200_000));
          return;
        case '/big-chunked':
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (let i = 0; i < 20; i++) res.write('y'.repeat(10_000));
          res.end();
          return;
        case '/hang':
          return; // never answers
        default:
          res.writeHead(404);
          res.end();
      }
    });
    base = server.base;
    hits = server.requests;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    hits.length = 0;
  });

  async function failure(url: string, l: FetchLimits = limits): Promise<UserError> {
    const err = await fetchUrl(url, l).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }

  async function refusal(url: string, l: FetchLimits = limits): Promise<string> {
    return (await failure(url, l)).message;
  }

  it('refuses loopback by default, without sending the request', async () => {
    expect(await failure(`${base}/doc.md`)).toMatchObject({
      code: ErrorCode.AddressRefused,
      message: "I won't fetch 127.0.0.1: it points to a private, loopback or link-local address.",
    });
    const port = new URL(base).port;
    expect(await refusal(`http://localhost:${port}/doc.md`)).toBe("I won't fetch localhost: it points to a private, loopback or link-local address.");
    expect(hits).toEqual([]);
  });

  it.each(['http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://192.168.0.1/', 'http://[::1]/', 'http://0.0.0.0/'])(
    'refuses %s before connecting',
    async (url) => {
      expect(await refusal(url)).toMatch(/^I won't fetch .*: it points to a private, loopback or link-local address\.$/);
    },
  );

  it('fetches when config allows private addresses, with the content type', async () => {
    const got = await fetchUrl(`${base}/doc.md`, allowed);
    expect(got.bytes.toString()).toBe('# Title\n\nBody');
    expect(got.contentType).toBe('text/markdown');
  });

  it('follows redirects, and stops a redirect loop', async () => {
    const got = await fetchUrl(`${base}/moved`, allowed);
    expect(got.url).toBe(`${base}/doc.md`);
    expect(await failure(`${base}/loop`, allowed)).toMatchObject({
      code: ErrorCode.FetchFailed,
      message: `${base}/loop redirects more than 3 times, so I stopped following it.`,
    });
    expect(hits.filter((h) => h === '/loop')).toHaveLength(4);
  });

  it('refuses bodies over the size limit, declared or streamed', async () => {
    expect(await failure(`${base}/big-declared`, allowed)).toMatchObject({
      code: ErrorCode.TooLarge,
      message: `${base}/big-declared is larger than the limit of 0.1 MB.`,
    });
    expect(await refusal(`${base}/big-chunked`, allowed)).toBe(`${base}/big-chunked is larger than the limit of 0.1 MB.`);
  });

  it('gives up on a server that does not answer in time', async () => {
    expect(await failure(`${base}/hang`, { ...allowed, timeoutMs: 300 })).toMatchObject({
      code: ErrorCode.Timeout,
      message: `${base}/hang took longer than 0.3 s to answer, so I gave up.`,
    });
  });

  it('reports HTTP errors and other schemes in one sentence', async () => {
    expect(await failure(`${base}/missing`, allowed)).toMatchObject({
      code: ErrorCode.HttpStatus,
      message: `${base}/missing answered with HTTP 404, so there is nothing to add.`,
    });
    expect(await refusal('ftp://example.com/file')).toBe('I only fetch http and https URLs, not ftp.');
  });

  it('reports a connection that is refused in one sentence naming the failure, keeping the cause for the logs', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await failure('http://127.0.0.1:1/doc.md', allowed);
    expect(err).toMatchObject({ code: ErrorCode.FetchFailed, message: 'I could not fetch http://127.0.0.1:1/doc.md (ECONNREFUSED).' });
    expect(err.cause).toMatchObject({ code: 'ECONNREFUSED', stack: expect.any(String) });
  });
});
