/**
 * The Slack app: a Bolt App over HTTP (`POST /slack/events`, signatures and timestamps verified by
 * Bolt's HTTPReceiver, /healthz and /metrics as custom routes) or over Socket Mode, with every
 * listener the product needs. Platform in (events, commands, interactions) → the core → platform out.
 */
import type { Server } from 'node:http';
import { App as BoltApp, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Receiver } from '@slack/bolt';
import type { App } from '../../app';
import type { InFlightAnswers } from '../../core/conversation/in-flight';
import type { Logger } from '../../core/ports';
import type { UserRef } from '../../core/types';
import { closeServer, serveRoutes } from '../../http/serve';
import type { HttpRoute } from '../../http/endpoints';
import { buildHomeView, summariseChannels } from './app-home';
import { boltLogger } from './bolt-logger';
import { FEEDBACK_ACTION, REASON_MODAL, SlackFeedback } from './feedback';
import { FILE_DOWNLOAD_TIMEOUT_MS, type FileDownloadOptions } from './files';
import { slackScope, type BotIdentity, type SlackMessageEvent } from './inbound';
import { Interactions } from './interactions';
import { MessageHandler } from './message-handler';
import { EVAL_MODAL, FEWSHOT_MODAL, PERSONA_MODAL, type SubmittedView } from './modals';
import { SlackPermissions } from './permissions';
import { EVAL_SHORTCUT, FEWSHOT_SHORTCUT, KB_FILES_SHORTCUT } from './shortcuts';
import { markdownMessages } from './slack-text';

/** Events the code subscribes to; the manifest must list them (checked by a test). */
export const SLACK_EVENTS = ['app_mention', 'message', 'app_home_opened', 'reaction_added'] as const;
export const EVENTS_PATH = '/slack/events';

export interface SlackAdapterOptions {
  readonly app: App;
  readonly botToken: string;
  /** HTTP mode (Events API + slash commands + interactivity at POST /slack/events). */
  readonly signingSecret?: string;
  /** Socket Mode instead of HTTP. */
  readonly appToken?: string;
  /** Web API base URL, ending with '/' (SLACK_API_URL). */
  readonly apiUrl?: string;
  readonly port: number;
  readonly customRoutes?: readonly HttpRoute[];
  readonly logger: Logger;
  readonly editIntervalMs: number;
  /** Answers complete this soon are posted whole instead of streamed (default 0: always stream). */
  readonly shortAnswerMs?: number;
  readonly nativeStreaming?: boolean;
  /** Web API retries (tests: none, so a refused call shows at once). */
  readonly retryConfig?: webApi.RetryOptions;
  /** How long one message file may take to download for /kb add (default 60 s). */
  readonly fileDownloadTimeoutMs?: number;
}

export class SlackAdapter {
  private server: Server | undefined;
  /** Health and metrics in Socket Mode (HTTP mode serves them on Bolt's receiver). */
  private routesServer: Server | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private boltStopped: Promise<void> | undefined;

  private constructor(
    readonly bolt: BoltApp,
    readonly client: webApi.WebClient,
    readonly identity: BotIdentity & { readonly team?: string },
    private readonly options: SlackAdapterOptions,
  ) {}

  /** Checks the token (auth.test) and builds the Bolt app with every listener; call `start()` next. */
  static async create(options: SlackAdapterOptions): Promise<SlackAdapter> {
    if (!options.appToken && !options.signingSecret) throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)');
    const logger = boltLogger(options.logger.child({ platform: 'slack' }), LogLevel.INFO);
    const clientOptions: webApi.WebClientOptions = {
      logger,
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    };
    const client = new webApi.WebClient(options.botToken, clientOptions);
    const auth = await client.auth.test();
    if (!auth.user_id) throw new Error('Slack auth.test did not name the bot user; check SLACK_BOT_TOKEN');
    const identity = { userId: auth.user_id, ...(auth.bot_id ? { botId: auth.bot_id } : {}), ...(auth.team_id ? { team: auth.team_id } : {}) };

    const customRoutes = (options.customRoutes ?? []).map((route) => ({ ...route, method: [...route.method] }));
    // In Socket Mode the health routes get a server of our own (see start()): Bolt's would crash
    // the process on a taken port.
    const receiver: Receiver = options.appToken
      ? new SocketModeReceiver({ appToken: options.appToken, logger, installerOptions: { clientOptions } })
      : new HTTPReceiver({
          signingSecret: options.signingSecret ?? '',
          endpoints: EVENTS_PATH,
          customRoutes,
          logger,
          // Events are acknowledged before the listeners run; the model never delays the 200.
          processBeforeResponse: false,
        });
    if (receiver instanceof HTTPReceiver) refuseWhileDraining(receiver, options.app.inFlight);
    const bolt = new BoltApp({
      token: options.botToken,
      // Known from auth.test above: Bolt need not call it again.
      botUserId: identity.userId,
      ...(identity.botId ? { botId: identity.botId } : {}),
      receiver,
      ...(options.appToken ? { socketMode: true } : {}),
      clientOptions,
      logger,
      convoStore: false,
    });
    const adapter = new SlackAdapter(bolt, client, identity, options);
    adapter.register();
    return adapter;
  }

  /** Starts listening; resolves with the HTTP port (HTTP mode) once ready. */
  async start(): Promise<{ port?: number }> {
    // Background posts (fine-tuning progress, shutdown warnings) as the bot's usual Markdown messages.
    this.options.app.posters.register('slack', {
      post: async (scope, text) => {
        for (const part of markdownMessages(text)) await this.client.chat.postMessage({ channel: scope.channel, ...part });
      },
    });
    if (this.options.appToken) {
      if (this.options.customRoutes?.length) this.routesServer = await serveRoutes(this.options.customRoutes, this.options.port);
      await this.bolt.start();
      const address = this.routesServer?.address();
      return typeof address === 'object' && address ? { port: address.port } : {};
    }
    this.server = (await this.bolt.start(this.options.port)) as Server;
    const address = this.server.address();
    return typeof address === 'object' && address ? { port: address.port } : {};
  }

  /**
   * Takes no new work from here on, for a process about to stop (SPEC §5): over HTTP the receiver
   * answers new requests 503 (see `refuseWhileDraining`) while /healthz keeps answering; in Socket
   * Mode the socket closes, so Slack sends the events to the app's other connections.
   */
  async stopTakingWork(): Promise<void> {
    if (this.options.appToken) await this.stopBolt();
  }

  /** Stops taking requests, then waits for answers already under way. */
  async stop(): Promise<void> {
    await this.stopBolt();
    if (this.routesServer) await closeServer(this.routesServer);
    this.routesServer = undefined;
    await Promise.allSettled([...this.inflight]);
  }

  private stopBolt(): Promise<void> {
    this.boltStopped ??= this.bolt.stop().then(() => undefined);
    return this.boltStopped;
  }

  /** Work that outlives Slack's acknowledgement is tracked so `stop()` can let it finish. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  /** Resolves once every request received so far has been fully handled (answers sent). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private register(): void {
    const { app, logger } = this.options;
    const log = logger.child({ platform: 'slack' });
    const permissions = app.admins(new SlackPermissions(this.client, log));
    const commands = app.commands(permissions);
    const files: FileDownloadOptions = {
      botToken: this.options.botToken,
      maxBytes: app.config.knowledge.fileBytes,
      timeoutMs: this.options.fileDownloadTimeoutMs ?? FILE_DOWNLOAD_TIMEOUT_MS,
      // A proxy (or the tests' fake) named by SLACK_API_URL may serve the files too.
      ...(this.options.apiUrl ? { extraHosts: [new URL(this.options.apiUrl).hostname] } : {}),
    };
    const messages = new MessageHandler({
      pipeline: app.messages(commands),
      logger: log,
      editIntervalMs: this.options.editIntervalMs,
      shortAnswerMs: this.options.shortAnswerMs ?? 0,
      nativeStreaming: this.options.nativeStreaming ?? true,
      files,
      feedback: app.feedback,
    });
    const feedback = new SlackFeedback({ feedback: app.feedback, permissions, logger: log });
    const interactions = new Interactions({
      commands,
      logger: log,
      limits: app.config.limits,
      files,
    });
    const bot = this.identity;

    // Everything a request sets off, from here on, counts as in flight (for `stop()` and `idle()`).
    this.bolt.use(async ({ next }) => {
      await this.track(next());
    });

    // Redeliveries (x-slack-retry-num) need nothing here: chat messages are claimed once by the
    // core's pipeline, and the other events (App Home) only republish what is already true.

    // The pipeline catches and logs its own failures: a message never takes a listener down.
    const onMessage = (event: SlackMessageEvent, team: string | undefined, client: webApi.WebClient) =>
      messages.handle(event, team ?? bot.team ?? '', bot, client);
    this.bolt.event('app_mention', async ({ event, body, client }) => onMessage(event as SlackMessageEvent, body.team_id, client));
    this.bolt.event('message', async ({ event, body, client }) => onMessage(event as SlackMessageEvent, body.team_id, client));

    this.bolt.event('app_home_opened', async ({ event, body, client }) => {
      if (event.tab !== 'home') return;
      const team = body.team_id ?? bot.team ?? '';
      try {
        const admin = await permissions.isAdmin({ id: event.user }, slackScope(team, event.channel));
        const view = buildHomeView(admin ? await summariseChannels(app, team) : undefined);
        await client.views.publish({ user_id: event.user, view });
      } catch (err) {
        log.error({ err }, 'could not publish App Home');
      }
    });

    this.bolt.command(/^\/[a-z]+$/, async ({ ack, body, respond, client }) => {
      await ack(); // within Slack's 3 s, before anything slow
      try {
        await interactions.slashCommand(body, respond, client);
      } catch (err) {
        log.error({ err, command: body.command }, 'command failed');
        await respond({ response_type: 'ephemeral', text: 'Something went wrong running that command; nothing was changed.' }).catch(() => undefined);
      }
    });

    /** A modal's submission: Slack closes it on the `ack()`, then `submit` runs. */
    const onSubmit = (callbackId: string, submit: (view: SubmittedView, user: UserRef, client: webApi.WebClient) => Promise<void>) => {
      this.bolt.view(callbackId, async ({ ack, view, body, client }) => {
        await ack();
        const user = { id: body.user.id, ...(body.user.name ? { name: body.user.name } : {}) };
        try {
          await submit(view, user, client);
        } catch (err) {
          log.error({ err, callbackId }, 'form submission failed');
        }
      });
    };
    for (const callbackId of [PERSONA_MODAL, FEWSHOT_MODAL, EVAL_MODAL])
      onSubmit(callbackId, (view, user, client) => interactions.viewSubmission(view, user, client));
    onSubmit(REASON_MODAL, (view, user, client) => feedback.reason(view, user, client));

    // 👍 / 👎 on an answer: acknowledged at once (Slack's 3 s), then recorded.
    this.bolt.action({ type: 'block_actions', action_id: FEEDBACK_ACTION }, async ({ ack, body, action, client }) => {
      await ack();
      const channel = body.channel?.id ?? body.container?.channel_id;
      const team = body.team?.id ?? body.user.team_id ?? bot.team ?? '';
      if (typeof channel !== 'string') return;
      const name = body.user.username ?? body.user.name;
      try {
        await feedback.click(
          {
            team,
            channel,
            user: { id: body.user.id, ...(name ? { name } : {}) },
            value: 'value' in action ? action.value : undefined,
            triggerId: body.trigger_id,
          },
          client,
        );
      } catch (err) {
        log.error({ err }, 'feedback click failed');
      }
    });

    this.bolt.event('reaction_added', async ({ event, body, client }) => {
      try {
        await feedback.reaction(event, body.team_id ?? bot.team ?? '', client);
      } catch (err) {
        log.error({ err }, 'reaction handling failed');
      }
    });

    this.bolt.shortcut({ callback_id: FEWSHOT_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, respond, client }) => {
      await ack();
      try {
        await interactions.fewshotShortcut(shortcut, bot, respond, client);
      } catch (err) {
        log.error({ err }, 'few-shot shortcut failed');
      }
    });

    this.bolt.shortcut({ callback_id: EVAL_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, respond }) => {
      await ack();
      try {
        await interactions.evalShortcut(shortcut, bot, respond);
      } catch (err) {
        log.error({ err }, 'evaluation case shortcut failed');
        await respond({ response_type: 'ephemeral', text: 'Something went wrong adding that case; nothing was changed.' }).catch(() => undefined);
      }
    });

    this.bolt.shortcut({ callback_id: KB_FILES_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, respond, client }) => {
      await ack(); // downloads and indexing take longer than Slack's 3 s
      try {
        await interactions.kbFilesShortcut(shortcut, respond, client);
      } catch (err) {
        log.error({ err }, 'knowledge base shortcut failed');
        await respond({ response_type: 'ephemeral', text: 'Something went wrong adding those files; nothing more was changed.' }).catch(() => undefined);
      }
    });

    this.bolt.error(async (err) => {
      log.error({ err, code: (err as { code?: string }).code }, 'Slack listener error');
    });
  }
}

/**
 * While the process drains, Slack's requests get 503 (events, commands, interactions): Slack retries
 * events, and behind a load balancer the retry lands on another instance. /healthz and /metrics
 * still answer (503 and the figures), so the balancer sees the process leave.
 */
function refuseWhileDraining(receiver: HTTPReceiver, inFlight: InFlightAnswers): void {
  const serve = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    if (inFlight.draining && req.method === 'POST' && new URL(req.url ?? '/', 'http://localhost').pathname === EVENTS_PATH) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1', connection: 'close' });
      res.end('This instance is shutting down; try another.\n');
      return;
    }
    serve(req, res);
  };
}
