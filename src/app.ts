/**
 * Wires the core from config and the providers handed in. Adapters get an `App` and nothing else;
 * tests build one with fakes in place of the real providers.
 */
import type { AppConfig } from './config';
import { Assistant } from './core/assistant';
import { withConfiguredAdmins } from './core/commands/permissions';
import { CommandRunner } from './core/commands/registry';
import { BotThreads } from './core/conversation/bot-threads';
import { EventDeduper } from './core/conversation/dedupe';
import { MessagePipeline, type MessageCommands } from './core/conversation/pipeline';
import type { ChatModel, Clock, DocumentStore, KnowledgeIndex, Logger, Permissions, Telemetry, Tokenizer } from './core/ports';
import { noTelemetry, systemClock } from './core/ports';
import { ProfileService } from './core/profiles/profile-service';
import { createResponders } from './core/routes';
import { UsageLog } from './core/usage/usage-log';

export interface AppProviders {
  readonly store: DocumentStore;
  readonly tokenizer: Tokenizer;
  readonly knowledge: KnowledgeIndex;
  /** Absent: offline mode. */
  readonly model?: ChatModel;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Where the core's measurements go (/metrics); default: nowhere. */
  readonly telemetry?: Telemetry;
}

export interface App {
  readonly config: AppConfig;
  readonly profiles: ProfileService;
  readonly assistant: Assistant;
  readonly store: DocumentStore;
  readonly knowledge: KnowledgeIndex;
  readonly logger: Logger;
  readonly offline: boolean;
  readonly usage: UsageLog;
  readonly telemetry: Telemetry;
  /** A command runner whose admin rule is the platform's plus ADMIN_USER_IDS. */
  commands(platformPermissions: Permissions): CommandRunner;
  /** The message pipeline for one platform; commands written as messages run through `commands`. */
  messages(commands: MessageCommands): MessagePipeline;
}

export function buildApp(config: AppConfig, providers: AppProviders): App {
  const clock = providers.clock ?? systemClock;
  const profiles = new ProfileService(
    providers.store,
    {
      persona: config.defaults.persona,
      route: config.defaults.route,
      model: config.models.chat,
      temperature: config.defaults.temperature,
      trigger: config.defaults.trigger,
      fewshotMode: config.defaults.fewshotMode,
      noSource: config.defaults.noSource,
    },
    config.limits,
    config.presets,
    clock,
    config.profiles.cacheMs,
  );
  const usage = new UsageLog(providers.store, clock);
  const responders = createResponders({
    tokenizer: providers.tokenizer,
    promptBudget: config.tokens.promptBudget,
    knowledge: providers.knowledge,
    retrieval: config.retrieval,
  });
  const assistant = new Assistant({
    profiles,
    responders,
    ...(providers.model ? { model: providers.model } : {}),
    prices: config.prices,
    maxReplyTokens: config.tokens.replyMaxTokens,
    messageChars: config.limits.messageChars,
    logger: providers.logger,
    clock,
    usage,
  });
  const deduper = new EventDeduper(providers.store);
  const threads = new BotThreads(providers.store, deduper);
  const telemetry = providers.telemetry ?? noTelemetry;
  return {
    config,
    profiles,
    assistant,
    store: providers.store,
    knowledge: providers.knowledge,
    logger: providers.logger,
    offline: !providers.model,
    usage,
    telemetry,
    messages: (commands) =>
      new MessagePipeline({ assistant, profiles, deduper, threads, commands, telemetry, logger: providers.logger }),
    commands: (platformPermissions) =>
      new CommandRunner({
        profiles,
        knowledge: providers.knowledge,
        permissions: withConfiguredAdmins(platformPermissions, config.adminUserIds),
        limits: config.limits,
        retrieval: config.retrieval,
        fileBytes: config.knowledge.fileBytes,
        logger: providers.logger,
        telemetry,
      }),
  };
}
