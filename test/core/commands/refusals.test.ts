/**
 * Every admin subcommand of the command table, run by someone who is not an admin, on every
 * adapter: the one refusal sentence, and nothing in the store changes. The cases come from the
 * table (each admin row's examples), so a new subcommand is covered by adding its row.
 */
import { PassThrough, Readable } from 'node:stream';
import { CONSOLE_SCOPE, ConsoleAdapter } from '../../../src/adapters/console/console-adapter';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import type { CommandRunner } from '../../../src/core/commands/registry';
import { COMMAND_FAMILIES, subcommandsOfFamily } from '../../../src/core/commands/table';
import type { ChannelScope } from '../../../src/core/types';
import { admin, makeTestApp, member, scopeA, type TestApp } from '../../helpers/app';
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
