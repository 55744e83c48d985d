/**
 * `npx tsx bench/retrieval-scale.ts [--chunks 200000] [--queries 300]`
 *
 * Lexical search at scale on synthetic text: chunks of 80–250 words drawn from a Zipfian
 * vocabulary (exponent 1.07, 60,000 words, the most frequent ones real English function words as
 * in real text), stored in a temporary SQLite file, then the index reopened (start-up path) and
 * queried with short questions (3–8 words) and long pasted passages (120–250 words, like ArguAna's
 * arguments). Prints ingestion and reopen time, query latency p50/p95 per kind, and memory.
 * Seeded, so runs are comparable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from './eval';
import { LexicalIndex } from '../src/providers/retrieval/lexical-index';
import { ms } from './stats';
import { seededRandom } from '../src/core/evaluation/scoring';

const VOCABULARY = 60_000;
const ZIPF_EXPONENT = 1.07;
const BATCH = 2000;
const KB_COUNT = 20;
const FUNCTION_WORDS =
  'the of and to a in is that for it as was with be by on not he this are or his from at which but have an they you were her she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ner',
  'sta',
  'vi',
  'to',
  'ral',
  'en',
  'qua',
  'dor',
  'pe',
  'lin',
  'gra',
  'mo',
  'tus',
  'ber',
  'chi',
  'fon',
  'sel',
  'ax',
  'rim',
  'ol',
  'tre',
  'um',
  'zen',
  'ward',
  'ic',
  'ly',
  'ment',
];

function parseArgs(argv: readonly string[]): { chunks: number; queries: number } {
  const options = { chunks: 200_000, queries: 300 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = Number(argv[i + 1]);
    if ((name !== '--chunks' && name !== '--queries') || !Number.isInteger(value) || value < 1) {
      throw new Error('usage: tsx bench/retrieval-scale.ts [--chunks N] [--queries N]');
    }
    options[name === '--chunks' ? 'chunks' : 'queries'] = value;
  }
  return options;
}

function buildVocabulary(random: () => number): string[] {
  const words = new Set<string>(FUNCTION_WORDS);
  while (words.size < VOCABULARY) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i += 1) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)]!;
    words.add(word);
  }
  return [...words];
}

function zipfSampler(size: number, random: () => number): () => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / (rank + 1) ** ZIPF_EXPONENT;
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const { chunks, queries } = parseArgs(process.argv.slice(2));
  const random = seededRandom(42);
  const vocabulary = buildVocabulary(random);
  const sampleRank = zipfSampler(vocabulary.length, random);
  const passage = (min: number, max: number): string => {
    const length = min + Math.floor(random() * (max - min + 1));
    const words: string[] = [];
    for (let i = 0; i < length; i += 1) words.push(vocabulary[sampleRank()]!);
    return words.join(' ');
  };

  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'channelwise-scale-'));
  const file = path.join(tempDir, 'knowledge.sqlite');
  try {
    const startIndex = performance.now();
    const builder = await LexicalIndex.openSqlite(file);
    for (let start = 0; start < chunks; start += BATCH) {
      const batch = [];
      for (let i = start; i < Math.min(chunks, start + BATCH); i += 1) {
        const docId = `doc${Math.floor(i / 8)}`;
        batch.push({ kbId: `kb${i % KB_COUNT}`, docId, chunkId: `${docId}#${i % 8}`, title: passage(2, 6), text: passage(80, 250) });
      }
      await builder.add(batch);
    }
    const indexSeconds = (performance.now() - startIndex) / 1000;
    await builder.close();

    const startOpen = performance.now();
    const index = await LexicalIndex.openSqlite(file);
    const openSeconds = (performance.now() - startOpen) / 1000;
    console.log(
      `index: ${index.size} synthetic chunks (${KB_COUNT} knowledge bases) built in ${indexSeconds.toFixed(1)} s; ` + `reopen ${openSeconds.toFixed(1)} s`,
    );

    // Short questions use mid-frequency words (what people ask about), long ones are passages.
    const shortQuery = (): string => {
      const words: string[] = [];
      const length = 3 + Math.floor(random() * 6);
      for (let i = 0; i < length; i += 1) words.push(vocabulary[FUNCTION_WORDS.length + Math.floor(random() * 5000)]!);
      return words.join(' ');
    };
    const kinds = {
      short: Array.from({ length: queries }, shortQuery),
      long: Array.from({ length: queries }, () => passage(120, 250)),
    };
    const all: number[] = [];
    for (const [kind, texts] of Object.entries(kinds)) {
      for (const scope of ['all', 'one kb'] as const) {
        const latencies: number[] = [];
        for (const text of texts) {
          const started = performance.now();
          await index.search(text, 10, scope === 'all' ? undefined : ['kb3']);
          latencies.push(performance.now() - started);
        }
        all.push(...latencies);
        console.log(
          `${kind} queries, ${scope}, top 10: p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, ` +
            `max ${ms(Math.max(...latencies))}`,
        );
      }
    }
    console.log(`all queries: p95 ${ms(percentile(all, 95))}`);
    const memory = process.memoryUsage();
    console.log(`memory: rss ${mb(memory.rss)}, heap used ${mb(memory.heapUsed)}, array buffers ${mb(memory.arrayBuffers)}`);
    await index.close();
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
