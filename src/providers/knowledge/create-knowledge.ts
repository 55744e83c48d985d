/** Builds the knowledge service from the options it is given (start-up maps config onto them). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StoreConfig } from '../../config';
import type { Clock, DocumentStore, Embedder, KnowledgeIndex, Logger, Tokenizer } from '../../core/ports';
import { LexicalIndex } from '../retrieval/lexical-index';
import type { PostgresRetrievalOptions } from '../retrieval/postgres/postgres-tables';
import { StoredVectorIndex } from '../retrieval/stored-vector-index';
import { IndexedKnowledge } from './indexed-knowledge';
import { EmbeddedVectorSearch } from './vector-search';

/** What the knowledge service needs; config `knowledge` plus `limits.documentChars` fit it as they are. */
export interface KnowledgeOptions {
  /** Largest extracted text of one document, in characters. */
  readonly documentChars: number;
  readonly chunkTokens: number;
  readonly chunkOverlapTokens: number;
  readonly urlBytes: number;
  readonly urlTimeoutMs: number;
  readonly urlMaxRedirects: number;
  /** Let URL fetching reach private, loopback and link-local addresses. */
  readonly allowPrivateUrls: boolean;
}

export interface KnowledgeHandle {
  readonly knowledge: KnowledgeIndex;
  close(): Promise<void>;
}

/**
 * Where the index lives: in PostgreSQL when the store is PostgreSQL (several processes share it),
 * otherwise in an SQLite file beside the store's file (or under `data/` for a Redis store).
 */
export type IndexLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'postgres';
      readonly options: PostgresRetrievalOptions;
      /** How stale another process's view may get before a search refreshes it (default 1 s). */
      readonly refreshIntervalMs?: number;
    };

export function knowledgeIndexLocation(store: StoreConfig, cwd: string): IndexLocation {
  switch (store.kind) {
    case 'postgres':
      return { kind: 'postgres', options: { url: store.url } };
    case 'sqlite':
      return { kind: 'sqlite', file: path.join(path.dirname(store.path), 'knowledge.sqlite') };
    case 'redis':
      return { kind: 'sqlite', file: path.resolve(cwd, 'data', 'knowledge.sqlite') };
  }
}

export async function createKnowledge(
  options: KnowledgeOptions,
  deps: {
    store: DocumentStore;
    tokenizer: Tokenizer;
    logger: Logger;
    clock: Clock;
    location: IndexLocation;
    /** Present when an embedding model is configured: hybrid retrieval. */
    embedder?: Embedder;
  },
): Promise<KnowledgeHandle> {
  const { location } = deps;
  if (location.kind === 'sqlite') mkdirSync(path.dirname(location.file), { recursive: true });
  const refresh = location.kind === 'postgres' && location.refreshIntervalMs !== undefined ? { refreshIntervalMs: location.refreshIntervalMs } : {};
  const lexical = location.kind === 'sqlite' ? await LexicalIndex.openSqlite(location.file) : await LexicalIndex.openPostgres(location.options, refresh);
  let vectors: StoredVectorIndex | undefined;
  if (deps.embedder) {
    vectors = location.kind === 'sqlite' ? await StoredVectorIndex.openSqlite(location.file) : await StoredVectorIndex.openPostgres(location.options, refresh);
  }
  const logger = deps.logger.child({ component: 'knowledge' });
  const knowledge = new IndexedKnowledge({
    catalog: deps.store,
    lexical,
    ...(deps.embedder && vectors ? { vectors: new EmbeddedVectorSearch(deps.embedder, vectors, lexical, logger) } : {}),
    tokenizer: deps.tokenizer,
    limits: {
      documentChars: options.documentChars,
      chunking: { maxTokens: options.chunkTokens, overlapTokens: options.chunkOverlapTokens },
      fetch: {
        timeoutMs: options.urlTimeoutMs,
        maxBytes: options.urlBytes,
        maxRedirects: options.urlMaxRedirects,
        allowPrivate: options.allowPrivateUrls,
      },
    },
    logger,
    clock: deps.clock,
  });
  return {
    knowledge,
    close: async () => {
      await vectors?.close();
      await lexical.close();
    },
  };
}
