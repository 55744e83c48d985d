/**
 * `npm run slack:manifest`: rewrites the slash commands of config/slack-manifest.json from the
 * command table, and its message shortcuts from the adapter's list (shortcuts.ts), so Slack's
 * command list, descriptions, usage hints and shortcuts never drift from the code. The rest of the
 * manifest (scopes, events) is kept as it is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { slackSlashCommands } from '../../core/commands/table';
import { MESSAGE_SHORTCUTS } from './shortcuts';

export const MANIFEST_FILE = path.resolve(__dirname, '../../../config/slack-manifest.json');

interface SlashCommand {
  readonly command: string;
  readonly url: string;
  readonly description: string;
  readonly usage_hint?: string;
  readonly should_escape: boolean;
}

interface Manifest {
  readonly features: { readonly slash_commands?: readonly { readonly url?: string }[] } & Record<string, unknown>;
  readonly settings?: { readonly event_subscriptions?: { readonly request_url?: string } };
}

/**
 * The manifest with its slash commands derived from the table, each sent to the app's request URL,
 * and its shortcuts from the adapter's list.
 */
export function withDerivedFeatures<M extends Manifest>(manifest: M): M {
  const url = manifest.features.slash_commands?.[0]?.url ?? manifest.settings?.event_subscriptions?.request_url ?? 'https://your-host.example/slack/events';
  const slash_commands: SlashCommand[] = slackSlashCommands().map((command) => ({
    command: command.command,
    url,
    description: command.description,
    ...(command.usageHint ? { usage_hint: command.usageHint } : {}),
    // Slack still wraps links and escapes & < >; the adapter undoes that (./markup.ts).
    should_escape: false,
  }));
  const shortcuts = MESSAGE_SHORTCUTS.map(({ name, callback_id, description }) => ({ name, type: 'message', callback_id, description }));
  return { ...manifest, features: { ...manifest.features, shortcuts, slash_commands } };
}

export function renderManifest(text: string): string {
  return `${JSON.stringify(withDerivedFeatures(JSON.parse(text) as Manifest), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(MANIFEST_FILE, renderManifest(readFileSync(MANIFEST_FILE, 'utf8')));
  process.stdout.write(`wrote the slash commands and shortcuts of ${path.relative(process.cwd(), MANIFEST_FILE)}\n`);
}
