/**
 * channelwise as `npm start` runs it for Slack over HTTP, for the benchmarks: config from an
 * environment, the store STORE_URL names, the model and embedder when OPENAI_BASE_URL is set, the
 * real SlackAdapter, the metrics. (src/index.ts runs start-up when imported, so the wiring is
 * repeated here; keep the two alike.)
 */
import path from 'node:path';
import { buildApp } from '../src/app';
import { SlackAdapter } from '../src/adapters/slack/slack-adapter';
import { loadConfig, type AppConfig } from '../src/config';
import type { Logger } from '../src/core/ports';
import { systemClock } from '../src/core/ports';
import { healthRoutes } from '../src/http/endpoints';
import { Metrics } from '../src/http/metrics';
import { createKnowledge } from '../src/providers/knowledge/create-knowledge';
import { OpenAIChatModel } from '../src/providers/openai/chat-model';
import { OpenAIEmbedder } from '../src/providers/openai/embedder';
import { createStore } from '../src/providers/store/create-store';
import { TiktokenTokenizer } from '../src/providers/tokenizer';

/** An app under benchmark, listening for signed Events API requests. */
export interface RunningApp {
  /** Where Slack would POST events. */
  readonly eventsUrl: string;
  stop(): Promise<void>;
}

export interface ChannelwiseBenchOptions {
  /** What the process environment holds in production: SLACK_*, OPENAI_BASE_URL, STORE_URL… */
  readonly env: Readonly<Record<string, string>>;
  /** Folder of the knowledge index (a Redis store keeps it in SQLite too, as in production). */
  readonly dir: string;
  readonly logger: Logger;
  /** Default: the adapter's (on), as in production. */
  readonly nativeStreaming?: boolean;
}

/** Benches' simulated people ask far more than a person may: the limits are counted as in production, never reached. */
export function withRateLimitsNeverReached(config: AppConfig): AppConfig {
  return { ...config, rateLimits: { userPerMinute: 1e9, channelPerMinute: 1e9 } };
}

export async function startChannelwise(options: ChannelwiseBenchOptions): Promise<RunningApp> {
  const { logger } = options;
  const config = withRateLimitsNeverReached(loadConfig(options.env, { configDir: path.resolve(__dirname, '../config') }));
  const slack = config.slack;
  if (!slack?.signingSecret) throw new Error('the Slack benchmark needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
  const store = await createStore(config.store, logger);
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  const openai = config.openai
    ? {
        ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
        ...(config.openai.baseUrl ? { baseUrl: config.openai.baseUrl } : {}),
        timeoutMs: config.models.timeoutMs,
        maxRetries: config.models.maxRetries,
        logger,
      }
    : undefined;
  const knowledge = await createKnowledge(
    { ...config.knowledge, documentChars: config.limits.documentChars },
    {
      store,
      tokenizer,
      logger,
      clock: systemClock,
      location: { kind: 'sqlite', file: path.join(options.dir, 'knowledge.sqlite') },
      ...(openai && config.knowledge.hybrid ? { embedder: new OpenAIEmbedder({ ...openai, model: config.models.embedding }) } : {}),
    },
  );
  const metrics = new Metrics();
  const app = buildApp(config, {
    telemetry: metrics,
    store,
    tokenizer,
    knowledge: knowledge.knowledge,
    ...(openai ? { model: new OpenAIChatModel(openai) } : {}),
    logger,
  });
  const adapter = await SlackAdapter.create({
    app,
    botToken: slack.botToken,
    signingSecret: slack.signingSecret,
    ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
    port: 0,
    customRoutes: healthRoutes(app, metrics),
    logger,
    editIntervalMs: config.streaming.editIntervalMs,
    shortAnswerMs: config.streaming.shortAnswerMs,
    ...(options.nativeStreaming !== undefined ? { nativeStreaming: options.nativeStreaming } : {}),
    // No retries: against the fakes a refused call is a bug to see at once, not to wait out.
    retryConfig: { retries: 0 },
  });
  const { port } = await adapter.start();
  return {
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    stop: async () => {
      await adapter.stop();
      await knowledge.close();
      await store.close();
    },
  };
}
