/**
 * The real Discord adapter (discord.js over the fake's gateway and REST) wired to the real core
 * and, unless offline, the fake OpenAI server through the real OpenAI client. Tests act as Discord
 * users do: messages and interactions dispatched on the gateway (see fake-discord.ts).
 */
import { DiscordAdapter } from '../../src/adapters/discord/discord-adapter';
import type { AppConfig } from '../../src/config';
import type { ChartRenderer } from '../../src/core/commands/context';
import type { Logger } from '../../src/core/ports';
import { makeTestApp, testConfig, type TestApp } from './app';
import { FakeDiscord, type FakeChannel, type FakeGuild, type FakeUser, type InteractionRecord, type OptionInput } from './fake-discord';
import { FakeOpenAI } from './fake-openai';
import { silentLogger } from './logger';
import { OpenAIChatModel } from '../../src/providers/openai/chat-model';

export interface DiscordHarnessOptions {
  readonly openai?: FakeOpenAI;
  readonly app?: TestApp;
  readonly discord?: FakeDiscord;
  readonly editIntervalMs?: number;
  readonly logger?: Logger;
  readonly adminUserIds?: readonly string[];
  /** Config keys to change from config/default.json (e.g. `evaluation`). */
  readonly config?: Partial<AppConfig>;
  /** The adapter's clock for interaction tokens' 15 minutes (tests move it on). */
  readonly now?: () => number;
  /** Draws the /usage and /eval charts (none by default: replies go out as text alone). */
  readonly charts?: ChartRenderer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DiscordHarness {
  private constructor(
    readonly app: TestApp,
    readonly discord: FakeDiscord,
    readonly adapter: DiscordAdapter,
    readonly guild: FakeGuild,
    readonly channel: FakeChannel,
    readonly owner: FakeUser,
    readonly admin: FakeUser,
    readonly member: FakeUser,
    private readonly ownsApp: boolean,
    private readonly ownsDiscord: boolean,
  ) {}

  static makeApp(
    openai: FakeOpenAI | undefined,
    adminUserIds: readonly string[] = [],
    config: Partial<AppConfig> = {},
    charts?: ChartRenderer,
  ): Promise<TestApp> {
    return makeTestApp({
      config: testConfig({}, { ...config, adminUserIds }),
      ...(charts ? { charts } : {}),
      ...(openai ? { model: new OpenAIChatModel({ baseUrl: openai.baseUrl, timeoutMs: 20_000, maxRetries: 0, logger: silentLogger }) } : {}),
    });
  }

  static async start(options: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
    const discord = options.discord ?? (await FakeDiscord.start());
    const owner = discord.addUser('olga');
    const admin = discord.addUser('alice');
    const member = discord.addUser('bob');
    const { guild, channel } = discord.guilds.size ? existing(discord) : discord.addGuild('Test guild', owner);
    discord.makeAdmin(guild, admin);
    const app = options.app ?? (await DiscordHarness.makeApp(options.openai, options.adminUserIds, options.config, options.charts));
    const adapter = await DiscordAdapter.start({
      app,
      token: discord.token,
      applicationId: discord.applicationId,
      apiUrl: discord.apiUrl,
      registerOnStart: true,
      logger: options.logger ?? silentLogger,
      editIntervalMs: options.editIntervalMs ?? 1000,
      rest: { retries: 0 },
      ...(options.now ? { now: options.now } : {}),
    });
    return new DiscordHarness(app, discord, adapter, guild, channel, owner, admin, member, !options.app, !options.discord);
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.adapter.stop();
    if (this.ownsApp) await this.app.dispose();
    if (this.ownsDiscord) await this.discord.close();
  }

  /** The sequence number the client has seen on its shard. */
  private clientSequence(): number {
    const shards = (this.adapter.client.ws as unknown as { shards: Map<number, { sessionInfo?: { sequence: number } | null }> }).shards;
    return shards.get(0)?.sessionInfo?.sequence ?? 0;
  }

  /** Waits until the client has received everything the fake dispatched and handled all of it. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      const target = this.discord.sequence();
      const requests = this.discord.requests.length;
      while (this.clientSequence() < target) await sleep(5);
      await sleep(5);
      await this.adapter.idle();
      quiet = this.discord.sequence() === target && this.discord.requests.length === requests ? quiet + 1 : 0;
    }
  }

  /** A slash command; resolves once it is fully answered. */
  async slash(
    user: FakeUser,
    name: string,
    subcommand: string | undefined,
    options: Readonly<Record<string, OptionInput>> = {},
    channel = this.channel,
  ): Promise<InteractionRecord> {
    const record = this.discord.slashCommand(user, channel, name, subcommand, options);
    await this.settle();
    return record;
  }
}

function existing(discord: FakeDiscord): { guild: FakeGuild; channel: FakeChannel } {
  const guild = [...discord.guilds.values()][0]!;
  const channel = [...discord.channels.values()].find((c) => c.guild_id === guild.id && c.type === 0)!;
  return { guild, channel };
}

/** What the caller was told by an interaction: the first response's text, its edit, the follow-ups. */
export function told(record: InteractionRecord): string {
  const first = record.edits.at(-1)?.['content'] ?? (record.callbacks[0]?.['data'] as Record<string, unknown> | undefined)?.['content'];
  return [first, ...record.followups.map((f) => f['content'])].filter((t) => typeof t === 'string' && t !== '').join('\n');
}

/** True when every answer to the caller was ephemeral. */
export function allEphemeral(record: InteractionRecord): boolean {
  const flags = [(record.callbacks[0]?.['data'] as Record<string, unknown> | undefined)?.['flags'], ...record.followups.map((f) => f['flags'])];
  return flags.every((f) => (Number(f ?? 0) & 64) !== 0);
}

/**
 * The usual set-up of a Discord test file: one fake OpenAI for the file, a fresh harness per test,
 * and after each test a check that neither fake saw a request its vendor's spec would refuse.
 */
export function useDiscordHarness(options: Omit<DiscordHarnessOptions, 'openai'> = {}): { readonly h: DiscordHarness; readonly openai: FakeOpenAI } {
  let openai: FakeOpenAI | undefined;
  let harness: DiscordHarness | undefined;
  beforeAll(async () => {
    openai = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await openai?.close();
  });
  beforeEach(async () => {
    openai!.reset();
    harness = await DiscordHarness.start({ ...options, openai: openai! });
  });
  afterEach(async () => {
    await harness!.settle();
    harness!.discord.assertNoViolations();
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
  };
}
