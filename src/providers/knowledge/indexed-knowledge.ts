/**
 * The channel knowledge bases behind the core's `KnowledgeIndex` port: sources are read
 * (text, URL, file), chunked along their structure, and indexed for BM25 (and, when an embedding
 * model is configured, for vector search, fused with reciprocal-rank fusion). A small catalogue in
 * the document store lists each knowledge base's documents; the same source added again replaces
 * its document (keeping its id) instead of duplicating it.
 */
import { tooLarge } from '../../core/errors';
import type { ChannelScope } from '../../core/types';
import type { AddedDocument, Clock, DocumentStore, KnowledgeDocument, KnowledgeIndex, KnowledgeSource, Logger, Passage, Tokenizer } from '../../core/ports';
import { chunkDocument, type ChunkingOptions } from '../ingest/chunk';
import type { ExtractedDocument } from '../ingest/document';
import { extractDocument } from '../ingest/extract';
import { fetchUrl, type FetchLimits } from '../ingest/fetch-url';
import { extractMarkdown } from '../ingest/markdown';
import type { LexicalHit, LexicalIndex } from '../retrieval/lexical-index';
import { rrf } from '../retrieval/algorithms/rrf';
import { KeyedMutex } from '../shared/keyed-mutex';
import type { VectorSearch } from './vector-search';

export interface KnowledgeLimits {
  /** Largest extracted text of one document, in characters. */
  readonly documentChars: number;
  readonly chunking: ChunkingOptions;
  readonly fetch: FetchLimits;
}

interface Catalog {
  nextId: number;
  documents: KnowledgeDocument[];
}

export interface IndexedKnowledgeDeps {
  readonly catalog: DocumentStore;
  readonly lexical: LexicalIndex;
  /** Present when an embedding model is configured: hybrid retrieval. */
  readonly vectors?: VectorSearch;
  readonly tokenizer: Tokenizer;
  readonly limits: KnowledgeLimits;
  readonly logger: Logger;
  readonly clock: Clock;
}

interface ReadSource {
  readonly extracted: ExtractedDocument;
  /** Identity of the source: the same identity replaces the earlier document. */
  readonly identity: string;
  readonly label: string;
  readonly url?: string;
}

/** How many candidates each ranking contributes before fusion and the threshold. */
const CANDIDATES_PER_RESULT = 4;

export class IndexedKnowledge implements KnowledgeIndex {
  /** Adds to one knowledge base run one at a time, so the same source added twice at once is still one document. */
  private readonly adding = new KeyedMutex();

  constructor(private readonly deps: IndexedKnowledgeDeps) {}

  private catalogKey(kbId: string): string {
    return `kb-catalog:${kbId}`;
  }

  private async read(source: KnowledgeSource): Promise<ReadSource> {
    switch (source.kind) {
      case 'text': {
        const extracted = extractMarkdown(source.text, 'Pasted text');
        // Pasted text is identified by its title (first line): pasting an updated version of the
        // same note replaces it.
        return { extracted, identity: `text:${extracted.title.toLowerCase()}`, label: extracted.title };
      }
      case 'url': {
        const fetched = await fetchUrl(source.url, this.deps.limits.fetch);
        const extracted = await extractDocument({
          bytes: fetched.bytes,
          name: new URL(fetched.url).pathname || fetched.url,
          ...(fetched.contentType ? { contentType: fetched.contentType } : {}),
        });
        const url = new URL(source.url);
        url.hash = '';
        return { extracted, identity: `url:${url.toString()}`, label: extracted.title, url: fetched.url };
      }
      case 'file': {
        const extracted = await extractDocument({
          bytes: source.bytes,
          name: source.name,
          ...(source.contentType ? { contentType: source.contentType } : {}),
        });
        return { extracted, identity: `file:${source.name.toLowerCase()}`, label: source.name };
      }
    }
  }

  add(kbId: string, source: KnowledgeSource, addedBy: string, caller?: ChannelScope): Promise<AddedDocument> {
    return this.adding.run(kbId, () => this.addNow(kbId, source, addedBy, caller));
  }

  private async addNow(kbId: string, source: KnowledgeSource, addedBy: string, caller: ChannelScope | undefined): Promise<AddedDocument> {
    const read = await this.read(source);
    const fullText = read.extracted.blocks.map((b) => b.text).join('\n\n');
    if (fullText.length > this.deps.limits.documentChars) {
      throw tooLarge(`The text of ${read.label}`, { actual: fullText.length, limit: this.deps.limits.documentChars, unit: 'characters' });
    }
    const chunks = chunkDocument(read.extracted, this.deps.tokenizer, this.deps.limits.chunking);

    // Reserve the id (or find the document this source replaces) first, index, then publish the
    // catalogue entry: a failure while indexing leaves the catalogue as it was.
    const catalog = (await this.deps.catalog.get<Catalog>(this.catalogKey(kbId))) ?? { nextId: 1, documents: [] };
    const existing = catalog.documents.find((d) => d.source === read.identity);
    let docId = existing?.id;
    if (!docId) {
      await this.deps.catalog.update<Catalog>(this.catalogKey(kbId), (current) => {
        const next: Catalog = current ? structuredClone(current) : { nextId: 1, documents: [] };
        docId = `d${next.nextId++}`;
        return next;
      });
    }
    const id = docId!;
    await this.deps.lexical.remove(kbId, id);
    await this.deps.lexical.add(
      chunks.map((chunk, i) => ({
        kbId,
        docId: id,
        chunkId: `${id}#${i + 1}`,
        title: read.extracted.title.replace(/\u0000/g, ''),
        text: chunk.text,
        ...(read.url ? { url: read.url } : {}),
        ...(chunk.location ? { location: chunk.location } : {}),
      })),
    );
    if (this.deps.vectors) {
      await this.deps.vectors.index(
        kbId,
        id,
        chunks.map((chunk, i) => ({ chunkId: `${id}#${i + 1}`, text: chunk.text })),
        caller,
      );
    }

    const entry: KnowledgeDocument = {
      id,
      kbId,
      title: read.extracted.title,
      source: read.identity,
      ...(read.url ? { url: read.url } : {}),
      chunks: chunks.length,
      addedBy,
      addedAt: this.deps.clock.now().toISOString(),
    };
    await this.deps.catalog.update<Catalog>(this.catalogKey(kbId), (current) => {
      const next: Catalog = current ? structuredClone(current) : { nextId: 1, documents: [] };
      next.documents = [...next.documents.filter((d) => d.id !== id && d.source !== read.identity), entry];
      return next;
    });
    this.deps.logger.info({ kbId, docId: id, chunks: chunks.length, replaced: Boolean(existing) }, 'document indexed');
    return { ...entry, replaced: Boolean(existing) };
  }

  async remove(kbId: string, docId: string): Promise<boolean> {
    let found = false;
    await this.deps.catalog.update<Catalog>(this.catalogKey(kbId), (current) => {
      const next: Catalog = current ? structuredClone(current) : { nextId: 1, documents: [] };
      found = next.documents.some((d) => d.id === docId);
      next.documents = next.documents.filter((d) => d.id !== docId);
      return next;
    });
    const removedChunks = await this.deps.lexical.remove(kbId, docId);
    if (this.deps.vectors) await this.deps.vectors.remove(kbId, docId);
    return found || removedChunks > 0;
  }

  async list(kbId: string): Promise<KnowledgeDocument[]> {
    const catalog = await this.deps.catalog.get<Catalog>(this.catalogKey(kbId));
    return catalog?.documents ?? [];
  }

  async search(kbIds: readonly string[], query: string, limit: number, caller?: ChannelScope): Promise<Passage[]> {
    if (kbIds.length === 0 || !query.trim()) return [];
    // Fusion needs a wider pool from each ranking; BM25 alone needs only what it returns (each hit
    // read back costs a row read).
    const candidates = this.deps.vectors ? Math.max(limit * CANDIDATES_PER_RESULT, 20) : limit;
    const lexicalHits = await this.deps.lexical.search(query, candidates, kbIds);
    const toPassage = (hit: LexicalHit, score: number): Passage => ({
      docId: hit.docId,
      chunkId: hit.chunkId,
      title: hit.title,
      text: hit.text,
      ...(hit.url ? { url: hit.url } : {}),
      ...(hit.location ? { location: hit.location } : {}),
      score,
    });

    if (!this.deps.vectors) return lexicalHits.map((hit) => toPassage(hit, hit.relevance));

    // Hybrid: fuse the BM25 and vector rankings; a passage's relevance is the better of its
    // normalised BM25 score and its cosine similarity.
    const vectorHits = await this.deps.vectors.search(kbIds, query, candidates, caller);
    const key = (kbId: string, chunkId: string) => `${kbId}\u0000${chunkId}`;
    const byKey = new Map<string, { hit?: LexicalHit; lexical: number; cosine: number }>();
    for (const hit of lexicalHits) byKey.set(key(hit.kbId, hit.chunkId), { hit, lexical: hit.relevance, cosine: 0 });
    for (const v of vectorHits) {
      const entry = byKey.get(key(v.kbId, v.chunkId)) ?? { lexical: 0, cosine: 0 };
      entry.cosine = v.score;
      byKey.set(key(v.kbId, v.chunkId), entry);
    }
    const fused = rrf([lexicalHits.map((h) => key(h.kbId, h.chunkId)), vectorHits.map((v) => key(v.kbId, v.chunkId))]);
    const missing = fused
      .slice(0, limit)
      .map((f) => f.id)
      .filter((k) => !byKey.get(k)?.hit);
    if (missing.length) {
      for (const chunk of await this.deps.vectors.chunks(missing.map((k) => k.split('\u0000') as [string, string]))) {
        const entry = byKey.get(key(chunk.kbId, chunk.chunkId));
        if (entry) entry.hit = { ...chunk, score: 0, relevance: 0 };
      }
    }
    return fused.slice(0, limit).flatMap((f) => {
      const entry = byKey.get(f.id);
      return entry?.hit ? [toPassage(entry.hit, Math.max(entry.lexical, entry.cosine))] : [];
    });
  }
}
