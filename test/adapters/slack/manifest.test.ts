/**
 * The Slack app manifest in config/ must match the code: every command family the core registers
 * is a slash command (generated from the command table), every event the adapter listens to is subscribed, the shortcuts exist, and
 * every Web API method the adapter calls (and every file it downloads) is covered by a bot scope.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SLACK_EVENTS } from '../../../src/adapters/slack/slack-adapter';
import { EVAL_SHORTCUT, FEWSHOT_SHORTCUT, KB_FILES_SHORTCUT, MESSAGE_SHORTCUTS } from '../../../src/adapters/slack/shortcuts';
import { MANIFEST_FILE, renderManifest } from '../../../src/adapters/slack/manifest';
import { COMMAND_FAMILIES, familySpec, platformFamilies, usageOf } from '../../../src/core/commands/table';
import type { CommandFamily } from '../../../src/core/commands/types';

interface Manifest {
  features: {
    slash_commands: { command: string; url?: string; description: string; usage_hint?: string }[];
    shortcuts: { callback_id: string; type: string }[];
    app_home: { home_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
}

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../config/slack-manifest.json'), 'utf8')) as Manifest;

/** Scopes Slack requires per method (docs.slack.dev/reference/methods/<method>, "Bot token" scopes). */
const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.startStream': ['chat:write'],
  'chat.appendStream': ['chat:write'],
  'chat.stopStream': ['chat:write'],
  'users.info': ['users:read'],
  // One of the history scopes per conversation type the bot is in.
  'conversations.replies': ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
  'conversations.history': ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
  // files.uploadV2 is these two calls (and a POST of the bytes to the URL the first returns).
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

/** Events an app subscribes to by scope-specific names; `message` needs one per conversation type. */
const EVENT_SUBSCRIPTIONS: Record<string, string[]> = {
  message: ['message.channels', 'message.groups', 'message.im', 'message.mpim'],
};

/** Scopes each subscribed event needs. */
const EVENT_SCOPES: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.im': 'im:history',
  'message.mpim': 'mpim:history',
  reaction_added: 'reactions:read',
};

describe('config/slack-manifest.json', () => {
  it('has exactly one slash command per command family the core registers, console-only ones aside', () => {
    const commands = manifest.features.slash_commands.map((c) => c.command);
    expect(new Set(commands).size).toBe(commands.length);
    // SPEC §3: /feedback is the console's vote; Slack answers carry feedback buttons instead.
    expect(COMMAND_FAMILIES.filter((family) => !commands.includes(`/${family}`))).toEqual(['feedback']);
    expect(commands.sort()).toEqual(
      platformFamilies()
        .map((f) => `/${f}`)
        .sort(),
    );
    for (const command of manifest.features.slash_commands) expect(command.url).toMatch(/\/slack\/events$/);
  });

  it('is what `npm run slack:manifest` writes from the command table (run it after changing a command)', () => {
    const committed = readFileSync(MANIFEST_FILE, 'utf8');
    expect(committed).toBe(renderManifest(committed));
  });

  it("takes each command's description and usage hint from its family's table", () => {
    for (const command of manifest.features.slash_commands) {
      const family = command.command.slice(1) as CommandFamily;
      expect(command.description).toBe(familySpec(family).summary);
      // Every subcommand's syntax appears in the hint, so the hint lists them all.
      for (const line of usageOf(family).split('\n')) {
        const syntax = line.split(' — ')[0]!.slice(command.command.length).trim();
        if (syntax !== '') expect(command.usage_hint ?? '').toContain(syntax);
      }
    }
  });

  it('subscribes to every event the adapter listens to', () => {
    const subscribed = manifest.settings.event_subscriptions.bot_events;
    for (const event of SLACK_EVENTS) {
      for (const name of EVENT_SUBSCRIPTIONS[event] ?? [event]) expect(subscribed).toContain(name);
    }
    for (const event of subscribed) {
      const scope = EVENT_SCOPES[event];
      if (scope) expect(manifest.oauth_config.scopes.bot).toContain(scope);
    }
  });

  it('declares the message shortcuts, App Home and interactivity', () => {
    expect(manifest.features.shortcuts).toContainEqual(expect.objectContaining({ callback_id: FEWSHOT_SHORTCUT, type: 'message' }));
    expect(manifest.features.shortcuts).toContainEqual(expect.objectContaining({ callback_id: KB_FILES_SHORTCUT, type: 'message' }));
    expect(manifest.features.shortcuts).toContainEqual(expect.objectContaining({ callback_id: EVAL_SHORTCUT, type: 'message' }));
    expect(manifest.features.shortcuts.map((s) => s.callback_id)).toEqual(MESSAGE_SHORTCUTS.map((s) => s.callback_id));
    // Slack's limits for a shortcut's name and description.
    for (const shortcut of MESSAGE_SHORTCUTS) expect([...shortcut.name].length <= 24 && [...shortcut.description].length <= 150).toBe(true);
    expect(new Set(manifest.features.shortcuts.map((s) => s.callback_id)).size).toBe(manifest.features.shortcuts.length);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('grants the scopes of every Web API method the adapter calls', () => {
    const bot = manifest.oauth_config.scopes.bot;
    expect(bot).toContain('commands');
    for (const [method, scopes] of Object.entries(METHOD_SCOPES)) {
      for (const scope of scopes) expect({ method, has: bot.includes(scope) }).toEqual({ method, has: true });
    }
  });

  it('grants files:read, without which Slack answers file downloads with its sign-in page', () => {
    const source = readFileSync(path.resolve(__dirname, '../../../src/adapters/slack/files.ts'), 'utf8');
    expect(source).toMatch(/url_private/);
    expect(manifest.oauth_config.scopes.bot).toContain('files:read');
  });

  it('lists every method the adapter source calls in the scope table above', () => {
    const dir = path.resolve(__dirname, '../../../src/adapters/slack');
    const source = ['reply-stream.ts', 'interactions.ts', 'response-url.ts', 'permissions.ts', 'threads.ts', 'slack-adapter.ts', 'message-handler.ts']
      .map((file) => readFileSync(path.join(dir, file), 'utf8'))
      .join('\n');
    const called = new Set([...source.matchAll(/client\.(chat|users|conversations|views)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`));
    if (source.includes('chatStream(')) ['chat.startStream', 'chat.appendStream', 'chat.stopStream'].forEach((m) => called.add(m));
    if (source.includes('filesUploadV2(')) ['files.getUploadURLExternal', 'files.completeUploadExternal'].forEach((m) => called.add(m));
    const needsNoScope = new Set(['views.open', 'views.publish']); // usable by any app with a bot token
    for (const method of called) if (!needsNoScope.has(method)) expect(Object.keys(METHOD_SCOPES)).toContain(method);
  });
});
