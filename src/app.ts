/**
 * Wires the core from config and the providers handed in. Adapters get an `App` and nothing else;
 * tests build one with fakes in place of the real providers.
 */
import type { AppConfig } from './config';
import { Assistant } from './core/assistant';
import { withConfiguredAdmins } from './core/commands/permissions';
import { CommandRunner } from './core/commands/registry';
import type { ChatModel, Clock, DocumentStore, KnowledgeIndex, Logger, Permissions, Tokenizer } from './core/ports';
import { systemClock } from './core/ports';
import { ProfileService } from './core/profiles/profile-service';
import { createResponders } from './core/routes';
import { EventDeduper } from './core/dedupe';
import { UsageLog } from './core/usage/usage-log';

export interface AppProviders {
  readonly store: DocumentStore;
  readonly tokenizer: Tokenizer;
  readonly knowledge: KnowledgeIndex;
  /** Absent: offline mode. */
  readonly model?: ChatModel;
  readonly logger: Logger;
  readonly clock?: Clock;
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
  /** Claims platform event ids so each is answered once. */
  readonly deduper: EventDeduper;
  /** A command runner whose admin rule is the platform's plus ADMIN_USER_IDS. */
  commands(platformPermissions: Permissions): CommandRunner;
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
  return {
    config,
    profiles,
    assistant,
    store: providers.store,
    knowledge: providers.knowledge,
    logger: providers.logger,
    offline: !providers.model,
    usage,
    deduper: new EventDeduper(providers.store),
    commands: (platformPermissions) =>
      new CommandRunner({
        profiles,
        knowledge: providers.knowledge,
        permissions: withConfiguredAdmins(platformPermissions, config.adminUserIds),
        limits: config.limits,
        retrieval: config.retrieval,
        fileBytes: config.knowledge.fileBytes,
        logger: providers.logger,
      }),
  };
}
