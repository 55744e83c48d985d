/**
 * Start-up: load config once, build the store, model and knowledge index, start every platform
 * whose credentials are present (the local console when none are), and shut down cleanly.
 */
import { config as loadDotenv } from 'dotenv';
import { buildApp, createUsageLog, type App } from './app';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { ConsoleAdapter, consolePermissions } from './adapters/console/console-adapter';
import { DiscordAdapter, DiscordStartError } from './adapters/discord/discord-adapter';
import { runShards } from './adapters/discord/sharding';
import { SlackAdapter } from './adapters/slack/slack-adapter';
import { closeServer, serveRoutes } from './http/serve';
import { healthRoutes, type ModelProbe } from './http/endpoints';
import { OpenAIModelProbe } from './providers/openai/model-probe';
import { Metrics } from './http/metrics';
import type { ChatModel, Logger } from './core/ports';
import { systemClock } from './core/ports';
import { createKnowledge, knowledgeIndexLocation } from './providers/knowledge/create-knowledge';
import { OpenAIEmbedder } from './providers/openai/embedder';
import { createLogger } from './providers/logger';
import { OpenAIChatModel } from './providers/openai/chat-model';
import { createChangeFeed, createStore } from './providers/store/create-store';
import { TiktokenTokenizer } from './providers/tokenizer';
import { VegaChartRenderer } from './providers/charts/usage-chart';
import { OpenAIModelCatalog } from './providers/openai/model-catalog';
import { embeddingUsageSink } from './core/usage/embedding-usage';
import { OpenAIFineTuner } from './providers/finetune/openai-finetuner';
import { TOGETHER_DEFAULT_BASE_URL, TogetherFineTuner } from './providers/finetune/together-finetuner';
import type { FineTuner } from './core/ports';
import { drainAndStop, stopSignal, type StoppablePart } from './shutdown';

/**
 * The fine-tuning provider (FINETUNE_*), and the model serving the `finetune` route when fine-tuned
 * models live elsewhere than the chat model: with FINETUNE_BASE_URL (or Together, whose models only
 * Together serves) the route calls that provider's chat completions.
 */
function createFinetuning(config: AppConfig, logger: Logger): { finetuner?: FineTuner; finetuneModel?: ChatModel } {
  const ft = config.finetuneProvider;
  const common = { timeoutMs: config.models.timeoutMs, maxRetries: config.models.maxRetries, logger: logger.child({ component: 'finetune' }) };
  const baseUrl = ft.baseUrl ?? (ft.kind === 'together' ? TOGETHER_DEFAULT_BASE_URL : undefined);
  if (ft.kind === 'openai' && !config.openai && !ft.separate) return {}; // offline: nowhere to fine-tune
  const finetuner: FineTuner =
    ft.kind === 'together'
      ? new TogetherFineTuner({ baseUrl: baseUrl ?? TOGETHER_DEFAULT_BASE_URL, ...(ft.apiKey ? { apiKey: ft.apiKey } : {}), timeoutMs: common.timeoutMs })
      : new OpenAIFineTuner({ ...common, ...(ft.apiKey ? { apiKey: ft.apiKey } : {}), ...(baseUrl ? { baseUrl } : {}) });
  const separate = ft.separate || ft.kind === 'together';
  const finetuneModel = separate
    ? new OpenAIChatModel({
        ...common,
        ...(ft.apiKey ? { apiKey: ft.apiKey } : {}),
        ...(baseUrl ? { baseUrl } : {}),
        promptCacheKey: config.models.promptCacheKey,
      })
    : undefined;
  return { finetuner, ...(finetuneModel ? { finetuneModel } : {}) };
}

function createModel(config: AppConfig, logger: Logger): ChatModel | undefined {
  if (!config.openai) return undefined;
  return new OpenAIChatModel({
    ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
    ...(config.openai.baseUrl ? { baseUrl: config.openai.baseUrl } : {}),
    timeoutMs: config.models.timeoutMs,
    maxRetries: config.models.maxRetries,
    promptCacheKey: config.models.promptCacheKey,
    logger,
  });
}

/**
 * Every platform whose credentials are present (Slack and Discord together too) until SIGINT or
 * SIGTERM, then one drained shutdown of all of them (see shutdown.ts). /healthz and /metrics are on PORT: served by Slack's
 * receiver (HTTP) or its own server (Socket Mode), or by a server of their own for Discord alone.
 * A Discord shard (started by the ShardingManager) runs Discord only; its manager serves HTTP.
 */
async function runPlatforms(config: AppConfig, app: App, metrics: Metrics, logger: Logger, modelProbe?: ModelProbe): Promise<number> {
  // Listening from the start: a signal during start-up must not kill the process mid-way.
  const stopping = stopSignal(logger);
  const parts: StoppablePart[] = [];
  const stopAll = async () => {
    for (const part of parts.reverse()) await part.stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  };
  const routes = healthRoutes(app, metrics, modelProbe);
  const shardChild = config.discord?.shardChild === true;
  try {
    const slack = config.slack;
    if (slack && !shardChild) {
      const adapter = await SlackAdapter.create({
        app,
        botToken: slack.botToken,
        ...(slack.appToken ? { appToken: slack.appToken } : { signingSecret: slack.signingSecret ?? '' }),
        ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
        port: config.port,
        customRoutes: routes,
        logger,
        editIntervalMs: config.streaming.editIntervalMs,
        shortAnswerMs: config.streaming.shortAnswerMs,
      });
      await adapter.start();
      parts.push({ name: 'slack', stopTakingWork: () => adapter.stopTakingWork(), idle: () => adapter.idle(), stop: () => adapter.stop() });
      logger.info({ mode: slack.appToken ? 'socket' : 'http', port: config.port, bot: adapter.identity.userId }, 'Slack connected');
    }
    const discord = config.discord;
    if (discord) {
      if (!slack && !shardChild) {
        const server = await serveRoutes(routes, config.port);
        parts.push({ name: 'http', idle: async () => undefined, stop: () => closeServer(server) });
      }
      if (discord.shards !== undefined && !shardChild) {
        const shards = await runShards({
          token: discord.token,
          shards: discord.shards,
          ...(discord.apiUrl ? { apiUrl: discord.apiUrl } : {}),
          script: __filename,
          logger,
        });
        parts.push({ name: 'discord-shards', idle: async () => undefined, stop: () => shards.stop() });
      } else {
        const adapter = await DiscordAdapter.start({
          app,
          token: discord.token,
          applicationId: discord.applicationId,
          ...(discord.apiUrl ? { apiUrl: discord.apiUrl } : {}),
          registerOnStart: discord.registerOnStart,
          logger,
          editIntervalMs: config.streaming.editIntervalMs,
        });
        parts.push({ name: 'discord', idle: () => adapter.idle(), stop: () => adapter.stop() });
      }
    }
    // Once the adapters can post: jobs persisted before a restart are picked up again here.
    app.background.start();
  } catch (err) {
    await stopAll();
    if (err instanceof DiscordStartError) {
      process.stderr.write(`channelwise: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  await stopping;
  await drainAndStop(app, parts, config.shutdown.drainMs, logger);
  return 0;
}

async function main(): Promise<number> {
  loadDotenv({ quiet: true });
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`channelwise: configuration error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const platforms = [config.slack ? 'slack' : '', config.discord ? 'discord' : ''].filter(Boolean);
  // The console shares the terminal with the logs: only warnings and errors there unless asked.
  const logger = createLogger(platforms.length === 0 && !config.logLevelExplicit ? 'warn' : config.logLevel);

  const store = await createStore(config.store, logger, { operationTimeoutMs: config.storage.operationTimeoutMs });
  const changes = createChangeFeed(config.store, logger);
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  // Built before the knowledge index, whose embedder reports its usage into it.
  const usage = createUsageLog(config, store);
  const charts = new VegaChartRenderer(logger);
  const openaiClient = config.openai && {
    ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
    ...(config.openai.baseUrl ? { baseUrl: config.openai.baseUrl } : {}),
    timeoutMs: config.models.timeoutMs,
    maxRetries: config.models.maxRetries,
    logger,
  };
  // One embedder: hybrid retrieval (when on) and /eval's similarity scores.
  const embedder =
    openaiClient &&
    new OpenAIEmbedder({
      ...openaiClient,
      model: config.models.embedding,
      usage: { sink: embeddingUsageSink(usage, config.prices, logger), tokenizer },
    });
  const knowledge = await createKnowledge(
    { ...config.knowledge, documentChars: config.limits.documentChars },
    {
      store,
      tokenizer,
      logger,
      clock: systemClock,
      location: knowledgeIndexLocation(config.store, process.cwd()),
      ...(embedder && config.knowledge.hybrid ? { embedder } : {}),
    },
  );
  const metrics = new Metrics();
  const app = buildApp(config, {
    telemetry: metrics,
    usage,
    // The console prints the chart as text; only chat platforms get the PNG.
    ...(platforms.length > 0 ? { charts } : {}),
    ...(openaiClient ? { modelCatalog: new OpenAIModelCatalog(openaiClient) } : {}),
    store,
    tokenizer,
    knowledge: knowledge.knowledge,
    ...(embedder ? { embedder } : {}),
    ...(() => {
      const model = createModel(config, logger);
      return model ? { model } : {};
    })(),
    ...createFinetuning(config, logger),
    changes,
    logger,
  });
  logger.info({ store: store.kind, offline: app.offline, platforms }, 'channelwise starting');

  let exitCode = 0;
  try {
    if (platforms.length > 0) {
      exitCode = await runPlatforms(config, app, metrics, logger, openaiClient ? new OpenAIModelProbe(openaiClient) : undefined);
    } else {
      const commands = app.commands(consolePermissions);
      const adapter = new ConsoleAdapter({
        input: process.stdin,
        output: process.stdout,
        messages: app.messages(commands),
        commands,
        interactive: Boolean(process.stdin.isTTY),
        offline: app.offline,
        fileDir: process.cwd(),
      });
      app.posters.register('console', adapter.poster());
      app.background.start();
      await adapter.run();
    }
  } finally {
    await app.background.stop();
    await charts.close();
    await knowledge.close();
    await changes.close();
    await store.close();
  }
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is closed; a socket a library left open must not keep a stopped process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`channelwise: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
    // What was opened before the failure (the change feed's reconnects, a pool) must not keep it running.
    setTimeout(() => process.exit(1), 2000).unref();
  },
);
