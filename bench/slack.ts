/**
 * The Slack path on one process: signed Events API requests into the real Bolt app over HTTP,
 * answered against the fake Slack Web API, with the model excluded (offline mode).
 *
 * The bot runs on the main thread; the load generator and the fake Slack run in a worker thread,
 * so they do not compete with the bot for its event loop. The load is a closed loop: `concurrency`
 * simulated users each send a mention and wait until it is fully answered before sending the next.
 * - events/s: mentions fully answered per second;
 * - added latency: event sent to Bolt → the first chat.postMessage (the placeholder) at the fake.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';
import { FakeSlack } from '../test/helpers/fake-slack';
import { silentLogger } from '../test/helpers/logger';
import { SIGNING_SECRET, appMentionEvent, envelope, postEvent } from '../test/helpers/slack-requests';
import { startChannelwise } from './channelwise-app';
import { deleteRunKeys } from './redis-cleanup';
import { ms, summarize } from './stats';
import { fromMain, startBenchWorker, toMain } from './worker';

export interface SlackBenchResult {
  readonly events: number;
  readonly concurrency: number;
  readonly eventsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface SlackBenchOptions {
  readonly events?: number;
  readonly concurrency?: number;
  /** Where claims, thread memory and profiles live: an embedded SQLite file, or a Redis URL. */
  readonly store?: { kind: 'sqlite' } | { kind: 'redis'; url: string };
}

type FromWorker =
  | { type: 'ready'; apiUrl: string; botToken: string }
  | { type: 'done'; elapsedMs: number; latencies: number[] }
  | { type: 'error'; message: string };

/** Worker side: the fake Slack and the simulated users. */
async function loadGenerator(): Promise<void> {
  const { events, concurrency, team, run } = workerData as { events: number; concurrency: number; team: string; run: string };
  const slack = await FakeSlack.start({ team });
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  // thread ts → resolvers waiting for that mention's answer
  const placeholders = new Map<string, (at: number) => void>();
  const finals = new Map<string, string>(); // placeholder ts → thread ts
  const done = new Map<string, () => void>();
  slack.onCall = (call) => {
    if (call.method === 'chat.postMessage') {
      const thread = String(call.params['thread_ts']);
      placeholders.get(thread)?.(call.at);
    } else if (call.method === 'chat.update') {
      const thread = finals.get(String(call.params['ts']));
      if (thread) done.get(thread)?.();
    }
  };
  toMain({ type: 'ready', apiUrl: slack.apiUrl, botToken: slack.botToken } satisfies FromWorker);
  const { url } = await fromMain<{ url: string }>();

  let counter = 0;
  const one = async (): Promise<number> => {
    const i = counter++;
    const ts = slack.nextTs();
    const channel = `C${String(i % 50).padStart(8, '0')}`;
    const body = envelope(appMentionEvent({ channel, user: 'U0PERSON1', team, ts, text: `<@${slack.botUserId}> question number ${i} about the vpn gateway` }), {
      team,
      eventId: `Ev${run}${i}`,
    });
    const answered = new Promise<void>((resolve) => done.set(ts, resolve));
    const placeholder = new Promise<number>((resolve) => placeholders.set(ts, resolve));
    const sentAt = now();
    const result = await postEvent(url, body);
    if (result.status !== 200) throw new Error(`event ${i}: HTTP ${result.status}`);
    const postedAt = await placeholder;
    const message = slack.botMessages(channel, ts)[0];
    if (message) finals.set(message.ts, ts);
    if (message && !message.text.startsWith('_')) done.get(ts)?.(); // already final
    await answered;
    placeholders.delete(ts);
    done.delete(ts);
    return postedAt - sentAt;
  };
  const batch = async (count: number) => {
    const latencies: number[] = [];
    let left = count;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) latencies.push(await one());
      }),
    );
    return latencies;
  };
  try {
    await batch(300); // warm-up: JIT, connections, store pages
    slack.reset();
    const started = now();
    const latencies = await batch(events);
    const elapsedMs = now() - started;
    slack.assertNoViolations();
    toMain({ type: 'done', elapsedMs, latencies } satisfies FromWorker);
  } catch (err) {
    toMain({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
  await slack.close();
}

export async function benchSlack(options: SlackBenchOptions = {}): Promise<SlackBenchResult> {
  const events = options.events ?? 3000;
  const concurrency = options.concurrency ?? 16;
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-slack-'));
  // A fresh team and event ids each run, so a shared Redis never holds this run's keys already.
  const run = randomBytes(4).toString('hex').toUpperCase();
  const team = `TBENCH${run}`;
  const worker = startBenchWorker<FromWorker>(__filename, { events, concurrency, team, run });
  const ready = await worker.next();
  if (ready.type !== 'ready') throw new Error(`load generator: ${ready.type === 'error' ? ready.message : 'unexpected message'}`);
  const storeOption = options.store ?? { kind: 'sqlite' };
  const app = await startChannelwise({
    // No OPENAI_* variables: offline mode, the model excluded.
    env: {
      SLACK_BOT_TOKEN: ready.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: ready.apiUrl,
      STORE_URL: storeOption.kind === 'redis' ? storeOption.url : `sqlite://${path.join(dir, 'bench.sqlite')}`,
    },
    dir,
    logger: silentLogger,
    nativeStreaming: false, // the placeholder is the first message: its latency is the adapter's overhead
  });
  worker.post({ url: app.eventsUrl });
  const result = await worker.next();
  await app.stop();
  await worker.terminate();
  rmSync(dir, { recursive: true, force: true });
  if (storeOption.kind === 'redis') await deleteRunKeys(storeOption.url, team);
  if (result.type !== 'done') throw new Error(`load generator: ${result.type === 'error' ? result.message : 'unexpected message'}`);
  const stats = summarize(result.latencies);
  return { events, concurrency, eventsPerSecond: (events / result.elapsedMs) * 1000, p50: stats.p50, p99: stats.p99, max: stats.max };
}

export function describeSlackBench(r: SlackBenchResult): string {
  return `${r.eventsPerSecond.toFixed(0)} events/s (${r.concurrency} users in a closed loop, ${r.events} events); added latency p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}`;
}

if (!isMainThread) {
  void loadGenerator();
} else if (require.main === module) {
  const redisUrl = process.argv.find((arg) => arg.startsWith('redis://'));
  benchSlack(redisUrl ? { store: { kind: 'redis', url: redisUrl } } : {}).then(
    (r) => console.log(`slack (${redisUrl ? 'redis' : 'sqlite'} store): ${describeSlackBench(r)}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
