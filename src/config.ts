/**
 * Configuration is read once, at start-up, into one typed and validated object. No other module
 * reads `process.env`. Environment values are trimmed and an empty value counts as unset (as
 * openai-node's `readEnv` does). Bad config stops start-up with a message naming the file (or
 * variable), the key and what is wrong.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode, type CodedError } from './core/errors';

const fewshotModeSchema = z.union([
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('auto'), k: z.number().int().min(1).max(50) }).strict(),
]);

const priceSchema = z.object({ input: z.number().min(0), cachedInput: z.number().min(0), output: z.number().min(0) }).strict();

/**
 * A JSON file of model id → entry (prices.json, models.json): keys starting with `_` are comments;
 * each entry is checked on its own, so the message names the model whose entry is wrong.
 */
function tableFileSchema<T>(entry: z.ZodType<T>) {
  return z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const table: Record<string, T> = {};
    for (const [model, value] of Object.entries(raw)) {
      if (model.startsWith('_')) continue; // comments
      const parsed = entry.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', path: [model], message: describeIssues(parsed.error) });
        continue;
      }
      table[model] = parsed.data;
    }
    return table;
  });
}

export const defaultsFileSchema = z
  .object({
    defaults: z
      .object({
        persona: z.string().min(1),
        route: z.enum(['prompt', 'rag', 'finetune', 'auto']),
        trigger: z.enum(['mention', 'always']),
        temperature: z.number().min(0).max(2),
        fewshotMode: fewshotModeSchema,
        noSource: z.enum(['refuse', 'answer']),
      })
      .strict(),
    models: z
      .object({
        chat: z.string().min(1),
        embedding: z.string().min(1),
        timeoutMs: z.number().int().min(1000),
        maxRetries: z.number().int().min(0).max(10),
        /** Send `prompt_cache_key` with chat requests; turn off for servers that refuse unknown fields. */
        promptCacheKey: z.boolean(),
      })
      .strict(),
    tokens: z
      .object({
        encoding: z.enum(['o200k_base', 'cl100k_base']),
        promptBudget: z.number().int().min(256),
        replyMaxTokens: z.number().int().min(16),
      })
      .strict(),
    limits: z
      .object({
        personaChars: z.number().int().min(1),
        exampleChars: z.number().int().min(1),
        fewshotExamples: z.number().int().min(1),
        messageChars: z.number().int().min(1),
        commandChars: z.number().int().min(1),
        documentChars: z.number().int().min(1),
        personaHistory: z.number().int().min(1),
        auditEntries: z.number().int().min(1),
        libraryPersonas: z.number().int().min(1),
        personaNameChars: z.number().int().min(1),
      })
      .strict(),
    retrieval: z.object({ topK: z.number().int().min(1).max(50), minScore: z.number().min(0) }).strict(),
    knowledge: z
      .object({
        chunkTokens: z.number().int().min(32).max(8000),
        chunkOverlapTokens: z.number().int().min(0),
        fileBytes: z.number().int().min(1),
        urlBytes: z.number().int().min(1),
        urlTimeoutMs: z.number().int().min(100),
        urlMaxRedirects: z.number().int().min(0).max(20),
        /** Let /kb add fetch private, loopback and link-local addresses (intranet wikis). */
        allowPrivateUrls: z.boolean(),
        /** With a model configured, also embed chunks and fuse vector and BM25 rankings. */
        hybrid: z.boolean(),
      })
      .strict()
      .refine((k) => k.chunkOverlapTokens < k.chunkTokens, { message: 'chunkOverlapTokens must be below chunkTokens', path: ['chunkOverlapTokens'] }),
    finetune: z
      .object({
        pollSeconds: z.number().int().min(1),
        /** Polling backs off while nothing changes, up to this many times pollSeconds. */
        maxBackoff: z.number().int().min(1).max(100),
        minExamples: z.number().int().min(1),
        /** Fewer examples than this still train, with a warning. */
        warnExamples: z.number().int().min(1),
        epochs: z.number().int().min(1).max(50),
        /** Tokens one example may have when models.json names no limit for the model. */
        exampleTokenLimit: z.number().int().min(100),
        /** Warn a channel this many days before a model it uses shuts down. */
        warnDays: z.array(z.number().int().min(1)).min(1),
        /** Per provider: its training price when models.json has none, the last day it takes new jobs, what to use instead. */
        providers: z.record(
          z.enum(['openai', 'together']),
          z
            .object({
              trainingPerMillion: z.number().min(0).optional(),
              newJobsUntil: z
                .string()
                .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
                .optional(),
              alternatives: z.string().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
    /** How long a process keeps a channel's profile and budget, read for every answer, between changes it hears of. */
    profiles: z.object({ cacheMs: z.number().int().min(0).max(60_000) }).strict(),
    /** Messages per minute per person (across a workspace) and per channel, counted across processes; 0: off. */
    rateLimits: z.object({ userPerMinute: z.number().int().min(0), channelPerMinute: z.number().int().min(0) }).strict(),
    streaming: z
      .object({
        editIntervalMs: z.number().int().min(1000),
        /** An answer complete this soon after it starts is posted whole rather than streamed (0: always stream). */
        shortAnswerMs: z.number().int().min(0).max(5000),
      })
      .strict(),
    usage: z.object({ retentionDays: z.number().int().min(31).max(3660) }).strict(),
    budgets: z
      .object({
        /** Workspace-wide default monthly cap per channel, in USD; absent: no cap until /budget set. */
        defaultUsd: z.number().positive().max(1_000_000).optional(),
        warnPct: z.number().int().min(1).max(100),
      })
      .strict(),
    advice: z
      .object({
        /** Requests a channel needs before /advise trusts its measurements. */
        minRequests: z.number().int().min(1),
        /** Epochs a fine-tune is costed with (OpenAI's default for small sets is 3). */
        epochs: z.number().int().min(1).max(50),
        /** Prompt tokens per request of a fine-tuned model with a short prompt. */
        fineTunedPromptTokens: z.number().int().min(0),
        daysPerMonth: z.number().min(28).max(31),
      })
      .strict(),
    /** 👍 / 👎 on answers (SPEC §8 "Feedback"). */
    feedback: z.object({ answerDays: z.number().int().min(1).max(400) }).strict(),
    /**
     * When Redis or PostgreSQL cannot be reached: chat `refuse`s with one sentence, or `answer`s with
     * the config defaults (no persona of the channel, unclaimed, uncounted; see README). Every store
     * call fails after `operationTimeoutMs` at most.
     */
    storage: z.object({ outage: z.enum(['refuse', 'answer']), operationTimeoutMs: z.number().int().min(100).max(60_000) }).strict(),
    /**
     * SIGTERM / SIGINT (SPEC §5): how long answers in flight may take to finish before the process
     * exits anyway. Below the 30 s after which Heroku and Kubernetes send SIGKILL.
     */
    shutdown: z.object({ drainMs: z.number().int().min(0).max(600_000) }).strict(),
    /** /eval (SPEC §8 "Evaluation"). */
    evaluation: z
      .object({
        maxCases: z.number().int().min(1),
        caseChars: z.number().int().min(1),
        /** Model calls of one run in flight at once. */
        concurrency: z.number().int().min(1).max(64),
        bootstrapSamples: z.number().int().min(100),
        /** Show progress after every this many answers. */
        progressEvery: z.number().int().min(1),
      })
      .strict(),
  })
  .strict();

const modelPriceSchema = z.object({ input: z.number().min(0), cachedInput: z.number().min(0), output: z.number().min(0) }).strict();

/** config/models.json: which models can be fine-tuned, until when, at what price (for /advise). */
const modelInfoSchema = z
  .object({
    fineTunable: z.boolean(),
    /** The provider's shutdown (deprecation) date, YYYY-MM-DD: no fine-tuning from then on. */
    shutdownDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
      .optional(),
    /** USD per 1M training tokens. */
    training: z.number().min(0).optional(),
    /** What the fine-tuned model costs to use, USD per 1M tokens. */
    fineTuned: modelPriceSchema.optional(),
    /** Most tokens one training example may have. */
    trainingTokenLimit: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((m) => !m.fineTunable || m.training !== undefined, { message: 'a fine-tunable model needs its training price', path: ['training'] });

const modelsFileSchema = tableFileSchema(modelInfoSchema);

export type ModelInfo = z.infer<typeof modelInfoSchema>;

const pricesFileSchema = tableFileSchema(priceSchema).superRefine((prices, ctx) => {
  if (!prices['default']) ctx.addIssue({ code: 'custom', path: ['default'], message: 'a "default" price is required' });
});

const presetsFileSchema = z.record(z.string().regex(/^[\w-]{1,64}$/), z.string().min(1));

export type ModelPrice = z.infer<typeof priceSchema>;
export type Defaults = z.infer<typeof defaultsFileSchema>;

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface AppConfig extends Defaults {
  readonly slack?: {
    readonly botToken: string;
    readonly signingSecret?: string;
    readonly appToken?: string;
    readonly apiUrl?: string;
  };
  readonly discord?: {
    readonly token: string;
    readonly applicationId: string;
    readonly apiUrl?: string;
    readonly registerOnStart: boolean;
    /** DISCORD_SHARDS: run under discord.js's ShardingManager with this many shards (or Discord's recommendation). */
    readonly shards?: number | 'auto';
    /** This process is one shard started by the ShardingManager (which sets SHARDING_MANAGER). */
    readonly shardChild: boolean;
  };
  /** Absent: offline mode (SPEC §5). */
  readonly openai?: { readonly apiKey?: string; readonly baseUrl?: string };
  /** Where fine-tuning jobs run and fine-tuned models are served (FINETUNE_*); key and URL default to the chat model's. */
  readonly finetuneProvider: {
    readonly kind: 'openai' | 'together';
    readonly apiKey?: string;
    readonly baseUrl?: string;
    /** FINETUNE_BASE_URL was set: the fine-tuned model is served there, not by the chat server. */
    readonly separate: boolean;
  };
  readonly store: StoreConfig;
  readonly port: number;
  readonly adminUserIds: readonly string[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** LOG_LEVEL was given explicitly (the console lowers the default level to keep the terminal clean). */
  readonly logLevelExplicit: boolean;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  readonly presets: Readonly<Record<string, string>>;
  /** config/models.json: fine-tunability, shutdown dates and training prices. */
  readonly modelInfo: Readonly<Record<string, ModelInfo>>;
}

/** Bad config: start-up stops with this message (it names the file or variable, the key, what is wrong). */
export class ConfigError extends Error implements CodedError {
  override readonly name = 'ConfigError';
  readonly code = ErrorCode.ConfigError;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Trimmed value, or undefined when unset or blank. */
function readEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}

function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function parseStoreUrl(value: string | undefined, cwd: string): StoreConfig {
  const url = value ?? 'sqlite://data/channelwise.sqlite';
  if (url.startsWith('sqlite://')) {
    const rest = url.slice('sqlite://'.length);
    if (!rest) throw new ConfigError('STORE_URL: sqlite:// needs a file path, e.g. sqlite://data/channelwise.sqlite');
    // sqlite:///abs/path → /abs/path; sqlite://relative/path → <cwd>/relative/path
    return { kind: 'sqlite', path: rest.startsWith('/') ? rest : path.resolve(cwd, rest) };
  }
  if (/^rediss?:\/\//.test(url)) return { kind: 'redis', url };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new ConfigError(`STORE_URL: unsupported scheme in "${url.split('://')[0]}://…"; use sqlite://, redis:// or postgresql://`);
}

function envInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readEnv(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function envUrl(env: Env, name: string): string | undefined {
  const raw = readEnv(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`${name}: expected an http(s) URL, got "${raw}"`);
  }
  return raw;
}

/** DISCORD_SHARDS: a whole number of shards from 1 (Discord allows thousands) or `auto`. */
function shardsOf(raw: string | undefined): number | 'auto' | undefined {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase() === 'auto') return 'auto';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new ConfigError(`DISCORD_SHARDS: expected a whole number from 1 to 10000 or auto, got "${raw}"`);
  return n;
}

export interface LoadConfigOptions {
  /** Folder with default.json, prices.json, presets.json, models.json. */
  readonly configDir?: string;
  readonly cwd?: string;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): AppConfig {
  const cwd = options.cwd ?? process.cwd();
  // CONFIG_DIR: a deployment's own copy of config/ (the four files), e.g. other limits per environment.
  const configDir = options.configDir ?? readEnv(env, 'CONFIG_DIR') ?? path.resolve(__dirname, '..', 'config');
  const defaults = readJsonFile(path.join(configDir, 'default.json'), defaultsFileSchema);
  const prices = readJsonFile(path.join(configDir, 'prices.json'), pricesFileSchema);
  const presets = readJsonFile(path.join(configDir, 'presets.json'), presetsFileSchema);
  const modelInfo = readJsonFile(path.join(configDir, 'models.json'), modelsFileSchema);

  const logLevel = readEnv(env, 'LOG_LEVEL') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: expected debug, info, warn or error, got "${logLevel}"`);
  }

  const slackBotToken = readEnv(env, 'SLACK_BOT_TOKEN');
  const slackSigningSecret = readEnv(env, 'SLACK_SIGNING_SECRET');
  const slackAppToken = readEnv(env, 'SLACK_APP_TOKEN');
  if (slackBotToken && !slackSigningSecret && !slackAppToken) {
    throw new ConfigError('SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is');
  }
  const slackApiUrl = envUrl(env, 'SLACK_API_URL');

  const discordToken = readEnv(env, 'DISCORD_TOKEN');
  const discordApplicationId = readEnv(env, 'DISCORD_APPLICATION_ID');
  if (discordToken && !discordApplicationId) {
    throw new ConfigError('DISCORD_TOKEN is set but DISCORD_APPLICATION_ID is not');
  }
  const discordApiUrl = envUrl(env, 'DISCORD_API_URL');
  const discordShards = shardsOf(readEnv(env, 'DISCORD_SHARDS'));
  const registerOnStart = readEnv(env, 'DISCORD_REGISTER_ON_START');
  if (registerOnStart !== undefined && !['true', 'false'].includes(registerOnStart)) {
    throw new ConfigError(`DISCORD_REGISTER_ON_START: expected true or false, got "${registerOnStart}"`);
  }

  const store = parseStoreUrl(readEnv(env, 'STORE_URL'), cwd);
  if (discordShards !== undefined && store.kind === 'sqlite') {
    throw new ConfigError('DISCORD_SHARDS: every shard is its own process, so they need a shared STORE_URL (redis:// or postgresql://), not SQLite');
  }

  const openaiApiKey = readEnv(env, 'OPENAI_API_KEY');
  const openaiBaseUrl = envUrl(env, 'OPENAI_BASE_URL');
  const finetuneKind = readEnv(env, 'FINETUNE_PROVIDER') ?? 'openai';
  if (finetuneKind !== 'openai' && finetuneKind !== 'together') {
    throw new ConfigError(`FINETUNE_PROVIDER: expected openai or together, got "${finetuneKind}"`);
  }
  const finetuneBaseUrl = envUrl(env, 'FINETUNE_BASE_URL');

  const config: AppConfig = {
    ...defaults,
    models: {
      ...defaults.models,
      chat: readEnv(env, 'OPENAI_MODEL') ?? defaults.models.chat,
      embedding: readEnv(env, 'OPENAI_EMBEDDING_MODEL') ?? defaults.models.embedding,
    },
    finetune: { ...defaults.finetune, pollSeconds: envInt(env, 'FINETUNE_POLL_SECONDS', defaults.finetune.pollSeconds, 1, 86400) },
    // The platform's grace period before SIGKILL differs per deployment (Kubernetes sets its own).
    shutdown: { drainMs: envInt(env, 'SHUTDOWN_DRAIN_MS', defaults.shutdown.drainMs, 0, 600_000) },
    finetuneProvider: {
      kind: finetuneKind,
      ...((readEnv(env, 'FINETUNE_API_KEY') ?? openaiApiKey) ? { apiKey: (readEnv(env, 'FINETUNE_API_KEY') ?? openaiApiKey) as string } : {}),
      ...((finetuneBaseUrl ?? openaiBaseUrl) ? { baseUrl: (finetuneBaseUrl ?? openaiBaseUrl) as string } : {}),
      separate: finetuneBaseUrl !== undefined,
    },
    ...(slackBotToken
      ? {
          slack: {
            botToken: slackBotToken,
            ...(slackSigningSecret ? { signingSecret: slackSigningSecret } : {}),
            ...(slackAppToken ? { appToken: slackAppToken } : {}),
            ...(slackApiUrl ? { apiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/` } : {}),
          },
        }
      : {}),
    ...(discordToken && discordApplicationId
      ? {
          discord: {
            token: discordToken,
            applicationId: discordApplicationId,
            ...(discordApiUrl ? { apiUrl: discordApiUrl.replace(/\/+$/, '') } : {}),
            registerOnStart: registerOnStart === 'true',
            ...(discordShards !== undefined ? { shards: discordShards } : {}),
            shardChild: readEnv(env, 'SHARDING_MANAGER') === 'true',
          },
        }
      : {}),
    // SPEC §7: a model counts as configured when OPENAI_API_KEY or OPENAI_BASE_URL is set.
    ...(openaiApiKey || openaiBaseUrl
      ? {
          openai: {
            ...(openaiApiKey ? { apiKey: openaiApiKey } : {}),
            ...(openaiBaseUrl ? { baseUrl: openaiBaseUrl } : {}),
          },
        }
      : {}),
    store,
    port: envInt(env, 'PORT', 3000, 0, 65535),
    adminUserIds: (readEnv(env, 'ADMIN_USER_IDS') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
    logLevel: logLevel as AppConfig['logLevel'],
    logLevelExplicit: readEnv(env, 'LOG_LEVEL') !== undefined,
    prices,
    presets,
    modelInfo,
  };
  return config;
}
