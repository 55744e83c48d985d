/**
 * A fake Slack Web API on 127.0.0.1: a real HTTP server answering the methods the adapter calls
 * (`/api/<method>`) plus slash-command `response_url`s (`/response/<id>`), with a small world
 * behind it (users, channels' messages, threads, streams, views) so answers look like Slack's.
 *
 * Every call is recorded (`calls`, `responses`) with the time it arrived, and checked: the method
 * must exist, the bot token must be sent, and every parameter must be known to the vendor's spec
 * (`../shared/api-specs/slack/slack_web_openapi_v2_without_examples.json`), present when required
 * and of the right type. A call the real API would refuse gets Slack's error *and* is kept in
 * `violations`; `assertNoViolations()` fails the test even when the code swallowed the error.
 *
 * Two documented departures from the 2020 spec file:
 * - chat.startStream / appendStream / stopStream are newer than it; their parameters are written
 *   out below by hand from Slack's method documentation (docs.slack.dev/reference/methods/chat.startStream …).
 * - `team_id` is accepted on every method: Bolt's per-workspace WebClient adds it to each call
 *   (web-api `WebClient.apiCall`), and Slack accepts it.
 * - files.getUploadURLExternal and files.completeUploadExternal (what files.uploadV2 calls) are
 *   newer than it too: their parameters are written out by hand from Slack's method reference
 *   (docs.slack.dev/reference/methods/files.getUploadURLExternal, …/files.completeUploadExternal),
 *   and the upload URL the first hands out (`/upload/v1/<file id>`) takes the bytes by POST, raw or
 *   multipart-encoded, as that reference describes; the completed upload must match the declared
 *   `length`, and only files that were uploaded can be completed.
 * - `blocks` and `view` are JSON the spec file does not describe: they are checked strictly by the
 *   Block Kit rules below (`checkBlocks`): every block a type the fake knows with its required
 *   fields, within Slack's limits, and no field Slack's block reference does not list. The
 *   `markdown` block is newer than the spec file: its rules are written out by hand from Slack's
 *   block reference (docs.slack.dev/reference/block-kit/blocks/markdown-block: `type`, `text` of
 *   at most 12,000 characters, at most 12,000 markdown characters per payload, `block_id` ignored).
 *   A stored message's `blocks` are what the bot sent; `shownText` is what a user reads.
 * - a `response_url` takes at most 5 messages (Slack's "up to 5 times within 30 minutes"); a sixth
 *   is refused and is a violation.
 * - apps.connections.open (Socket Mode) is not in the spec file either; it takes no arguments and
 *   only an app-level token (`xapp-…`), per docs.slack.dev/reference/methods/apps.connections.open.
 *   A bot token there, or an app-level token anywhere else, gets `not_allowed_token_type` and is a
 *   violation. The WebSocket side is in fake-slack-socket.ts (`enableSocketMode()`).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeSlackSocket } from './fake-slack-socket';
import { readBody } from './local-server';

export const SLACK_SPEC_DIR = path.resolve(__dirname, '../../../shared/api-specs/slack');

/** How many messages one response_url takes. */
export const RESPONSE_URL_USES = 5;

type ParamType = 'string' | 'boolean' | 'number' | 'integer' | 'json-array' | 'json-object';
interface ParamSpec {
  readonly type: ParamType;
  readonly required: boolean;
}
type MethodSpec = Readonly<Record<string, ParamSpec>>;

/** Parameters whose string value is JSON (Slack's form encoding of arrays and objects). */
const JSON_PARAMS: Readonly<Record<string, ParamType>> = {
  blocks: 'json-array',
  attachments: 'json-array',
  view: 'json-object',
  chunks: 'json-array',
  metadata: 'json-object',
};

const UNIVERSAL: MethodSpec = { team_id: { type: 'string', required: false } };

/** Hand-written from Slack's method docs: these methods are newer than the spec file. */
const STREAM_METHODS: Readonly<Record<string, MethodSpec>> = {
  'chat.startStream': {
    channel: { type: 'string', required: true },
    thread_ts: { type: 'string', required: false },
    markdown_text: { type: 'string', required: false },
    chunks: { type: 'json-array', required: false },
    recipient_user_id: { type: 'string', required: false },
    recipient_team_id: { type: 'string', required: false },
    task_display_mode: { type: 'string', required: false },
    icon_emoji: { type: 'string', required: false },
    icon_url: { type: 'string', required: false },
    username: { type: 'string', required: false },
  },
  'chat.appendStream': {
    channel: { type: 'string', required: true },
    ts: { type: 'string', required: true },
    markdown_text: { type: 'string', required: false },
    chunks: { type: 'json-array', required: false },
  },
  'chat.stopStream': {
    channel: { type: 'string', required: true },
    ts: { type: 'string', required: true },
    markdown_text: { type: 'string', required: false },
    chunks: { type: 'json-array', required: false },
    blocks: { type: 'json-array', required: false },
    metadata: { type: 'json-object', required: false },
  },
};

/** Hand-written from Slack's method reference: the external upload flow behind files.uploadV2. */
const FILE_UPLOAD_METHODS: Readonly<Record<string, MethodSpec>> = {
  'files.getUploadURLExternal': {
    filename: { type: 'string', required: true },
    length: { type: 'integer', required: true },
    alt_txt: { type: 'string', required: false },
    snippet_type: { type: 'string', required: false },
  },
  'files.completeUploadExternal': {
    files: { type: 'json-array', required: true },
    channel_id: { type: 'string', required: false },
    channels: { type: 'string', required: false },
    initial_comment: { type: 'string', required: false },
    thread_ts: { type: 'string', required: false },
    blocks: { type: 'json-array', required: false },
  },
};

/** Methods that take an app-level token (and no other kind); hand-written, absent from the spec file. */
const APP_LEVEL_METHODS: Readonly<Record<string, MethodSpec>> = {
  'apps.connections.open': {},
};

let specCache: Record<string, MethodSpec> | undefined;

/** Method → parameters, from the Swagger file (token excluded: it travels in the Authorization header). */
export function slackMethodSpecs(): Record<string, MethodSpec> {
  if (specCache) return specCache;
  const spec = JSON.parse(readFileSync(path.join(SLACK_SPEC_DIR, 'slack_web_openapi_v2_without_examples.json'), 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: { name: string; type?: string; required?: boolean }[] }>>;
  };
  const methods: Record<string, MethodSpec> = {};
  for (const [pathName, verbs] of Object.entries(spec.paths)) {
    const params: Record<string, ParamSpec> = {};
    for (const operation of Object.values(verbs)) {
      for (const param of operation.parameters ?? []) {
        if (param.name === 'token') continue;
        const declared = (param.type ?? 'string') as ParamType;
        params[param.name] = { type: JSON_PARAMS[param.name] ?? declared, required: Boolean(param.required) };
      }
    }
    methods[pathName.replace(/^\//, '')] = params;
  }
  specCache = { ...methods, ...STREAM_METHODS, ...FILE_UPLOAD_METHODS, ...APP_LEVEL_METHODS };
  return specCache;
}

export interface RecordedCall {
  readonly method: string;
  /** Parameters as the method sees them: JSON-valued ones decoded. */
  readonly params: Record<string, unknown>;
  /** Milliseconds (monotonic) when the request arrived. */
  readonly at: number;
}

export interface RecordedResponse {
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export interface Violation {
  readonly where: string;
  readonly problems: readonly string[];
  readonly params: unknown;
}

/** A file uploaded through files.getUploadURLExternal → POST → files.completeUploadExternal. */
export interface FakeUpload {
  readonly id: string;
  readonly filename: string;
  readonly length: number;
  readonly altTxt?: string;
  bytes?: Buffer;
  /** Set once completed. */
  completed?: { readonly title?: string; readonly channel?: string; readonly initialComment?: string; readonly threadTs?: string };
}

export interface FakeUser {
  readonly id: string;
  readonly name: string;
  readonly is_admin?: boolean;
  readonly is_owner?: boolean;
  readonly is_primary_owner?: boolean;
  readonly is_bot?: boolean;
}

export interface StoredMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  thread_ts?: string;
  subtype?: string;
  /** The blocks the message was posted (or last updated) with. */
  blocks?: Record<string, unknown>[];
  /** Native stream state of a message the bot is streaming. */
  streaming?: 'in_progress' | 'completed';
}

export interface FakeSlackOptions {
  readonly botToken?: string;
  readonly team?: string;
  readonly botUserId?: string;
  readonly botId?: string;
  readonly appId?: string;
  /** App-level token (Socket Mode), `xapp-…`. */
  readonly appToken?: string;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function parseScalar(type: ParamType, raw: unknown, name: string, problems: string[]): unknown {
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
  switch (type) {
    case 'boolean':
      if (!['true', 'false', '1', '0'].includes(value)) problems.push(`${name}: expected a boolean, got "${value}"`);
      return value === 'true' || value === '1';
    case 'number':
      if (!Number.isFinite(Number(value)) || value.trim() === '') problems.push(`${name}: expected a number, got "${value}"`);
      return value;
    case 'integer':
      if (!/^-?\d+$/.test(value)) problems.push(`${name}: expected an integer, got "${value}"`);
      return Number(value);
    case 'json-array':
    case 'json-object': {
      let parsed: unknown = raw;
      if (typeof raw === 'string') {
        try {
          parsed = JSON.parse(raw);
        } catch {
          problems.push(`${name}: not valid JSON`);
          return undefined;
        }
      }
      const ok = type === 'json-array' ? Array.isArray(parsed) : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      if (!ok) problems.push(`${name}: expected a JSON ${type === 'json-array' ? 'array' : 'object'}`);
      return parsed;
    }
    default:
      if (typeof raw !== 'string') problems.push(`${name}: expected a string`);
      return raw;
  }
}

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly responses: RecordedResponse[] = [];
  readonly violations: Violation[] = [];
  readonly users = new Map<string, FakeUser>();
  /** channel → messages, oldest first (top-level and thread replies together). */
  readonly messages = new Map<string, StoredMessage[]>();
  /** user → the Home view last published for them. */
  readonly homeViews = new Map<string, Record<string, unknown>>();
  readonly openedViews: Record<string, unknown>[] = [];
  /** Files by id, in the order their upload URLs were handed out. */
  readonly uploads = new Map<string, FakeUpload>();
  /** Called with every recorded call, as it arrives (load generators wait on these). */
  onCall: ((call: RecordedCall) => void) | undefined;
  /** Answer chat.startStream with an error, as workspaces without streaming do. */
  refuseStreaming = false;
  /** method → Retry-After seconds of the 429s still to answer its next calls with (see `rateLimit`). */
  private readonly rateLimits = new Map<string, number[]>();
  readonly botToken: string;
  readonly team: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly appToken: string;
  /** The WebSocket side, once `enableSocketMode()` ran. */
  socketMode: FakeSlackSocket | undefined;

  private tsCounter = 0;
  private responseCounter = 0;
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    options: FakeSlackOptions,
  ) {
    this.botToken = options.botToken ?? 'xoxb-test-token';
    this.team = options.team ?? 'T0TEAM001';
    this.botUserId = options.botUserId ?? 'U0BOT0001';
    this.botId = options.botId ?? 'B0BOT0001';
    this.appId = options.appId ?? 'A0APP0001';
    this.appToken = options.appToken ?? `xapp-1-${this.appId}-1700000000-0123456789abcdef`;
    this.users.set(this.botUserId, { id: this.botUserId, name: 'channelwise', is_bot: true });
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = http.createServer((req, res) => {
      fake?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { ok: false, error: `fake_failure: ${String(err)}` });
      });
    });
    fake = new FakeSlack(server, options);
    slackMethodSpecs();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** SLACK_API_URL for the code under test. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A fresh response_url for a slash command or shortcut payload. */
  newResponseUrl(): string {
    this.responseCounter += 1;
    return `http://127.0.0.1:${this.port}/response/R${this.responseCounter}`;
  }

  /** A Slack-style ts, increasing. */
  nextTs(): string {
    this.tsCounter += 1;
    return `${1_700_000_000 + this.tsCounter}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  /** Starts the Socket Mode WebSocket server; `apps.connections.open` hands out its URLs from now on. */
  async enableSocketMode(options: { ackTimeoutMs?: number } = {}): Promise<FakeSlackSocket> {
    this.socketMode ??= await FakeSlackSocket.start({ appId: this.appId, violations: this.violations, ...options });
    return this.socketMode;
  }

  /**
   * The next `times` calls of `method` get Slack's rate-limit answer: HTTP 429 with `Retry-After`
   * (seconds) and `{ ok: false, error: 'ratelimited' }` (docs.slack.dev/apis/web-api/rate-limits).
   * They are recorded in `calls` as the calls that came; nothing else happens for them.
   */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    this.rateLimits.set(method, [...(this.rateLimits.get(method) ?? []), ...Array<number>(times).fill(retryAfterSeconds)]);
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  /** Store a person's message (what Slack would hold when it sends the event about it). */
  addMessage(channel: string, message: Omit<StoredMessage, 'type' | 'team'> & { team?: string }): StoredMessage {
    const stored: StoredMessage = { type: 'message', team: this.team, ...message };
    const list = this.messages.get(channel) ?? [];
    list.push(stored);
    this.messages.set(channel, list);
    return stored;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Messages the bot posted in a channel (optionally in one thread), as they read now. */
  botMessages(channel: string, threadTs?: string): StoredMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => m.user === this.botUserId && (threadTs === undefined || m.thread_ts === threadTs));
  }

  /** What a user reads in the bot's messages in a channel (optionally one thread), as they read now. */
  botTexts(channel: string, threadTs?: string): string[] {
    return this.botMessages(channel, threadTs).map(shownText);
  }

  takeViolations(): Violation[] {
    return this.violations.splice(0, this.violations.length);
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map((v) => `${v.where}:\n  ${v.problems.join('\n  ')}`);
    throw new Error(`The fake Slack API received calls the real API would refuse:\n${lines.join('\n')}`);
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.violations.length = 0;
    this.messages.clear();
    this.homeViews.clear();
    this.openedViews.length = 0;
    this.uploads.clear();
    this.refuseStreaming = false;
    this.rateLimits.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.socketMode?.close();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const uploadMatch = /^\/upload\/v1\/(F\w+)$/.exec(url.pathname);
    if (uploadMatch) {
      await this.handleUpload(uploadMatch[1]!, req, res);
      return;
    }
    const raw = await readBody(req);
    const responseMatch = /^\/response\/(R\d+)$/.exec(url.pathname);
    if (responseMatch) {
      this.handleResponseUrl(responseMatch[1]!, req, raw, at, res);
      return;
    }
    const methodMatch = /^\/api\/([\w.]+)$/.exec(url.pathname);
    if (!methodMatch) {
      this.violations.push({ where: `${req.method} ${url.pathname}`, problems: ['no such path on Slack'], params: raw });
      send(res, 404, { ok: false, error: 'unknown_method' });
      return;
    }
    const method = methodMatch[1]!;
    const problems: string[] = [];
    const rawParams = this.readParams(req, url, raw, problems);
    const spec = slackMethodSpecs()[method];
    if (!spec) {
      this.violations.push({ where: method, problems: ['unknown method'], params: rawParams });
      send(res, 200, { ok: false, error: 'unknown_method' });
      return;
    }
    const auth = req.headers.authorization;
    if (!auth && typeof rawParams['token'] !== 'string') {
      this.violations.push({ where: method, problems: ['no token sent'], params: rawParams });
      send(res, 200, { ok: false, error: 'not_authed' });
      return;
    }
    const token = auth?.replace(/^Bearer\s+/, '') ?? rawParams['token'];
    delete rawParams['token'];
    const appLevel = method in APP_LEVEL_METHODS;
    if (typeof token === 'string' && (appLevel ? token === this.botToken : token === this.appToken)) {
      this.violations.push({
        where: method,
        problems: [`${appLevel ? 'a bot' : 'an app-level'} token sent to a method that does not take it`],
        params: rawParams,
      });
      send(res, 200, { ok: false, error: 'not_allowed_token_type' });
      return;
    }
    if (token !== (appLevel ? this.appToken : this.botToken)) {
      send(res, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    const params: Record<string, unknown> = {};
    const all = { ...UNIVERSAL, ...spec };
    for (const [name, value] of Object.entries(rawParams)) {
      const param = all[name];
      if (!param) {
        problems.push(`${name}: not a parameter of ${method}`);
        continue;
      }
      params[name] = parseScalar(param.type, value, name, problems);
    }
    for (const [name, param] of Object.entries(spec)) {
      if (param.required && (rawParams[name] === undefined || rawParams[name] === '')) problems.push(`${name}: required`);
    }
    this.calls.push({ method, params, at });
    this.onCall?.({ method, params, at });
    const retryAfter = this.rateLimits.get(method)?.shift();
    if (retryAfter !== undefined) {
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (problems.length > 0) {
      this.violations.push({ where: method, problems, params: rawParams });
      send(res, 200, { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
      return;
    }
    const result = this.answer(method, params);
    if (!result.ok && result.violation) this.violations.push({ where: method, problems: [String(result.violation)], params });
    delete result.violation;
    send(res, 200, result);
  }

  private readParams(req: IncomingMessage, url: URL, raw: string, problems: string[]): Record<string, unknown> {
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if (!raw) return params;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/json')) {
      try {
        Object.assign(params, JSON.parse(raw) as Record<string, unknown>);
      } catch {
        problems.push('body is not valid JSON');
      }
    } else if (type.startsWith('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    } else {
      problems.push(`unsupported content-type "${type}"`);
    }
    return params;
  }

  private handleResponseUrl(id: string, req: IncomingMessage, raw: string, at: number, res: ServerResponse): void {
    const problems: string[] = [];
    let body: Record<string, unknown> = {};
    if (req.method !== 'POST') problems.push('response_url takes POST');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push('response_url takes JSON');
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      problems.push('body is not JSON');
    }
    const known = ['text', 'blocks', 'attachments', 'response_type', 'replace_original', 'delete_original', 'thread_ts', 'mrkdwn'];
    for (const key of Object.keys(body)) if (!known.includes(key)) problems.push(`${key}: not a response_url field`);
    if (body['response_type'] !== undefined && !['ephemeral', 'in_channel'].includes(String(body['response_type']))) {
      problems.push('response_type: must be ephemeral or in_channel');
    }
    if (typeof body['text'] !== 'string' && body['blocks'] === undefined) problems.push('text or blocks required');
    if (body['blocks'] !== undefined) problems.push(...checkBlocks(body['blocks'], 'message', 'blocks'));
    if (typeof body['text'] === 'string' && body['text'].length > 40_000) problems.push('text: msg_too_long');
    // "You can use a response_url up to 5 times within 30 minutes" (docs.slack.dev/interactivity/handling-user-interaction).
    if (this.responses.filter((r) => r.id === id).length >= RESPONSE_URL_USES)
      problems.push(`used_url: a response_url takes at most ${RESPONSE_URL_USES} messages`);
    this.responses.push({ id, body, at });
    if (problems.length > 0) {
      this.violations.push({ where: `response_url ${id}`, problems, params: body });
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('invalid_payload');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  }

  /** The upload URL: the file's bytes, raw or as the one file of a multipart form. */
  private async handleUpload(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const upload = this.uploads.get(id);
    const problems: string[] = [];
    if (req.method !== 'POST') problems.push('the upload URL takes POST');
    if (!upload) problems.push(`no upload URL was handed out for ${id}`);
    let bytes = raw;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const files = [...form.values()].flatMap((value) => (typeof value === 'string' ? [] : [value]));
      if (files.length !== 1) problems.push(`a multipart upload carries one file, not ${files.length}`);
      bytes = files[0] ? Buffer.from(await files[0].arrayBuffer()) : Buffer.alloc(0);
    }
    if (upload && bytes.length !== upload.length)
      problems.push(`uploaded ${bytes.length} bytes, but files.getUploadURLExternal declared length ${upload.length}`);
    if (problems.length > 0 || !upload) {
      this.violations.push({ where: `upload ${id}`, problems, params: { bytes: raw.length } });
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('invalid upload');
      return;
    }
    upload.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${bytes.length}`);
  }

  private getUploadUrl(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const length = Number(p['length']);
    if (!(length > 0)) return { ok: false, error: 'missing_argument' };
    const altTxt = typeof p['alt_txt'] === 'string' ? p['alt_txt'] : undefined;
    if (altTxt !== undefined && altTxt.length > 1000) return { ok: false, error: 'alt_txt_too_large' };
    const id = `F${String(this.uploads.size + 1).padStart(8, '0')}`;
    this.uploads.set(id, { id, filename: String(p['filename']), length, ...(altTxt !== undefined ? { altTxt } : {}) });
    return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/v1/${id}`, file_id: id };
  }

  private completeUpload(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const files = p['files'];
    if (!Array.isArray(files) || files.length === 0)
      return { ok: false, error: 'invalid_arguments', violation: 'files must be a non-empty array of {id, title}' };
    const channel = typeof p['channel_id'] === 'string' ? p['channel_id'] : undefined;
    const done: Record<string, unknown>[] = [];
    for (const entry of files as { id?: unknown; title?: unknown }[]) {
      const upload = this.uploads.get(String(entry.id));
      if (!upload) return { ok: false, error: 'file_not_found', violation: `completeUploadExternal for unknown file ${String(entry.id)}` };
      if (!upload.bytes) return { ok: false, error: 'file_not_found', violation: `completeUploadExternal before the bytes of ${upload.id} were uploaded` };
      const title = typeof entry.title === 'string' ? entry.title : undefined;
      upload.completed = {
        ...(title !== undefined ? { title } : {}),
        ...(channel !== undefined ? { channel } : {}),
        ...(typeof p['initial_comment'] === 'string' ? { initialComment: p['initial_comment'] } : {}),
        ...(typeof p['thread_ts'] === 'string' ? { threadTs: p['thread_ts'] } : {}),
      };
      done.push({ id: upload.id, name: upload.filename, title: title ?? upload.filename, size: upload.length, created: 1_700_000_000, user: this.botUserId });
    }
    return { ok: true, files: done };
  }

  // ── Methods ─────────────────────────────────────────────────────────────────────────────────

  private answer(method: string, p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'channelwise',
          team_id: this.team,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case 'apps.connections.open':
        if (!this.socketMode) return { ok: false, error: 'socket_mode_not_enabled', violation: 'apps.connections.open before enableSocketMode()' };
        return { ok: true, url: this.socketMode.newConnectionUrl() };
      case 'chat.postMessage':
        return this.postMessage(p);
      case 'chat.update':
        return this.update(p);
      case 'chat.postEphemeral': {
        const text = String(p['text'] ?? '');
        if (!text && p['blocks'] === undefined) return { ok: false, error: 'no_text', violation: 'chat.postEphemeral without text or blocks' };
        const blockProblems = checkMessageBlocks(p);
        if (blockProblems) return blockProblems;
        if (!this.users.has(String(p['user']))) return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'users.info': {
        const user = this.users.get(String(p['user'] ?? ''));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: this.team,
            name: user.name,
            deleted: false,
            real_name: user.name,
            is_admin: Boolean(user.is_admin),
            is_owner: Boolean(user.is_owner),
            is_primary_owner: Boolean(user.is_primary_owner),
            is_restricted: false,
            is_ultra_restricted: false,
            is_bot: Boolean(user.is_bot),
            is_app_user: false,
            updated: 1_700_000_000,
          },
        };
      }
      case 'conversations.replies': {
        const channel = String(p['channel'] ?? '');
        const ts = String(p['ts'] ?? '');
        const list = this.messages.get(channel) ?? [];
        const thread = list.filter((m) => m.ts === ts || m.thread_ts === ts).sort((a, b) => Number(a.ts) - Number(b.ts));
        if (thread.length === 0) return { ok: false, error: 'thread_not_found' };
        const limit = Number(p['limit'] ?? 1000);
        return { ok: true, messages: thread.slice(0, limit).map(publicMessage), has_more: thread.length > limit, response_metadata: { next_cursor: '' } };
      }
      case 'conversations.history': {
        const channel = String(p['channel'] ?? '');
        const latest = p['latest'] !== undefined ? Number(p['latest']) : Infinity;
        const inclusive = p['inclusive'] === true;
        const list = (this.messages.get(channel) ?? [])
          .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
          .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
          .sort((a, b) => Number(b.ts) - Number(a.ts));
        const limit = Number(p['limit'] ?? 100);
        return {
          ok: true,
          messages: list.slice(0, limit).map(publicMessage),
          has_more: list.length > limit,
          pin_count: 0,
          response_metadata: { next_cursor: '' },
        };
      }
      case 'views.open':
        return this.openView(p);
      case 'views.publish': {
        const view = p['view'] as Record<string, unknown>;
        const problems = checkView(view, 'home');
        if (problems.length) return { ok: false, error: 'invalid_arguments', violation: problems.join('; ') };
        this.homeViews.set(String(p['user_id']), view);
        return { ok: true, view: { id: `V${this.nextTs().replace('.', '')}`, team_id: this.team, ...view } };
      }
      case 'files.getUploadURLExternal':
        return this.getUploadUrl(p);
      case 'files.completeUploadExternal':
        return this.completeUpload(p);
      case 'chat.startStream':
        return this.startStream(p);
      case 'chat.appendStream':
      case 'chat.stopStream':
        return this.continueStream(method, p);
      default:
        return { ok: false, error: 'unknown_method', violation: `the fake does not implement ${method}` };
    }
  }

  private postMessage(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const channel = String(p['channel']);
    const text = typeof p['text'] === 'string' ? p['text'] : '';
    if (!text && p['blocks'] === undefined) return { ok: false, error: 'no_text', violation: 'chat.postMessage without text or blocks' };
    if (text.length > 40_000) return { ok: false, error: 'msg_too_long', violation: 'text longer than 40,000 characters' };
    const blockProblems = checkMessageBlocks(p);
    if (blockProblems) return blockProblems;
    const stored = this.addMessage(channel, {
      ts: this.nextTs(),
      text,
      ...(p['blocks'] !== undefined ? { blocks: p['blocks'] as Record<string, unknown>[] } : {}),
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      ...(typeof p['thread_ts'] === 'string' ? { thread_ts: p['thread_ts'] } : {}),
    });
    return { ok: true, channel, ts: stored.ts, message: publicMessage(stored) };
  }

  private update(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const channel = String(p['channel']);
    const message = (this.messages.get(channel) ?? []).find((m) => m.ts === p['ts']);
    if (!message) return { ok: false, error: 'message_not_found', violation: `chat.update of unknown message ${String(p['ts'])}` };
    if (message.user !== this.botUserId) return { ok: false, error: 'cant_update_message', violation: 'chat.update of a message the bot did not post' };
    const text = typeof p['text'] === 'string' ? p['text'] : message.text;
    if (text.length > 40_000) return { ok: false, error: 'msg_too_long', violation: 'text longer than 40,000 characters' };
    const blockProblems = checkMessageBlocks(p);
    if (blockProblems) return blockProblems;
    message.text = text;
    // Blocks sent replace the message's blocks; without `blocks` the old ones stay.
    if (p['blocks'] !== undefined) message.blocks = p['blocks'] as Record<string, unknown>[];
    return { ok: true, channel, ts: message.ts, text, message: publicMessage(message) };
  }

  private openView(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const view = p['view'] as Record<string, unknown>;
    if (!String(p['trigger_id'] ?? '').trim()) return { ok: false, error: 'invalid_trigger_id', violation: 'views.open without trigger_id' };
    const problems = checkView(view, 'modal');
    if (problems.length) return { ok: false, error: 'invalid_arguments', violation: problems.join('; ') };
    this.openedViews.push(view);
    return { ok: true, view: { id: `V${this.nextTs().replace('.', '')}`, team_id: this.team, ...view } };
  }

  private startStream(p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    if (this.refuseStreaming) return { ok: false, error: 'feature_not_enabled' };
    const channel = String(p['channel']);
    const inChannel = !channel.startsWith('D');
    if (inChannel && (!p['recipient_user_id'] || !p['recipient_team_id'])) {
      return { ok: false, error: 'invalid_arguments', violation: 'recipient_user_id and recipient_team_id are required when streaming in channels' };
    }
    const text = streamText(p);
    if (text.problem) return { ok: false, error: 'invalid_arguments', violation: text.problem };
    const stored = this.addMessage(channel, {
      ts: this.nextTs(),
      text: text.value,
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      ...(typeof p['thread_ts'] === 'string' ? { thread_ts: p['thread_ts'] } : {}),
      streaming: 'in_progress',
    });
    return { ok: true, channel, ts: stored.ts };
  }

  private continueStream(method: string, p: Record<string, unknown>): Record<string, unknown> & { violation?: string } {
    const channel = String(p['channel']);
    const message = (this.messages.get(channel) ?? []).find((m) => m.ts === p['ts']);
    if (!message || message.streaming === undefined) return { ok: false, error: 'message_not_found', violation: `${method} of an unknown stream` };
    if (message.streaming !== 'in_progress') return { ok: false, error: 'message_not_in_streaming_state', violation: `${method} after the stream stopped` };
    const text = streamText(p);
    if (text.problem) return { ok: false, error: 'invalid_arguments', violation: text.problem };
    const blockProblems = checkMessageBlocks(p);
    if (blockProblems) return blockProblems;
    message.text += text.value;
    if (method === 'chat.stopStream') {
      message.streaming = 'completed';
      // stopStream's blocks are appended below the streamed text (the feedback buttons, for one).
      if (p['blocks'] !== undefined) message.blocks = p['blocks'] as Record<string, unknown>[];
      return { ok: true, channel, ts: message.ts, message: publicMessage(message) };
    }
    return { ok: true, channel, ts: message.ts };
  }
}

function publicMessage(message: StoredMessage): Record<string, unknown> {
  const { streaming: _streaming, ...rest } = message;
  return rest;
}

/** Text a stream call carries: `markdown_text` and/or `markdown_text` chunks (12,000 characters at most). */
function streamText(p: Record<string, unknown>): { value: string; problem?: string } {
  let value = typeof p['markdown_text'] === 'string' ? p['markdown_text'] : '';
  if (value.length > 12_000) return { value, problem: 'markdown_text: longer than 12,000 characters' };
  for (const chunk of (p['chunks'] as unknown[] | undefined) ?? []) {
    const c = chunk as { type?: unknown; text?: unknown };
    if (c.type !== 'markdown_text' || typeof c.text !== 'string') return { value, problem: `chunks: unsupported chunk ${JSON.stringify(chunk)}` };
    if (c.text.length > 12_000) return { value, problem: 'chunks: markdown_text chunk longer than 12,000 characters' };
    value += c.text;
  }
  return { value };
}

/** What a user reads in a message: its `markdown` blocks' text when it has any, else its `text`. */
export function shownText(message: { readonly text?: unknown; readonly blocks?: unknown }): string {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as { type?: unknown; text?: unknown }[]) : [];
  const markdown = blocks.filter((b) => b.type === 'markdown').map((b) => String(b.text));
  return markdown.length ? markdown.join('\n') : String(message.text ?? '');
}

/** Slack's answer to a message call whose `blocks` break the rules, or undefined when they are fine. */
function checkMessageBlocks(p: Record<string, unknown>): (Record<string, unknown> & { violation?: string }) | undefined {
  if (p['blocks'] === undefined) return undefined;
  const problems = checkBlocks(p['blocks'], 'message', 'blocks');
  return problems.length ? { ok: false, error: 'invalid_blocks', violation: problems.join('; ') } : undefined;
}

type Surface = 'message' | 'modal' | 'home';
type Fields = Readonly<Record<string, unknown>>;

/** Fields of `value` that `allowed` does not list (Slack refuses unknown fields in Block Kit). */
function unknownFields(value: Fields, allowed: readonly string[], where: string): string[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${where}.${key}: not a field of ${String(value['type'] ?? 'this object')}`);
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A text object: plain_text (`emoji`) or, where allowed, mrkdwn (`verbatim`), of 1 to `max` characters. */
function checkTextObject(value: unknown, where: string, max: number, kinds: readonly ('plain_text' | 'mrkdwn')[]): string[] {
  if (!isObject(value)) return [`${where}: a text object is required`];
  const kind = value['type'];
  if (kind !== 'plain_text' && kind !== 'mrkdwn') return [`${where}.type: must be ${kinds.join(' or ')}`];
  if (!kinds.includes(kind)) return [`${where}.type: must be ${kinds.join(' or ')}, not ${kind}`];
  const problems = unknownFields(value, kind === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim'], where);
  const text = value['text'];
  if (typeof text !== 'string' || text.length < 1 || text.length > max)
    problems.push(`${where}.text: a string of 1 to ${max.toLocaleString('en-US')} characters`);
  return problems;
}

function checkBlockId(block: Fields, where: string): string[] {
  const id = block['block_id'];
  return id === undefined || (typeof id === 'string' && id.length >= 1 && id.length <= 255) ? [] : [`${where}.block_id: a string of 1 to 255 characters`];
}

/**
 * Block Kit as Slack enforces it, for the block types this bot sends (docs.slack.dev/reference/block-kit/blocks):
 * messages take `markdown`, `section`, `header`, `divider` and `context_actions` blocks (at most 50), views those and
 * `input` (modals; at most 100). A type or element the fake does not know is a violation too, so
 * a new kind of block gets its rules here before the bot may send it.
 */
function checkBlocks(blocks: unknown, surface: Surface, where: string): string[] {
  if (!Array.isArray(blocks)) return [`${where}: must be an array`];
  const max = surface === 'message' ? 50 : 100;
  const problems: string[] = [];
  if (blocks.length > max) problems.push(`${where}: at most ${max} blocks`);
  let markdownChars = 0;
  for (const [index, block] of (blocks as unknown[]).entries()) {
    const at = `${where}[${index}]`;
    if (!isObject(block)) {
      problems.push(`${at}: a block must be an object`);
      continue;
    }
    problems.push(...checkBlockId(block, at));
    switch (block['type']) {
      case 'markdown': {
        problems.push(...unknownFields(block, ['type', 'text', 'block_id'], at));
        const text = block['text'];
        if (typeof text !== 'string' || text.length < 1 || text.length > 12_000) problems.push(`${at}.text: a string of 1 to 12,000 characters`);
        else markdownChars += text.length;
        if (surface !== 'message') problems.push(`${at}: markdown blocks are for messages`);
        break;
      }
      case 'section':
        problems.push(
          ...unknownFields(block, ['type', 'text', 'block_id'], at),
          ...checkTextObject(block['text'], `${at}.text`, 3000, ['mrkdwn', 'plain_text']),
        );
        break;
      case 'header':
        problems.push(...unknownFields(block, ['type', 'text', 'block_id'], at), ...checkTextObject(block['text'], `${at}.text`, 150, ['plain_text']));
        break;
      case 'divider':
        problems.push(...unknownFields(block, ['type', 'block_id'], at));
        break;
      case 'context_actions':
        if (surface !== 'message') problems.push(`${at}: context_actions blocks are for messages here`);
        problems.push(...unknownFields(block, ['type', 'elements', 'block_id'], at), ...checkContextActions(block['elements'], `${at}.elements`));
        break;
      case 'input':
        if (surface !== 'modal') problems.push(`${at}: input blocks are for modals here`);
        problems.push(
          ...unknownFields(block, ['type', 'label', 'element', 'block_id', 'hint', 'optional', 'dispatch_action'], at),
          ...checkTextObject(block['label'], `${at}.label`, 2000, ['plain_text']),
          ...checkInputElement(block['element'], `${at}.element`),
        );
        if (block['hint'] !== undefined) problems.push(...checkTextObject(block['hint'], `${at}.hint`, 2000, ['plain_text']));
        for (const flag of ['optional', 'dispatch_action']) {
          if (block[flag] !== undefined && typeof block[flag] !== 'boolean') problems.push(`${at}.${flag}: a boolean`);
        }
        break;
      default:
        problems.push(`${at}.type: the fake does not know ${String(block['type'])} blocks`);
    }
  }
  if (markdownChars > 12_000) problems.push(`${where}: markdown blocks hold at most 12,000 characters in all, got ${markdownChars.toLocaleString('en-US')}`);
  return problems;
}

/**
 * The `context_actions` block and its `feedback_buttons` element, written out from Slack's block
 * reference (docs.slack.dev/reference/block-kit/blocks/context-actions-block and
 * …/block-elements/feedback-buttons-element), newer than the spec file: `elements` 1 to 5
 * (feedback_buttons or icon_button; the fake knows only the first), `action_id` at most 255
 * characters and unique in the block; each button's `text` plain_text of at most 75 characters,
 * `value` required of at most 2,000, `accessibility_label` at most 75.
 */
function checkContextActions(elements: unknown, where: string): string[] {
  if (!Array.isArray(elements) || elements.length < 1 || elements.length > 5) return [`${where}: an array of 1 to 5 elements`];
  const problems: string[] = [];
  const actionIds = new Set<string>();
  for (const [index, element] of (elements as unknown[]).entries()) {
    const at = `${where}[${index}]`;
    if (!isObject(element) || element['type'] !== 'feedback_buttons') {
      problems.push(`${at}: the fake only knows feedback_buttons here`);
      continue;
    }
    problems.push(...unknownFields(element, ['type', 'action_id', 'positive_button', 'negative_button'], at));
    const action = element['action_id'];
    if (action !== undefined) {
      if (typeof action !== 'string' || action.length < 1 || action.length > 255) problems.push(`${at}.action_id: a string of 1 to 255 characters`);
      else if (actionIds.has(action)) problems.push(`${at}.action_id: not unique in the block`);
      else actionIds.add(action);
    }
    for (const side of ['positive_button', 'negative_button']) {
      const button = element[side];
      const bat = `${at}.${side}`;
      if (!isObject(button)) {
        problems.push(`${bat}: required`);
        continue;
      }
      problems.push(
        ...unknownFields(button, ['text', 'value', 'accessibility_label'], bat),
        ...checkTextObject(button['text'], `${bat}.text`, 75, ['plain_text']),
      );
      const value = button['value'];
      if (typeof value !== 'string' || value.length < 1 || value.length > 2000) problems.push(`${bat}.value: a string of 1 to 2,000 characters`);
      const label = button['accessibility_label'];
      if (label !== undefined && (typeof label !== 'string' || label.length < 1 || label.length > 75))
        problems.push(`${bat}.accessibility_label: a string of 1 to 75 characters`);
    }
  }
  return problems;
}

function checkInputElement(element: unknown, where: string): string[] {
  if (!isObject(element) || element['type'] !== 'plain_text_input') return [`${where}: the fake only knows plain_text_input`];
  const problems = unknownFields(
    element,
    ['type', 'action_id', 'initial_value', 'multiline', 'min_length', 'max_length', 'placeholder', 'dispatch_action_config', 'focus_on_load'],
    where,
  );
  const action = element['action_id'];
  if (action !== undefined && (typeof action !== 'string' || action.length < 1 || action.length > 255))
    problems.push(`${where}.action_id: a string of 1 to 255 characters`);
  const maxLength = element['max_length'];
  const initial = element['initial_value'];
  if (maxLength !== undefined && (typeof maxLength !== 'number' || maxLength < 1 || maxLength > 3000)) problems.push(`${where}.max_length: 1 to 3,000`);
  if (initial !== undefined && typeof initial !== 'string') problems.push(`${where}.initial_value: a string`);
  if (typeof initial === 'string' && typeof maxLength === 'number' && initial.length > maxLength)
    problems.push(`${where}.initial_value: longer than max_length`);
  for (const flag of ['multiline', 'focus_on_load'])
    if (element[flag] !== undefined && typeof element[flag] !== 'boolean') problems.push(`${where}.${flag}: a boolean`);
  if (element['placeholder'] !== undefined) problems.push(...checkTextObject(element['placeholder'], `${where}.placeholder`, 150, ['plain_text']));
  return problems;
}

/** The Block Kit rules Slack enforces on views (modals and the App Home), fields included. */
function checkView(view: Record<string, unknown> | undefined, type: 'modal' | 'home'): string[] {
  if (!view) return ['view: missing'];
  const problems: string[] = [];
  if (view['type'] !== type) problems.push(`view.type: expected ${type}`);
  const common = ['type', 'blocks', 'private_metadata', 'callback_id', 'external_id'];
  problems.push(
    ...unknownFields(view, type === 'modal' ? [...common, 'title', 'close', 'submit', 'clear_on_close', 'notify_on_close', 'submit_disabled'] : common, 'view'),
  );
  const meta = view['private_metadata'];
  if (meta !== undefined && (typeof meta !== 'string' || meta.length > 3000)) problems.push('view.private_metadata: a string of at most 3,000 characters');
  const callback = view['callback_id'];
  if (callback !== undefined && (typeof callback !== 'string' || callback.length > 255)) problems.push('view.callback_id: a string of at most 255 characters');
  if (type === 'modal') {
    problems.push(...checkTextObject(view['title'], 'view.title', 24, ['plain_text']));
    for (const button of ['close', 'submit'])
      if (view[button] !== undefined) problems.push(...checkTextObject(view[button], `view.${button}`, 24, ['plain_text']));
    const blocks = view['blocks'];
    const hasInput = Array.isArray(blocks) && blocks.some((b: unknown) => isObject(b) && b['type'] === 'input');
    if (hasInput && !view['submit']) problems.push('view.submit: required when the view has inputs');
  }
  problems.push(...checkBlocks(view['blocks'], type, 'view.blocks'));
  return problems;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
