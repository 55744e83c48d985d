/**
 * The load side of a benchmark runs in a worker thread, so the fakes and the simulated users do not
 * share the measured app's event loop (or its main-thread CPU figures).
 */
import path from 'node:path';
import { Worker, parentPort } from 'node:worker_threads';
import { buildApp, type App } from '../src/app';
import { loadConfig, type AppConfig, type StoreConfig } from '../src/config';
import { withRateLimitsNeverReached } from './channelwise-app';
import { systemClock } from '../src/core/ports';
import { createKnowledge } from '../src/providers/knowledge/create-knowledge';
import { createStore } from '../src/providers/store/create-store';
import { TiktokenTokenizer } from '../src/providers/tokenizer';
import { silentLogger } from '../test/helpers/logger';

export interface BenchWorker<FromWorker> {
  /** The worker's next message, in order; rejects if the worker died instead. */
  next(): Promise<FromWorker>;
  post(message: unknown): void;
  terminate(): Promise<void>;
}

/** Starts `file` (a TypeScript module) in a worker; it sees `workerData` and talks through `parentPort`. */
export function startBenchWorker<FromWorker>(file: string, workerData: unknown): BenchWorker<FromWorker> {
  // A CommonJS bootstrap: the worker loads the TypeScript file through tsx, as the main thread does.
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`;
  const worker = new Worker(bootstrap, { eval: true, workerData });
  const messages: FromWorker[] = [];
  const waiters: { resolve: (m: FromWorker) => void; reject: (err: Error) => void }[] = [];
  let failure: Error | undefined;
  worker.on('message', (m: FromWorker) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(m);
    else messages.push(m);
  });
  const fail = (err: Error) => {
    failure ??= err;
    for (const waiter of waiters.splice(0)) waiter.reject(failure);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the benchmark's worker exited (code ${code})`)));
  return {
    next: () =>
      new Promise<FromWorker>((resolve, reject) => {
        const queued = messages.shift();
        if (queued !== undefined) resolve(queued);
        else if (failure) reject(failure);
        else waiters.push({ resolve, reject });
      }),
    post: (message) => worker.postMessage(message),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Worker side: the next message from the main thread. */
export function fromMain<T>(): Promise<T> {
  return new Promise<T>((resolve) => parentPort!.once('message', (m: T) => resolve(m)));
}

/** Worker side: a message to the main thread. */
export function toMain(message: unknown): void {
  parentPort!.postMessage(message);
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
  const config = withRateLimitsNeverReached(loadConfig({}, { configDir: path.resolve(__dirname, '../config') }));
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
