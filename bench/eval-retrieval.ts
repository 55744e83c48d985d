/**
 * `npm run eval:retrieval -- <folder in BEIR layout> [--k1 N] [--b N]`
 *
 * Indexes title + text of every corpus document with the default lexical retriever (SQLite file in
 * a temporary folder, exactly as the bot stores knowledge), runs every judged query, and scores by
 * the rules in shared/data/README.md: the query's own id is dropped from its ranking (BEIR
 * `ignore_identical_ids`), judged documents missing from the corpus count as misses, nDCG@10 and
 * Recall@100 are averaged over all judged queries. `--k1` / `--b` override BM25 for comparison
 * runs only; the reported figures use the defaults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_BM25, type Bm25Params } from '../src/providers/retrieval/algorithms/bm25';
import { meanOverQueries, ndcgAtK, percentile, recallAtK, withoutQueryId } from './eval';
import { LexicalIndex } from '../src/providers/retrieval/lexical-index';
import { readBeir } from './beir';
import { ms } from './stats';

const KB = 'benchmark';
const BATCH = 1000;

function parseArgs(argv: readonly string[]): { folder: string; bm25: Bm25Params } {
  let folder: string | undefined;
  let bm25: Bm25Params = DEFAULT_BM25;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--k1' || arg === '--b') {
      const value = Number(argv[i + 1]);
      if (!Number.isFinite(value)) throw new Error(`${arg} needs a number`);
      bm25 = arg === '--k1' ? { ...bm25, k1: value } : { ...bm25, b: value };
      i += 1;
    } else if (!folder) {
      folder = arg;
    } else {
      throw new Error(`unexpected argument ${arg}`);
    }
  }
  if (!folder) throw new Error('usage: npm run eval:retrieval -- <folder in BEIR layout> [--k1 N] [--b N]');
  return { folder, bm25 };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const { folder, bm25 } = parseArgs(process.argv.slice(2));
  const data = readBeir(folder);
  console.log(
    `data: ${data.corpus.length} documents, ${data.queries.length} queries, ${data.qrels.size} judged queries, ` +
      `${data.judgmentCount} judgments (${folder})`,
  );
  console.log(`bm25: k1 ${bm25.k1}, b ${bm25.b}${bm25 === DEFAULT_BM25 ? ' (defaults)' : ' (overridden)'}`);

  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'channelwise-eval-'));
  const file = path.join(tempDir, 'knowledge.sqlite');
  try {
    const startIndex = performance.now();
    const index = await LexicalIndex.openSqlite(file, { bm25 });
    for (let start = 0; start < data.corpus.length; start += BATCH) {
      await index.add(
        data.corpus.slice(start, start + BATCH).map((doc) => ({
          kbId: KB,
          docId: doc.id,
          chunkId: doc.id,
          title: doc.title,
          text: doc.text,
        })),
      );
    }
    const indexSeconds = (performance.now() - startIndex) / 1000;
    await index.close();

    // Reopening shows the start-up cost: postings rebuilt from the stored terms.
    const startOpen = performance.now();
    const reopened = await LexicalIndex.openSqlite(file, { bm25 });
    const openSeconds = (performance.now() - startOpen) / 1000;
    console.log(`index: ${reopened.size} chunks in ${indexSeconds.toFixed(2)} s (analysis, SQLite, postings); ` + `reopen ${openSeconds.toFixed(2)} s`);

    const queryText = new Map(data.queries.map((query) => [query.id, query.text]));
    const rankings = new Map<string, string[]>();
    const latencies: number[] = [];
    for (const queryId of data.qrels.keys()) {
      const text = queryText.get(queryId);
      if (text === undefined) continue;
      const started = performance.now();
      // 101: one more than Recall@100 needs, since the query's own document may be dropped.
      const hits = await reopened.search(text, 101, [KB]);
      latencies.push(performance.now() - started);
      rankings.set(
        queryId,
        withoutQueryId(
          hits.map((hit) => hit.docId),
          queryId,
        ),
      );
    }

    const ndcg = meanOverQueries(data.qrels, rankings, (ranking, judgments) => ndcgAtK(ranking, judgments, 10));
    const recall = meanOverQueries(data.qrels, rankings, (ranking, judgments) => recallAtK(ranking, judgments, 100));
    console.log(`nDCG@10: ${ndcg.toFixed(4)}`);
    console.log(`Recall@100: ${recall.toFixed(4)}`);
    console.log(
      `query latency (${latencies.length} queries, top 101 with text read back): p50 ${ms(percentile(latencies, 50))}, ` +
        `p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))}`,
    );
    const memory = process.memoryUsage();
    console.log(`memory: rss ${mb(memory.rss)}, heap used ${mb(memory.heapUsed)}, array buffers ${mb(memory.arrayBuffers)}`);
    await reopened.close();
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
