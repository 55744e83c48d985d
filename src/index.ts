/**
 * Start-up: load config once, build the store, model and knowledge index, start every platform
 * whose credentials are present (the local console when none are), and shut down cleanly.
 */
import { config as loadDotenv } from 'dotenv';
import { buildApp } from './app';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { ConsoleAdapter, consolePermissions } from './adapters/console/console-adapter';
import type { ChatModel, Logger } from './core/ports';
import { systemClock } from './core/ports';
import { createKnowledge, knowledgeIndexFile } from './providers/knowledge/create-knowledge';
import { createLogger } from './providers/logger';
import { OpenAIChatModel } from './providers/openai/chat-model';
import { createStore } from './providers/store/create-store';
import { TiktokenTokenizer } from './providers/tokenizer';

function createModel(config: AppConfig, logger: Logger): ChatModel | undefined {
  if (!config.openai) return undefined;
  return new OpenAIChatModel({
    ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
    ...(config.openai.baseUrl ? { baseUrl: config.openai.baseUrl } : {}),
    timeoutMs: config.models.timeoutMs,
    maxRetries: config.models.maxRetries,
    logger,
  });
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

  const store = await createStore(config.store, logger);
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  const knowledge = await createKnowledge(config, {
    store,
    tokenizer,
    logger,
    clock: systemClock,
    indexFile: knowledgeIndexFile(config, process.cwd()),
  });
  const app = buildApp(config, {
    store,
    tokenizer,
    knowledge: knowledge.knowledge,
    ...(() => {
      const model = createModel(config, logger);
      return model ? { model } : {};
    })(),
    logger,
  });
  logger.info({ store: store.kind, offline: app.offline, platforms }, 'channelwise starting');

  let exitCode = 0;
  try {
    if (platforms.length > 0) {
      process.stderr.write(
        `channelwise: ${platforms.join(' and ')} credentials are set, but this version only runs the local console; unset them to use it.\n`,
      );
      exitCode = 1;
    } else {
      const adapter = new ConsoleAdapter({
        input: process.stdin,
        output: process.stdout,
        assistant: app.assistant,
        commands: app.commands(consolePermissions),
        interactive: Boolean(process.stdin.isTTY),
        offline: app.offline,
      });
      await adapter.run();
    }
  } finally {
    await knowledge.close();
    await store.close();
  }
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`channelwise: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
