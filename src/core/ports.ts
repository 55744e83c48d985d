/**
 * Ports: what the core needs from the outside world. Providers and adapters implement these; only
 * the entry file (`src/index.ts`) wires real implementations in (as discord.js `packages/core`
 * takes `gateway` and `rest` from outside).
 */
import type { ChannelScope, ChatMessage, Platform, Route, TokenUsage, UserRef } from './types';

/** A small logger interface; pino sits underneath in production. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * JSON document storage with atomic read-modify-write. Backends: SQLite (one process), Redis and
 * PostgreSQL (several processes may share one). Values must be JSON-serialisable.
 */
export interface DocumentStore {
  /** `sqlite`, `redis` or `postgres`: shown by /healthz. */
  readonly kind: string;
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /**
   * Read-modify-write under a lock that holds across every process sharing the backend: two
   * concurrent updates of one key never lose either change. `mutate` may throw to abort; then
   * nothing is written and the error propagates. `mutate` may run more than once (when a
   * `setIfAbsent` of the same key lands between its read and its write), so it must do nothing
   * but compute the new value. Without `ttlMs` the document keeps the expiry it had (none for a new
   * one); with it, every update makes the document expire `ttlMs` after this write (a document that
   * lives while it is in use, e.g. a conversation's queue).
   */
  update<T>(key: string, mutate: (current: T | undefined) => T | Promise<T>, ttlMs?: number): Promise<T>;
  /**
   * Store `value` only when `key` is absent (or expired); true when this call stored it (the
   * once-per-message claim). One atomic backend operation, no lock: it is on every message's path.
   */
  setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
  /**
   * Adds 1 to the counter `key` and returns the new count: a counter starts at 1 and lapses
   * `ttlMs` after it started (a fixed window; rate limits count in these). One atomic backend
   * operation, shared by every process on the backend. Counters live apart from documents: `get`,
   * `set` and `delete` of the same key never see them.
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly signal?: AbortSignal;
  /**
   * Groups requests that share a prompt prefix so the provider's prompt cache finds it (OpenAI's
   * `prompt_cache_key`); sent only where config allows it.
   */
  readonly cacheKey?: string;
}

export type ChatStreamEvent =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly usage?: TokenUsage; readonly finishReason?: string };

/**
 * A chat model that streams. Failures are thrown as `UserError`s with model error codes
 * (unavailable, rate limited, timeout, rejected), already phrased for the user.
 */
export interface ChatModel {
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
}

/** Turns texts into vectors; the vector size comes from the provider's response. */
export interface Embedder {
  /** `caller`: the channel whose document or question this is; the call's usage is counted there. */
  embed(texts: readonly string[], caller?: ChannelScope): Promise<number[][]>;
}

/** Counts tokens the way the model will (a real tokenizer, not a character estimate). */
export interface Tokenizer {
  count(text: string): number;
}

/** One passage found in a knowledge base, with what a citation needs. */
export interface Passage {
  readonly docId: string;
  readonly chunkId: string;
  readonly title: string;
  readonly text: string;
  readonly url?: string;
  /** Where in the source: a heading path, page or section. */
  readonly location?: string;
  readonly score: number;
}

export interface KnowledgeDocument {
  readonly id: string;
  readonly kbId: string;
  readonly title: string;
  readonly source: string;
  readonly url?: string;
  readonly chunks: number;
  readonly addedBy: string;
  readonly addedAt: string;
}

/** What `/kb add` hands the knowledge base: pasted text, a URL to fetch, or an uploaded file. */
export type KnowledgeSource =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly name: string; readonly contentType?: string; readonly bytes: Uint8Array };

export interface AddedDocument extends KnowledgeDocument {
  /** True when the same source was already there and has been replaced. */
  readonly replaced: boolean;
}

/**
 * A channel's knowledge: sources in, passages out. `caller` is the channel whose command or message
 * causes the work: embedding calls it makes are counted as that channel's usage.
 */
export interface KnowledgeIndex {
  /** Resolves once the document is searchable. Bad input is a `UserError` and changes nothing. */
  add(kbId: string, source: KnowledgeSource, addedBy: string, caller?: ChannelScope): Promise<AddedDocument>;
  remove(kbId: string, docId: string): Promise<boolean>;
  list(kbId: string): Promise<KnowledgeDocument[]>;
  /**
   * Best passages first. `score` is a relevance from 0 to 1 comparable across queries, which the
   * relevance threshold (config `retrieval.minScore`) is applied to.
   */
  search(kbIds: readonly string[], query: string, limit: number, caller?: ChannelScope): Promise<Passage[]>;
}

/** Who may change state. Each adapter implements it from its platform's roles. */
export interface Permissions {
  isAdmin(user: UserRef, scope: ChannelScope): Promise<boolean>;
}

/** How one chat message ended, as counted by the metrics. */
/** `limited`: over a rate limit (`rateLimits`), not sent to the model. */
export type MessageOutcome = 'ok' | 'offline' | 'error' | 'ignored' | 'duplicate' | 'limited';

export interface MessageMeasure {
  readonly platform: Platform;
  readonly outcome: MessageOutcome;
  readonly route?: Exclude<Route, 'auto'>;
  /** Message received → answer complete, for answered messages. */
  readonly latencyMs?: number;
  readonly usage?: TokenUsage;
  /** The error code of a failed answer. */
  readonly errorCode?: string;
}

export interface CommandMeasure {
  readonly platform: Platform;
  readonly family: string;
  readonly outcome: 'ok' | 'refused' | 'error';
  readonly errorCode?: string;
}

/**
 * What the core reports for /metrics. The core measures once, for every platform; a provider
 * (prom-client) turns it into Prometheus series.
 */
export interface Telemetry {
  message(measure: MessageMeasure): void;
  command(measure: CommandMeasure): void;
}

export const noTelemetry: Telemetry = { message: () => undefined, command: () => undefined };

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Posts a message in a channel from the background, outside any reply: fine-tuning progress and
 * results, model-shutdown warnings (evaluation reports may use it too). Each platform adapter
 * registers its own into the app's `ChannelPosters` when it starts.
 */
export interface ChannelPoster {
  post(scope: ChannelScope, text: string): Promise<void>;
}

/** A fine-tuning job's state as the core understands it; `unknown` keeps a status no provider documented. */
export type FineTuneStatus = 'validating' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';

export interface FineTuneJobState {
  readonly id: string;
  readonly status: FineTuneStatus;
  /** The provider's own word for the status, shown where ours is `unknown`. */
  readonly providerStatus: string;
  readonly fineTunedModel?: string;
  /** Why it failed, as the provider said it. */
  readonly error?: string;
}

export interface FineTuneEvent {
  readonly at: string;
  readonly message: string;
}

export interface FineTuneCheckpoint {
  readonly step: number;
  readonly trainLoss?: number;
  readonly validLoss?: number;
}

export interface FineTuneRequest {
  readonly model: string;
  readonly trainingFile: string;
  readonly epochs: number;
  /** Part of the fine-tuned model's name (from the channel name). */
  readonly suffix: string;
  /** Which channel the job belongs to, kept with the job at the provider. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Where fine-tuning jobs run: OpenAI's `/files` + `/fine_tuning/jobs` API (OpenAI, Azure OpenAI and
 * compatible servers) or Together AI's `/files` + `/fine-tunes`. Failures are `UserError`s.
 */
export interface FineTuner {
  /** `openai` or `together`, as FINETUNE_PROVIDER names it. */
  readonly provider: string;
  /** Uploads the training set (chat JSONL) for fine-tuning; resolves to the provider's file id. */
  upload(fileName: string, jsonl: string): Promise<string>;
  create(request: FineTuneRequest): Promise<FineTuneJobState>;
  retrieve(jobId: string): Promise<FineTuneJobState>;
  /** Newest last, at most `limit`. */
  events(jobId: string, limit: number): Promise<FineTuneEvent[]>;
  /** Where the provider reports them (OpenAI); else empty. */
  checkpoints(jobId: string): Promise<FineTuneCheckpoint[]>;
  cancel(jobId: string): Promise<FineTuneJobState>;
}

/**
 * A claim on one piece of background work (polling one job, sending one warning) that holds across
 * every process sharing the store while it is held, and lapses by itself when its holder dies.
 */
export interface Lease {
  /** True when this process now holds `key` for `ttlMs`. */
  acquire(key: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease this process holds; false when it was lost. */
  renew(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

/** What a process does with the notices of a `ChangeFeed`. */
export interface ChangeListener {
  /** Some process (this one too) changed what `topic` names: re-read it before relying on a copy. */
  changed(topic: string): void;
  /** Notices may have been missed (the feed's connection dropped and came back): forget every copy. */
  missed(): void;
}

/**
 * Notices that shared state changed, between every process on one store, so a copy cached in one
 * process is dropped as soon as another changes the original (Redis PUBLISH/SUBSCRIBE, PostgreSQL
 * LISTEN/NOTIFY; in-process on SQLite, which serves one process). A notice is a topic only, sent
 * once per change, never per read: readers keep their caches, so reads cost nothing extra. Delivery
 * is best effort; a reader's cache timeout still bounds how long a missed notice can matter.
 */
export interface ChangeFeed {
  /** Tells every subscriber, in every process, that `topic` changed. */
  publish(topic: string): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}
