/**
 * What the platform benchmarks share: the load generator in a worker thread (so it does not share
 * the bot's event loop), started on a TypeScript file through tsx as the main thread runs; the
 * closed loop of simulated users; the real core in offline mode.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildApp, type App } from '../src/app';
import { loadConfig, type AppConfig, type StoreConfig } from '../src/config';
import { systemClock } from '../src/core/ports';
import { createKnowledge } from '../src/providers/knowledge/create-knowledge';
import { createStore } from '../src/providers/store/create-store';
import { TiktokenTokenizer } from '../src/providers/tokenizer';
import { silentLogger } from '../test/helpers/logger';

export interface BenchWorker<M> {
  /** The next message from the worker (queued if it came before it was asked for). */
  next(): Promise<M>;
  post(message: unknown): void;
  terminate(): Promise<number>;
}

export function startBenchWorker<M>(file: string, workerData: unknown): BenchWorker<M> {
  // A CommonJS bootstrap: the worker loads the TypeScript file through tsx.
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`;
  const worker = new Worker(bootstrap, { eval: true, workerData });
  const queue: M[] = [];
  const waiters: ((m: M) => void)[] = [];
  worker.on('message', (m: M) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else queue.push(m);
  });
  return {
    next: () => new Promise<M>((resolve) => (queue.length ? resolve(queue.shift()!) : waiters.push(resolve))),
    post: (message) => worker.postMessage(message),
    terminate: () => worker.terminate(),
  };
}

/** Closed loop: `concurrency` simulated users each run `one` until `count` have run; the values in finishing order. */
export async function closedLoop<T>(count: number, concurrency: number, one: () => Promise<T>): Promise<T[]> {
  const values: T[] = [];
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) values.push(await one());
    }),
  );
  return values;
}

/** The real core in offline mode (the model excluded) on `store`, its knowledge index in `dir`. */
export async function offlineBenchApp(dir: string, store: StoreConfig): Promise<{ app: App; config: AppConfig; close(): Promise<void> }> {
  const documents = await createStore(store, silentLogger);
  const config = loadConfig({}, { configDir: path.resolve(__dirname, '../config') });
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  const knowledge = await createKnowledge(
    { ...config.knowledge, documentChars: config.limits.documentChars },
    { store: documents, tokenizer, logger: silentLogger, clock: systemClock, location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') } },
  );
  const app = buildApp(config, { store: documents, tokenizer, knowledge: knowledge.knowledge, logger: silentLogger });
  return {
    app,
    config,
    close: async () => {
      await knowledge.close();
      await documents.close();
    },
  };
}
