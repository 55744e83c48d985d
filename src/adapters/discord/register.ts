/**
 * `npm run discord:register` registers the application commands globally (they reach every guild
 * within about an hour); `npm run discord:register -- --guild <id>` registers them in one guild at
 * once (for testing). The definitions come from the command table, as at start-up.
 */
import { config as loadDotenv } from 'dotenv';
import { REST, Routes } from 'discord.js';
import { ConfigError, loadConfig } from '../../config';
import { applicationCommands } from './commands';

async function main(argv: readonly string[]): Promise<number> {
  loadDotenv({ quiet: true });
  const guildAt = argv.indexOf('--guild');
  const guild = guildAt === -1 ? undefined : argv[guildAt + 1];
  if (guildAt !== -1 && !(guild && /^\d{5,25}$/.test(guild))) {
    process.stderr.write("discord:register: --guild needs a guild id (a number, from the server's context menu → Copy Server ID).\n");
    return 1;
  }
  const config = loadConfig(process.env);
  if (!config.discord) {
    process.stderr.write('discord:register: set DISCORD_TOKEN and DISCORD_APPLICATION_ID first.\n');
    return 1;
  }
  const { token, applicationId, apiUrl } = config.discord;
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  const body = applicationCommands();
  await rest.put(guild ? Routes.applicationGuildCommands(applicationId, guild) : Routes.applicationCommands(applicationId), { body });
  process.stdout.write(`Registered ${body.length} commands ${guild ? `in guild ${guild}` : 'globally'}.\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof ConfigError ? `configuration error: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`discord:register: ${message}\n`);
    process.exitCode = 1;
  },
);
