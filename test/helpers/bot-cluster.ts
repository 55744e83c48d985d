/**
 * Several real bot processes as one Slack bot (SPEC §5): a fake Slack and (unless offline) a fake
 * OpenAI server, then `processes` × `npm start` on one STORE_URL, each serving Slack over HTTP on its
 * own PORT, as `web:` processes behind a load balancer do. Tests and `npm run bench:load` both use it.
 * Each cluster gets a team id of its own, so clusters sharing one Redis or PostgreSQL never meet.
 */
import { randomUUID } from 'node:crypto';
import { startBotProcess, startBotProcesses, type BotProcess, type BotProcessOptions } from './bot-process';
import { FakeOpenAI, type FakeOpenAIOptions } from './fake-openai';
import { FakeSlack, shownText } from './fake-slack';
import { waitFor } from './processes';
import { SIGNING_SECRET, appMentionEvent, envelope, postCommand, postEvent, type PostResult, type SignedPostOptions } from './slack-requests';

export interface ClusterOptions {
  readonly processes: number;
  /** `redis://…`, `postgresql://…` or `sqlite://…` (one process only makes sense there). */
  readonly storeUrl: string;
  /** Options of the fake model server; `false` runs offline (no model configured). */
  readonly model?: FakeOpenAIOptions | false;
  /** More environment for every process (LOG_LEVEL, ADMIN_USER_IDS, …). */
  readonly env?: Record<string, string>;
  readonly via?: BotProcessOptions['via'];
}

export class BotCluster {
  /** Admin of the cluster's team (in ADMIN_USER_IDS of every process). */
  readonly admin = 'U0ADMIN001';

  private constructor(
    readonly slack: FakeSlack,
    readonly model: FakeOpenAI | undefined,
    readonly bots: BotProcess[],
    private readonly options: ClusterOptions,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: ClusterOptions): Promise<BotCluster> {
    const team = `T${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const slack = await FakeSlack.start({ team });
    const model = options.model === false ? undefined : await FakeOpenAI.start(options.model ?? {});
    const env: Record<string, string> = {
      STORE_URL: options.storeUrl,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      ADMIN_USER_IDS: 'U0ADMIN001',
      LOG_LEVEL: 'warn',
      ...(model ? { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'sk-test-cluster' } : {}),
      ...options.env,
    };
    try {
      const bots = await startBotProcesses(options.processes, { env, ...(options.via ? { via: options.via } : {}) });
      return new BotCluster(slack, model, bots, options, env);
    } catch (err) {
      await slack.close();
      await model?.close();
      throw err;
    }
  }

  get team(): string {
    return this.slack.team;
  }

  eventsUrl(index: number): string {
    return `${this.bots[index % this.bots.length]!.baseUrl}/slack/events`;
  }

  /** An app_mention of the bot, posted to process `index` (any number: it wraps around). */
  mention(
    index: number,
    fields: { channel: string; user: string; text: string; ts?: string; thread_ts?: string },
    options: SignedPostOptions & { eventId?: string } = {},
  ): Promise<PostResult> {
    const ts = fields.ts ?? this.slack.nextTs();
    const event = appMentionEvent({ ...fields, ts, team: this.team, text: `<@${this.slack.botUserId}> ${fields.text}` });
    return postEvent(
      this.eventsUrl(index),
      envelope(event, { team: this.team, botUserId: this.slack.botUserId, ...(options.eventId ? { eventId: options.eventId } : {}) }),
      options,
    );
  }

  /** A slash command sent to process `index`; its reply arrives at the fake's response_url. */
  command(index: number, fields: { command: string; text: string; channel: string; user?: string; responseUrl?: string }): Promise<PostResult> {
    const user = fields.user ?? this.admin;
    return postCommand(this.eventsUrl(index), {
      command: fields.command,
      text: fields.text,
      team: this.team,
      channel: fields.channel,
      user,
      userName: user.toLowerCase(),
      responseUrl: fields.responseUrl ?? this.slack.newResponseUrl(),
    });
  }

  /** Every answer takes about `ms` (half before the first word, the rest streaming), so answers are in flight that long. */
  answerSlowly(ms: number): void {
    if (!this.model) throw new Error('the cluster runs offline: no model to slow down');
    this.model.chatReply = (body) => {
      const question = body.messages.at(-1)?.content;
      return { text: `Answer to ${String(question)} — complete.`, firstTokenDelayMs: ms / 2, tokenDelayMs: ms / 12 };
    };
  }

  /** `count` mentions in `channel`, each its own thread, posted to process `index`; resolves with their ts. */
  async mentionMany(index: number, channel: string, count: number, text = (i: number) => `question ${i}`): Promise<string[]> {
    const stamps: string[] = [];
    for (let i = 0; i < count; i++) {
      const ts = this.slack.nextTs();
      stamps.push(ts);
      const result = await this.mention(index, { channel, user: 'U0PERSON1', text: text(i), ts });
      if (result.status !== 200) throw new Error(`mention ${i} got HTTP ${result.status}`);
    }
    return stamps;
  }

  /** The finished (no longer streaming) answers in the threads started at `stamps`. */
  finishedAnswers(channel: string, stamps: readonly string[]): string[] {
    return stamps.flatMap((ts) =>
      this.slack
        .botMessages(channel, ts)
        .filter((m) => m.streaming !== 'in_progress')
        .map(shownText),
    );
  }

  /** Sends a slash command to process `index` and resolves with the text of its reply (at the response_url), waiting `waitAttempts` × 100 ms. */
  async commandReply(index: number, fields: { command: string; text: string; channel: string; user?: string }, waitAttempts = 200): Promise<string> {
    const responseUrl = this.slack.newResponseUrl();
    const posted = await this.command(index, { ...fields, responseUrl });
    if (posted.status !== 200) throw new Error(`${fields.command} got HTTP ${posted.status}`);
    const id = responseUrl.split('/').at(-1);
    const response = await waitFor(() => this.slack.responses.find((r) => r.id === id), `the reply to ${fields.command} ${fields.text}`, waitAttempts);
    return shownText(response.body);
  }

  /** Every process's logs, for failure messages and the secrets scan. */
  logs(): string {
    return this.bots.map((bot, i) => `── process ${i} (port ${bot.port}) ──\n${bot.logs()}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.bots.map((bot) => bot.kill()));
    await this.slack.close();
    await this.model?.close();
  }

  /** Starts process `index` again with the same environment (after it exited or was killed); it gets a new port. */
  async restart(index: number): Promise<BotProcess> {
    await this.bots[index]?.kill();
    const bot = await startBotProcess({ env: this.env, ...(this.options.via ? { via: this.options.via } : {}) });
    this.bots[index] = bot;
    return bot;
  }

  /** The options the cluster was started with (a restarted process gets the same). */
  get startedWith(): ClusterOptions {
    return this.options;
  }
}
