/**
 * The Discord bot: a discord.js (v14) gateway client with the intents of SPEC §7, REST pointed at
 * DISCORD_API_URL (`rest.api`; the gateway URL comes from `GET /gateway/bot`, so both reach a fake
 * in tests). Platform in (messages, interactions) → the core → platform out; no decision,
 * de-duplication or usage logic lives here.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Options, Partials, RESTEvents, Routes, type APIMessage, type Message, type RESTOptions } from 'discord.js';
import type { App } from '../../app';
import type { Replier } from '../../core/conversation/pipeline';
import type { Logger } from '../../core/ports';
import { applicationCommands } from './commands';
import { discordAttachments, FILE_DOWNLOAD_TIMEOUT_MS, type FileDownloadOptions } from './files';
import { ConversationHistory, SeenMessages, type MessageSource, type SeenMessage } from './history';
import { toInboundMessage, type MessageFacts } from './inbound';
import { DiscordFeedback } from './feedback';
import { discordScope } from './inbound';
import { DiscordInteractions } from './interactions';
import { DiscordPermissions } from './permissions';
import { ChannelLimiter, deliverReply, DISCORD_PART_LIMIT, NO_PINGS, PLACEHOLDER, type ChannelBucket, type DiscordWriter } from './reply';
import { splitMessage } from '../shared/split-message';

/** SPEC §7. Message Content is privileged: without it the bot still hears mentions, replies and DMs. */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.GuildMessageReactions,
] as const;

export const MESSAGE_CONTENT_HELP =
  'Discord refused the Message Content intent: enable it under Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent. ' +
  'Until then the bot answers mentions, replies to it and DMs only; channels with trigger always need the intent.';

/** Start-up could not connect, for a reason the operator can fix; the message says how. */
export class DiscordStartError extends Error {
  override readonly name = 'DiscordStartError';
}

export interface DiscordAdapterOptions {
  readonly app: App;
  readonly token: string;
  readonly applicationId: string;
  /** REST base without the version (DISCORD_API_URL). */
  readonly apiUrl?: string;
  /** DISCORD_REGISTER_ON_START: register the commands in every guild once connected. */
  readonly registerOnStart?: boolean;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly channelBucket?: ChannelBucket;
  /** @discordjs/rest options beyond the base URL (the benchmark raises the global request rate). */
  readonly rest?: Partial<RESTOptions>;
  readonly fileDownloadTimeoutMs?: number;
  /** The clock interaction tokens' 15 minutes are read on (tests move it); default Date.now. */
  readonly now?: () => number;
}

/** A discord.js message → what the core needs to know about it. */
function messageFacts(message: Message, botId: string): MessageFacts {
  const channel = message.channel;
  const parent = channel.isThread() ? (channel.parentId ?? undefined) : undefined;
  return {
    id: message.id,
    channelId: message.channelId,
    guildId: message.guildId,
    ...(parent ? { threadParentId: parent } : {}),
    isDirect: channel.isDMBased(),
    authorId: message.author.id,
    authorName: message.author.username,
    authorIsBot: message.author.bot || message.webhookId !== null,
    content: message.content,
    ...(message.reference?.messageId ? { referenceId: message.reference.messageId } : {}),
    mentionsBot: message.mentions.users.has(botId),
    repliesToBot: message.mentions.repliedUser?.id === botId,
  };
}

function seenOf(facts: Pick<MessageFacts, 'id' | 'channelId' | 'authorId' | 'authorIsBot' | 'content' | 'referenceId'>): SeenMessage {
  return {
    id: facts.id,
    channelId: facts.channelId,
    authorId: facts.authorId,
    otherBot: facts.authorIsBot,
    content: facts.content,
    ...(facts.referenceId ? { referenceId: facts.referenceId } : {}),
  };
}

function seenOfApi(message: APIMessage): SeenMessage {
  return {
    id: message.id,
    channelId: message.channel_id,
    authorId: message.author.id,
    otherBot: Boolean(message.author.bot) || message.webhook_id !== undefined,
    content: message.content,
    ...(message.message_reference?.message_id ? { referenceId: message.message_reference.message_id } : {}),
  };
}

export class DiscordAdapter {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly seen = new SeenMessages();
  private readonly limiter: ChannelLimiter;
  private stopping = false;

  private constructor(
    readonly client: Client<true>,
    private readonly options: DiscordAdapterOptions,
    /** False when Discord refused the Message Content intent. */
    readonly messageContent: boolean,
  ) {
    // Discord's channel bucket is the whole bot's: on a shared store every process counts into it.
    const slots = options.app.writeSlots;
    this.limiter = new ChannelLimiter(
      options.channelBucket,
      undefined,
      undefined,
      slots ? (channelId, bucket) => slots.take(`discord:${channelId}`, bucket.limit, bucket.windowMs) : undefined,
    );
  }

  /**
   * Connects (READY and every GUILD_CREATE received), registers the handlers, and registers the
   * commands per guild when asked. Fails with a `DiscordStartError` saying what to fix when the
   * token is refused; a refused Message Content intent is retried without it, with a warning.
   */
  static async start(options: DiscordAdapterOptions): Promise<DiscordAdapter> {
    const log = options.logger.child({ platform: 'discord' });
    let client: Client<true>;
    let messageContent = true;
    try {
      client = await DiscordAdapter.connect(options, DISCORD_INTENTS);
    } catch (err) {
      if (!/disallowed intents/i.test(String((err as Error).message))) throw DiscordAdapter.startError(err);
      log.warn({}, MESSAGE_CONTENT_HELP);
      messageContent = false;
      client = await DiscordAdapter.connect(
        options,
        DISCORD_INTENTS.filter((i) => i !== GatewayIntentBits.MessageContent),
      ).catch((again: unknown) => {
        throw DiscordAdapter.startError(again);
      });
    }
    const adapter = new DiscordAdapter(client, options, messageContent);
    adapter.register();
    if (options.registerOnStart) await adapter.registerInGuilds();
    log.info({ bot: client.user.id, guilds: client.guilds.cache.size, messageContent }, 'Discord connected');
    return adapter;
  }

  private static async connect(options: DiscordAdapterOptions, intents: readonly GatewayIntentBits[]): Promise<Client<true>> {
    const client = new Client({
      intents: [...intents],
      // DM channels are not cached before their first message: without this, DMs are dropped.
      // Messages are not cached at all (below), so a reaction names a partial message (and user).
      partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
      allowedMentions: { parse: [], repliedUser: false },
      rest: { ...(options.apiUrl ? { api: options.apiUrl } : {}), ...options.rest },
      // The adapter keeps the messages it needs itself (history.ts).
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    });
    const ready = once(client, Events.ClientReady);
    try {
      await client.login(options.token);
      await ready;
    } catch (err) {
      await client.destroy().catch(() => undefined);
      throw err;
    }
    return client as Client<true>;
  }

  private static startError(err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    if (/authentication failed|invalid token|TokenInvalid|401/i.test(message) || (err as { code?: string }).code === 'TokenInvalid') {
      return new DiscordStartError('Discord refused DISCORD_TOKEN: copy the bot token from Developer Portal → your application → Bot → Reset Token.');
    }
    return err instanceof Error ? err : new Error(message);
  }

  /** PUT the command definitions for every guild the bot is in (DISCORD_REGISTER_ON_START). */
  async registerInGuilds(): Promise<void> {
    const body = applicationCommands();
    for (const guildId of this.client.guilds.cache.keys()) {
      await this.client.rest.put(Routes.applicationGuildCommands(this.options.applicationId, guildId), { body });
    }
  }

  /** Stops taking new messages, waits for answers in flight, then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
    await this.client.destroy();
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private track(work: Promise<unknown>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
  }

  private register(): void {
    const { app, logger } = this.options;
    const log = logger.child({ platform: 'discord' });
    const botId = this.client.user.id;
    const permissions = new DiscordPermissions(this.client, log);
    const commands = app.commands(permissions);
    const pipeline = app.messages(commands);
    const rest = this.client.rest;
    const writer: DiscordWriter = {
      post: async (channelId, content, replyTo, components, files) => {
        const body = {
          content,
          allowed_mentions: NO_PINGS,
          ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
          ...(components ? { components } : {}),
          ...(files?.length
            ? { attachments: files.map((f, id) => ({ id: String(id), filename: f.name, ...(f.description ? { description: f.description } : {}) })) }
            : {}),
        };
        const upload = files?.length ? { files: files.map((f) => ({ name: f.name, data: Buffer.from(f.data) })) } : {};
        const created = (await rest.post(Routes.channelMessages(channelId), { body, ...upload })) as APIMessage;
        return created.id;
      },
      edit: async (channelId, messageId, content, components) => {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body: { content, allowed_mentions: NO_PINGS, ...(components ? { components } : {}) } });
      },
      typing: async (channelId) => {
        await rest.post(Routes.channelTyping(channelId));
      },
    };
    // Background posts (fine-tuning progress, shutdown warnings): a plain channel message, pinging no one.
    app.posters.register('discord', {
      post: async (scope, text) => {
        for (const part of splitMessage(text, DISCORD_PART_LIMIT)) await this.limiter.run(scope.channel, () => writer.post(scope.channel, part));
      },
    });
    // A 429 pauses that channel's writes for as long as Discord said (the REST client retries the request itself).
    rest.on(RESTEvents.RateLimited, (info) => {
      if (info.majorParameter && info.route.includes('/channels/')) this.limiter.pause(info.majorParameter, info.retryAfter);
    });
    const source: MessageSource = {
      fetch: async (channelId, id) => seenOfApi((await rest.get(Routes.channelMessage(channelId, id))) as APIMessage),
      fetchBefore: async (channelId, beforeId, limit) =>
        ((await rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ before: beforeId, limit: String(limit) }) })) as APIMessage[]).map(
          seenOfApi,
        ),
    };
    const history = new ConversationHistory(this.seen, source, { botId, placeholder: PLACEHOLDER });
    const files: FileDownloadOptions = {
      maxBytes: app.config.knowledge.fileBytes,
      timeoutMs: this.options.fileDownloadTimeoutMs ?? FILE_DOWNLOAD_TIMEOUT_MS,
      // A proxy (or the tests' fake) named by DISCORD_API_URL may serve the files too.
      ...(this.options.apiUrl ? { extraHosts: [new URL(this.options.apiUrl).hostname] } : {}),
    };
    const feedback = new DiscordFeedback({ feedback: app.feedback, permissions: app.admins(permissions), logger: log });
    const interactions = new DiscordInteractions({
      feedback,
      app,
      commands,
      permissions,
      writer,
      limiter: this.limiter,
      history,
      botId,
      files,
      limits: app.config.limits,
      logger: log,
      editIntervalMs: this.options.editIntervalMs,
      now: this.options.now ?? Date.now,
    });
    const onWritten = (channelId: string, messageId: string, content: string, replyTo: string) => {
      this.seen.see({ id: messageId, channelId, authorId: botId, otherBot: false, content, referenceId: replyTo });
      this.seen.update(channelId, messageId, content);
    };

    this.client.on(Events.MessageCreate, (message) => {
      // A stopping process (SPEC §5) takes no new messages; interactions still get their short answers.
      if (this.stopping || app.inFlight.draining) return;
      const facts = messageFacts(message, botId);
      this.seen.see(seenOf(facts));
      const inbound = toInboundMessage(facts, {
        botId,
        loadHistory: () =>
          facts.threadParentId !== undefined
            ? history.thread(facts.channelId, facts.id)
            : facts.referenceId
              ? history.replyChain(facts.channelId, facts.referenceId)
              : Promise.resolve([]),
        attachments: discordAttachments(
          [...message.attachments.values()].map((a) => ({ name: a.name, url: a.url, size: a.size, contentType: a.contentType })),
          files,
        ),
      });
      const replier: Replier = {
        answer: async (events) => {
          const delivered = await deliverReply(events, facts.channelId, facts.id, {
            writer,
            limiter: this.limiter,
            logger: log,
            editIntervalMs: this.options.editIntervalMs,
            onWritten,
          });
          const answerId = delivered.reply?.answerId;
          if (!answerId) return;
          // Each message of the answer names it, so a ⭐ on any of them can be traced back.
          await Promise.all(delivered.messages.map((id) => app.feedback.linkMessage(inbound.scope, id, answerId))).catch((err: unknown) => {
            log.warn({ err }, 'could not link the answer messages for reactions');
          });
        },
        // Discord has no "only you can see this" for messages: the result is a reply to the sender's message.
        tellSender: async (reply) => {
          for (const part of splitMessage(reply.text, DISCORD_PART_LIMIT)) {
            await this.limiter
              .run(facts.channelId, () => writer.post(facts.channelId, part, facts.id))
              .catch((err: unknown) => {
                log.warn({ err }, 'could not tell the user the result of their command');
              });
          }
        },
      };
      this.track(pipeline.handle(inbound, replier));
    });

    this.client.on(Events.InteractionCreate, (interaction) => {
      if (this.stopping) return;
      this.track(interactions.handle(interaction));
    });

    this.client.on(Events.MessageReactionAdd, (reaction, user) => {
      if (this.stopping || user.id === botId) return;
      const message = reaction.message;
      const channel = message.channel;
      const parent = channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
      const scope = discordScope(message.guildId, message.channelId, parent);
      const who = { id: user.id, ...(user.username ? { name: user.username } : {}) };
      this.track(
        feedback.reaction(scope, message.id, who, reaction.emoji.name).catch((err: unknown) => {
          log.error({ err }, 'reaction handling failed');
        }),
      );
    });

    this.client.on(Events.ShardDisconnect, (event, shard) => log.warn({ code: event.code, shard }, 'Discord gateway disconnected and will not reconnect'));
    this.client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'Discord gateway resumed'));
    this.client.on(Events.Error, (err) => log.error({ err }, 'Discord client error'));
  }
}
