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
   * but compute the new value.
   */
  update<T>(key: string, mutate: (current: T | undefined) => T | Promise<T>): Promise<T>;
  /**
   * Store `value` only when `key` is absent (or expired); true when this call stored it (the
   * once-per-message claim). One atomic backend operation, no lock: it is on every message's path.
   */
  setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
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
export type MessageOutcome = 'ok' | 'offline' | 'error' | 'ignored' | 'duplicate';

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
