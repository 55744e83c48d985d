/**
 * The in-memory inverted index behind lexical search: one postings list per term (document slots
 * and term counts in typed arrays), scored term-at-a-time into a reused accumulator. Storage-free:
 * `LexicalIndex` persists chunks and feeds this on open, so any backend (SQLite now, PostgreSQL
 * later) can sit behind it.
 *
 * Documents live in numbered slots and belong to a group (a knowledge base), numbered from 1;
 * group 0 marks a removed slot, so one array read answers both "removed?" and "in the filter?".
 */
import { bm25Idf, DEFAULT_BM25, validateBm25Params, type Bm25Params } from './bm25';

/** A document's distinct terms and how often each occurs; `length` counts every occurrence. */
export interface TermCounts {
  readonly terms: readonly string[];
  readonly counts: readonly number[];
  readonly length: number;
}

export interface SlotHit {
  readonly slot: number;
  readonly score: number;
}

const REMOVED = 0;
const MAX_TERM_COUNT = 0xffff;
/** Rebuild postings once removed documents make up this share of them. */
const COMPACT_RATIO = 0.25;
const COMPACT_MIN_DEAD = 10_000;

export function countTerms(terms: readonly string[]): TermCounts {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return { terms: [...counts.keys()], counts: [...counts.values()], length: terms.length };
}

function grownUint32(array: Uint32Array<ArrayBuffer>, needed: number): Uint32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const next = new Uint32Array(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}

function grownFloat32(array: Float32Array<ArrayBuffer>, needed: number): Float32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const next = new Float32Array(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}

class Postings {
  slots = new Uint32Array(4);
  counts = new Uint16Array(4);
  size = 0;
  /** Live documents containing the term (removed ones may still sit in `slots` until compaction). */
  documentFrequency = 0;

  push(slot: number, count: number): void {
    if (this.size === this.slots.length) {
      const slots = new Uint32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
      const counts = new Uint16Array(this.size * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.slots[this.size] = slot;
    this.counts[this.size] = Math.min(count, MAX_TERM_COUNT);
    this.size += 1;
  }

  /** Drops postings of removed slots; returns how many were dropped. */
  compact(groups: Uint32Array): number {
    let kept = 0;
    for (let i = 0; i < this.size; i += 1) {
      const slot = this.slots[i]!;
      if (groups[slot] === REMOVED) continue;
      this.slots[kept] = slot;
      this.counts[kept] = this.counts[i]!;
      kept += 1;
    }
    const dropped = this.size - kept;
    this.size = kept;
    return dropped;
  }
}

/** Min-heap of the best `capacity` (score, slot) pairs; ties go to the lower slot (added first). */
export class TopK {
  private readonly scores: Float64Array;
  private readonly slots: Uint32Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.slots = new Uint32Array(capacity);
  }

  /** True when (a, slotA) ranks below (b, slotB). */
  private static worse(a: number, slotA: number, b: number, slotB: number): boolean {
    return a < b || (a === b && slotA > slotB);
  }

  offer(score: number, slot: number): void {
    if (this.size < this.capacity) {
      let i = this.size;
      this.size += 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(score, slot, this.scores[parent]!, this.slots[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.slots[i] = this.slots[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    if (!TopK.worse(this.scores[0]!, this.slots[0]!, score, slot)) return;
    this.siftDownFromRoot(score, slot);
  }

  private siftDownFromRoot(score: number, slot: number): void {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      let child = left;
      if (right < this.size && TopK.worse(this.scores[right]!, this.slots[right]!, this.scores[left]!, this.slots[left]!)) {
        child = right;
      }
      if (!TopK.worse(this.scores[child]!, this.slots[child]!, score, slot)) break;
      this.scores[i] = this.scores[child]!;
      this.slots[i] = this.slots[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }

  /** Best first. */
  drain(): SlotHit[] {
    const hits: SlotHit[] = [];
    for (let i = 0; i < this.size; i += 1) hits.push({ slot: this.slots[i]!, score: this.scores[i]! });
    return hits.sort((a, b) => b.score - a.score || a.slot - b.slot);
  }
}

export class InvertedIndex {
  private readonly params: Bm25Params;
  private readonly termIds = new Map<string, number>();
  private readonly postings: Postings[] = [];
  private groups = new Uint32Array(1024);
  private lengths = new Float32Array(1024);
  private slotCount = 0;
  private maxGroup = 0;
  private liveCount = 0;
  private totalLength = 0;
  private livePostings = 0;
  private deadPostings = 0;
  /** k1·(1 − b + b·length/avgLength) per slot; recomputed lazily after the collection changes. */
  private norms = new Float32Array(0);
  private normsStale = true;
  private accumulator = new Float32Array(0);
  private touched = new Uint32Array(0);

  constructor(params: Bm25Params = DEFAULT_BM25) {
    validateBm25Params(params);
    this.params = params;
  }

  get documentCount(): number {
    return this.liveCount;
  }

  get termCount(): number {
    return this.termIds.size;
  }

  /**
   * The score a document would approach if it contained every query term very often: the sum of
   * the query terms' weights (terms no document has count at the highest idf). Dividing a hit's
   * score by it gives a relevance from 0 to 1 that is comparable between queries.
   */
  scoreBound(query: ReadonlyMap<string, number>): number {
    let bound = 0;
    for (const [term, count] of query) {
      const termId = this.termIds.get(term);
      const df = termId === undefined ? 0 : Math.max(0, this.postings[termId]!.documentFrequency);
      bound += count * bm25Idf(Math.max(1, this.liveCount), df);
    }
    return bound;
  }

  /** Adds a document to `group` (≥ 1) and returns its slot. */
  add(group: number, document: TermCounts): number {
    if (!Number.isInteger(group) || group < 1) throw new RangeError(`group must be an integer ≥ 1, got ${group}`);
    const slot = this.slotCount;
    this.slotCount += 1;
    this.groups = grownUint32(this.groups, this.slotCount);
    this.lengths = grownFloat32(this.lengths, this.slotCount);
    this.groups[slot] = group;
    this.maxGroup = Math.max(this.maxGroup, group);
    this.lengths[slot] = document.length;
    const { terms, counts } = document;
    for (let i = 0; i < terms.length; i += 1) {
      const term = terms[i]!;
      let termId = this.termIds.get(term);
      if (termId === undefined) {
        termId = this.postings.length;
        this.termIds.set(term, termId);
        this.postings.push(new Postings());
      }
      const postings = this.postings[termId]!;
      postings.push(slot, counts[i] ?? 1);
      postings.documentFrequency += 1;
    }
    this.liveCount += 1;
    this.totalLength += document.length;
    this.livePostings += document.terms.length;
    this.normsStale = true;
    return slot;
  }

  /** Removes the document in `slot`; `terms` are its distinct terms (as given to `add`). */
  remove(slot: number, terms: readonly string[]): void {
    if (slot >= this.slotCount || this.groups[slot] === REMOVED) return;
    for (const term of terms) {
      const termId = this.termIds.get(term);
      if (termId !== undefined) this.postings[termId]!.documentFrequency -= 1;
    }
    this.groups[slot] = REMOVED;
    this.liveCount -= 1;
    this.totalLength -= this.lengths[slot]!;
    this.livePostings -= terms.length;
    this.deadPostings += terms.length;
    this.normsStale = true;
    if (this.deadPostings >= COMPACT_MIN_DEAD && this.deadPostings > COMPACT_RATIO * (this.livePostings + this.deadPostings)) {
      this.compact();
    }
  }

  /** Drops removed documents from every postings list. */
  compact(): void {
    for (const postings of this.postings) postings.compact(this.groups);
    this.deadPostings = 0;
  }

  /**
   * The best `limit` slots for a query given as term → count in the query, restricted to slots
   * whose group passes `allowGroup` (all groups when omitted). Only documents sharing at least one
   * term with the query are returned.
   */
  search(query: ReadonlyMap<string, number>, limit: number, allowGroup?: (group: number) => boolean): SlotHit[] {
    if (limit <= 0 || this.liveCount === 0) return [];
    const groupFilter = this.groupMask(allowGroup);
    if (groupFilter === 'none') return [];
    this.refreshNorms();

    // Rarest terms first: their postings are short and they carry most of the score.
    const queryTerms: { postings: Postings; weight: number }[] = [];
    for (const [term, count] of query) {
      const termId = this.termIds.get(term);
      if (termId === undefined) continue;
      const postings = this.postings[termId]!;
      if (postings.documentFrequency <= 0) continue;
      queryTerms.push({ postings, weight: count * bm25Idf(this.liveCount, postings.documentFrequency) });
    }
    if (queryTerms.length === 0) return [];
    queryTerms.sort((a, b) => a.postings.documentFrequency - b.postings.documentFrequency);

    const accumulator = this.accumulator;
    const touched = this.touched;
    const groups = this.groups;
    const norms = this.norms;
    let touchedCount = 0;
    for (const { postings, weight } of queryTerms) {
      const slots = postings.slots;
      const counts = postings.counts;
      const size = postings.size;
      for (let i = 0; i < size; i += 1) {
        const slot = slots[i]!;
        const group = groups[slot]!;
        if (group === REMOVED || (groupFilter !== 'all' && groupFilter[group] !== 1)) continue;
        const count = counts[i]!;
        const previous = accumulator[slot]!;
        if (previous === 0) touched[touchedCount++] = slot;
        accumulator[slot] = previous + (weight * count) / (count + norms[slot]!);
      }
    }

    const top = new TopK(Math.min(limit, touchedCount));
    for (let i = 0; i < touchedCount; i += 1) {
      const slot = touched[i]!;
      top.offer(accumulator[slot]!, slot);
      accumulator[slot] = 0;
    }
    return top.drain();
  }

  /** 'all' when no filter applies, 'none' when it excludes every group, else a lookup by group. */
  private groupMask(allowGroup?: (group: number) => boolean): Uint8Array | 'all' | 'none' {
    if (!allowGroup) return 'all';
    const maxGroup = this.maxGroup;
    const mask = new Uint8Array(maxGroup + 1);
    let any = false;
    for (let group = 1; group <= maxGroup; group += 1) {
      if (allowGroup(group)) {
        mask[group] = 1;
        any = true;
      }
    }
    return any ? mask : 'none';
  }

  private refreshNorms(): void {
    if (this.accumulator.length < this.slotCount) {
      this.accumulator = new Float32Array(this.lengths.length);
      this.touched = new Uint32Array(this.lengths.length);
    }
    if (!this.normsStale) return;
    if (this.norms.length < this.slotCount) this.norms = new Float32Array(this.lengths.length);
    const { k1, b } = this.params;
    const averageLength = this.liveCount > 0 ? this.totalLength / this.liveCount : 1;
    for (let slot = 0; slot < this.slotCount; slot += 1) {
      this.norms[slot] = k1 * (1 - b + (b * this.lengths[slot]!) / (averageLength || 1));
    }
    this.normsStale = false;
  }
}
