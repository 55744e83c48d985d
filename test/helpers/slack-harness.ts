/**
 * The real Slack adapter (Bolt over HTTP on 127.0.0.1) wired to the real core, a fake Slack Web API
 * and, unless offline, the fake OpenAI server through the real OpenAI client. Tests talk to it as
 * Slack does: signed HTTP requests to POST /slack/events.
 */
import { SlackAdapter } from '../../src/adapters/slack/slack-adapter';
import type { AppConfig } from '../../src/config';
import type { Logger } from '../../src/core/ports';
import { OpenAIChatModel } from '../../src/providers/openai/chat-model';
import { makeTestApp, testConfig, type TestApp } from './app';
import { FakeOpenAI } from './fake-openai';
import { FakeSlack, shownText } from './fake-slack';
import { silentLogger } from './logger';
import {
  SIGNING_SECRET,
  appMentionEvent,
  envelope,
  feedbackClickPayload,
  messageEvent,
  postCommand,
  postEvent,
  postInteraction,
  reactionAddedEvent,
  type MessageFields,
  type PostResult,
  type SignedPostOptions,
} from './slack-requests';

export const CHANNEL = 'C0GENERAL1';
export const DM_CHANNEL = 'D0DIRECT01';
export const ADMIN = { id: 'U0ADMIN001', name: 'alice' } as const;
export const MEMBER = { id: 'U0MEMBER01', name: 'bob' } as const;

export interface HarnessOptions {
  /** Absent: offline mode. */
  readonly openai?: FakeOpenAI;
  /** Share the store (and core) of another harness: a second process on the same store. */
  readonly app?: TestApp;
  readonly slack?: FakeSlack;
  readonly editIntervalMs?: number;
  /** Default 0 (always stream), so tests see the streaming path unless they ask for this. */
  readonly shortAnswerMs?: number;
  readonly nativeStreaming?: boolean;
  readonly logger?: Logger;
  readonly adminUserIds?: readonly string[];
  /** Config keys to change from config/default.json (e.g. `evaluation`). */
  readonly config?: Partial<AppConfig>;
  /** The Web API client's retries (default none, so a refused call shows at once; production keeps the SDK's). */
  readonly retries?: number;
}

export class SlackHarness {
  private constructor(
    readonly app: TestApp,
    readonly slack: FakeSlack,
    readonly adapter: SlackAdapter,
    readonly url: string,
    private readonly ownsApp: boolean,
    private readonly ownsSlack: boolean,
  ) {}

  /** The core the harness runs on; pass `dir` to reopen an earlier one's store (a restart). */
  static makeApp(
    openai: FakeOpenAI | undefined,
    options: { dir?: string; adminUserIds?: readonly string[]; config?: Partial<AppConfig> } = {},
  ): Promise<TestApp> {
    return makeTestApp({
      config: testConfig({}, { ...options.config, adminUserIds: options.adminUserIds ?? [] }),
      ...(options.dir ? { dir: options.dir } : {}),
      ...(openai ? { model: new OpenAIChatModel({ baseUrl: openai.baseUrl, timeoutMs: 20_000, maxRetries: 0, logger: silentLogger }) } : {}),
    });
  }

  static async start(options: HarnessOptions = {}): Promise<SlackHarness> {
    const slack = options.slack ?? (await FakeSlack.start());
    slack.addUser({ id: ADMIN.id, name: ADMIN.name, is_admin: true });
    slack.addUser({ id: MEMBER.id, name: MEMBER.name });
    const app =
      options.app ??
      (await SlackHarness.makeApp(options.openai, {
        ...(options.adminUserIds ? { adminUserIds: options.adminUserIds } : {}),
        ...(options.config ? { config: options.config } : {}),
      }));
    const adapter = await SlackAdapter.create({
      app,
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      apiUrl: slack.apiUrl,
      port: 0,
      logger: options.logger ?? silentLogger,
      editIntervalMs: options.editIntervalMs ?? 1000,
      shortAnswerMs: options.shortAnswerMs ?? 0,
      nativeStreaming: options.nativeStreaming ?? true,
      retryConfig: { retries: options.retries ?? 0 },
    });
    const { port } = await adapter.start();
    return new SlackHarness(app, slack, adapter, `http://127.0.0.1:${port}/slack/events`, !options.app, !options.slack);
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.adapter.stop();
    if (this.ownsApp) await this.app.dispose();
    if (this.ownsSlack) await this.slack.close();
  }

  /** Wait until every request sent so far has been handled completely. */
  idle(): Promise<void> {
    return this.adapter.idle();
  }

  /** A person's message, stored at the fake (so thread reads see it) and delivered as an event. */
  message(
    fields: Partial<MessageFields> & { text: string },
    kind: 'message' | 'app_mention' = 'message',
    options: SignedPostOptions & { eventId?: string } = {},
  ) {
    const full: MessageFields = {
      channel: CHANNEL,
      user: MEMBER.id,
      team: this.slack.team,
      ts: fields.ts ?? this.slack.nextTs(),
      ...fields,
    };
    if (!(this.slack.messages.get(full.channel) ?? []).some((m) => m.ts === full.ts)) {
      this.slack.addMessage(full.channel, {
        ts: full.ts,
        text: full.text,
        user: full.user,
        ...(full.thread_ts ? { thread_ts: full.thread_ts } : {}),
        ...(full.bot_id ? { bot_id: full.bot_id } : {}),
      });
    }
    const event = kind === 'app_mention' ? appMentionEvent(full) : messageEvent(full);
    const body = envelope(event, { team: this.slack.team, botUserId: this.slack.botUserId, ...(options.eventId ? { eventId: options.eventId } : {}) });
    return { fields: full, body, send: (extra: SignedPostOptions = {}) => postEvent(this.url, body, { ...options, ...extra }) };
  }

  /** A mention in a channel, delivered as Slack does: `app_mention` and `message`, same ts. */
  async mention(text: string, fields: Partial<MessageFields> = {}): Promise<{ ts: string; results: PostResult[] }> {
    const full = { ...fields, text: `<@${this.slack.botUserId}> ${text}` };
    const first = this.message(full, 'app_mention');
    const second = this.message({ ...full, ts: first.fields.ts }, 'message');
    const results = [await first.send(), await second.send()];
    return { ts: first.fields.ts, results };
  }

  command(command: string, text: string, user: { id: string; name: string } = ADMIN, channel = CHANNEL, options: SignedPostOptions = {}) {
    const responseUrl = this.slack.newResponseUrl();
    const id = responseUrl.split('/').pop() ?? '';
    return {
      responseId: id,
      result: postCommand(this.url, { command, text, team: this.slack.team, channel, user: user.id, userName: user.name, responseUrl }, options),
    };
  }

  /** Click 👍 (`positive_button`) or 👎 on a bot message's feedback buttons, as `user`; waits until handled. */
  async clickFeedback(
    message: { ts: string; thread_ts?: string; text: string; blocks?: Record<string, unknown>[] },
    side: 'positive_button' | 'negative_button',
    user: { id: string; name: string },
    channel = CHANNEL,
  ): Promise<PostResult> {
    const payload = feedbackClickPayload({
      team: this.slack.team,
      channel,
      user: user.id,
      userName: user.name,
      message,
      side,
      responseUrl: this.slack.newResponseUrl(),
    });
    const result = await postInteraction(this.url, payload);
    await this.idle();
    return result;
  }

  /** `user` reacts to a message with `reaction` (e.g. `star`); waits until handled. */
  async react(user: { id: string }, ts: string, reaction: string, channel = CHANNEL): Promise<PostResult> {
    const body = envelope(reactionAddedEvent(user.id, channel, ts, reaction, this.slack.botUserId), { team: this.slack.team, botUserId: this.slack.botUserId });
    const result = await postEvent(this.url, body);
    await this.idle();
    return result;
  }

  /** Run a slash command and return what the caller was told (all response_url messages as a user reads them, joined). */
  async run(command: string, text: string, user: { id: string; name: string } = ADMIN, channel = CHANNEL): Promise<{ status: number; told: string }> {
    const { responseId, result } = this.command(command, text, user, channel);
    const { status } = await result;
    await this.idle();
    const told = this.slack.responses
      .filter((r) => r.id === responseId)
      .map((r) => shownText(r.body))
      .join('\n');
    return { status, told };
  }
}

/**
 * The usual set-up of a Slack test file: one fake OpenAI server for the file, a fresh harness
 * (fake Slack, real Bolt app, real core) per test, and after each test a check that neither fake
 * saw a request its vendor's spec would refuse. Read `ctx.h` and `ctx.openai` inside tests.
 */
export function useSlackHarness(options: Omit<HarnessOptions, 'openai'> = {}): {
  readonly h: SlackHarness;
  readonly openai: FakeOpenAI;
  /** Stop this test's harness and start another with different options (same fake OpenAI). */
  restart(options: Omit<HarnessOptions, 'openai'>): Promise<SlackHarness>;
} {
  let openai: FakeOpenAI | undefined;
  let harness: SlackHarness | undefined;
  beforeAll(async () => {
    openai = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await openai?.close();
  });
  beforeEach(async () => {
    openai!.reset();
    harness = await SlackHarness.start({ ...options, openai: openai! });
  });
  afterEach(async () => {
    await harness!.idle();
    harness!.slack.assertNoViolations();
    openai!.assertNoViolations();
    await harness!.stop();
  });
  return {
    get h() {
      return harness!;
    },
    get openai() {
      return openai!;
    },
    async restart(options) {
      await harness!.stop();
      harness = await SlackHarness.start({ ...options, openai: openai! });
      return harness;
    },
  };
}
