/**
 * channelwise against the Slack bot a user would write by hand (bench/bare-bolt.ts), side by side
 * on the same fakes: signed `app_mention` events over HTTP into each app on this process, answered
 * through the fake OpenAI server (one short sentence, streamed when asked) and the fake Slack Web
 * API. The fakes and the simulated users run in a worker thread.
 *
 * Each app runs in a process of its own (bench/app-host.ts), as in production; the fakes serve both.
 * channelwise runs as in production: model configured, native streaming on, the real SlackAdapter,
 * buildApp, store and pino logger (at the configured level, into /dev/null). Load: a closed loop of
 * `concurrency` users, each sending a mention and waiting until it is answered — its final message
 * complete at the fake, whatever calls got it there — before sending the next. Rounds alternate
 * (channelwise, bare, channelwise, bare…; with `--streamed-bare` a third app in each round), each
 * with its own warm-up; after each round the fakes must show every mention answered exactly once,
 * with the model called once for it.
 *
 * Per round: mentions/s, the app's main-thread CPU ms per mention (its other threads — libuv's pool,
 * where node-sqlite3 runs queries, GC helpers — and the load worker are reported apart), latency.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';
import { FakeOpenAI } from '../test/helpers/fake-openai';
import { FakeSlack, type RecordedCall } from '../test/helpers/fake-slack';
import { SIGNING_SECRET, appMentionEvent, envelope, postEvent } from '../test/helpers/slack-requests';
import { startAppProcess, type AppProcess, type BenchedApp } from './app-host';
import { threadCpuMs } from './cpu';
import { deleteRunKeys } from './redis-cleanup';
import { ms, summarize } from './stats';
import { fromMain, startBenchWorker, toMain } from './worker';

/** What the fake model answers: one plain sentence, so every renderer leaves it as it is. */
export const ANSWER = 'Restart the VPN client, then sign in again with your usual account and password.';

export type { BenchedApp } from './app-host';
export const APP_NAMES: Readonly<Record<BenchedApp, string>> = { channelwise: 'channelwise', bare: 'bare Bolt', 'bare-streamed': 'bare, streamed' };

export interface ComparisonOptions {
  /** Where channelwise keeps claims, thread memory, profiles and usage. */
  readonly store?: { kind: 'sqlite' } | { kind: 'redis'; url: string };
  /** channelwise + bare rounds (default 3). */
  readonly pairs?: number;
  /** Measured mentions per round (default 3000). */
  readonly events?: number;
  /** Mentions before each measured batch (default 300). */
  readonly warmup?: number;
  readonly concurrency?: number;
  /** Only these apps (e.g. channelwise alone, under a profiler); default both. */
  readonly apps?: readonly BenchedApp[];
  /**
   * Write a CPU profile of the main thread over each measured batch to `<profile>-<app>-<pair>.cpuprofile`
   * (summarise with bench/profile-summary.ts; Chrome DevTools opens them too).
   */
  readonly profile?: string;
  /** Called with each round as it ends. */
  readonly onRound?: (round: RoundResult) => void;
}

export interface RoundResult {
  readonly app: BenchedApp;
  readonly pair: number;
  readonly events: number;
  readonly mentionsPerSecond: number;
  /** Main-thread CPU per mention (process CPU where the OS gives no per-thread figure). */
  readonly mainCpuMs: number;
  readonly mainCpuIsProcess: boolean;
  /** Share of the measured wall time the main thread was on a CPU (1: it was the bottleneck). */
  readonly mainBusy: number | undefined;
  /** Share of the wall time it was ready to run but other processes had the CPUs (a loaded machine). */
  readonly mainWaiting: number | undefined;
  /** The load worker (fakes and simulated users) per mention, in the bench's process. */
  readonly workerCpuMs: number | undefined;
  /** The app's other threads per mention: libuv's pool (node-sqlite3 queries), GC helper threads. */
  readonly otherThreadsCpuMs: number | undefined;
  /** Mention sent → answer complete at the fake. */
  readonly latencyP50: number;
  readonly latencyP99: number;
}

export interface ComparisonResult {
  readonly rounds: readonly RoundResult[];
  /** channelwise / bare mentions per second, one per pair. */
  readonly ratios: readonly number[];
}

type ToWorker = { type: 'round'; url: string; pair: number; app: BenchedApp; warmup: number; events: number } | { type: 'go' } | { type: 'close' };

type FromWorker =
  | { type: 'ready'; slackApiUrl: string; botToken: string; openaiBaseUrl: string }
  | { type: 'warm' }
  | { type: 'measured'; elapsedMs: number; latencies: number[]; workerCpuMs: number | undefined }
  | { type: 'verified'; problems: string[] }
  | { type: 'error'; message: string };

/** Web API methods after which a mention's answer may be complete. */
const ANSWERING_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.startStream', 'chat.stopStream']);

/** A mention not answered by then fails the run (instead of hanging it). */
const ANSWER_TIMEOUT_MS = 30_000;

/** How long the fake Slack must see no call before a round's answers are counted. */
const QUIET_MS = 200;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/** Worker side: the fakes, the simulated users and the exactly-once check. */
async function loadGenerator(): Promise<void> {
  const { team, run, concurrency } = workerData as { team: string; run: string; concurrency: number };
  const slack = await FakeSlack.start({ team });
  const openai = await FakeOpenAI.start();
  const answerAll = () => {
    openai.chatReply = () => ANSWER;
  };
  answerAll();

  // thread ts → the simulated user waiting for that mention's answer (with when it arrived)
  const waiting = new Map<string, (at: number) => void>();
  let lastCallAt = now();
  const isAnswered = (channel: string, thread: string) =>
    slack.botMessages(channel, thread).some((m) => m.streaming !== 'in_progress' && m.text.trim() === ANSWER);
  const threadOf = (call: RecordedCall, channel: string): string | undefined => {
    const threadTs = call.params['thread_ts'];
    if (typeof threadTs === 'string') return threadTs;
    return slack.messages.get(channel)?.find((m) => m.ts === call.params['ts'])?.thread_ts;
  };
  slack.onCall = (call) => {
    lastCallAt = call.at;
    if (!ANSWERING_METHODS.has(call.method)) return;
    // The fake applies the call right after reporting it, in the same turn: look once it has.
    queueMicrotask(() => {
      const channel = String(call.params['channel']);
      const thread = threadOf(call, channel);
      if (thread && isAnswered(channel, thread)) waiting.get(thread)?.(call.at);
    });
  };
  toMain({ type: 'ready', slackApiUrl: slack.apiUrl, botToken: slack.botToken, openaiBaseUrl: openai.baseUrl } satisfies FromWorker);

  for (;;) {
    const order = await fromMain<ToWorker>();
    if (order.type !== 'round') break;
    const sent: { channel: string; ts: string }[] = [];
    const one = async (i: number): Promise<number> => {
      const ts = slack.nextTs();
      const channel = `C${String(i % 50).padStart(8, '0')}`;
      const body = envelope(
        appMentionEvent({ channel, user: 'U0PERSON1', team, ts, text: `<@${slack.botUserId}> question number ${i} about the vpn gateway` }),
        { team, eventId: `Ev${run}${order.app}${order.pair}x${i}` },
      );
      sent.push({ channel, ts });
      let timer: NodeJS.Timeout | undefined;
      const answered = new Promise<number>((resolve, reject) => {
        waiting.set(ts, resolve);
        timer = setTimeout(() => reject(new Error(`mention ${channel}/${ts}: no complete answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      });
      answered.catch(() => undefined); // awaited below; a timeout while the POST is pending is not unhandled
      const sentAt = now();
      try {
        const result = await postEvent(order.url, body);
        if (result.status !== 200) throw new Error(`mention ${i}: HTTP ${result.status}`);
        return (await answered) - sentAt;
      } finally {
        clearTimeout(timer);
        waiting.delete(ts);
      }
    };
    let counter = 0;
    const batch = async (count: number) => {
      const latencies: number[] = [];
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) latencies.push(await one(counter++));
        }),
      );
      return latencies;
    };
    try {
      await batch(order.warmup); // JIT, connections, store pages
      toMain({ type: 'warm' } satisfies FromWorker);
      await fromMain<ToWorker>(); // go: the main thread has read its CPU clock
      const cpuBefore = threadCpuMs();
      const started = now();
      const latencies = await batch(order.events);
      const elapsedMs = now() - started;
      const cpuAfter = threadCpuMs();
      const workerCpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
      toMain({ type: 'measured', elapsedMs, latencies, workerCpuMs } satisfies FromWorker);
      while (now() - lastCallAt < QUIET_MS) await sleep(QUIET_MS / 4);
      toMain({ type: 'verified', problems: answeredOnce(slack, openai, sent) } satisfies FromWorker);
    } catch (err) {
      toMain({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
    slack.reset();
    openai.reset();
    answerAll();
  }
  await slack.close();
  await openai.close();
}

/** Every mention got exactly one bot message, complete and right, from exactly one model call. */
function answeredOnce(slack: FakeSlack, openai: FakeOpenAI, sent: readonly { channel: string; ts: string }[]): string[] {
  const problems: string[] = [];
  for (const { channel, ts } of sent) {
    const replies = slack.botMessages(channel, ts);
    if (replies.length !== 1) problems.push(`mention ${channel}/${ts}: ${replies.length} bot messages in its thread`);
    else if (replies[0]!.streaming === 'in_progress' || replies[0]!.text.trim() !== ANSWER)
      problems.push(`mention ${channel}/${ts}: answer incomplete or wrong`);
  }
  const botMessages = [...slack.messages.keys()].reduce((sum, channel) => sum + slack.botMessages(channel).length, 0);
  if (botMessages !== sent.length) problems.push(`${botMessages} bot messages for ${sent.length} mentions`);
  const modelCalls = openai.requestsTo('chat').length;
  if (modelCalls !== sent.length) problems.push(`${modelCalls} model calls for ${sent.length} mentions`);
  for (const check of [() => slack.assertNoViolations(), () => openai.assertNoViolations()]) {
    try {
      check();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return problems.slice(0, 20);
}

export async function benchSlackVsBolt(options: ComparisonOptions = {}): Promise<ComparisonResult> {
  const pairs = options.pairs ?? 3;
  const events = options.events ?? 3000;
  const warmup = options.warmup ?? 300;
  const apps = options.apps ?? (['channelwise', 'bare'] as const);
  const storeOption = options.store ?? { kind: 'sqlite' };
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-vs-bolt-'));
  // A fresh team and event ids each run, so a shared Redis never holds this run's keys already.
  const run = randomBytes(4).toString('hex').toUpperCase();
  const team = `TBENCH${run}`;
  const worker = startBenchWorker<FromWorker>(__filename, { team, run, concurrency: options.concurrency ?? 16 });
  const expect = async <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> => {
    const message = await worker.next();
    if (message.type === 'error') throw new Error(`load generator: ${message.message}`);
    if (message.type !== type) throw new Error(`load generator: expected ${type}, got ${message.type}`);
    return message as Extract<FromWorker, { type: T }>;
  };
  const running: Partial<Record<BenchedApp, AppProcess>> = {};
  try {
    const ready = await expect('ready');
    const env = {
      SLACK_BOT_TOKEN: ready.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: ready.slackApiUrl,
      OPENAI_BASE_URL: ready.openaiBaseUrl,
      STORE_URL: storeOption.kind === 'redis' ? storeOption.url : `sqlite://${path.join(dir, 'channelwise.sqlite')}`,
    };
    for (const app of apps) running[app] = await startAppProcess({ app, env, dir });

    const rounds: RoundResult[] = [];
    for (let pair = 1; pair <= pairs; pair++) {
      for (const app of apps) {
        const host = running[app]!;
        worker.post({ type: 'round', url: host.eventsUrl, pair, app, warmup, events } satisfies ToWorker);
        await expect('warm');
        if (options.profile) await host.startProfile();
        const before = await host.times();
        worker.post({ type: 'go' } satisfies ToWorker);
        const measured = await expect('measured');
        const after = await host.times();
        const verified = await expect('verified');
        if (verified.problems.length) throw new Error(`${APP_NAMES[app]} did not answer every mention exactly once:\n${verified.problems.join('\n')}`);
        const processUsed = after.processMs - before.processMs;
        const mainUsed = before.main && after.main ? after.main.onCpuMs - before.main.onCpuMs : undefined;
        const mainWaited = before.main && after.main ? after.main.waitingMs - before.main.waitingMs : undefined;
        if (options.profile)
          await host.stopProfile(`${options.profile}-${app}-${pair}.cpuprofile`, {
            mentions: events,
            ...(mainUsed !== undefined ? { mainCpuMs: mainUsed } : {}),
          });
        const latency = summarize(measured.latencies);
        const round: RoundResult = {
          app,
          pair,
          events,
          mentionsPerSecond: (events / measured.elapsedMs) * 1000,
          mainCpuMs: (mainUsed ?? processUsed) / events,
          mainCpuIsProcess: mainUsed === undefined,
          mainBusy: mainUsed !== undefined ? mainUsed / measured.elapsedMs : undefined,
          mainWaiting: mainWaited !== undefined ? mainWaited / measured.elapsedMs : undefined,
          workerCpuMs: measured.workerCpuMs !== undefined ? measured.workerCpuMs / events : undefined,
          otherThreadsCpuMs: mainUsed !== undefined ? (processUsed - mainUsed) / events : undefined,
          latencyP50: latency.p50,
          latencyP99: latency.p99,
        };
        rounds.push(round);
        options.onRound?.(round);
      }
    }
    return { rounds, ratios: pairRatios(rounds, 'bare') };
  } finally {
    worker.post({ type: 'close' } satisfies ToWorker);
    for (const app of Object.values(running)) await app.stop();
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
    if (storeOption.kind === 'redis') await deleteRunKeys(storeOption.url, team);
  }
}

/** channelwise's mentions per second over `baseline`'s, pair by pair. */
function pairRatios(rounds: readonly RoundResult[], baseline: BenchedApp): number[] {
  return rounds
    .filter((r) => r.app === 'channelwise')
    .flatMap((cw) => rounds.filter((b) => b.app === baseline && b.pair === cw.pair).map((other) => cw.mentionsPerSecond / other.mentionsPerSecond));
}

function range(values: readonly number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
  return `${median.toFixed(digits)} (range ${sorted[0]?.toFixed(digits)}–${sorted.at(-1)?.toFixed(digits)})`;
}

export function describeRound(r: RoundResult): string {
  const cpu = `${r.mainCpuIsProcess ? 'process' : 'main-thread'} CPU ${ms(r.mainCpuMs)}/mention`;
  const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
  const busy =
    r.mainBusy !== undefined && r.mainWaiting !== undefined ? `, main thread on CPU ${percent(r.mainBusy)} and waiting for one ${percent(r.mainWaiting)}` : '';
  const elsewhere =
    r.workerCpuMs !== undefined && r.otherThreadsCpuMs !== undefined ? `; its other threads ${ms(r.otherThreadsCpuMs)}, load worker ${ms(r.workerCpuMs)}` : '';
  return `pair ${r.pair} ${APP_NAMES[r.app].padEnd(11)} ${r.mentionsPerSecond.toFixed(0)} mentions/s, ${cpu}${busy}${elsewhere}; answered p50 ${ms(r.latencyP50)} p99 ${ms(r.latencyP99)}`;
}

/** The summary lines: each app's figures over its rounds and the ratio. */
export function describeComparison(result: ComparisonResult): string[] {
  const lines: string[] = [];
  for (const app of ['channelwise', 'bare', 'bare-streamed'] as const) {
    const rounds = result.rounds.filter((r) => r.app === app);
    if (rounds.length === 0) continue;
    lines.push(
      `${APP_NAMES[app]}: ${range(
        rounds.map((r) => r.mentionsPerSecond),
        0,
      )} mentions/s; CPU ${range(
        rounds.map((r) => r.mainCpuMs),
        2,
      )} ms/mention${rounds[0]!.mainCpuIsProcess ? ' (whole process)' : ' (main thread)'}`,
    );
  }
  if (result.ratios.length) lines.push(`ratio channelwise / bare Bolt: ${range(result.ratios, 2)} over ${result.ratios.length} pairs — target ≥ 0.8`);
  const streamed = pairRatios(result.rounds, 'bare-streamed');
  if (streamed.length)
    lines.push(`ratio channelwise / bare Bolt with the model streamed: ${range(streamed, 2)} (for reading the gap; the target is against the bare app)`);
  return lines;
}

/**
 * Options from the command line: a redis:// URL, --pairs N, --events N, --warmup N, --only
 * channelwise|bare, --profile PREFIX, --streamed-bare (a third app in each round: the bare one
 * with its completion streamed).
 */
export function comparisonArgs(argv: readonly string[]): ComparisonOptions {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (flag: string) => {
    const raw = value(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive whole number, got "${raw}"`);
    return n;
  };
  const redisUrl = argv.find((arg) => arg.startsWith('redis://'));
  const only = value('--only');
  if (only !== undefined && only !== 'channelwise' && only !== 'bare') throw new Error(`--only: expected channelwise or bare, got "${only}"`);
  const pairs = number('--pairs');
  const events = number('--events');
  const warmup = number('--warmup');
  const profile = value('--profile');
  return {
    ...(profile ? { profile } : {}),
    ...(redisUrl ? { store: { kind: 'redis', url: redisUrl } } : {}),
    ...(pairs ? { pairs } : {}),
    ...(events ? { events } : {}),
    ...(warmup ? { warmup } : {}),
    ...(only ? { apps: [only] } : argv.includes('--streamed-bare') ? { apps: ['channelwise', 'bare', 'bare-streamed'] } : {}),
  };
}

if (!isMainThread) {
  void loadGenerator();
} else if (require.main === module) {
  const options = comparisonArgs(process.argv.slice(2));
  benchSlackVsBolt({ ...options, onRound: (r) => console.log(describeRound(r)) }).then(
    (result) => console.log(describeComparison(result).join('\n')),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
