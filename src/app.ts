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
import { InProcessCounters, RateLimits } from './core/conversation/rate-limits';
import { ConversationTurns } from './core/conversation/turns';
import { SharedWriteSlots } from './core/conversation/write-slots';
import { InFlightAnswers } from './core/conversation/in-flight';
import { TurnBudget } from './core/conversation/turn-budget';
import { MessagePipeline, type MessageCommands } from './core/conversation/pipeline';
import type { ModelCatalog } from './core/advice/deps';
import type { ChartRenderer } from './core/commands/context';
import type {
  ChangeFeed,
  ChatModel,
  Clock,
  DocumentStore,
  Embedder,
  FineTuner,
  KnowledgeIndex,
  Lease,
  Logger,
  Permissions,
  Telemetry,
  Tokenizer,
} from './core/ports';
import { EvalCases } from './core/evaluation/cases';
import { EvalRunner } from './core/evaluation/runner';
import { Feedback } from './core/feedback/feedback';
import { FinetuneJobs } from './core/finetune/jobs';
import { InProcessLease, StoreLease } from './core/finetune/leases';
import { ModelWatch } from './core/finetune/model-watch';
import { ChannelPosters } from './core/finetune/posters';
import { JobRunner } from './core/finetune/runner';
import { noTelemetry, systemClock } from './core/ports';
import type { ChannelScope } from './core/types';
import { TrainingSet } from './core/training/training-set';
import { ProfileService } from './core/profiles/profile-service';
import { createResponders } from './core/routes';
import { Budgets } from './core/usage/budget';
import { MeteredModel } from './core/usage/metered-model';
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
  /**
   * The usage log, when start-up built it before the app (the embedder reports into it; see
   * `createUsageLog`); default: one on `store`.
   */
  readonly usage?: UsageLog;
  /** Draws the /usage chart; absent: /usage answers with text only. */
  readonly charts?: ChartRenderer;
  /** Scores long expected answers of /eval by similarity; absent: they go unscored, saying so. */
  readonly embedder?: Embedder;
  /** The model server's shutdown dates (GET /models), for /advise; absent: config/models.json alone. */
  readonly modelCatalog?: ModelCatalog;
  /** Where fine-tuning jobs run (FINETUNE_PROVIDER); absent: /finetune can only export. */
  readonly finetuner?: FineTuner;
  /** Serves the `finetune` route when fine-tuned models live on another server (FINETUNE_BASE_URL); default: `model`. */
  readonly finetuneModel?: ChatModel;
  /** The evaluation cases' inputs, never trained on; default: the channel's /eval cases. */
  readonly evaluationInputs?: (scope: ChannelScope) => Promise<ReadonlySet<string>>;
  /** Default: in-process on SQLite (one process), the store's own on Redis and PostgreSQL. */
  readonly lease?: Lease;
  /** Notices of changes between the processes sharing the store; absent: other processes' changes show after `profiles.cacheMs`. */
  readonly changes?: ChangeFeed;
}

/** The usage log as config says (retention); built before the app when the embedder needs it. */
export function createUsageLog(config: AppConfig, store: DocumentStore, clock: Clock = systemClock): UsageLog {
  return new UsageLog(store, clock, { retentionDays: config.usage.retentionDays });
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
  readonly budgets: Budgets;
  readonly telemetry: Telemetry;
  /** Few-shot examples plus approved exchanges: what fine-tuning trains on. */
  readonly training: TrainingSet;
  /** Adapters register how they post in a channel from the background. */
  readonly posters: ChannelPosters;
  readonly finetune: FinetuneJobs;
  /** The model lifecycle check: shutdown dates of the models channels use, warned ahead. */
  readonly modelWatch: ModelWatch;
  /** Polls fine-tuning jobs and runs the daily model check; start-up starts it, shutdown stops it. */
  readonly background: JobRunner;
  /** 👍 / 👎 on answers: the pipeline records answers here, adapters' controls vote here. */
  readonly feedback: Feedback;
  /** A platform's per-channel write budget shared by every process; absent on SQLite (one process). */
  readonly writeSlots?: SharedWriteSlots;
  /** Answers under way in this process, and whether it is draining to stop (SPEC §5). */
  readonly inFlight: InFlightAnswers;
  /** Spreads the answers' steps over turns of the event loop in a burst (one per process, every platform). */
  readonly turnBudget: TurnBudget;
  /** /eval: the channel's cases (their inputs never train: `evaluationInputs`) and runs. */
  readonly evaluation: { readonly cases: EvalCases; readonly runner: EvalRunner };
  /** The platform's admin rule plus ADMIN_USER_IDS (for votes, which are no commands). */
  admins(platformPermissions: Permissions): Permissions;
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
    providers.changes,
  );
  const usage = providers.usage ?? createUsageLog(config, providers.store, clock);
  const budgets = new Budgets(
    providers.store,
    { ...(config.budgets.defaultUsd !== undefined ? { defaultUsd: config.budgets.defaultUsd } : {}), warnPct: config.budgets.warnPct },
    clock,
    // A channel's budget is read for every answer, as its profile is: cached alike.
    { cacheMs: config.profiles.cacheMs, ...(providers.changes ? { feed: providers.changes } : {}) },
  );
  const model = providers.model
    ? new MeteredModel({
        model: providers.model,
        usage,
        budgets,
        prices: config.prices,
        tokenizer: providers.tokenizer,
        clock,
        logger: providers.logger,
        // A hold outlives every attempt the client makes (timeouts × retries), then lapses.
        holdMs: 2 * config.models.timeoutMs * (config.models.maxRetries + 1),
        answerDuringStoreOutage: config.storage.outage === 'answer',
        ...(providers.finetuneModel ? { routeModels: { finetune: providers.finetuneModel } } : {}),
      })
    : undefined;
  const responders = createResponders({
    tokenizer: providers.tokenizer,
    promptBudget: config.tokens.promptBudget,
    knowledge: providers.knowledge,
    retrieval: config.retrieval,
  });
  const assistant = new Assistant({
    profiles,
    responders,
    ...(model ? { model } : {}),
    prices: config.prices,
    tokenizer: providers.tokenizer,
    maxReplyTokens: config.tokens.replyMaxTokens,
    messageChars: config.limits.messageChars,
    logger: providers.logger,
    clock,
    usage,
    answerDuringStoreOutage: config.storage.outage === 'answer',
  });
  const deduper = new EventDeduper(providers.store);
  const inFlight = new InFlightAnswers();
  const turnBudget = new TurnBudget();
  const threads = new BotThreads(providers.store, deduper);
  const telemetry = providers.telemetry ?? noTelemetry;
  // SQLite means one process: its counters need not cost a write per message.
  const counters = providers.store.kind === 'sqlite' ? new InProcessCounters(() => clock.now().getTime()) : providers.store;
  const rateLimits = new RateLimits(counters, clock, config.rateLimits);
  const turns = new ConversationTurns(providers.store, clock, providers.logger, providers.changes);
  const training = new TrainingSet(providers.store, profiles, clock);
  const posters = new ChannelPosters(providers.logger);
  const lease = providers.lease ?? (providers.store.kind === 'sqlite' ? new InProcessLease() : new StoreLease(providers.store));
  const cases = new EvalCases(providers.store, clock, config.evaluation);
  const finetune = new FinetuneJobs({
    store: providers.store,
    ...(providers.finetuner ? { tuner: providers.finetuner } : {}),
    hostedProvider: config.finetuneProvider.kind === 'openai' && config.finetuneProvider.baseUrl === undefined,
    profiles,
    training,
    posters,
    tokenizer: providers.tokenizer,
    clock,
    logger: providers.logger.child({ component: 'finetune' }),
    lease,
    settings: config.finetune,
    models: config.modelInfo,
    // Evaluation cases never become training lines.
    evaluationInputs: providers.evaluationInputs ?? ((scope) => cases.evaluationInputs(scope)),
    rejectedAnswers: (scope) => feedback.rejectedAnswers(scope),
  });
  const modelWatch = new ModelWatch({
    store: providers.store,
    profiles,
    posters,
    clock,
    models: config.modelInfo,
    ...(providers.modelCatalog ? { catalog: providers.modelCatalog } : {}),
    warnDays: config.finetune.warnDays,
    logger: providers.logger.child({ component: 'model-watch' }),
  });
  const pollMs = config.finetune.pollSeconds * 1000;
  const background = new JobRunner(
    [
      // Ticks at half the poll interval so a due job waits at most half an interval more.
      { name: 'finetune-jobs', everyMs: Math.max(10, pollMs / 2), run: () => finetune.pollDue() },
      { name: 'model-shutdowns', everyMs: 60 * 60 * 1000, run: () => modelWatch.checkDaily() },
    ],
    providers.logger,
  );
  const feedback = new Feedback(providers.store, training, clock, config.feedback.answerDays);
  const evaluation = {
    cases,
    runner: new EvalRunner({
      profiles,
      responders,
      knowledge: providers.knowledge,
      cases,
      ...(model ? { model } : {}),
      ...(providers.embedder ? { embedder: providers.embedder } : {}),
      tokenizer: providers.tokenizer,
      prices: config.prices,
      store: providers.store,
      lease,
      clock,
      settings: { ...config.evaluation, maxReplyTokens: config.tokens.replyMaxTokens },
    }),
  };
  return {
    config,
    profiles,
    assistant,
    store: providers.store,
    knowledge: providers.knowledge,
    logger: providers.logger,
    offline: !providers.model,
    usage,
    budgets,
    telemetry,
    training,
    posters,
    finetune,
    modelWatch,
    background,
    feedback,
    evaluation,
    ...(providers.store.kind === 'sqlite' ? {} : { writeSlots: new SharedWriteSlots(providers.store, clock) }),
    inFlight,
    turnBudget,
    admins: (platformPermissions) => withConfiguredAdmins(platformPermissions, config.adminUserIds),
    messages: (commands) =>
      new MessagePipeline({
        assistant,
        profiles,
        deduper,
        threads,
        commands,
        telemetry,
        logger: providers.logger,
        feedback,
        rateLimits,
        turns,
        inFlight,
        turnBudget,
        storeOutage: config.storage.outage,
      }),
    commands: (platformPermissions) =>
      watchedCommands(
        modelWatch,
        providers.logger,
        new CommandRunner({
          profiles,
          knowledge: providers.knowledge,
          permissions: withConfiguredAdmins(platformPermissions, config.adminUserIds),
          limits: config.limits,
          retrieval: config.retrieval,
          fileBytes: config.knowledge.fileBytes,
          logger: providers.logger,
          telemetry,
          usage,
          budgets,
          feedback,
          evaluation,
          advice: {
            settings: config.advice,
            prices: config.prices,
            models: config.modelInfo,
            ...(providers.modelCatalog ? { catalog: providers.modelCatalog } : {}),
            tokenizer: providers.tokenizer,
            offline: !providers.model,
          },
          ...(providers.charts ? { charts: providers.charts } : {}),
          clock,
          finetune,
        }),
      ),
  };
}

/** Every channel that runs a command is one whose models the daily check watches. */
function watchedCommands(watch: ModelWatch, logger: Logger, runner: CommandRunner): CommandRunner {
  const run = runner.run.bind(runner);
  runner.run = async (inbound, options) => {
    await watch.track(inbound.scope).catch((err: unknown) => logger.warn({ err }, 'could not track the channel for the model check'));
    return run(inbound, options);
  };
  return runner;
}
