/**
 * Sharding (DISCORD_SHARDS, for bots past 2,500 guilds, where Discord requires it): discord.js's
 * ShardingManager starts one process per shard, each running this same program as a Discord-only
 * worker (`shardChild` in config) on the shared store (Redis or PostgreSQL; config refuses SQLite).
 * `auto` asks Discord (at DISCORD_API_URL) for its recommended shard count.
 */
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/ports';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/**
 * How long a shard may take to drain after SIGTERM before it is killed: a shard that never exits
 * (seen now and then under load, after its "shutting down") must not keep the manager from exiting.
 */
const SHARD_STOP_MS = 15_000;

/** SIGTERM to one shard process, SIGKILL after SHARD_STOP_MS; resolves once it has exited. */
function stopShard(child: ChildProcess | null, id: number, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    // A shard killed by a signal has no exit code, only a signal code: it is gone too.
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => {
      logger.warn({ shard: id, waitedMs: SHARD_STOP_MS }, 'Discord shard did not stop after SIGTERM; killing it');
      child.kill('SIGKILL');
    }, SHARD_STOP_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface ShardOptions {
  readonly token: string;
  readonly shards: number | 'auto';
  readonly apiUrl?: string;
  /** The program each shard runs (this process's entry file). */
  readonly script: string;
  readonly logger: Logger;
}

export async function recommendedShards(token: string, apiUrl?: string): Promise<number> {
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return Math.max(1, gateway.shards);
}

/** Spawns every shard; resolves once they are all connected. `stop` ends them (each drains its answers). */
export async function runShards(options: ShardOptions): Promise<{ stop(): Promise<void> }> {
  const totalShards = options.shards === 'auto' ? await recommendedShards(options.token, options.apiUrl) : options.shards;
  const manager = new ShardingManager(options.script, {
    token: options.token,
    totalShards,
    mode: 'process',
    respawn: true,
    // Children run the same way as this process (e.g. through tsx).
    execArgv: [...process.execArgv],
  });
  // A Procfile runner signals the whole process group: the shards get the signal with us and may
  // exit before `stop` runs, so respawning ends with the first signal, and later signals (tsx
  // relays ours once more) are ignored while the shards drain.
  const ignoreLater = () => undefined;
  const stopRespawning = () => {
    manager.respawn = false;
    for (const signal of STOP_SIGNALS) process.on(signal, ignoreLater);
  };
  for (const signal of STOP_SIGNALS) process.once(signal, stopRespawning);
  manager.on('shardCreate', (shard) => {
    options.logger.info({ shard: shard.id, of: totalShards }, 'Discord shard started');
    shard.on('death', () => options.logger.warn({ shard: shard.id }, 'Discord shard exited'));
  });
  await manager.spawn({ amount: totalShards, timeout: 120_000 });
  return {
    stop: async () => {
      stopRespawning();
      await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard.process, shard.id, options.logger)));
    },
  };
}
