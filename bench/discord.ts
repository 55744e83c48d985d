/**
 * The Discord path on one process: MESSAGE_CREATE dispatches on the fake gateway into the real
 * discord.js client and the real core, answered over the fake REST API, with the model excluded
 * (offline mode).
 *
 * The bot runs on the main thread; the fake Discord (gateway and REST) and the load generator run
 * in a worker thread, so they do not compete with the bot for its event loop. The load is a closed
 * loop: `concurrency` simulated users each mention the bot and wait until the answer's final edit
 * arrives before writing again. Messages go round `channels` channels, so the per-channel limiter
 * (5 writes per 5 s, as Discord's bucket) is not what is measured.
 * - messages/s: mentions fully answered (placeholder posted and edited to the answer) per second;
 * - added latency: MESSAGE_CREATE sent → the placeholder reply received by the fake REST API.
 * Discord's global limit (50 requests/s per bot unless raised by Discord) is lifted for the run: it
 * is the platform's cap, not the bot's overhead, and large bots get theirs raised.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DiscordAdapter } from '../src/adapters/discord/discord-adapter';
import { FakeDiscord, type FakeChannel } from '../test/helpers/fake-discord';
import { silentLogger } from '../test/helpers/logger';
import { ms, summarize } from './stats';
import { closedLoop, offlineBenchApp, startBenchWorker } from './worker';

export interface DiscordBenchResult {
  readonly messages: number;
  readonly concurrency: number;
  readonly messagesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface DiscordBenchOptions {
  readonly messages?: number;
  readonly concurrency?: number;
  readonly channels?: number;
}

type FromWorker =
  | { type: 'ready'; apiUrl: string; token: string; applicationId: string }
  | { type: 'done'; elapsedMs: number; latencies: number[] }
  | { type: 'error'; message: string };

/** Worker side: the fake Discord and the simulated users. */
async function loadGenerator(): Promise<void> {
  const { messages, concurrency, channels: channelCount } = workerData as { messages: number; concurrency: number; channels: number };
  const port = parentPort!;
  const discord = await FakeDiscord.start();
  const person = discord.addUser('person');
  const { guild, channel: first } = discord.addGuild('Bench guild', person);
  const channels: FakeChannel[] = [first, ...Array.from({ length: channelCount - 1 }, (_, i) => discord.addChannel(guild, `c${i}`))];
  const now = () => performance.now();
  // user message id → waiting resolvers
  const placeholders = new Map<string, (at: number) => void>();
  const answerOf = new Map<string, string>(); // placeholder id → user message id
  const done = new Map<string, () => void>();
  discord.onRequest = (request) => {
    if (request.status >= 300) return;
    if (request.method === 'POST' && request.route === '/channels/{channel_id}/messages') {
      const ref = (request.body as { message_reference?: { message_id?: string } }).message_reference?.message_id;
      if (ref) placeholders.get(ref)?.(now());
    } else if (request.method === 'PATCH' && request.route === '/channels/{channel_id}/messages/{message_id}') {
      const question = answerOf.get(request.params['message_id'] ?? '');
      if (question) done.get(question)?.();
    }
  };
  port.postMessage({ type: 'ready', apiUrl: discord.apiUrl, token: discord.token, applicationId: discord.applicationId } satisfies FromWorker);
  await new Promise<void>((resolve) => port.once('message', () => resolve()));
  await discord.connected();

  let counter = 0;
  const one = async (): Promise<number> => {
    const i = counter++;
    const channel = channels[i % channels.length]!;
    let questionId = '';
    const placeholder = new Promise<number>((resolve) => placeholders.set(`pending-${i}`, resolve));
    const sentAt = now();
    const message = discord.mention(person, channel, `question number ${i} about the vpn gateway`);
    questionId = message.id;
    placeholders.set(questionId, placeholders.get(`pending-${i}`)!);
    placeholders.delete(`pending-${i}`);
    const answered = new Promise<void>((resolve) => done.set(questionId, resolve));
    const postedAt = await placeholder;
    const reply = discord.botMessages(channel.id).find((m) => m.message_reference?.message_id === questionId);
    if (reply) answerOf.set(reply.id, questionId);
    if (reply && reply.versions.length > 1) done.get(questionId)?.(); // already edited
    await answered;
    placeholders.delete(questionId);
    done.delete(questionId);
    if (reply) answerOf.delete(reply.id);
    return postedAt - sentAt;
  };
  const batch = (count: number) => closedLoop(count, concurrency, one);
  try {
    await batch(Math.min(300, channels.length)); // warm-up: JIT, connections, store pages
    const started = now();
    const latencies = await batch(messages);
    const elapsedMs = now() - started;
    discord.assertNoViolations();
    port.postMessage({ type: 'done', elapsedMs, latencies } satisfies FromWorker);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
  await discord.close();
}

export async function benchDiscord(options: DiscordBenchOptions = {}): Promise<DiscordBenchResult> {
  const messages = options.messages ?? 3000;
  const concurrency = options.concurrency ?? 16;
  const channels = options.channels ?? 1000;
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-discord-'));
  const worker = startBenchWorker<FromWorker>(__filename, { messages, concurrency, channels });
  const ready = await worker.next();
  if (ready.type !== 'ready') throw new Error(`load generator: ${ready.type === 'error' ? ready.message : 'unexpected message'}`);
  const { app, config, close } = await offlineBenchApp(dir, { kind: 'sqlite', path: path.join(dir, 'bench.sqlite') });
  const adapter = await DiscordAdapter.start({
    app,
    token: ready.token,
    applicationId: ready.applicationId,
    apiUrl: ready.apiUrl,
    logger: silentLogger,
    editIntervalMs: config.streaming.editIntervalMs,
    rest: { globalRequestsPerSecond: 100_000, retries: 0 },
  });
  worker.post('go');
  const result = await worker.next();
  await adapter.stop();
  await worker.terminate();
  await close();
  rmSync(dir, { recursive: true, force: true });
  if (result.type !== 'done') throw new Error(`load generator: ${result.type === 'error' ? result.message : 'unexpected message'}`);
  const stats = summarize(result.latencies);
  return { messages, concurrency, messagesPerSecond: (messages / result.elapsedMs) * 1000, p50: stats.p50, p99: stats.p99, max: stats.max };
}

export function describeDiscordBench(r: DiscordBenchResult): string {
  return `${r.messagesPerSecond.toFixed(0)} messages/s (${r.concurrency} users in a closed loop, ${r.messages} messages); added latency p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}`;
}

if (!isMainThread) {
  void loadGenerator();
} else if (require.main === module) {
  benchDiscord().then(
    (r) => console.log(`discord (sqlite store): ${describeDiscordBench(r)}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
