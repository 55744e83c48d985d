/**
 * `/eval run` at scale: 50 cases × 3 levers (prompt, fewshot, rag) through the real runner, the
 * real OpenAI client and hybrid retrieval, against the fake OpenAI server answering each chat
 * request after `latencyMs` (200 ms by default: a model's time to first token). What it shows: the
 * run's wall time is about answers × latency / concurrency (`evaluation.concurrency` in config),
 * and the requests it makes (chat and embeddings, counted by the fake). Half the cases need the
 * examples, half a passage of the knowledge base, so the score table is 0 / 0.5 / 1 by design.
 * The fake runs in a worker thread: its request validation does not share the runner's event loop.
 *
 *   npx tsx bench/lever-eval.ts [--concurrency <n> ...] [--latency <ms>]
 *
 * `--latency 0` shows what the run costs besides the model's time: planning (retrieval, token
 * counting), the client, metering and the store.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import { reportTextChart } from '../src/core/evaluation/report';
import type { EvalReport } from '../src/core/evaluation/runner';
import { channelKnowledgeBase } from '../src/core/profiles/resolve';
import { OpenAIChatModel } from '../src/providers/openai/chat-model';
import { OpenAIEmbedder } from '../src/providers/openai/embedder';
import { admin, makeTestApp, scopeA, testConfig, testTokenizer } from '../test/helpers/app';
import { evalAnswers, seedEvaluation, styleCases, type FakeCase } from '../test/helpers/fake-eval-answers';
import { FakeOpenAI } from '../test/helpers/fake-openai';
import { silentLogger } from '../test/helpers/logger';
import { fromMain, startBenchWorker, toMain } from './worker';

export const LEVERS = ['prompt', 'fewshot', 'rag'] as const;

/** Distinct words, so keyword retrieval finds each team's passage. */
const TEAMS =
  'otter heron badger falcon lynx marten osprey walrus bison cobra dingo egret ferret gecko hyena ibis jackal koala lemur mole newt ocelot puffin quail raven'.split(
    ' ',
  );

/** Cases a passage of the knowledge base fixes: with `evalAnswers`, only `rag` gets them right. */
function factCases(count: number): FakeCase[] {
  return Array.from({ length: count }, (_, i) => {
    const team = `${TEAMS[i % TEAMS.length]}${i >= TEAMS.length ? ` ${Math.floor(i / TEAMS.length) + 1}` : ''}`;
    return { input: `Which desk does the ${team} team use?`, expected: `desk ${101 + i}`, needs: 'passage' as const };
  });
}

export interface LeverEvalOptions {
  readonly cases?: number;
  readonly latencyMs?: number;
  readonly concurrency: number;
}

export interface LeverEvalResult {
  readonly concurrency: number;
  readonly answers: number;
  readonly wallMs: number;
  readonly chatRequests: number;
  readonly embeddingRequests: number;
  readonly report: EvalReport;
}

/** The bench's cases: half answered right only from a passage, half only with examples. */
function benchCases(total: number): { facts: FakeCase[]; cases: FakeCase[] } {
  const facts = factCases(Math.floor(total / 2));
  return { facts, cases: [...facts, ...styleCases(total - facts.length)] };
}

interface FakeWorkerData {
  readonly cases: number;
  readonly latencyMs: number;
}
type FromFake = { type: 'started'; baseUrl: string } | { type: 'counted'; chat: number; embeddings: number; violations: number };

/** Worker side: the fake OpenAI server, answering the bench's cases after the latency; counts on request. */
async function fakeServer(): Promise<void> {
  const { cases, latencyMs } = workerData as FakeWorkerData;
  const fake = await FakeOpenAI.start();
  const answer = evalAnswers(benchCases(cases).cases);
  fake.chatReply = (body) => ({ text: answer(body), firstTokenDelayMs: latencyMs });
  toMain({ type: 'started', baseUrl: fake.baseUrl } satisfies FromFake);
  for (;;) {
    await fromMain<'count'>();
    toMain({
      type: 'counted',
      chat: fake.requestsTo('chat').length,
      embeddings: fake.requestsTo('embeddings').length,
      violations: fake.violations.length,
    } satisfies FromFake);
  }
}

export async function benchLeverEval(options: LeverEvalOptions): Promise<LeverEvalResult> {
  const total = options.cases ?? 50;
  const { facts, cases } = benchCases(total);
  const worker = startBenchWorker<FromFake>(__filename, { cases: total, latencyMs: options.latencyMs ?? 200 } satisfies FakeWorkerData);
  const started = await worker.next();
  if (started.type !== 'started') throw new Error('the fake did not start');
  const count = async () => {
    worker.post('count');
    const counted = await worker.next();
    if (counted.type !== 'counted') throw new Error('the fake did not count');
    if (counted.violations > 0) throw new Error(`the fake OpenAI server received ${counted.violations} request(s) the real API would refuse`);
    return counted;
  };
  const client = { baseUrl: started.baseUrl, timeoutMs: 30_000, maxRetries: 0, logger: silentLogger };
  const config = testConfig();
  const app = await makeTestApp({
    config: { ...config, evaluation: { ...config.evaluation, concurrency: options.concurrency, maxCases: Math.max(config.evaluation.maxCases, total) } },
    model: new OpenAIChatModel(client),
    embedder: (sink) => new OpenAIEmbedder({ ...client, model: config.models.embedding, usage: { sink, tokenizer: testTokenizer() } }),
  });
  try {
    await seedEvaluation(app, scopeA, admin, cases);
    for (const c of facts) {
      await app.knowledge.add(
        channelKnowledgeBase(scopeA),
        { kind: 'text', text: `${c.input.replace('Which desk does the ', 'The ').replace(' use?', ' uses')} ${c.expected}.` },
        admin.id,
        scopeA,
      );
    }
    // Style questions find no passage: the RAG lever then answers without sources, as the live route does.
    await app.profiles.setNoSource(scopeA, admin, 'answer');
    const before = await count();
    const start = performance.now();
    // A fixed seed: the same bootstrap intervals every run.
    const report = await app.evaluation.runner.run(scopeA, { levers: LEVERS, judge: false, seed: 1 });
    const wallMs = performance.now() - start;
    const after = await count();
    return {
      concurrency: options.concurrency,
      answers: LEVERS.length * cases.length,
      wallMs,
      chatRequests: after.chat - before.chat,
      embeddingRequests: after.embeddings - before.embeddings,
      report,
    };
  } finally {
    await app.dispose();
    await worker.terminate();
  }
}

export function describeLeverEval(r: LeverEvalResult, latencyMs = 200): string {
  const requests = r.chatRequests + r.embeddingRequests;
  const expected = (r.answers * latencyMs) / r.concurrency / 1000;
  return `concurrency ${r.concurrency}: ${r.answers} answers in ${(r.wallMs / 1000).toFixed(2)} s (expected ≈ ${expected.toFixed(2)} s), ${r.chatRequests} chat + ${r.embeddingRequests} embedding requests, ${(requests / (r.wallMs / 1000)).toFixed(1)} requests/s`;
}

/** The values given after `flag` on the command line. */
function flagValues(flag: string): number[] {
  return process.argv.flatMap((arg, i) => (process.argv[i - 1] === flag ? [Number(arg)] : []));
}

/** The configured concurrency, then a higher one to show its effect (or the ones named). */
export async function runLeverEvalBench(log: (line: string) => void, concurrencies?: readonly number[], latencyMs = 200): Promise<void> {
  const levels = concurrencies?.length ? concurrencies : [testConfig().evaluation.concurrency, 16];
  let last: LeverEvalResult | undefined;
  for (const concurrency of levels) {
    last = await benchLeverEval({ concurrency, latencyMs });
    log(describeLeverEval(last, latencyMs));
  }
  // The same cases and answers every row: one score table.
  if (last) log(reportTextChart(last.report));
}

async function main(): Promise<void> {
  const [latencyMs] = flagValues('--latency');
  await runLeverEvalBench(console.log, flagValues('--concurrency'), latencyMs);
}

if (!isMainThread) {
  void fakeServer();
} else if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
