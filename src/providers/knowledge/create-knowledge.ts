/** Builds the knowledge service the config asks for. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../config';
import type { Clock, DocumentStore, KnowledgeIndex, Logger, Tokenizer } from '../../core/ports';
import { LexicalIndex } from '../retrieval/lexical-index';
import { IndexedKnowledge } from './indexed-knowledge';

export interface KnowledgeHandle {
  readonly knowledge: KnowledgeIndex;
  close(): Promise<void>;
}

/**
 * The index lives in an SQLite file beside the store's file (or under `data/` when the store is
 * Redis or PostgreSQL).
 */
export function knowledgeIndexFile(config: AppConfig, cwd: string): string {
  return config.store.kind === 'sqlite'
    ? path.join(path.dirname(config.store.path), 'knowledge.sqlite')
    : path.resolve(cwd, 'data', 'knowledge.sqlite');
}

export async function createKnowledge(
  config: AppConfig,
  deps: { store: DocumentStore; tokenizer: Tokenizer; logger: Logger; clock: Clock; indexFile: string },
): Promise<KnowledgeHandle> {
  mkdirSync(path.dirname(deps.indexFile), { recursive: true });
  const lexical = await LexicalIndex.openSqlite(deps.indexFile);
  const knowledge = new IndexedKnowledge({
    catalog: deps.store,
    lexical,
    tokenizer: deps.tokenizer,
    limits: {
      documentChars: config.limits.documentChars,
      chunking: { maxTokens: config.knowledge.chunkTokens, overlapTokens: config.knowledge.chunkOverlapTokens },
      fetch: {
        timeoutMs: config.knowledge.urlTimeoutMs,
        maxBytes: config.knowledge.urlBytes,
        maxRedirects: config.knowledge.urlMaxRedirects,
        allowPrivate: config.knowledge.allowPrivateUrls,
      },
    },
    logger: deps.logger.child({ component: 'knowledge' }),
    clock: deps.clock,
  });
  return { knowledge, close: () => lexical.close() };
}
