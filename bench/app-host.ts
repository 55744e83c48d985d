/**
 * One benchmarked app in a process of its own, as it runs in production. Both apps in one process
 * would tax each other: channelwise's AsyncLocalStorage turns on promise hooks for every promise of
 * the process, its heap makes every GC dearer, and code both share (Bolt, the Web API client,
 * fetch, the openai SDK) gets polymorphic in the JIT. Measured on this bench (a loaded machine), the
 * bare app used 0.64–0.98 ms of main-thread CPU per mention in its own process against 1.05–1.18 ms
 * next to channelwise in one.
 *
 * The parent drives it over IPC: start the app, read its main thread's CPU clock, profile it, stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/providers/logger';
import { startBareBolt } from './bare-bolt';
import { startChannelwise, type RunningApp } from './channelwise-app';
import { processCpuMs, threadTimes, type ThreadTimes } from './cpu';
import { devNull } from './log-sink';

/** `bare-streamed`: the bare app asking for its completion streamed (what streaming alone costs). */
export type BenchedApp = 'channelwise' | 'bare' | 'bare-streamed';

export interface AppSpec {
  readonly app: BenchedApp;
  /** channelwise's environment (SLACK_*, OPENAI_BASE_URL, STORE_URL); the bare app takes what it needs from it. */
  readonly env: Readonly<Record<string, string>>;
  /** channelwise's folder for the knowledge index. */
  readonly dir: string;
}

/** The app's clocks: its main thread, and its whole process (libuv's pool, GC helper threads too). */
export interface AppTimes {
  readonly main: ThreadTimes | undefined;
  readonly processMs: number;
}

/** Extra fields written into a CPU profile (see bench/profile-summary.ts). */
export interface ProfileExtra {
  readonly mentions: number;
  readonly mainCpuMs?: number;
}

type ToHost =
  | { type: 'start'; spec: AppSpec }
  | { type: 'times' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string; extra: ProfileExtra }
  | { type: 'stop' };

type FromHost =
  | { type: 'started'; eventsUrl: string }
  | { type: 'times'; times: AppTimes }
  | { type: 'profiling' }
  | { type: 'profiled' }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

export interface AppProcess {
  readonly eventsUrl: string;
  times(): Promise<AppTimes>;
  startProfile(): Promise<void>;
  stopProfile(file: string, extra: ProfileExtra): Promise<void>;
  stop(): Promise<void>;
}

/** Parent side: forks the host, starts the app in it, resolves once it listens. */
export async function startAppProcess(spec: AppSpec): Promise<AppProcess> {
  const child: ChildProcess = fork(__filename, [], { execArgv: ['--require', require.resolve('tsx/cjs')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: { resolve: (m: FromHost) => void; reject: (err: Error) => void }[] = [];
  let failure: Error | undefined;
  child.on('message', (m: FromHost) => {
    const waiter = waiters.shift();
    if (!waiter) return;
    if (m.type === 'error') waiter.reject(new Error(`${spec.app}: ${m.message}`));
    else waiter.resolve(m);
  });
  child.on('exit', (code) => {
    failure = new Error(`${spec.app}'s process exited (code ${code})`);
    for (const waiter of waiters.splice(0)) waiter.reject(failure);
  });
  /** One request, one answer: the host handles them in order. */
  const ask = <T extends FromHost['type']>(message: ToHost, type: T) =>
    new Promise<Extract<FromHost, { type: T }>>((resolve, reject) => {
      if (failure) return reject(failure);
      waiters.push({
        resolve: (m) => (m.type === type ? resolve(m as Extract<FromHost, { type: T }>) : reject(new Error(`${spec.app}: expected ${type}, got ${m.type}`))),
        reject,
      });
      child.send(message);
    });
  const started = await ask({ type: 'start', spec }, 'started');
  return {
    eventsUrl: started.eventsUrl,
    times: async () => (await ask({ type: 'times' }, 'times')).times,
    startProfile: async () => {
      await ask({ type: 'profile-start' }, 'profiling');
    },
    stopProfile: async (file, extra) => {
      await ask({ type: 'profile-stop', file, extra }, 'profiled');
    },
    stop: async () => {
      if (failure) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ type: 'stop' }, 'stopped');
      await exited;
    },
  };
}

/** Child side: the app, its log sink and (when asked) a profiler session on this thread. */
function host(): void {
  let app: RunningApp | undefined;
  let session: Session | undefined;
  const logs = devNull();
  const reply = (message: FromHost) => process.send!(message);
  const handle = async (message: ToHost): Promise<FromHost> => {
    switch (message.type) {
      case 'start':
        app = await startApp(message.spec, logs.stream);
        return { type: 'started', eventsUrl: app.eventsUrl };
      case 'times':
        return { type: 'times', times: { main: threadTimes(), processMs: processCpuMs() } };
      case 'profile-start':
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        // 200 µs: fine enough for functions that take tens of µs per mention, light enough not to swamp them.
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
        return { type: 'profiling' };
      case 'profile-stop': {
        if (!session) throw new Error('profile-stop without profile-start');
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = undefined;
        // The extra fields let the summary speak per mention and in CPU time; DevTools ignores them.
        writeFileSync(message.file, JSON.stringify({ ...profile, ...message.extra }));
        return { type: 'profiled' };
      }
      case 'stop':
        await app?.stop();
        logs.close();
        return { type: 'stopped' };
    }
  };
  // In order, one at a time: the parent waits for each answer before the next request anyway.
  let queue = Promise.resolve();
  process.on('message', (message: ToHost) => {
    queue = queue.then(async () => {
      try {
        reply(await handle(message));
        if (message.type === 'stop') process.disconnect();
      } catch (err) {
        reply({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    });
  });
}

function startApp(spec: AppSpec, logs: NodeJS.WritableStream): Promise<RunningApp> {
  const config = loadConfig(spec.env, { configDir: path.resolve(__dirname, '../config') });
  if (spec.app === 'channelwise') return startChannelwise({ env: spec.env, dir: spec.dir, logger: createLogger(config.logLevel, logs) });
  const { slack, openai } = config;
  if (!slack?.signingSecret || !slack.apiUrl || !openai?.baseUrl)
    throw new Error('the bare app needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and OPENAI_BASE_URL');
  return startBareBolt({
    botToken: slack.botToken,
    signingSecret: slack.signingSecret,
    slackApiUrl: slack.apiUrl,
    openaiBaseUrl: openai.baseUrl,
    model: config.models.chat,
    systemPrompt: config.defaults.persona,
    streamModel: spec.app === 'bare-streamed',
  });
}

if (require.main === module && process.send) host();
