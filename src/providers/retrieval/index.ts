export { createAnalyzer, defaultAnalyzer, type Analyzer, type AnalyzerOptions } from './analysis';
export { DEFAULT_BM25, type Bm25Params } from './bm25';
export type { ChunkInput, ChunkStore, StoredChunk } from './chunk-store';
export { LexicalIndex, DEFAULT_ANALYZER_VERSION, type LexicalHit, type LexicalIndexOptions } from './lexical-index';
export { SqliteChunkStore } from './sqlite-chunk-store';
export { rrf, type FusedItem } from './rrf';
