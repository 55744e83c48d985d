/**
 * Sharding (DISCORD_SHARDS, for bots past 2,500 guilds, where Discord requires it): discord.js's
 * ShardingManager starts one process per shard, each running this same program as a Discord-only
 * worker (`shardChild` in config) on the shared store (Redis or PostgreSQL; config refuses SQLite).
 * `auto` asks Discord (at DISCORD_API_URL) for its recommended shard count.
 */
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { Logger } from '../../core/ports';

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
  manager.on('shardCreate', (shard) => {
    options.logger.info({ shard: shard.id, of: totalShards }, 'Discord shard started');
    shard.on('death', () => options.logger.warn({ shard: shard.id }, 'Discord shard exited'));
  });
  await manager.spawn({ amount: totalShards, timeout: 120_000 });
  return {
    stop: async () => {
      manager.respawn = false;
      await Promise.all(
        [...manager.shards.values()].map(
          (shard) =>
            new Promise<void>((resolve) => {
              if (!shard.process || shard.process.exitCode !== null) return resolve();
              shard.process.once('exit', () => resolve());
              shard.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
