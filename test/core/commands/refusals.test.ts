/**
 * Every admin subcommand of the command table, run by someone who is not an admin, on every
 * adapter: the one refusal sentence, and nothing in the store changes. The cases come from the
 * table (each admin row's examples), so a new subcommand is covered by adding its row.
 */
import { PassThrough, Readable } from 'node:stream';
import { CONSOLE_SCOPE, ConsoleAdapter } from '../../../src/adapters/console/console-adapter';
import { discordScope } from '../../../src/adapters/discord/inbound';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import type { CommandRunner } from '../../../src/core/commands/registry';
import { COMMAND_FAMILIES, subcommandsOfFamily } from '../../../src/core/commands/table';
import type { ChannelScope } from '../../../src/core/types';
import { admin, makeTestApp, member, scopeA, type TestApp } from '../../helpers/app';
import { allEphemeral, told, useDiscordHarness } from '../../helpers/discord-harness';
import { CHANNEL, MEMBER, useSlackHarness } from '../../helpers/slack-harness';
import { storeSnapshot } from './store-snapshot';

const CASES = COMMAND_FAMILIES.flatMap((family) =>
  subcommandsOfFamily(family)
    .filter((row) => row.admin)
    .flatMap((row) => row.examples.map((text) => ({ family, text, line: `/${family} ${text}`.trim() }))),
);
const TABLE = CASES.map((c) => [c.line, c] as const);

const nobodyIsAdmin = { isAdmin: async () => false };
const everyoneIsAdmin = { isAdmin: async () => true };

/** State each refused command would otherwise change: a persona (saved too), an example, a document, a budget. */
async function seed(app: TestApp, scope: ChannelScope): Promise<void> {
  const runner = app.commands(everyoneIsAdmin);
  for (const [name, text] of [
    ['persona', 'set Original persona.'],
    ['persona', 'save pirate'],
    ['fewshot', 'add Q => A'],
    ['kb', 'add Original knowledge.'],
    ['budget', 'set 25 warn 50'],
  ] as const) {
    const reply = await runner.run({ scope, user: admin, name, text });
    expect(reply.text).not.toBe(NOT_ADMIN_SENTENCE);
  }
}

it('covers every admin subcommand of the table', () => {
  const covered = new Set(CASES.map((c) => `${c.family} ${c.text.split(' ')[0] ?? ''}`));
  // A few by name, so an empty or truncated list cannot pass unnoticed.
  for (const line of ['persona set', 'fewshot add', 'route prompt', 'model gpt-4o', 'kb strict', 'finetune start', 'budget set', 'eval run']) {
    expect(covered).toContain(line);
  }
  expect(CASES.length).toBeGreaterThanOrEqual(26);
});

describe('through the CommandRunner', () => {
  let app: TestApp;
  let runner: CommandRunner;
  beforeAll(async () => {
    app = await makeTestApp();
    runner = app.commands(nobodyIsAdmin);
    await seed(app, scopeA);
  });
  afterAll(async () => {
    await app.dispose();
  });

  it.each(TABLE)('%s', async (_line, { family, text }) => {
    const before = await storeSnapshot(app.store, scopeA);
    const reply = await runner.run({ scope: scopeA, user: member, name: family, text });
    expect(reply).toEqual({ text: NOT_ADMIN_SENTENCE });
    expect(await storeSnapshot(app.store, scopeA)).toBe(before);
  });
});

describe('through the console adapter', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await makeTestApp();
    await seed(app, CONSOLE_SCOPE);
  });
  afterAll(async () => {
    await app.dispose();
  });

  it.each(TABLE)('%s', async (line) => {
    const before = await storeSnapshot(app.store, CONSOLE_SCOPE);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const commands = app.commands(nobodyIsAdmin);
    const consoleAdapter = new ConsoleAdapter({
      input: Readable.from([`${line}\n`]),
      output,
      messages: app.messages(commands),
      commands,
      interactive: false,
      offline: true,
    });
    await consoleAdapter.run();
    expect(printed).toBe(`${NOT_ADMIN_SENTENCE}\n`);
    expect(await storeSnapshot(app.store, CONSOLE_SCOPE)).toBe(before);
  });
});

describe('through the Slack adapter over HTTP, as a member who is not a workspace admin', () => {
  const ctx = useSlackHarness();

  it.each(TABLE)('%s', async (_line, { family, text }) => {
    const scope = slackScope(ctx.h.slack.team, CHANNEL);
    await seed(ctx.h.app, scope);
    const callsBefore = ctx.h.slack.calls.length;
    const before = await storeSnapshot(ctx.h.app.store, scope);
    expect(await ctx.h.run(`/${family}`, text, MEMBER)).toEqual({ status: 200, told: NOT_ADMIN_SENTENCE });
    expect(await storeSnapshot(ctx.h.app.store, scope)).toBe(before);
    // Nothing announced in the channel, no form opened: only the workspace-admin lookup, if any.
    const methods = ctx.h.slack.calls.slice(callsBefore).map((call) => call.method);
    expect(methods.filter((method) => method !== 'users.info')).toEqual([]);
  });
});

/**
 * Discord: every admin row that SPEC §7 gives a Discord subcommand, with its required options filled
 * in (a choice: its first), and the rows' other shapes (all options; the finetune route through
 * `set`). `kb attach`, `detach` and `strict` have no Discord form, so they cannot be run there.
 */
const SAMPLE: Record<string, string | number | boolean> = {
  text: 'You are a pirate.',
  version: 1,
  name: 'pirate',
  input: 'Hi',
  output: 'Hello.',
  expected: '4',
  number: 1,
  model: 'gpt-4o',
  doc: 'd1',
  usd: 25,
  warn: 90,
  k: 3,
  base_model: 'gpt-4o-mini',
  switch: true,
  epochs: 3,
  levers: 'prompt fewshot',
  judge: true,
  url: 'https://docs.example/guide',
};
const DISCORD_CASES = COMMAND_FAMILIES.flatMap((family) =>
  subcommandsOfFamily(family)
    .filter((row) => row.admin && row.options !== null)
    .map((row) => ({
      family,
      subcommand: row.name,
      options: Object.fromEntries((row.options ?? []).filter((o) => o.required).map((o) => [o.name, o.choices?.[0] ?? SAMPLE[o.name] ?? 'x'])),
    })),
).concat([
  { family: 'route', subcommand: 'set', options: { route: 'finetune', model: 'ft:gpt-4o-mini:org::abc' } },
  { family: 'fewshot', subcommand: 'add', options: { input: 'Hi', output: 'Hello.' } },
  { family: 'fewshot', subcommand: 'mode', options: { mode: 'auto', k: 3 } },
  { family: 'kb', subcommand: 'add', options: { url: 'https://docs.example/guide' } },
  { family: 'finetune', subcommand: 'start', options: { base_model: 'gpt-4o-mini', switch: true, epochs: 3 } },
  { family: 'budget', subcommand: 'set', options: { usd: 25, warn: 90 } },
  { family: 'eval', subcommand: 'run', options: { levers: 'prompt fewshot', judge: true } },
]);

describe('through the Discord adapter, as a member without Manage Server', () => {
  const discord = useDiscordHarness();

  it('covers every admin row with a Discord subcommand', () => {
    const covered = new Set(DISCORD_CASES.map((c) => `${c.family} ${c.subcommand}`));
    const expected = CASES.map(
      (c) => `${c.family} ${subcommandsOfFamily(c.family).find((row) => row.keywords.includes(c.text.split(' ')[0]?.toLowerCase() ?? ''))?.name ?? 'set'}`,
    ).filter((line) => !['kb attach', 'kb detach', 'kb strict', 'route finetune'].includes(line));
    for (const line of expected) expect(covered).toContain(line);
  });

  it.each(DISCORD_CASES.map((c) => [`/${c.family} ${c.subcommand} ${JSON.stringify(c.options)}`, c] as const))(
    '%s',
    async (_line, { family, subcommand, options }) => {
      const { h } = discord;
      const scope = discordScope(h.guild.id, h.channel.id);
      await seed(h.app, scope);
      const before = await storeSnapshot(h.app.store, scope);
      const requestsBefore = h.discord.requests.length;
      const record = await h.slash(h.member, family, subcommand, options);
      expect(told(record)).toBe(NOT_ADMIN_SENTENCE);
      expect(allEphemeral(record)).toBe(true);
      expect(await storeSnapshot(h.app.store, scope)).toBe(before);
      // Nothing posted in the channel, no modal opened: only the interaction's own answer.
      expect(record.callbacks.map((c) => c['type'])).not.toContain(9);
      const sent = h.discord.requests
        .slice(requestsBefore)
        .filter((r) => r.route !== undefined && !r.route.startsWith('/interactions/') && !r.route.startsWith('/webhooks/'));
      expect(sent.map((r) => `${r.method} ${r.route}`)).toEqual([]);
    },
  );
});
