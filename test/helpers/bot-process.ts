/**
 * Real bot processes for multi-process tests and the load bench: `npm start` in a child process
 * (its own process group, as a Procfile runner starts it), PORT chosen free, the environment given
 * and nothing inherited but PATH (so no developer's keys or store leak in). Logs are kept so a test
 * can read them (and scan them for secrets).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, waitFor } from './processes';

const ROOT = path.resolve(__dirname, '../..');

export interface BotProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: /healthz, /metrics, /slack/events. */
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends a signal to the whole process group (npm, its shell and node), as a Procfile runner does. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the group when still running, then waits for the exit. */
  kill(): Promise<void>;
}

export interface BotProcessOptions {
  /** Environment of the bot (PORT is added). PATH is passed through; nothing else is inherited. */
  readonly env: Record<string, string>;
  /** Working directory (the default SQLite file lives under it); a fresh temp dir by default. */
  readonly cwd?: string;
  /** `npm` runs `npm start` (the default, as users do); `tsx` runs the entry point directly under node with tsx's loader (faster to start). */
  readonly via?: 'npm' | 'tsx';
  /** Waits for /healthz to answer 200 before resolving (default true). */
  readonly waitHealthy?: boolean;
  /**
   * Changes to config/default.json for this process (merged key by key, e.g. `{ profiles: { cacheMs:
   * 60000 } }`), written with the other config files into a folder of its own that CONFIG_DIR names.
   */
  readonly config?: ConfigPatch;
}

export type ConfigPatch = { readonly [key: string]: unknown };

/** A copy of config/ with `patch` merged into default.json; returns the folder. */
export function patchedConfigDir(patch: ConfigPatch): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-config-'));
  cpSync(path.join(ROOT, 'config'), dir, { recursive: true });
  const file = path.join(dir, 'default.json');
  writeFileSync(file, JSON.stringify(mergeDeep(JSON.parse(readFileSync(file, 'utf8')) as ConfigPatch, patch), null, 2));
  return dir;
}

function mergeDeep(base: ConfigPatch, patch: ConfigPatch): ConfigPatch {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const under = merged[key];
    const bothObjects = [under, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    merged[key] = bothObjects ? mergeDeep(under as ConfigPatch, value as ConfigPatch) : value;
  }
  return merged;
}

/** Every process group started here: killed when the test process exits, so a failed or timed-out test leaks none. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startBotProcess(options: BotProcessOptions): Promise<BotProcess> {
  const port = await freePort();
  const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), 'channelwise-bot-'));
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: cwd,
    ...(options.config ? { CONFIG_DIR: patchedConfigDir(options.config) } : {}),
    ...options.env,
    PORT: String(port),
  };
  const child =
    options.via === 'tsx'
      ? spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(ROOT, 'src', 'index.ts')], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        })
      : spawn('npm', ['start', '--silent', '--prefix', ROOT], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (child.pid !== undefined) running.add(child.pid);
  // Kept after the leader exits: its group (a shard, npm's node) may outlive it.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const bot: BotProcess = {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    logs: () => output,
    exited,
    signal,
    kill: async () => {
      signal('SIGKILL');
      await exited;
    },
  };
  if (options.waitHealthy !== false) {
    const early = exited.then((code) => {
      throw new Error(`bot process exited with ${code} before it was healthy:\n${output}`);
    });
    await Promise.race([
      waitFor(async () => ((await fetch(`${bot.baseUrl}/healthz`)).ok ? true : undefined), `/healthz of the bot on port ${port}`, 600),
      early,
    ]).catch(async (err: unknown) => {
      await bot.kill();
      throw err;
    });
    early.catch(() => undefined);
  }
  return bot;
}

/** Starts `count` bots with the same environment (one store, one fake Slack and model), in parallel. */
export function startBotProcesses(count: number, options: BotProcessOptions): Promise<BotProcess[]> {
  if (options.config) {
    // One folder for all of them.
    const { config, ...rest } = options;
    options = { ...rest, env: { CONFIG_DIR: patchedConfigDir(config), ...options.env } };
  }
  return Promise.all(Array.from({ length: count }, () => startBotProcess(options)));
}
