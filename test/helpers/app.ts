/**
 * Builds the real core (profiles, routes, assistant, commands) for tests, on a real SQLite file in
 * a temporary folder, with the real tokenizer. The model is whatever the test hands in (usually the
 * real OpenAI client pointed at the fake server); without one the app runs offline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, createUsageLog, type App } from '../../src/app';
import type { ChartRenderer } from '../../src/core/commands/context';
import { embeddingUsageSink, type EmbeddingUsageSink } from '../../src/core/usage/embedding-usage';
import { loadConfig, type AppConfig } from '../../src/config';
import type { ChangeFeed, ChatModel, Clock, DocumentStore, Embedder, FineTuner, Lease, Logger, Telemetry } from '../../src/core/ports';
import { systemClock } from '../../src/core/ports';
import { createKnowledge, type KnowledgeOptions } from '../../src/providers/knowledge/create-knowledge';
import { createSqliteStore } from '../../src/providers/store/sqlite-store';
import { TiktokenTokenizer } from '../../src/providers/tokenizer';
import { silentLogger } from './logger';

let sharedTokenizer: TiktokenTokenizer | undefined;
/** Loading the BPE ranks takes about a second: share one tokenizer per test file. */
export function testTokenizer(): TiktokenTokenizer {
  sharedTokenizer ??= new TiktokenTokenizer('o200k_base');
  return sharedTokenizer;
}

export function testConfig(env: Record<string, string> = {}, overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig(env, { configDir: path.resolve(__dirname, '../../config') }), ...overrides };
}

/** The knowledge service's options, taken from config as start-up takes them. */
export function testKnowledgeOptions(config: AppConfig = testConfig()): KnowledgeOptions {
  return { ...config.knowledge, documentChars: config.limits.documentChars };
}

export interface TestApp extends App {
  readonly dir: string;
  readonly file: string;
  /** Close the store (keeps the file, for restart tests). */
  close(): Promise<void>;
  /** Close the store and delete the folder. */
  dispose(): Promise<void>;
}

export interface TestAppOptions {
  readonly model?: ChatModel;
  readonly config?: AppConfig;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Reuse an existing folder (restart tests). */
  readonly dir?: string;
  readonly store?: DocumentStore;
  readonly telemetry?: Telemetry;
  /** An embedder for hybrid retrieval, given the sink its usage is counted in (as start-up does). */
  readonly embedder?: (usage: EmbeddingUsageSink) => Embedder;
  readonly charts?: ChartRenderer;
  readonly finetuner?: FineTuner;
  /** Serves the finetune route (a fine-tuning provider's chat completions). */
  readonly finetuneModel?: ChatModel;
  readonly lease?: Lease;
  /** Notices between apps sharing one store, as start-up gives every process; closed with the app. */
  readonly changes?: ChangeFeed;
}

export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'channelwise-test-'));
  const file = path.join(dir, 'store.sqlite');
  const logger = options.logger ?? silentLogger;
  const store = options.store ?? (await createSqliteStore(file, logger));
  const config = options.config ?? testConfig();
  const usage = createUsageLog(config, store, options.clock ?? systemClock);
  const embedder = options.embedder?.(embeddingUsageSink(usage, config.prices, logger));
  const knowledge = await createKnowledge(testKnowledgeOptions(config), {
    store,
    tokenizer: testTokenizer(),
    logger,
    clock: options.clock ?? systemClock,
    location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') },
    ...(embedder ? { embedder } : {}),
  });
  const app = buildApp(config, {
    store,
    tokenizer: testTokenizer(),
    knowledge: knowledge.knowledge,
    ...(options.model ? { model: options.model } : {}),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    usage,
    ...(options.charts ? { charts: options.charts } : {}),
    ...(options.finetuner ? { finetuner: options.finetuner } : {}),
    ...(options.finetuneModel ? { finetuneModel: options.finetuneModel } : {}),
    ...(options.lease ? { lease: options.lease } : {}),
    ...(options.changes ? { changes: options.changes } : {}),
  });
  let closed = false;
  const close = async () => {
    if (!closed) {
      await app.background.stop();
      await knowledge.close();
      await options.changes?.close();
      await store.close();
    }
    closed = true;
  };
  return {
    ...app,
    dir,
    file,
    close,
    dispose: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const admin = { id: 'U_ADMIN', name: 'alice' } as const;
export const member = { id: 'U_MEMBER', name: 'bob' } as const;
export const scopeA = { platform: 'console', workspace: 'W1', channel: 'C1' } as const;
export const scopeB = { platform: 'console', workspace: 'W1', channel: 'C2' } as const;

/** Permissions for tests: only `admin` is an admin. */
export const testPermissions = { isAdmin: async (user: { id: string }) => user.id === admin.id };
