/**
 * A fake Discord on 127.0.0.1: the REST API under `/api/v10` and a gateway WebSocket, for the real
 * discord.js client to talk to.
 *
 * REST: every request is matched against the routes of Discord's OpenAPI spec
 * (../shared/api-specs/discord/openapi.json, see fake-discord-schema.ts) and its JSON body validated
 * against that operation's schema. A path Discord does not have, a body the spec refuses, a route the
 * fake does not implement, a bot route without the bot token: each gets Discord's error *and* is kept
 * in `violations`, so the test fails even when the code under test swallows the error (call
 * `assertNoViolations()` in afterEach). Every request is recorded, so tests assert what the bot sent.
 *
 * Written from Discord's documentation (docs/topics/gateway, docs/topics/rate-limits,
 * docs/interactions/receiving-and-responding) and discord.js's behaviour rather than the OpenAPI
 * file, which describes neither the gateway nor these rules:
 * - the gateway: HELLO, heartbeat → HEARTBEAT_ACK, IDENTIFY (token → close 4004; privileged intents
 *   not enabled for the app → close 4014), READY with `resume_gateway_url`, one GUILD_CREATE per
 *   guild, dispatches with sequence numbers, RESUME replaying what was missed (then RESUMED), and
 *   INVALID_SESSION for an unknown session;
 * - Message Content: without the intent, message `content` (and attachments) arrive empty unless the
 *   message mentions the bot, replies to it or is a DM;
 * - a bot message holds at most 2,000 characters (the OpenAPI file allows 4,000, Nitro users' limit);
 * - an interaction must be answered within 3 s, once; its webhook works only after that answer,
 *   and only for 15 minutes from the interaction (then 401 Invalid Webhook Token; `expireInteraction`
 *   ends them early, as time passing would);
 * - who a message pings, from its content and `allowed_mentions` (recorded as `pings`);
 * - button clicks (INTERACTION_CREATE type 3, only on buttons the message carries) and
 *   MESSAGE_REACTION_ADD, each dispatched to the sessions whose intents receive them;
 * - 429 responses with `retry_after` (scripted with `rateLimit`);
 * - sharding (docs/topics/gateway#sharding): `GET /gateway/bot` recommends `recommendedShards`,
 *   IDENTIFY's `shard: [shard_id, num_shards]` is checked (0 ≤ id < num), and each session gets only
 *   its guilds' events — guild `g` belongs to shard `(g >> 22) % num_shards` — while DMs go to
 *   shard 0 only, as the docs say.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkBody, findOperation } from './fake-discord-schema';

// Discord's numbers (discord-api-types would do, but the fake should not borrow the client's view).
export const INTENTS = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  MessageContent: 1 << 15,
  GuildPresences: 1 << 8,
} as const;
const PRIVILEGED = INTENTS.GuildMembers | INTENTS.GuildPresences | INTENTS.MessageContent;
export const PERMISSIONS = {
  Administrator: 1n << 3n,
  ManageGuild: 1n << 5n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ReadMessageHistory: 1n << 16n,
} as const;
const MEMBER_PERMISSIONS = PERMISSIONS.ViewChannel | PERMISSIONS.SendMessages | PERMISSIONS.ReadMessageHistory;
const EPHEMERAL = 1 << 6;
export const BOT_MESSAGE_LIMIT = 2000;
/** Discord's answer deadline for an interaction. */
const INTERACTION_DEADLINE_MS = 3000;
/** How long an interaction's token takes edits and follow-ups. */
const INTERACTION_TOKEN_MS = 15 * 60_000;

export interface FakeUser {
  readonly id: string;
  readonly username: string;
  readonly bot?: boolean;
}

export interface FakeAttachment {
  readonly id: string;
  readonly filename: string;
  readonly size: number;
  readonly url: string;
  readonly proxy_url: string;
  readonly content_type?: string;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  type: 0 | 19;
  attachments: FakeAttachment[];
  message_reference?: { message_id: string; channel_id: string; guild_id?: string };
  /** Bot messages: who they pinged (`everyone`, `user:<id>`, `role:<id>`), from content and allowed_mentions. */
  pings: string[];
  /** Bot messages: each content they had, first to last. */
  versions: string[];
  /** Bot messages: the components (action rows of buttons) below them, as last sent. */
  components?: Record<string, unknown>[];
  /** Bot messages: the files uploaded with them (multipart `files[n]`), with the attachments' descriptions. */
  uploads?: { readonly file: UploadedFile; readonly description?: string }[];
}

export interface FakeChannel {
  readonly id: string;
  readonly type: 0 | 1 | 11;
  readonly guild_id?: string;
  readonly name?: string;
  readonly parent_id?: string;
  /** DM channels: the person. */
  readonly recipient?: FakeUser;
}

export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly owner_id: string;
  /** user id → extra permissions granted by an 'admins' role */
  readonly admins: Set<string>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The spec's template, e.g. `/channels/{channel_id}/messages`; undefined for unknown paths. */
  readonly route?: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly status: number;
  /** ms since the fake started (performance clock). */
  readonly at: number;
}

export interface Violation {
  readonly where: string;
  readonly problems: readonly string[];
  readonly body?: unknown;
}

export interface InteractionRecord {
  readonly id: string;
  readonly token: string;
  readonly createdAt: number;
  /** The interaction callback bodies (Discord accepts one). */
  readonly callbacks: Record<string, unknown>[];
  /** Edits of the original response (`@original`), in order. */
  readonly edits: Record<string, unknown>[];
  readonly followups: Record<string, unknown>[];
}

export type OptionInput = string | number | boolean | { readonly attachment: FakeAttachment };

interface Session {
  readonly id: string;
  seq: number;
  readonly buffer: { seq: number; t: string; d: unknown }[];
  socket: WebSocket | undefined;
  intents: number;
  shard: [number, number];
}

interface ScriptedLimit {
  readonly key: string;
  readonly retryAfterSeconds: number;
  times: number;
}

const DISCORD_EPOCH = 1420070400000n;

export class FakeDiscord {
  readonly token = `fake.${randomBytes(6).toString('hex')}.bot-token`;
  readonly applicationId: string;
  readonly bot: FakeUser;
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  readonly messages = new Map<string, FakeMessage[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  /** Registered application commands: global under '', per guild under the guild id. */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  readonly identifies: Record<string, unknown>[] = [];
  readonly resumes: Record<string, unknown>[] = [];
  heartbeats = 0;
  /** Privileged intents enabled for the app in the developer portal. */
  allowedPrivilegedIntents = PRIVILEGED;
  /** Called for every REST request once answered (benchmarks watch it). */
  onRequest: ((request: RecordedRequest) => void) | undefined;
  /** The shard count `GET /gateway/bot` recommends (`DISCORD_SHARDS=auto` uses it). */
  recommendedShards = 1;

  private readonly files = new Map<string, { bytes: Uint8Array; contentType: string; delayMs: number }>();
  private readonly sessions = new Map<string, Session>();
  private readonly limits: ScriptedLimit[] = [];
  private counter = 0n;
  private readonly started = performance.now();
  private readonly wss: WebSocketServer;

  private constructor(
    private readonly server: http.Server,
    readonly base: string,
    private readonly heartbeatIntervalMs: number,
  ) {
    this.applicationId = this.snowflake();
    this.bot = { id: this.applicationId, username: 'channelwise', bot: true };
    this.users.set(this.bot.id, this.bot);
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.onSocket(socket));
  }

  static async start(options: { heartbeatIntervalMs?: number } = {}): Promise<FakeDiscord> {
    let fake: FakeDiscord | undefined;
    const server = http.createServer((req, res) => {
      void fake?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake = new FakeDiscord(server, base, options.heartbeatIntervalMs ?? 41_250);
    return fake;
  }

  /** DISCORD_API_URL: the REST base without the version. */
  get apiUrl(): string {
    return `${this.base}/api`;
  }

  get gatewayUrl(): string {
    return `${this.base.replace(/^http/, 'ws')}/gateway`;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────────────

  snowflake(): string {
    this.counter += 1n;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (this.counter & 0x3fffffn)).toString();
  }

  addUser(username: string, options: { bot?: boolean } = {}): FakeUser {
    const user = { id: this.snowflake(), username, ...(options.bot ? { bot: true } : {}) };
    this.users.set(user.id, user);
    return user;
  }

  /**
   * A guild the bot is in, with one text channel; announced with GUILD_CREATE to the connected
   * sessions of its shard. `onShard: [id, count]` picks an id that shard `id` of `count` serves.
   */
  addGuild(name: string, owner: FakeUser, options: { onShard?: readonly [number, number] } = {}): { guild: FakeGuild; channel: FakeChannel } {
    const guild: FakeGuild = {
      id: options.onShard ? this.snowflakeOnShard(...options.onShard) : this.snowflake(),
      name,
      owner_id: owner.id,
      admins: new Set(),
    };
    this.guilds.set(guild.id, guild);
    const channel = this.addChannel(guild, 'general');
    for (const session of this.sessionsFor(guild.id)) if (session.socket) this.dispatchTo(session, 'GUILD_CREATE', this.guildPayload(guild));
    return { guild, channel };
  }

  /** A snowflake whose guild would be served by shard `id` of `count`: its timestamp part picks the shard. */
  private snowflakeOnShard(id: number, count: number): string {
    this.counter += 1n;
    let ms = BigInt(Date.now()) - DISCORD_EPOCH;
    while (Number(ms % BigInt(count)) !== id) ms += 1n;
    return ((ms << 22n) | (this.counter & 0x3fffffn)).toString();
  }

  /** The shard a guild's events go to; DMs (no guild) go to shard 0. */
  shardOf(guildId: string | null | undefined, count: number): number {
    return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(count)) : 0;
  }

  /** Sessions that receive a guild's events (or a DM's, `null`): those of its shard. */
  private sessionsFor(guildId: string | null): Session[] {
    return [...this.sessions.values()].filter((session) => this.shardOf(guildId, session.shard[1]) === session.shard[0]);
  }

  addChannel(guild: FakeGuild, name: string): FakeChannel {
    const channel: FakeChannel = { id: this.snowflake(), type: 0, guild_id: guild.id, name };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A public thread under `parent` (announced with THREAD_CREATE). */
  addThread(parent: FakeChannel, name: string): FakeChannel {
    const thread: FakeChannel = { id: this.snowflake(), type: 11, guild_id: parent.guild_id!, name, parent_id: parent.id };
    this.channels.set(thread.id, thread);
    this.dispatch('THREAD_CREATE', { ...this.channelPayload(thread), newly_created: true }, thread.guild_id ?? null);
    return thread;
  }

  dmChannel(user: FakeUser): FakeChannel {
    const existing = [...this.channels.values()].find((c) => c.type === 1 && c.recipient?.id === user.id);
    if (existing) return existing;
    const channel: FakeChannel = { id: this.snowflake(), type: 1, recipient: user };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** Gives `user` Manage Server in `guild` (through a role). */
  makeAdmin(guild: FakeGuild, user: FakeUser): void {
    guild.admins.add(user.id);
  }

  /** A file served from the fake's CDN path, as a message or command attachment. */
  addFile(
    filename: string,
    content: string | Uint8Array,
    contentType = 'text/plain',
    options: { delayMs?: number; declaredSize?: number } = {},
  ): FakeAttachment {
    const id = this.snowflake();
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    this.files.set(`${id}/${filename}`, { bytes, contentType, delayMs: options.delayMs ?? 0 });
    const url = `${this.base}/attachments/${id}/${encodeURIComponent(filename)}`;
    return { id, filename, size: options.declaredSize ?? bytes.length, url, proxy_url: url, content_type: contentType };
  }

  channelMessages(channelId: string): FakeMessage[] {
    return this.messages.get(channelId) ?? [];
  }

  /** The bot's messages in a channel, oldest first. */
  botMessages(channelId: string): FakeMessage[] {
    return this.channelMessages(channelId).filter((m) => m.author.id === this.bot.id);
  }

  /** Every request that wrote a message (create, edit, interaction answer, follow-up). */
  messageWrites(): RecordedRequest[] {
    return this.requests.filter(
      (r) => (r.method === 'POST' || r.method === 'PATCH') && r.route !== undefined && /messages|webhooks|callback/.test(r.route) && r.status < 300,
    );
  }

  requestsTo(method: string, route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.route === route);
  }

  /** The next `times` requests to `METHOD template` get a 429 with this `retry_after`. */
  rateLimit(key: string, retryAfterSeconds: number, times = 1): void {
    this.limits.push({ key, retryAfterSeconds, times });
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map((v) => `${v.where}:\n  ${v.problems.join('\n  ')}`);
    this.violations.length = 0;
    throw new Error(`the fake Discord saw requests Discord would refuse:\n${lines.join('\n')}`);
  }

  // ── what people do ────────────────────────────────────────────────────────────────────────────

  /** A person (or another bot) writes in a channel: stored and dispatched as MESSAGE_CREATE. */
  userMessage(author: FakeUser, channel: FakeChannel, content: string, options: { replyTo?: FakeMessage; attachments?: FakeAttachment[] } = {}): FakeMessage {
    const message = this.store({
      channel,
      author,
      content,
      attachments: options.attachments ?? [],
      ...(options.replyTo ? { reference: options.replyTo } : {}),
    });
    this.dispatch('MESSAGE_CREATE', (session: Session) => this.messagePayload(message, session), channel.guild_id ?? null);
    return message;
  }

  /**
   * A person's message as MESSAGE_CREATE with its payload changed by `mutate` (fields dropped, added
   * or mistyped), for tests of what the bot does with payloads Discord should never send. The message is stored
   * as it was written; only what the bot receives is changed.
   */
  rawMessageCreate(author: FakeUser, channel: FakeChannel, content: string, mutate: (payload: Record<string, unknown>) => Record<string, unknown>): void {
    const message: FakeMessage = { ...this.store({ channel, author, content, attachments: [] }) };
    this.dispatch(
      'MESSAGE_CREATE',
      (session: Session) => mutate({ ...(this.messagePayload(message, session) as Record<string, unknown>) }),
      channel.guild_id ?? null,
    );
  }

  /** `<@bot> text` */
  mention(author: FakeUser, channel: FakeChannel, text: string, options: { replyTo?: FakeMessage; attachments?: FakeAttachment[] } = {}): FakeMessage {
    return this.userMessage(author, channel, `<@${this.bot.id}> ${text}`, options);
  }

  /**
   * A slash command, with its options typed as the registered definition says (the test fails if
   * the command or option is not registered). Resolves at once; read the answers in `interactions`.
   */
  slashCommand(
    user: FakeUser,
    channel: FakeChannel,
    name: string,
    subcommand: string | undefined,
    options: Readonly<Record<string, OptionInput>> = {},
    focused?: string,
  ): InteractionRecord {
    const definition = this.definition(channel, name);
    const optionDefs = (
      subcommand
        ? ((definition['options'] as Record<string, unknown>[] | undefined) ?? []).find((o) => o['name'] === subcommand)?.['options']
        : definition['options']
    ) as Record<string, unknown>[] | undefined;
    if (
      subcommand &&
      optionDefs === undefined &&
      !((definition['options'] as Record<string, unknown>[] | undefined) ?? []).some((o) => o['name'] === subcommand)
    ) {
      throw new Error(`/${name} has no registered subcommand ${subcommand}`);
    }
    const resolvedAttachments: Record<string, FakeAttachment> = {};
    const values = Object.entries(options).map(([key, value]) => {
      const def = (optionDefs ?? []).find((o) => o['name'] === key);
      if (!def) throw new Error(`/${name} ${subcommand ?? ''} has no registered option ${key}`);
      if (typeof value === 'object') resolvedAttachments[value.attachment.id] = value.attachment;
      return { name: key, type: def['type'], value: typeof value === 'object' ? value.attachment.id : value, ...(focused === key ? { focused: true } : {}) };
    });
    const data = {
      id: String(definition['id']),
      name,
      type: 1,
      options: subcommand ? [{ name: subcommand, type: 1, options: values }] : values,
      ...(Object.keys(resolvedAttachments).length ? { resolved: { attachments: resolvedAttachments } } : {}),
      ...(channel.guild_id ? { guild_id: channel.guild_id } : {}),
    };
    return this.interact(focused === undefined ? 2 : 4, user, channel, data);
  }

  /** The user submits a modal the bot opened in answer to `opened`. */
  submitModal(user: FakeUser, channel: FakeChannel, customId: string, fields: Readonly<Record<string, string>>): InteractionRecord {
    const components = Object.entries(fields).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
    return this.interact(5, user, channel, { custom_id: customId, components });
  }

  /**
   * The user clicks a button below a bot message (a MESSAGE_COMPONENT interaction, type 3, with the
   * message it is on). The button must be on the message as last sent: a test clicks what a user sees.
   */
  clickButton(user: FakeUser, channel: FakeChannel, message: FakeMessage, customId: string): InteractionRecord {
    const buttons = (message.components ?? []).flatMap((row) => (row['components'] as Record<string, unknown>[] | undefined) ?? []);
    if (!buttons.some((b) => b['type'] === 2 && b['custom_id'] === customId)) throw new Error(`message ${message.id} has no button ${customId}`);
    return this.interact(3, user, channel, { custom_id: customId, component_type: 2 }, { message: this.messagePayload(message) });
  }

  /**
   * The user adds a reaction to a message: MESSAGE_REACTION_ADD (docs/topics/gateway-events), sent
   * only to sessions with the intent for its kind of channel.
   */
  react(user: FakeUser, channel: FakeChannel, message: FakeMessage, emoji: string): void {
    const guild = channel.guild_id ? this.guilds.get(channel.guild_id) : undefined;
    const intent = guild ? INTENTS.GuildMessageReactions : INTENTS.DirectMessageReactions;
    const d = {
      user_id: user.id,
      channel_id: channel.id,
      message_id: message.id,
      message_author_id: message.author.id,
      emoji: { id: null, name: emoji },
      burst: false,
      type: 0,
      ...(guild ? { guild_id: guild.id, member: this.memberPayload(guild, user) } : {}),
    };
    for (const session of this.sessionsFor(guild?.id ?? null)) if (session.intents & intent) this.dispatchTo(session, 'MESSAGE_REACTION_ADD', d);
  }

  /** A message context-menu command ("Apps → …" on a message). */
  messageCommand(user: FakeUser, channel: FakeChannel, name: string, target: FakeMessage): InteractionRecord {
    const definition = this.definition(channel, name);
    return this.interact(2, user, channel, {
      id: String(definition['id']),
      name,
      type: 3,
      target_id: target.id,
      resolved: { messages: { [target.id]: this.messagePayload(target) } },
      ...(channel.guild_id ? { guild_id: channel.guild_id } : {}),
    });
  }

  /** Drop the gateway connection as a network failure would (the client should RESUME). */
  dropConnections(code = 4000): void {
    for (const session of this.sessions.values()) {
      session.socket?.close(code, 'dropped by the fake');
      session.socket = undefined;
    }
  }

  /** The sequence number of the latest dispatch (of the newest session). */
  sequence(): number {
    return this.currentSession()?.seq ?? 0;
  }

  /** Resolves once a session is connected and identified or resumed. */
  async connected(): Promise<void> {
    while (![...this.sessions.values()].some((s) => s.socket)) await new Promise((r) => setTimeout(r, 10));
  }

  // ── REST ──────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const raw = await readRaw(req);
    if (url.pathname.startsWith('/attachments/')) return this.serveFile(url, res);
    const method = req.method ?? 'GET';
    const at = performance.now() - this.started;
    const record = (status: number, route: string | undefined, params: Record<string, string>, body: unknown) => {
      const request = { method, path: url.pathname, ...(route ? { route } : {}), params, query: url.searchParams, body, status, at };
      this.requests.push(request);
      this.onRequest?.(request);
    };
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      // A 204 has no body, and so no content type (a client would try to parse an empty JSON body).
      res.writeHead(status, status === 204 ? headers : { 'content-type': 'application/json', ...headers });
      res.end(status === 204 ? undefined : JSON.stringify(payload));
    };

    if (!url.pathname.startsWith('/api/v10/')) {
      this.violations.push({ where: `${method} ${url.pathname}`, problems: ['not under /api/v10 (DISCORD_API_URL plus the API version)'] });
      record(404, undefined, {}, undefined);
      return send(404, { message: '404: Not Found', code: 0 });
    }
    const path = url.pathname
      .slice('/api/v10'.length)
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
    const found = findOperation(method, path);
    if (found === undefined || found === 'wrong-method') {
      this.violations.push({
        where: `${method} ${path}`,
        problems: [found === undefined ? 'no such route in the Discord API' : 'the route does not take this method'],
      });
      record(found === undefined ? 404 : 405, undefined, {}, undefined);
      return send(found === undefined ? 404 : 405, { message: found === undefined ? '404: Not Found' : '405: Method Not Allowed', code: 0 });
    }
    const { operation, params } = found;
    let body: unknown;
    try {
      body = await parseBody(raw, req.headers['content-type']);
    } catch (err) {
      this.violations.push({ where: `${method} ${operation.template}`, problems: [`unreadable body: ${(err as Error).message}`] });
      record(400, operation.template, params, undefined);
      return send(400, { message: '400: Bad Request', code: 50109 });
    }
    const fail = (status: number, code: number, message: string, problem: string) => {
      this.violations.push({ where: `${method} ${operation.template}`, problems: [problem], body });
      record(status, operation.template, params, body);
      send(status, { message, code });
    };

    const auth = req.headers.authorization;
    if (operation.botAuth && auth !== `Bot ${this.token}`) return fail(401, 0, '401: Unauthorized', auth ? 'wrong bot token' : 'no bot token sent');
    if (body === undefined && operation.bodyRequired) return fail(400, 50109, 'The request body contains invalid JSON.', 'no JSON body');
    const problems = body === undefined ? [] : checkBody(operation, body);
    if (problems.length) {
      this.violations.push({ where: `${method} ${operation.template}`, problems, body });
      record(400, operation.template, params, body);
      return send(400, { message: 'Invalid Form Body', code: 50035, errors: problems });
    }

    const limit = this.limits.find((l) => l.key === `${method} ${operation.template}` && l.times > 0);
    if (limit) {
      limit.times -= 1;
      record(429, operation.template, params, body);
      return send(
        429,
        { message: 'You are being rate limited.', retry_after: limit.retryAfterSeconds, global: false },
        {
          'retry-after': String(Math.ceil(limit.retryAfterSeconds)),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(limit.retryAfterSeconds),
          'x-ratelimit-reset': String(Date.now() / 1000 + limit.retryAfterSeconds),
          'x-ratelimit-bucket': `fake-${operation.template}`,
          'x-ratelimit-scope': 'user',
        },
      );
    }

    let result: { status: number; body?: unknown } | { error: [number, number, string, string] } | { refused: [number, number, string] };
    try {
      result = this.answer(method, operation.template, params, url.searchParams, body as Record<string, unknown>);
    } catch (err) {
      result = { error: [500, 0, '500: Internal Server Error', `the fake failed: ${(err as Error).message}`] };
    }
    if ('error' in result) return fail(...result.error);
    if ('refused' in result) {
      // Discord's error for what the test arranged on purpose (no mistake of the bot's).
      const [status, code, message] = result.refused;
      record(status, operation.template, params, body);
      return send(status, { message, code });
    }
    record(result.status, operation.template, params, body);
    send(result.status, result.body);
  }

  private answer(
    method: string,
    route: string,
    p: Record<string, string>,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): { status: number; body?: unknown } | { error: [number, number, string, string] } | { refused: [number, number, string] } {
    const key = `${method} ${route}`;
    switch (key) {
      case 'GET /gateway/bot':
        return {
          status: 200,
          body: {
            url: this.gatewayUrl,
            shards: this.recommendedShards,
            session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
          },
        };
      case 'GET /users/@me':
        return { status: 200, body: this.userPayload(this.bot) };
      case 'GET /applications/@me':
        return {
          status: 200,
          body: {
            id: this.applicationId,
            name: 'channelwise',
            flags: this.applicationFlags(),
            bot_public: true,
            bot_require_code_grant: false,
            description: '',
            icon: null,
            verify_key: '0',
            team: null,
          },
        };
      case 'GET /channels/{channel_id}': {
        const channel = this.channels.get(p['channel_id'] ?? '');
        return channel ? { status: 200, body: this.channelPayload(channel) } : { error: [404, 10003, 'Unknown Channel', `no channel ${p['channel_id']}`] };
      }
      case 'GET /guilds/{guild_id}/members/{user_id}': {
        const guild = this.guilds.get(p['guild_id'] ?? '');
        const user = this.users.get(p['user_id'] ?? '');
        if (!guild || !user) return { error: [404, 10007, 'Unknown Member', `no member ${p['user_id']} in ${p['guild_id']}`] };
        return { status: 200, body: this.memberPayload(guild, user) };
      }
      case 'POST /channels/{channel_id}/typing':
        return this.channels.has(p['channel_id'] ?? '')
          ? { status: 204 }
          : { error: [404, 10003, 'Unknown Channel', `typing in unknown channel ${p['channel_id']}`] };
      case 'POST /channels/{channel_id}/messages':
        return this.createBotMessage(p['channel_id'] ?? '', body);
      case 'PATCH /channels/{channel_id}/messages/{message_id}':
        return this.editBotMessage(p['channel_id'] ?? '', p['message_id'] ?? '', body);
      case 'GET /channels/{channel_id}/messages/{message_id}': {
        const message = this.channelMessages(p['channel_id'] ?? '').find((m) => m.id === p['message_id']);
        return message
          ? { status: 200, body: this.messagePayload(message, this.currentSession()) }
          : { error: [404, 10008, 'Unknown Message', `no message ${p['message_id']}`] };
      }
      case 'GET /channels/{channel_id}/messages': {
        const limit = Math.min(Number(query.get('limit') ?? 50), 100);
        const before = query.get('before');
        const list = this.channelMessages(p['channel_id'] ?? '')
          .filter((m) => !before || BigInt(m.id) < BigInt(before))
          .slice(-limit)
          .reverse(); // newest first, as Discord answers
        return { status: 200, body: list.map((m) => this.messagePayload(m, this.currentSession())) };
      }
      case 'PUT /applications/{application_id}/commands':
      case 'PUT /applications/{application_id}/guilds/{guild_id}/commands': {
        if (p['application_id'] !== this.applicationId)
          return { error: [403, 50001, 'Missing Access', `commands of another application ${p['application_id']}`] };
        const list = (body as unknown as Record<string, unknown>[]).map((c) => ({
          ...c,
          id: this.snowflake(),
          application_id: this.applicationId,
          version: this.snowflake(),
          type: c['type'] ?? 1,
        }));
        this.commands.set(p['guild_id'] ?? '', list);
        return { status: 200, body: list };
      }
      case 'POST /interactions/{interaction_id}/{interaction_token}/callback':
        return this.callback(p['interaction_id'] ?? '', p['interaction_token'] ?? '', body, query);
      case 'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original':
      case 'POST /webhooks/{webhook_id}/{webhook_token}':
        return this.webhook(key.startsWith('PATCH') ? 'edit' : 'followup', p['webhook_id'] ?? '', p['webhook_token'] ?? '', body);
      default:
        return { error: [404, 0, '404: Not Found', `the fake does not implement ${key}`] };
    }
  }

  private createBotMessage(channelId: string, body: Record<string, unknown>) {
    const channel = this.channels.get(channelId);
    if (!channel) return { error: [404, 10003, 'Unknown Channel', `message to unknown channel ${channelId}`] as [number, number, string, string] };
    const content = String(body['content'] ?? '');
    if (!content && !body['files'] && !body['attachments'])
      return { error: [400, 50006, 'Cannot send an empty message', 'empty message'] as [number, number, string, string] };
    if (content.length > BOT_MESSAGE_LIMIT)
      return {
        error: [400, 50035, 'Invalid Form Body', `content of ${content.length} characters, over Discord's ${BOT_MESSAGE_LIMIT}`] as [
          number,
          number,
          string,
          string,
        ],
      };
    const ref = body['message_reference'] as { message_id?: string } | undefined;
    const replyTo = ref?.message_id ? this.channelMessages(channelId).find((m) => m.id === ref.message_id) : undefined;
    if (ref?.message_id && !replyTo)
      return { error: [400, 50035, 'Invalid Form Body', `reply to unknown message ${ref.message_id}`] as [number, number, string, string] };
    // Discord trims the content it stores.
    const message = this.store({ channel, author: this.bot, content: content.trim(), attachments: [], ...(replyTo ? { reference: replyTo } : {}) });
    message.pings = pingsOf(content, body['allowed_mentions'], replyTo);
    if (Array.isArray(body['components'])) message.components = body['components'] as Record<string, unknown>[];
    const uploaded = (body as { files?: UploadedFile[] }).files ?? [];
    if (uploaded.length) {
      const described = (body['attachments'] as { id?: number; description?: string }[] | undefined) ?? [];
      message.uploads = uploaded.map((file, id) => {
        const description = described.find((a) => Number(a.id) === id)?.description;
        return description ? { file, description } : { file };
      });
    }
    this.dispatch('MESSAGE_CREATE', (session: Session) => this.messagePayload(message, session), channel.guild_id ?? null);
    return { status: 200, body: this.messagePayload(message) };
  }

  private editBotMessage(channelId: string, messageId: string, body: Record<string, unknown>) {
    const message = this.channelMessages(channelId).find((m) => m.id === messageId);
    if (!message) return { error: [404, 10008, 'Unknown Message', `edit of unknown message ${messageId}`] as [number, number, string, string] };
    if (message.author.id !== this.bot.id)
      return {
        error: [403, 50005, 'Cannot edit a message authored by another user', 'edit of a message the bot did not write'] as [number, number, string, string],
      };
    if (typeof body['content'] === 'string') {
      if (body['content'].length > BOT_MESSAGE_LIMIT)
        return {
          error: [400, 50035, 'Invalid Form Body', `content of ${body['content'].length} characters, over Discord's ${BOT_MESSAGE_LIMIT}`] as [
            number,
            number,
            string,
            string,
          ],
        };
      message.content = body['content'].trim();
      message.versions.push(message.content);
      message.edited_timestamp = new Date().toISOString();
      for (const ping of pingsOf(message.content, body['allowed_mentions'], undefined)) if (!message.pings.includes(ping)) message.pings.push(ping);
    }
    // Components sent replace the message's; without `components` the old ones stay.
    if (Array.isArray(body['components'])) message.components = body['components'] as Record<string, unknown>[];
    this.dispatch('MESSAGE_UPDATE', (session: Session) => this.messagePayload(message, session), message.guild_id ?? null);
    return { status: 200, body: this.messagePayload(message) };
  }

  private callback(id: string, token: string, body: Record<string, unknown>, query: URLSearchParams) {
    const interaction = this.interactions.get(id);
    if (!interaction || interaction.token !== token)
      return { error: [404, 10062, 'Unknown interaction', `callback for unknown interaction ${id}`] as [number, number, string, string] };
    if (interaction.callbacks.length > 0)
      return { error: [400, 40060, 'Interaction has already been acknowledged.', 'a second callback for one interaction'] as [number, number, string, string] };
    const late = performance.now() - interaction.createdAt;
    if (late > INTERACTION_DEADLINE_MS)
      return { error: [404, 10062, 'Unknown interaction', `answered after ${Math.round(late)} ms, past Discord's 3 s`] as [number, number, string, string] };
    const data = body['data'] as Record<string, unknown> | undefined;
    const content = typeof data?.['content'] === 'string' ? data['content'] : '';
    if (content.length > BOT_MESSAGE_LIMIT)
      return { error: [400, 50035, 'Invalid Form Body', `content of ${content.length} characters`] as [number, number, string, string] };
    interaction.callbacks.push(body);
    if (query.get('with_response') === 'true') {
      return {
        status: 200,
        body: {
          interaction: {
            id,
            type: 2,
            response_message_loading: body['type'] === 5,
            response_message_ephemeral: Boolean(Number(data?.['flags'] ?? 0) & EPHEMERAL),
          },
        },
      };
    }
    return { status: 204 };
  }

  /**
   * Discord's clock says the interaction's 15 minutes are up, the bot's does not (clocks differ):
   * its webhook answers 401 Invalid Webhook Token from now on — Discord's answer, not a mistake of
   * the bot's, so no violation (one after the real 15 minutes is).
   */
  expireInteraction(record: InteractionRecord): void {
    this.expired.add(record.id);
  }

  private readonly expired = new Set<string>();

  private webhook(kind: 'edit' | 'followup', appId: string, token: string, body: Record<string, unknown>) {
    const interaction = [...this.interactions.values()].find((i) => i.token === token);
    if (appId !== this.applicationId || !interaction)
      return { error: [404, 10015, 'Unknown Webhook', `webhook ${appId}/${token.slice(0, 8)}… is not an interaction's`] as [number, number, string, string] };
    if (this.expired.has(interaction.id)) return { refused: [401, 50027, 'Invalid Webhook Token'] as [number, number, string] };
    if (performance.now() - interaction.createdAt > INTERACTION_TOKEN_MS)
      return { error: [401, 50027, 'Invalid Webhook Token', `${kind} after the interaction's 15 minutes`] as [number, number, string, string] };
    if (interaction.callbacks.length === 0)
      return { error: [404, 10015, 'Unknown Webhook', 'follow-up before the interaction was answered'] as [number, number, string, string] };
    const content = typeof body['content'] === 'string' ? body['content'] : '';
    if (content.length > BOT_MESSAGE_LIMIT)
      return { error: [400, 50035, 'Invalid Form Body', `content of ${content.length} characters`] as [number, number, string, string] };
    (kind === 'edit' ? interaction.edits : interaction.followups).push(body);
    const channelId = String((this.interactionChannel.get(interaction.id) ?? { id: '' }).id);
    return {
      status: 200,
      body: {
        id: this.snowflake(),
        channel_id: channelId,
        author: this.userPayload(this.bot),
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 20,
        flags: Number(body['flags'] ?? 0),
        webhook_id: this.applicationId,
        application_id: this.applicationId,
      },
    };
  }

  private serveFile(url: URL, res: ServerResponse): void {
    const key = decodeURIComponent(url.pathname.slice('/attachments/'.length));
    const file = this.files.get(key);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    setTimeout(() => {
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
      res.end(Buffer.from(file.bytes));
    }, file.delayMs);
  }

  // ── gateway ───────────────────────────────────────────────────────────────────────────────────

  private readonly interactionChannel = new Map<string, FakeChannel>();

  private onSocket(socket: WebSocket): void {
    let session: Session | undefined;
    const send = (payload: unknown) => socket.send(JSON.stringify(payload));
    send({ op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null });
    socket.on('message', (data) => {
      let frame: { op?: number; d?: Record<string, unknown> | number | null };
      try {
        frame = JSON.parse(String(data)) as typeof frame;
      } catch {
        this.violations.push({ where: 'gateway', problems: ['a frame that is not JSON'] });
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      const d = (frame.d ?? {}) as Record<string, unknown>;
      switch (frame.op) {
        case 1:
          this.heartbeats += 1;
          send({ op: 11, d: null, s: null, t: null });
          return;
        case 2: {
          if (session) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          this.identifies.push(d);
          if (d['token'] !== this.token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          const intents = Number(d['intents']);
          if (!Number.isInteger(intents) || intents < 0) {
            this.violations.push({ where: 'gateway IDENTIFY', problems: ['intents is not a bitfield'] });
            socket.close(4013, 'Invalid intent(s).');
            return;
          }
          if (intents & PRIVILEGED & ~this.allowedPrivilegedIntents) {
            socket.close(4014, 'Disallowed intent(s).');
            return;
          }
          const shard = (Array.isArray(d['shard']) ? d['shard'] : [0, 1]) as [number, number];
          const [shardId, shardCount] = shard;
          if (!Number.isInteger(shardCount) || shardCount < 1 || !Number.isInteger(shardId) || shardId < 0 || shardId >= shardCount) {
            this.violations.push({
              where: 'gateway IDENTIFY',
              problems: [`shard ${JSON.stringify(d['shard'])} is not [shard_id, num_shards] with 0 ≤ shard_id < num_shards`],
            });
            socket.close(4010, 'Invalid shard.');
            return;
          }
          session = { id: randomBytes(16).toString('hex'), seq: 0, buffer: [], socket, intents, shard };
          this.sessions.set(session.id, session);
          const guilds = this.guildsOf(session);
          this.dispatchTo(session, 'READY', {
            v: 10,
            user: this.userPayload(this.bot),
            guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
            session_id: session.id,
            resume_gateway_url: this.gatewayUrl,
            shard,
            application: { id: this.applicationId, flags: this.applicationFlags() },
            private_channels: [],
            relationships: [],
            user_settings: {},
          });
          for (const guild of guilds) this.dispatchTo(session, 'GUILD_CREATE', this.guildPayload(guild));
          return;
        }
        case 6: {
          this.resumes.push(d);
          const known = this.sessions.get(String(d['session_id']));
          if (!known || d['token'] !== this.token) {
            send({ op: 9, d: false, s: null, t: null });
            return;
          }
          session = known;
          known.socket = socket;
          const from = Number(d['seq'] ?? 0);
          for (const event of known.buffer.filter((e) => e.seq > from)) send({ op: 0, s: event.seq, t: event.t, d: event.d });
          this.dispatchTo(known, 'RESUMED', null);
          return;
        }
        default:
          if (frame.op !== 3) this.violations.push({ where: 'gateway', problems: [`unexpected opcode ${String(frame.op)}`] });
      }
    });
    socket.on('close', () => {
      if (session?.socket === socket) session.socket = undefined;
    });
  }

  private currentSession(): Session | undefined {
    return [...this.sessions.values()].at(-1);
  }

  /** Guilds of a shard: (guild_id >> 22) % num_shards, as Discord routes them. */
  private guildsOf(session: Session): FakeGuild[] {
    const [id, count] = session.shard;
    return [...this.guilds.values()].filter((g) => this.shardOf(g.id, count) === id);
  }

  /**
   * To the sessions of the event's shard — `guildId` null for a DM (a session whose socket is down
   * keeps the event for its RESUME).
   */
  private dispatch(t: string, d: unknown | ((session: Session) => unknown), guildId: string | null): void {
    for (const session of this.sessionsFor(guildId)) this.dispatchTo(session, t, typeof d === 'function' ? (d as (s: Session) => unknown)(session) : d);
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const event = { seq: session.seq, t, d };
    session.buffer.push(event);
    if (session.buffer.length > 1000) session.buffer.shift();
    session.socket?.send(JSON.stringify({ op: 0, s: event.seq, t, d }));
  }

  private interact(
    type: 2 | 3 | 4 | 5,
    user: FakeUser,
    channel: FakeChannel,
    data: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): InteractionRecord {
    const record: InteractionRecord = {
      id: this.snowflake(),
      token: `itok-${randomBytes(12).toString('hex')}`,
      createdAt: performance.now(),
      callbacks: [],
      edits: [],
      followups: [],
    };
    this.interactions.set(record.id, record);
    this.interactionChannel.set(record.id, channel);
    const guild = channel.guild_id ? this.guilds.get(channel.guild_id) : undefined;
    this.dispatch(
      'INTERACTION_CREATE',
      {
        id: record.id,
        application_id: this.applicationId,
        type,
        data,
        channel_id: channel.id,
        channel: this.channelPayload(channel),
        token: record.token,
        version: 1,
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: { '0': guild?.id ?? '0' },
        context: guild ? 0 : 1,
        app_permissions: String(MEMBER_PERMISSIONS),
        ...extra,
        ...(guild
          ? {
              guild_id: guild.id,
              guild_locale: 'en-US',
              guild: { id: guild.id, locale: 'en-US', features: [] },
              member: { ...this.memberPayload(guild, user), permissions: String(this.permissionsOf(guild, user)) },
            }
          : { user: this.userPayload(user) }),
      },
      guild?.id ?? null,
    );
    return record;
  }

  private definition(channel: FakeChannel, name: string): Record<string, unknown> {
    const all = [...(this.commands.get(channel.guild_id ?? '') ?? []), ...(this.commands.get('') ?? [])];
    const definition = all.find((c) => c['name'] === name);
    if (!definition) throw new Error(`command ${name} is not registered (globally or for the guild)`);
    return definition;
  }

  // ── payloads ──────────────────────────────────────────────────────────────────────────────────

  private store(fields: { channel: FakeChannel; author: FakeUser; content: string; attachments: FakeAttachment[]; reference?: FakeMessage }): FakeMessage {
    const message: FakeMessage = {
      id: this.snowflake(),
      channel_id: fields.channel.id,
      ...(fields.channel.guild_id ? { guild_id: fields.channel.guild_id } : {}),
      author: fields.author,
      content: fields.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      type: fields.reference ? 19 : 0,
      attachments: fields.attachments,
      ...(fields.reference
        ? {
            message_reference: {
              message_id: fields.reference.id,
              channel_id: fields.reference.channel_id,
              ...(fields.reference.guild_id ? { guild_id: fields.reference.guild_id } : {}),
            },
          }
        : {}),
      pings: [],
      versions: [fields.content],
    };
    const list = this.messages.get(fields.channel.id) ?? [];
    list.push(message);
    this.messages.set(fields.channel.id, list);
    return message;
  }

  private applicationFlags(): number {
    // GATEWAY_MESSAGE_CONTENT (1 << 18) when the portal switch is on.
    return this.allowedPrivilegedIntents & INTENTS.MessageContent ? 1 << 18 : 0;
  }

  /** What Discord shows a session: without Message Content, most messages arrive without their content. */
  private messagePayload(message: FakeMessage, session?: Session, depth = 0): Record<string, unknown> {
    const channel = this.channels.get(message.channel_id);
    const referenced = message.message_reference
      ? this.channelMessages(message.message_reference.channel_id).find((m) => m.id === message.message_reference?.message_id)
      : undefined;
    const visible =
      !session ||
      (session.intents & INTENTS.MessageContent) !== 0 ||
      message.author.id === this.bot.id ||
      channel?.type === 1 ||
      message.content.includes(`<@${this.bot.id}>`) ||
      referenced?.author.id === this.bot.id;
    const mentions = [...message.content.matchAll(/<@!?(\d+)>/g)].map((m) => this.users.get(m[1] ?? '')).filter((u): u is FakeUser => u !== undefined);
    if (referenced && referenced.author.id !== message.author.id && !mentions.some((u) => u.id === referenced.author.id) && message.author.id !== this.bot.id)
      mentions.push(referenced.author);
    return {
      id: message.id,
      channel_id: message.channel_id,
      // Gateway MESSAGE_CREATE carries the channel's type (how a client knows an uncached channel is a DM).
      ...(session && channel ? { channel_type: channel.type } : {}),
      ...(message.guild_id ? { guild_id: message.guild_id } : {}),
      author: this.userPayload(message.author),
      ...(message.guild_id && this.guilds.get(message.guild_id)
        ? { member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } }
        : {}),
      content: visible ? message.content : '',
      timestamp: message.timestamp,
      edited_timestamp: message.edited_timestamp,
      tts: false,
      mention_everyone: false,
      mentions: mentions.map((u) => this.userPayload(u)),
      mention_roles: [],
      attachments: visible ? message.attachments : [],
      embeds: [],
      pinned: false,
      type: message.type,
      flags: 0,
      components: message.components ?? [],
      ...(message.message_reference ? { message_reference: { type: 0, ...message.message_reference } } : {}),
      ...(referenced && depth === 0 ? { referenced_message: this.messagePayload(referenced, session, 1) } : {}),
    };
  }

  private userPayload(user: FakeUser): Record<string, unknown> {
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.username,
      avatar: null,
      ...(user.bot ? { bot: true } : {}),
      public_flags: 0,
    };
  }

  private permissionsOf(guild: FakeGuild, user: FakeUser): bigint {
    return guild.admins.has(user.id) ? MEMBER_PERMISSIONS | PERMISSIONS.ManageGuild : MEMBER_PERMISSIONS;
  }

  private memberPayload(guild: FakeGuild, user: FakeUser): Record<string, unknown> {
    return {
      user: this.userPayload(user),
      roles: guild.admins.has(user.id) ? [`${guild.id}1`] : [],
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
      avatar: null,
      premium_since: null,
      pending: false,
    };
  }

  private channelPayload(channel: FakeChannel): Record<string, unknown> {
    if (channel.type === 1)
      return { id: channel.id, type: 1, recipients: channel.recipient ? [this.userPayload(channel.recipient)] : [], last_message_id: null, flags: 0 };
    const base = {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guild_id,
      name: channel.name,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      flags: 0,
      rate_limit_per_user: 0,
    };
    if (channel.type === 11) {
      return {
        ...base,
        parent_id: channel.parent_id,
        owner_id: this.bot.id,
        member_count: 2,
        message_count: 0,
        thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
      };
    }
    return { ...base, parent_id: null, topic: null, last_message_id: null };
  }

  private guildPayload(guild: FakeGuild): Record<string, unknown> {
    const everyone = {
      id: guild.id,
      name: '@everyone',
      permissions: String(MEMBER_PERMISSIONS),
      position: 0,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
      icon: null,
      unicode_emoji: null,
    };
    const admins = { ...everyone, id: `${guild.id}1`, name: 'admins', position: 1, permissions: String(MEMBER_PERMISSIONS | PERMISSIONS.ManageGuild) };
    const channels = [...this.channels.values()].filter((c) => c.guild_id === guild.id);
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      owner_id: guild.owner_id,
      roles: [everyone, admins],
      emojis: [],
      stickers: [],
      features: [],
      channels: channels.filter((c) => c.type !== 11).map((c) => this.channelPayload(c)),
      threads: channels.filter((c) => c.type === 11).map((c) => this.channelPayload(c)),
      members: [this.memberPayload(guild, this.bot)],
      member_count: 3,
      large: false,
      unavailable: false,
      joined_at: new Date().toISOString(),
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      premium_tier: 0,
      preferred_locale: 'en-US',
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      system_channel_flags: 0,
    };
  }
}

/** Who a bot message pings, as Discord decides from its content and `allowed_mentions`. */
export function pingsOf(content: string, allowed: unknown, replyTo: FakeMessage | undefined): string[] {
  const rules = (allowed ?? undefined) as { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean } | undefined;
  // No allowed_mentions at all: Discord parses everything.
  const parse = new Set(rules ? (rules.parse ?? []) : ['everyone', 'users', 'roles']);
  const pings: string[] = [];
  if (/@(everyone|here)\b/.test(content) && parse.has('everyone')) pings.push('everyone');
  for (const match of content.matchAll(/<@!?(\d+)>/g)) if (parse.has('users') || rules?.users?.includes(match[1] ?? '')) pings.push(`user:${match[1]}`);
  for (const match of content.matchAll(/<@&(\d+)>/g)) if (parse.has('roles') || rules?.roles?.includes(match[1] ?? '')) pings.push(`role:${match[1]}`);
  if (replyTo && (rules ? rules.replied_user === true : true)) pings.push(`user:${replyTo.author.id}`);
  return [...new Set(pings)];
}

function readRaw(req: IncomingMessage): Promise<{ bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

/** A file sent with a message (multipart `files[n]`): its text, and its bytes for binary files. */
export interface UploadedFile {
  readonly name: string;
  readonly content: string;
  readonly bytes: Uint8Array;
}

/** JSON, or multipart with `payload_json` (how discord.js sends files); undefined for no body. */
async function parseBody(raw: { bytes: Buffer }, contentType: string | undefined): Promise<unknown> {
  if (raw.bytes.length === 0) return undefined;
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(raw.bytes, { headers: { 'content-type': contentType } }).formData();
    const payload = form.get('payload_json');
    const body = typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : {};
    const files: UploadedFile[] = [];
    for (const [key, value] of form.entries()) {
      if (key.startsWith('files[') && typeof value !== 'string') {
        const bytes = new Uint8Array(await value.arrayBuffer());
        files.push({ name: value.name, content: Buffer.from(bytes).toString('utf8'), bytes });
      }
    }
    Object.defineProperty(body, 'files', { value: files, enumerable: false });
    return body;
  }
  return JSON.parse(raw.bytes.toString('utf8')) as unknown;
}
