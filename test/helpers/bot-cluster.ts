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
import { SIGNING_SECRET, appMentionEvent, envelope, messageEvent, postCommand, postEvent, type PostResult, type SignedPostOptions } from './slack-requests';

export interface ClusterOptions {
  readonly processes: number;
  /** `redis://…`, `postgresql://…` or `sqlite://…` (one process only makes sense there). */
  readonly storeUrl: string;
  /** Options of the fake model server; `false` runs offline (no model configured). */
  readonly model?: FakeOpenAIOptions | false;
  /** More environment for every process (LOG_LEVEL, ADMIN_USER_IDS, …). */
  readonly env?: Record<string, string>;
  readonly via?: BotProcessOptions['via'];
  /** Changes to config/default.json for every process (see `BotProcessOptions.config`). */
  readonly config?: BotProcessOptions['config'];
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
      const bots = await startBotProcesses(options.processes, {
        env,
        ...(options.via ? { via: options.via } : {}),
        ...(options.config ? { config: options.config } : {}),
      });
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

  /**
   * A person's message (no mention, e.g. a follow-up in a thread the bot is in), kept in the fake
   * Slack's channel first, as Slack holds it when the event is sent, then posted to process `index`.
   */
  message(index: number, fields: { channel: string; user: string; text: string; ts?: string; thread_ts?: string }): Promise<PostResult> {
    const ts = fields.ts ?? this.slack.nextTs();
    this.slack.addMessage(fields.channel, { ts, text: fields.text, user: fields.user, ...(fields.thread_ts ? { thread_ts: fields.thread_ts } : {}) });
    const event = messageEvent({ ...fields, ts, team: this.team });
    return postEvent(this.eventsUrl(index), envelope(event, { team: this.team, botUserId: this.slack.botUserId }));
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

  /**
   * A slash command through process `index`, resolving with what its reply (at the response_url)
   * shows once it arrives. Checked every few milliseconds, so benches can time it.
   */
  async commandReply(index: number, fields: { command: string; text: string; channel: string; user?: string }, timeoutMs = 20_000): Promise<string> {
    const responseUrl = this.slack.newResponseUrl();
    const id = responseUrl.split('/').pop();
    const posted = await this.command(index, { ...fields, responseUrl });
    if (posted.status !== 200) throw new Error(`${fields.command} ${fields.text} through process ${index} got HTTP ${posted.status}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.slack.responses.find((r) => r.id === id);
      if (reply) return shownText(reply.body);
      if (Date.now() > deadline) throw new Error(`no reply to ${fields.command} ${fields.text} through process ${index} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** `channelwise_messages_total` summed over every process's /metrics (of one outcome, or all). */
  async messagesCounted(outcome?: string): Promise<number> {
    let total = 0;
    for (const bot of this.bots) {
      const metrics = await (await fetch(`${bot.baseUrl}/metrics`)).text();
      for (const match of metrics.matchAll(/^channelwise_messages_total\{([^}]*)\} (\d+)/gm)) {
        if (outcome === undefined || match[1]!.includes(`outcome="${outcome}"`)) total += Number(match[2]);
      }
    }
    return total;
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
    const bot = await startBotProcess({
      env: this.env,
      ...(this.options.via ? { via: this.options.via } : {}),
      ...(this.options.config ? { config: this.options.config } : {}),
    });
    this.bots[index] = bot;
    return bot;
  }

  /** The options the cluster was started with (a restarted process gets the same). */
  get startedWith(): ClusterOptions {
    return this.options;
  }
}
