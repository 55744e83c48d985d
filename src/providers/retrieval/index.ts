export { createAnalyzer, defaultAnalyzer, type Analyzer, type AnalyzerOptions } from './analysis';
export { DEFAULT_BM25, type Bm25Params } from './bm25';
export type { ChunkChanges, ChunkInput, ChunkStore, StoredChunk } from './chunk-store';
export {
  LexicalIndex,
  DEFAULT_ANALYZER_VERSION,
  MAX_SEARCH_LIMIT,
  type LexicalHit,
  type LexicalIndexOptions,
} from './lexical-index';
export { SqliteChunkStore } from './sqlite-chunk-store';
export { DEFAULT_REFRESH_INTERVAL_MS } from './store-mirror';
export { PostgresChunkStore } from './postgres-chunk-store';
export { DEFAULT_TABLE_PREFIX, type PostgresRetrievalOptions } from './postgres-tables';
export { MAX_VECTOR_SEARCH_LIMIT, type VectorEntry, type VectorHit, type VectorIndex } from './vector-index';
export { StoredVectorIndex, type VectorIndexOptions, type VectorStore } from './stored-vector-index';
export { SqliteVectorStore } from './sqlite-vector-store';
export { PostgresVectorStore } from './postgres-vector-store';
export { rrf, type FusedItem } from './rrf';
