/**
 * A minimal knowledge index kept in the document store: paragraphs as passages, scored by term
 * overlap. It stands in behind the `KnowledgeIndex` port until the real index (BM25, hybrid
 * retrieval, file ingestion) replaces it; it is enough for `/kb add <text>` and the RAG route.
 */
import type { DocumentStore, KnowledgeDocument, KnowledgeIndex, NewDocument, Passage } from '../../core/ports';
import { similarity, terms } from '../../core/prompt/lexical';

interface StoredDocument extends KnowledgeDocument {
  readonly passages: readonly string[];
}

interface StoredKnowledgeBase {
  nextId: number;
  documents: StoredDocument[];
}

const PASSAGE_CHARS = 1200;

/** Split on blank lines, then pack paragraphs into passages of at most PASSAGE_CHARS. */
export function splitPassages(text: string): string[] {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const passages: string[] = [];
  let current = '';
  for (const paragraph of paragraphs) {
    for (let start = 0; start < paragraph.length; start += PASSAGE_CHARS) {
      const piece = paragraph.slice(start, start + PASSAGE_CHARS);
      if (current && current.length + piece.length + 2 > PASSAGE_CHARS) {
        passages.push(current);
        current = '';
      }
      current = current ? `${current}\n\n${piece}` : piece;
    }
  }
  if (current) passages.push(current);
  return passages;
}

export class SimpleKnowledgeIndex implements KnowledgeIndex {
  constructor(private readonly store: DocumentStore) {}

  private key(kbId: string): string {
    return `kb:${kbId}`;
  }

  async add(kbId: string, doc: NewDocument): Promise<KnowledgeDocument> {
    const passages = splitPassages(doc.text);
    let added!: StoredDocument;
    await this.store.update<StoredKnowledgeBase>(this.key(kbId), (current) => {
      const kb: StoredKnowledgeBase = current ? structuredClone(current) : { nextId: 1, documents: [] };
      // The same source again replaces its document (keeping its id) instead of duplicating it.
      const existing = kb.documents.find((d) => d.source === doc.source);
      const id = existing?.id ?? `d${kb.nextId++}`;
      added = {
        id,
        kbId,
        title: doc.title,
        source: doc.source,
        ...(doc.url ? { url: doc.url } : {}),
        chunks: passages.length,
        addedBy: doc.addedBy,
        addedAt: new Date().toISOString(),
        passages,
      };
      kb.documents = [...kb.documents.filter((d) => d.id !== id), added];
      return kb;
    });
    const { passages: _passages, ...summary } = added;
    return summary;
  }

  async remove(kbId: string, docId: string): Promise<boolean> {
    let removed = false;
    await this.store.update<StoredKnowledgeBase>(this.key(kbId), (current) => {
      const kb: StoredKnowledgeBase = current ? structuredClone(current) : { nextId: 1, documents: [] };
      const before = kb.documents.length;
      kb.documents = kb.documents.filter((d) => d.id !== docId);
      removed = kb.documents.length < before;
      return kb;
    });
    return removed;
  }

  async list(kbId: string): Promise<KnowledgeDocument[]> {
    const kb = await this.store.get<StoredKnowledgeBase>(this.key(kbId));
    return (kb?.documents ?? []).map(({ passages: _passages, ...summary }) => summary);
  }

  async search(kbIds: readonly string[], query: string, limit: number): Promise<Passage[]> {
    const queryTerms = terms(query);
    if (queryTerms.size === 0) return [];
    const found: Passage[] = [];
    for (const kbId of kbIds) {
      const kb = await this.store.get<StoredKnowledgeBase>(this.key(kbId));
      for (const doc of kb?.documents ?? []) {
        doc.passages.forEach((text, index) => {
          const score = similarity(queryTerms, terms(`${doc.title}\n${text}`));
          if (score > 0) {
            found.push({
              docId: doc.id,
              chunkId: `${doc.id}#${index + 1}`,
              title: doc.title,
              text,
              ...(doc.url ? { url: doc.url } : {}),
              ...(doc.passages.length > 1 ? { location: `part ${index + 1} of ${doc.passages.length}` } : {}),
              score,
            });
          }
        });
      }
    }
    return found.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}
